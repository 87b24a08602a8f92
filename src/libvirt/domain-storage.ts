// What the pass-through "in use by a domain" guard needs of a domain (its disk sources
// and PCI host devices), from the model the libvirt adapter reads: no second XML reader.
import type { DomainStorage } from '../facts/passthrough-facts.js';
import { missing, ok, type Read } from '../facts/source.js';
import type { Vm } from '../model/vm.js';
import { readDomainXml } from './read-domain.js';

export function domainStorageOf(vm: Vm): DomainStorage {
  const diskSources = vm.disks.flatMap((d) => {
    const s = d.source;
    if (s.kind === 'file' || s.kind === 'block') return [s.path];
    if (s.kind === 'volume') return [s.path ?? `pool:${s.pool}/${s.volume}`];
    return [];
  });
  return { name: vm.ref.name, diskSources, hostdevs: vm.hostdevs.flatMap((h) => (h.type === 'pci' && h.address ? [h.address] : [])) };
}

/** `virsh dumpxml` text → DomainStorage, or why not (never throws). */
export function parseDomainStorage(xml: string): Read<DomainStorage> {
  const vm = readDomainXml(xml, { kind: 'libvirt', origin: 'saved' });
  return vm.ok ? ok(domainStorageOf(vm.value)) : missing(`domain XML: ${vm.reason}`);
}
