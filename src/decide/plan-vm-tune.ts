// What `kvmio vm tune` changes in a VM: per disk the settings the table wants (cache,
// aio, discard, detect_zeroes, iothread), the iothreads they need, and, only when asked
// (--bus), emulated buses moved to virtio-blk. Pure and manager-neutral: the plan names
// disks and controllers by the keys the adapter gave them; the adapter (src/libvirt/
// edit-domain.ts, src/proxmox/) writes it into its own format. recommendVmDisk is the
// same function the audit compares with, so a tuned VM audits clean.
import type { AioMode, CacheMode, DiskDeviceConfig } from '../model/disk-types.js';
import type { Vm, VmDisk, VmRef } from '../model/vm.js';
import { diskIothread } from './aio-cost.js';
import { controllerOf, platformFor, recommendVmDisk, virtioBus } from './recommend-vm-disk.js';
import type { VmFacts } from '../facts/vm-disk-facts.js';

/** Settings to write on one disk; null: remove the setting (back to the default). */
export interface DiskSettings {
  readonly cache?: CacheMode;
  readonly aio?: AioMode;
  readonly discard?: 'unmap' | null;
  readonly detectZeroes?: 'unmap' | null;
  readonly iothread?: number;
}

export interface DiskEdit {
  /** VmDisk.key, for the adapter. */
  readonly key: string;
  /** VmDisk.label, for people. */
  readonly label: string;
  readonly set: DiskSettings;
  /** Move to virtio-blk; the guest then sees `label` (a new virtio name) instead of the old one. */
  readonly bus?: { readonly from: string; readonly to: 'virtio-blk'; readonly label: string };
  /** Why, one line per change. */
  readonly reasons: readonly string[];
}

export interface ControllerEdit {
  /** VmController.key ("scsi:0"). */
  readonly key: string;
  readonly iothread: number;
}

export interface TunePlan {
  readonly vm: VmRef;
  readonly disks: readonly DiskEdit[];
  readonly controllers: readonly ControllerEdit[];
  /** The iothread ids the VM must define afterwards (1..N), when it must grow. */
  readonly iothreads?: number;
  /** Disks left alone and why. */
  readonly skipped: readonly string[];
  /** Live migration and guest-visible effects. */
  readonly warnings: readonly string[];
}

const EMULATED = ['ide', 'sata', 'usb'];

export const planIsEmpty = (p: TunePlan): boolean => p.disks.length === 0 && p.controllers.length === 0 && p.iothreads === undefined;

function nextVirtioName(used: Set<string>): string {
  for (let i = 0; i < 26 * 27; i++) {
    const name = i < 26 ? `vd${String.fromCharCode(97 + i)}` : `vd${String.fromCharCode(96 + Math.floor(i / 26))}${String.fromCharCode(97 + (i % 26))}`;
    if (!used.has(name)) {
      used.add(name);
      return name;
    }
  }
  throw new Error('no free virtio disk name');
}

