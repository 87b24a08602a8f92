// libvirt <hostdev> XML and the QEMU -device argument for a PCI device on vfio-pci.
// Pure; fixed attribute order so golden files stay stable. managed='no': kvmio binds
// the device itself (libvirt's managed='yes' would bind and unbind it on every start
// and stop). Refs: libvirt formatdomain "Host device assignment"; QEMU docs/vfio.
export interface PciAddressParts {
  readonly domain: string;
  readonly bus: string;
  readonly slot: string;
  readonly fn: string;
}

export function splitPciAddress(address: string): PciAddressParts {
  const m = /^([0-9a-f]{4}):([0-9a-f]{2}):([0-9a-f]{2})\.([0-7])$/.exec(address);
  if (!m) throw new Error(`not a PCI address: "${address}"`);
  return { domain: m[1] as string, bus: m[2] as string, slot: m[3] as string, fn: m[4] as string };
}

export function renderHostdevXml(address: string, opts: { managed?: boolean } = {}): string {
  const p = splitPciAddress(address);
  return [
    `<hostdev mode='subsystem' type='pci' managed='${opts.managed ? 'yes' : 'no'}'>`,
    `  <driver name='vfio'/>`,
    `  <source>`,
    `    <address domain='0x${p.domain}' bus='0x${p.bus}' slot='0x${p.slot}' function='0x${p.fn}'/>`,
    `  </source>`,
    `</hostdev>`,
  ].join('\n');
}

/** QEMU argv words (never a shell string). */
export const renderVfioDeviceArgs = (address: string): string[] => ['-device', `vfio-pci,host=${address}`];
