// Which libvirt domains use which local disk sources (saved and running definitions), for
// the guards that refuse to write to a device a VM holds (facts/probe-device.ts). Read
// through the libvirt adapter, so it is the same reader as the audit's.
import type { DomainUse, LibvirtDomains } from '../facts/device-facts.js';
import { LocalSource } from '../facts/local-source.js';
import type { Source } from '../facts/source.js';
import { libvirtUri } from '../facts/commands.js';
import { probeLibvirtDomains } from './probe-domains.js';

export async function libvirtDomainUses(src: Source, uri: string = libvirtUri()): Promise<LibvirtDomains> {
  const lv = await probeLibvirtDomains(src, { uri });
  if (!lv.status.read.ok) {
    const reason = lv.status.read.reason;
    return /ENOENT|cannot start|not found/i.test(reason) && !/exit \d+/.test(reason) ? { state: 'absent', reason } : { state: 'failed', reason };
  }
  const disks: DomainUse[] = [];
  for (const vm of lv.vms) {
    for (const d of vm.disks) {
      const s = d.source;
      const path = s.kind === 'file' || s.kind === 'block' ? s.path : s.kind === 'volume' ? s.path : undefined;
      if (path !== undefined) disks.push({ domain: vm.ref.name, target: d.label, source: path });
    }
  }
  return { state: 'checked', disks };
}

/** This host's libvirt, for the device guards (facts/probe-device.ts domainUses). */
export const localDomainUses = (): Promise<LibvirtDomains> => libvirtDomainUses(new LocalSource());
