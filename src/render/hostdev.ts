// The libvirt <hostdev> element and the QEMU -device words for one PCI device on
// vfio-pci, printed by `kvmio passthrough bind`. Built with the disk renderer's XML
// writer and address parser (render/xml-text.ts, render/disk-layout.ts) so both emit the
// same form. managed='no' by default: kvmio did the binding, and libvirt's
// managed='yes' would rebind the host driver at every VM stop, undoing the journaled
// bind. Refs: libvirt formatdomain "Host device assignment"; QEMU docs/system/devices/vfio.
import { parsePciAddress } from './disk-layout.js';
import { el, renderXml } from './xml-text.js';

export function renderHostdevXml(address: string, opts: { managed?: boolean } = {}): string {
  const a = parsePciAddress(address);
  return renderXml(el('hostdev', [['mode', 'subsystem'], ['type', 'pci'], ['managed', opts.managed ? 'yes' : 'no']], [
    el('driver', [['name', 'vfio']]),
    el('source', [], [el('address', [['domain', a.domain], ['bus', a.bus], ['slot', a.slot], ['function', a.function]])]),
  ]));
}

/** QEMU argv words (never a shell string). */
export const renderVfioDeviceArgs = (address: string): string[] => ['-device', `vfio-pci,host=${address}`];
