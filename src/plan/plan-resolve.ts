// From a validated plan to the vocabulary the decision table speaks: each disk's
// Backend and DiskIntent, guest target names and one iothread per virtio disk. Pure.
import type { Backend, DiskIntent } from '../model/disk-types.js';
import type { ImageFormat } from '../model/disk-types.js';
import { plannedFileBackend, type Preallocation } from '../decide/planned-backend.js';
import { parseSize, type Size } from '../size.js';
import type { Plan, PlanDisk, PlanPool, PlanVm } from './plan-schema.js';
import type { PlanFacts } from './plan-facts.js';

export const sizeOf = (text: string): Size => parseSize(text.replace(/\s+/g, ''));

/** The VG an LV disk lives in: its vg, or the VG of the logical pool it names. */
export function vgOfDisk(plan: Plan, facts: PlanFacts | undefined, d: Extract<PlanDisk, { type: 'lv' }>): string | undefined {
  if (d.vg !== undefined) return d.vg;
  if (d.pool === undefined) return undefined;
  const p = plan.pools.find((x) => x.name === d.pool);
  if (p) return p.type === 'logical' ? p.vg : undefined;
  const live = facts?.pt.pools.ok ? facts.pt.pools.value.find((x) => x.name === d.pool) : undefined;
  return live?.type === 'logical' ? (live.sourceName ?? live.name) : undefined;
}

/** A dir pool's path, from the plan or the host's pools. */
export function dirPoolPath(plan: Plan, facts: PlanFacts | undefined, pool: string): string | undefined {
  const p: PlanPool | undefined = plan.pools.find((x) => x.name === pool);
  if (p) return p.type === 'dir' ? p.path : undefined;
  const live = facts?.pt.pools.ok ? facts.pt.pools.value.find((x) => x.name === pool) : undefined;
  return live?.type === 'dir' ? live.targetPath : undefined;
}

/** raw is preallocated (falloc) and qcow2 metadata-preallocated unless the plan says otherwise (the guide preallocates; virt-install uses metadata for qcow2). */
export const preallocationOf = (d: Extract<PlanDisk, { type: 'image' }>): Preallocation =>
  (d.preallocation ?? (d.format === 'raw' ? 'falloc' : 'metadata')) as Preallocation;

export const imagePath = (dir: string, name: string): string => `${dir.replace(/\/+$/, '')}/${name}`;

export function backendOf(plan: Plan, facts: PlanFacts | undefined, d: PlanDisk): Backend | undefined {
  switch (d.type) {
    case 'lv': {
      const vg = vgOfDisk(plan, facts, d);
      return vg === undefined ? undefined : { kind: 'lv', vg, lv: d.name, path: `/dev/${vg}/${d.name}`, thin: d.thin !== undefined };
    }
    case 'image': {
      const dir = dirPoolPath(plan, facts, d.pool);
      if (dir === undefined) return undefined;
      // The pool directory is assumed to take O_DIRECT (cache=none): plan apply creates
      // the volume through libvirt and the table's choice is re-made from the created file.
      return plannedFileBackend({ path: imagePath(dir, d.name), format: d.format as ImageFormat, virtualSize: sizeOf(d.size), preallocation: preallocationOf(d), directIo: true });
    }
    case 'disk':
      return { kind: 'block', path: d.device, device: 'whole' };
    case 'partition':
      return { kind: 'block', path: d.device, device: 'partition' };
    case 'pci':
      return { kind: 'pci', address: d.address };
  }
}

const letters = (i: number): string => (i < 26 ? String.fromCharCode(97 + i) : letters(Math.floor(i / 26) - 1) + String.fromCharCode(97 + (i % 26)));

/** Intent per disk of a VM: explicit overrides, else vda, vdb … (sda … on SCSI) and iothread N for the Nth virtio disk. */
export function intentsOf(vm: PlanVm): (DiskIntent | undefined)[] {
  let blk = 0;
  let scsi = 0;
  let iothread = 0;
  return vm.disks.map((d) => {
    if (d.type === 'pci') return undefined;
    const bus = (d.bus ?? 'virtio-blk') as DiskIntent['bus'];
    const target = d.target ?? (bus === 'virtio-scsi' ? `sd${letters(scsi++)}` : `vd${letters(blk++)}`);
    const on = d.iothread !== false;
    return {
      bus,
      target,
      ...(on ? { iothreadId: ++iothread } : { iothread: false }),
      ...(d.queues !== undefined ? { queues: d.queues } : {}),
      ...(d.cache !== undefined ? { cache: d.cache as DiskIntent['cache'] } : {}),
      ...(d.aio !== undefined ? { aio: d.aio as DiskIntent['aio'] } : {}),
    };
  });
}

/** UEFI (OVMF) for a VM with a passed-through device unless the plan says bios (the guide uses OVMF for PCI assignment). */
export const firmwareOf = (vm: PlanVm): 'bios' | 'uefi' => vm.firmware ?? (vm.disks.some((d) => d.type === 'pci') ? 'uefi' : 'bios');

export const diskLabel = (d: PlanDisk): string =>
  d.type === 'lv' ? `lv ${d.vg ?? d.pool}/${d.name}` : d.type === 'image' ? `image ${d.pool}/${d.name}` : d.type === 'pci' ? `pci ${d.address}` : `${d.type} ${d.device}`;
