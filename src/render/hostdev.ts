// The libvirt <hostdev> element and the QEMU -device words for one PCI device on
// vfio-pci, printed by `kvmio passthrough bind`. Built with the disk renderer's XML
// writer and address parser (render/xml-text.ts, render/disk-layout.ts) so both emit the
// same form. managed='no' by default: kvmio did the binding, and libvirt's
// managed='yes' would rebind the host driver at every VM stop, undoing the journaled
// bind. Refs: libvirt formatdomain "Host device assignment"; QEMU docs/system/devices/vfio.
import { parsePciAddress } from './disk-layout.js';
import { el, renderXml, type XmlElement } from './xml-text.js';

/** One <hostdev> element; `disk xml` uses managed='yes' (libvirt binds), passthrough 'no'. */
export function hostdevElement(address: string, opts: { managed: boolean; vfioDriver?: boolean }): XmlElement {
  const a = parsePciAddress(address);
  return el('hostdev', [['mode', 'subsystem'], ['type', 'pci'], ['managed', opts.managed ? 'yes' : 'no']], [
    opts.vfioDriver ? el('driver', [['name', 'vfio']]) : null,
    el('source', [], [el('address', [['domain', a.domain], ['bus', a.bus], ['slot', a.slot], ['function', a.function]])]),
  ]);
}

export function renderHostdevXml(address: string, opts: { managed?: boolean } = {}): string {
  return renderXml(hostdevElement(address, { managed: opts.managed ?? false, vfioDriver: true }));
}

/** QEMU argv words (never a shell string). */
export const renderVfioDeviceArgs = (address: string): string[] => ['-device', `vfio-pci,host=${address}`];
