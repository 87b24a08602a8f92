// What `kvmio vm tune` changes in a domain: per disk the <driver> attributes the table
// wants (cache, io, discard, detect_zeroes, iothread), the iothreads they need, and,
// only when asked (--bus), emulated buses moved to virtio. Pure: the same function
// recommendVmDisk the audit compares with, so a tuned domain audits clean.
import type { DiskDeviceConfig } from '../model/disk-types.js';
import { diskIothread } from './aio-cost.js';
import { recommendVmDisk, virtioBus } from './recommend-vm-disk.js';
import type { DomainDisk, DomainModel } from '../facts/parse-domain.js';
import type { VmFacts } from '../facts/vm-disk-facts.js';

/** An attribute value to set, or null to remove it. */
export type AttrChange = string | null;

export interface DiskEdit {
  readonly index: number;
  readonly target: string;
  /** <driver> attribute → new value (null: remove). */
  readonly driver: Readonly<Record<string, AttrChange>>;
  /** Move to virtio-blk with this target name (drops the old <address>). */
  readonly bus?: { readonly from: string; readonly dev: string };
  /** Why, one line per change. */
  readonly reasons: readonly string[];
}

export interface ControllerEdit {
  readonly index: number;
  readonly iothread: number;
}

export interface TunePlan {
  readonly domain: string;
  readonly disks: readonly DiskEdit[];
  readonly controllers: readonly ControllerEdit[];
  /** New <iothreads> count, when it must grow. */
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

export function planVmTune(vm: DomainModel, facts: Pick<VmFacts, 'sources' | 'volumes' | 'platform'>, opts: { bus?: boolean } = {}): TunePlan {
  const disks: DiskEdit[] = [];
  const controllers: ControllerEdit[] = [];
  const skipped: string[] = [];
  const warnings: string[] = [];
  const usedNames = new Set(vm.disks.map((d) => d.target.dev).filter((d): d is string => d !== undefined));
  const usedThreads = new Set<number>([...vm.iothreadIds, ...Array.from({ length: vm.iothreads }, (_, i) => i + 1)]);
  let maxThread = Math.max(0, vm.iothreads, ...vm.iothreadIds);
  const newThread = (): number => {
    maxThread += 1;
    usedThreads.add(maxThread);
    return maxThread;
  };
  let iothreadsGrow = false;

  for (const disk of vm.disks) {
    const name = disk.target.dev ?? `disk#${disk.index}`;
    if (disk.device !== 'disk' && disk.device !== 'lun') continue;
    const driver: Record<string, string | null> = {};
    const reasons: string[] = [];
    let bus: DiskEdit['bus'];
    let vbus = virtioBus(vm, disk);
    if (!vbus && opts.bus && disk.device === 'disk' && disk.target.bus && EMULATED.includes(disk.target.bus)) {
      bus = { from: disk.target.bus, dev: nextVirtioName(usedNames) };
      vbus = 'virtio-blk';
      reasons.push(`bus ${disk.target.bus} → virtio: paravirtual instead of an emulated controller; the guest now sees ${bus.dev} instead of ${name}`);
      warnings.push(`${name}: the guest sees this disk as ${bus.dev} after the change: fstab and boot loader entries must use UUID= or LABEL=, and Windows guests need the virtio-win driver installed first`);
    } else if (!vbus && disk.target.bus && (EMULATED.includes(disk.target.bus) || disk.target.bus === 'scsi')) {
      skipped.push(`${name}: bus ${disk.target.bus} kept${disk.target.bus === 'scsi' ? ' (change the SCSI controller model to virtio-scsi by hand: it moves every disk on it)' : ' (pass --bus to move it to virtio; guest device names change)'}`);
    }

    const rec = recommendVmDisk(vm, withBus(disk, bus), facts, facts.platform);
    if (!rec.ok) {
      skipped.push(`${name}: driver settings kept: ${rec.reason}`);
    } else if (!disk.readonly) {
      driverEdits(disk, rec.value, driver, reasons);
    }

    if (vbus === 'virtio-blk' && disk.driver.iothread === undefined) {
      const t = newThread();
      iothreadsGrow = true;
      driver.iothread = String(t);
      reasons.push(`iothread ${t}: the disk's I/O leaves QEMU's main loop`);
    } else if (vbus === 'virtio-scsi' && diskIothread(vm, disk) === undefined) {
      const ctl = vm.controllers.find((c) => c.type === 'scsi' && (c.index ?? 0) === (disk.controllerIndex ?? 0));
      const index = ctl?.index ?? 0;
      if (!controllers.some((c) => c.index === index)) {
        controllers.push({ index, iothread: newThread() });
        iothreadsGrow = true;
      }
    }
    if (Object.keys(driver).length > 0 || bus) disks.push({ index: disk.index, target: name, driver, ...(bus ? { bus } : {}), reasons });

    // Only a cache this plan writes changes migratability (libvirt's qemuMigrationSrcIsSafe
    // accepts cache=none/directsync, or shared/cluster storage, or --unsafe).
    const newCache = driver.cache;
    if (!disk.readonly && !disk.shareable && typeof newCache === 'string' && newCache !== 'none' && newCache !== 'directsync') {
      warnings.push(`${name}: cache=${newCache} (the store refused O_DIRECT): libvirt refuses to live-migrate this disk unless its storage is shared and cluster-safe, or --unsafe is given`);
    }
  }
  if (vm.hostdevs.length > 0) warnings.push(`${vm.name} has ${vm.hostdevs.length} host device(s): it cannot be live-migrated whatever the disk settings`);
  const plan: TunePlan = { domain: vm.name, disks, controllers, ...(iothreadsGrow ? { iothreads: maxThread } : {}), skipped, warnings };
  return plan;
}

const withBus = (disk: DomainDisk, bus: DiskEdit['bus']): DomainDisk => (bus ? { ...disk, target: { dev: bus.dev, bus: 'virtio' } } : disk);

function driverEdits(disk: DomainDisk, rec: DiskDeviceConfig, out: Record<string, string | null>, reasons: string[]): void {
  const cur = disk.driver;
  const cache = rec.cache.value;
  if (cur.cache !== cache && !(cache === 'none' && cur.cache === 'directsync')) {
    out.cache = cache;
    reasons.push(`cache ${cur.cache ?? 'unset'} → ${cache}: ${rec.cache.reason}`);
  }
  const io = rec.aio.value;
  if ((cur.io ?? 'threads') !== io) {
    out.io = io;
    reasons.push(`io ${cur.io ?? 'unset'} → ${io}: ${rec.aio.reason}`);
  }
  const discard = rec.discard.value;
  if (discard === 'unmap' && cur.discard !== 'unmap') {
    out.discard = 'unmap';
    reasons.push(`discard → unmap: ${rec.discard.reason}`);
  } else if (discard === null && cur.discard === 'unmap' && rec.backend.kind === 'file') {
    out.discard = null;
    reasons.push(`discard unmap removed: ${rec.discard.reason}`);
  }
  const dz = rec.detectZeroes.value;
  if (dz === 'unmap' && cur.detectZeroes !== 'unmap') out.detect_zeroes = 'unmap';
  else if (dz === null && cur.detectZeroes === 'unmap' && rec.backend.kind === 'file') out.detect_zeroes = null;
}