export function planVmTune(vm: Vm, facts: Pick<VmFacts, 'sources' | 'platform' | 'aioEvidence'>, opts: { bus?: boolean } = {}): TunePlan {
  const disks: DiskEdit[] = [];
  const controllers: ControllerEdit[] = [];
  const skipped: string[] = [];
  const warnings: string[] = [];
  const usedNames = new Set(vm.disks.map((d) => d.label));
  let maxThread = Math.max(0, ...vm.iothreads);
  const newThread = (): number => (maxThread += 1);
  let iothreadsGrow = false;

  for (const disk of vm.disks) {
    const name = disk.label;
    if (disk.device !== 'disk' && disk.device !== 'lun') continue;
    const set: { -readonly [K in keyof DiskSettings]: DiskSettings[K] } = {};
    const reasons: string[] = [];
    let bus: DiskEdit['bus'];
    let vbus = virtioBus(disk);
    const busName = disk.busName;
    if (!vbus && opts.bus && disk.device === 'disk' && EMULATED.includes(disk.bus)) {
      bus = { from: busName ?? disk.bus, to: 'virtio-blk', label: nextVirtioName(usedNames) };
      vbus = 'virtio-blk';
      reasons.push(`bus ${bus.from} → virtio: paravirtual instead of an emulated controller; the guest now sees ${bus.label} instead of ${name}`);
      warnings.push(`${name}: the guest sees this disk as ${bus.label} after the change: fstab and boot loader entries must use UUID= or LABEL=, and Windows guests need the virtio-win driver installed first`);
    } else if (!vbus && (EMULATED.includes(disk.bus) || disk.bus === 'scsi-emulated')) {
      skipped.push(`${name}: bus ${busName ?? disk.bus} kept${disk.bus === 'scsi-emulated' ? ' (change the SCSI controller model to virtio-scsi by hand: it moves every disk on it)' : ' (pass --bus to move it to virtio; guest device names change)'}`);
    }

    const rec = recommendVmDisk(bus ? { ...disk, bus: 'virtio-blk', label: bus.label } : disk, facts, platformFor(vm, facts.platform));
    if (!rec.ok) skipped.push(`${name}: driver settings kept: ${rec.reason}`);
    else if (!disk.readOnly) settingEdits(disk, rec.value, set, reasons);

    if (vbus === 'virtio-blk' && disk.iothread === undefined && (disk.iothreadQueues ?? []).length === 0) {
      const t = newThread();
      iothreadsGrow = true;
      set.iothread = t;
      reasons.push(`iothread ${t}: the disk's I/O leaves QEMU's main loop`);
    } else if (vbus === 'virtio-scsi' && diskIothread(vm, disk) === undefined) {
      const key = controllerOf(vm, disk)?.key ?? disk.controller;
      if (key !== undefined && !controllers.some((c) => c.key === key)) {
        controllers.push({ key, iothread: newThread() });
        iothreadsGrow = true;
      }
    }
    if (Object.keys(set).length > 0 || bus) disks.push({ key: disk.key, label: name, set, ...(bus ? { bus } : {}), reasons });

    // Only a cache this plan writes changes migratability (libvirt's qemuMigrationSrcIsSafe
    // accepts cache=none/directsync, or shared/cluster storage, or --unsafe).
    const newCache = set.cache;
    if (!disk.readOnly && !disk.shareable && newCache !== undefined && newCache !== 'none' && newCache !== 'directsync') {
      warnings.push(`${name}: cache=${newCache} (the store refused O_DIRECT): libvirt refuses to live-migrate this disk unless its storage is shared and cluster-safe, or --unsafe is given`);
    }
  }
  if (vm.hostdevs.length > 0) warnings.push(`${vm.ref.name} has ${vm.hostdevs.length} host device(s): it cannot be live-migrated whatever the disk settings`);
  return { vm: vm.ref, disks, controllers, ...(iothreadsGrow ? { iothreads: maxThread } : {}), skipped, warnings };
}

function settingEdits(disk: VmDisk, rec: DiskDeviceConfig, out: { -readonly [K in keyof DiskSettings]: DiskSettings[K] }, reasons: string[]): void {
  const cache = rec.cache.value;
  const curCache = disk.cache.origin === 'explicit' ? disk.cache.value : undefined;
  if (curCache !== cache && !(cache === 'none' && curCache === 'directsync')) {
    out.cache = cache;
    reasons.push(`cache ${curCache ?? 'unset'} → ${cache}: ${rec.cache.reason}`);
  }
  const io = rec.aio.value;
  if (disk.aio.value !== io) {
    out.aio = io;
    reasons.push(`io ${disk.aio.origin === 'explicit' ? disk.aio.value : 'unset'} → ${io}: ${rec.aio.reason}`);
  }
  const discard = rec.discard.value;
  if (discard === 'unmap' && disk.discard !== 'unmap') {
    out.discard = 'unmap';
    reasons.push(`discard → unmap: ${rec.discard.reason}`);
  } else if (discard === null && disk.discard === 'unmap' && rec.backend.kind === 'file') {
    out.discard = null;
    reasons.push(`discard unmap removed: ${rec.discard.reason}`);
  }
  const dz = rec.detectZeroes.value;
  if (dz === 'unmap' && disk.detectZeroes !== 'unmap') out.detectZeroes = 'unmap';
  else if (dz === null && disk.detectZeroes === 'unmap' && rec.backend.kind === 'file') out.detectZeroes = null;
}
