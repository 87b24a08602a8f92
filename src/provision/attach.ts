// Adding a created disk to a domain's persistent definition (virsh attach-device
// --config), after checking the domain XML: the guest target name must be free and the
// source must not be there already. Parsing and planning are pure.
import { refused } from '../errors.js';
import { refuseBy } from './guards.js';
import { libvirtUri } from '../facts/commands.js';
import type { Vm } from '../model/vm.js';
import type { Step } from './step.js';

export interface DomainDisks {
  /** Guest target names in use ("vda", "sdb"). */
  readonly targets: readonly string[];
  /** Disk sources (file or dev paths). */
  readonly sources: readonly string[];
  /** iothreads the domain defines (0 when none). */
  readonly iothreads: number;
}

/** What an attach must not clash with, from the domain as the libvirt adapter read it (libvirt/read-domain.ts). */
export function domainDisks(vm: Vm): DomainDisks {
  return {
    targets: vm.disks.filter((d) => !d.label.startsWith('disk#')).map((d) => d.label),
    sources: vm.disks.flatMap((d) => (d.source.kind === 'file' || d.source.kind === 'block' ? [d.source.path] : [])),
    iothreads: vm.iothreads.length,
  };
}

/** The first free virtio-blk name (vda, vdb, …, vdz, vdaa …) or SCSI name (sda …). */
export function firstFreeTarget(used: readonly string[], prefix: 'vd' | 'sd'): string {
  for (let i = 0; i < 26 * 27; i++) {
    const name = prefix + (i < 26 ? String.fromCharCode(97 + i) : String.fromCharCode(96 + Math.floor(i / 26)) + String.fromCharCode(97 + (i % 26)));
    if (!used.includes(name)) return name;
  }
  throw refused(`no free ${prefix}* target name`);
}

/** Refuses a clash: the target name in use, or the source already attached. */
export function checkAttach(domain: string, disks: DomainDisks, target: string, source: string): void {
  if (disks.targets.includes(target)) {
    throw refuseBy('attach.target-clash', domain, `target ${target} is already used by another disk of ${domain} (in use: ${disks.targets.join(', ')})`, 'pick a free --target-dev');
  }
  if (disks.sources.includes(source)) {
    throw refuseBy('attach.source-attached', domain, `${source} is already a disk of ${domain}`, 'nothing to add');
  }
}

/** The steps: an iothread when the domain has too few for the disk, then the attach itself. */
export function planAttach(domain: string, disks: DomainDisks, diskElement: string, iothreadsNeeded: number, env: Readonly<Record<string, string | undefined>> = process.env): Step[] {
  const uri = libvirtUri(env);
  const steps: Step[] = [];
  for (let id = disks.iothreads + 1; id <= iothreadsNeeded; id++) {
    steps.push({ kind: 'exec', argv: ['virsh', '-q', '-c', uri, 'iothreadadd', domain, String(id), '--config'], why: `iothread ${id} in ${domain} for the disk`, undo: ['virsh', '-q', '-c', uri, 'iothreaddel', domain, String(id), '--config'] });
  }
  steps.push({ kind: 'exec', argv: ['virsh', '-q', '-c', uri, 'attach-device', domain, 'disk.xml', '--config'], why: `add the disk to ${domain}'s persistent definition`, file: { name: 'disk.xml', content: diskElement } });
  return steps;
}
