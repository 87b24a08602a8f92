// The manager-neutral tune plan (decide/plan-vm-tune.ts: settings per disk key, iothreads
// per controller key) in Proxmox's terms: what planQmSet needs per drive. An iothread
// on a controller becomes iothread=1 on each SCSI drive it serves (Proxmox has no
// shared SCSI iothread: it needs virtio-scsi-single, one controller per drive). Bus moves
// are not written here: on Proxmox they rename the drive (sata0 → virtioN), which the
// operator does by hand; an emulated SCSI HBA moves to virtio-scsi by one key. Pure.
import type { AioMode, CacheMode } from '../model/disk-types.js';
import type { DiskWants } from './plan-qm-set.js';
import type { ProxmoxVm } from './read-proxmox-vm.js';

/** The parts of decide/'s TunePlan this adapter reads. */
export interface NeutralTunePlan {
  readonly disks: readonly {
    readonly key: string;
    readonly label: string;
    readonly set: {
      readonly cache?: CacheMode;
      readonly aio?: AioMode;
      readonly discard?: 'unmap' | null;
      readonly detectZeroes?: 'unmap' | null;
      readonly iothread?: number;
    };
    readonly bus?: { readonly from: string; readonly label: string };
    readonly reasons: readonly string[];
  }[];
  readonly controllers: readonly { readonly key: string; readonly iothread: number }[];
}

export function wantsFromPlan(plan: NeutralTunePlan, pvm: ProxmoxVm, opts: { bus?: boolean } = {}): { wants: Map<string, DiskWants>; skipped: string[] } {
  const wants = new Map<string, DiskWants>();
  const skipped: string[] = [];
  const add = (key: string, w: DiskWants): void => {
    const prev = wants.get(key) ?? {};
    wants.set(key, { ...prev, ...w, reasons: [...(prev.reasons ?? []), ...(w.reasons ?? [])] });
  };
  for (const d of plan.disks) {
    if (d.bus) skipped.push(`${d.key}: moving it to ${d.bus.label} (virtio) renames the drive on Proxmox; do it by hand: qm set ${pvm.vmid} --virtioN <its drive string> --delete ${d.key}`);
    const s = d.set;
    add(d.key, {
      ...(s.cache !== undefined ? { cache: s.cache } : {}),
      ...(s.aio !== undefined ? { aio: s.aio } : {}),
      ...(s.discard !== undefined ? { discard: s.discard ?? 'ignore' } : {}),
      ...(s.detectZeroes === 'unmap' ? { detectZeroes: 'unmap' as const } : {}),
      ...(s.iothread !== undefined ? { iothread: true } : {}),
      reasons: d.reasons,
    });
  }
  for (const c of plan.controllers) {
    const served = pvm.vm.disks.filter((d) => d.controller === c.key && d.device === 'disk');
    for (const d of served) add(d.key, { iothread: true, reasons: [`iothread: ${d.key}'s I/O leaves QEMU's main loop`] });
  }
  // --bus on an emulated SCSI HBA (lsi, megasas, pvscsi): on Proxmox one key, scsihw,
  // moves every SCSI disk to virtio-scsi at once, without renaming them (scsi0 stays
  // scsi0); virtio-scsi-single gives each its own iothread.
  if (opts.bus && pvm.vm.disks.some((d) => d.bus === 'scsi-emulated')) {
    for (const d of pvm.vm.disks) if (d.bus === 'scsi-emulated' && d.device === 'disk') add(d.key, { iothread: true, reasons: [`scsihw ${pvm.scsihw.value} → virtio-scsi-single: a paravirtual controller and an iothread per disk (the drive keeps its name)`] });
  }
  return { wants, skipped };
}
