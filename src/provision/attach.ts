// Adding a created disk to a domain's persistent definition (virsh attach-device
// --config), after checking the domain XML: the guest target name must be free and the
// source must not be there already. Parsing and planning are pure.
import { DOMParser } from '@xmldom/xmldom';
import { refused, usageError } from '../errors.js';
import { refuseBy } from './guards.js';
import { libvirtUri } from '../facts/libvirt.js';
import type { Step } from './step.js';

export interface DomainDisks {
  /** Guest target names in use ("vda", "sdb"). */
  readonly targets: readonly string[];
  /** Disk sources (file or dev paths). */
  readonly sources: readonly string[];
  /** <iothreads> count (0 when absent). */
  readonly iothreads: number;
}

export function parseDomainDisks(xml: string): DomainDisks {
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  const root = doc.documentElement;
  if (!root || root.nodeName !== 'domain') throw usageError('domain XML: no <domain> element');
  const targets: string[] = [];
  const sources: string[] = [];
  const disks = root.getElementsByTagName('disk');
  for (let i = 0; i < disks.length; i++) {
    const d = disks.item(i);
    if (!d) continue;
    const t = d.getElementsByTagName('target').item(0)?.getAttribute('dev');
    if (t) targets.push(t);
    const s = d.getElementsByTagName('source').item(0);
    const src = s?.getAttribute('file') || s?.getAttribute('dev') || '';
    if (src) sources.push(src);
  }
  const io = root.getElementsByTagName('iothreads').item(0)?.textContent?.trim();
  return { targets, sources, iothreads: io ? Number(io) : 0 };
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
