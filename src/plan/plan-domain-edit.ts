// An existing domain in a plan: the minimal edit of its saved definition, as `kvmio vm
// tune` makes one (a TunePlan written by libvirt/edit-domain.ts: only the disks' <driver>
// cache/io/discard/detect_zeroes/iothread and <iothreads> change; everything else, known
// to kvmio or not, stays as it was). A whole redefinition from the plan would drop what
// the plan does not describe (addresses, NICs, consoles, a UUID). Disks are matched by
// their source path; planned disks or host devices the domain lacks, and settings outside
// the disks (memory, vCPUs, firmware), are reported, not applied. Pure.
import type { DiskConfig, DiskDeviceConfig } from '../model/disk-types.js';
import type { VmDisk } from '../model/vm.js';
import type { DiskEdit, DiskSettings, TunePlan } from '../decide/plan-vm-tune.js';
import { applyTunePlan } from '../libvirt/edit-domain.js';
import { readDomainXml } from '../libvirt/read-domain.js';

export interface DomainEditPlan {
  /** The saved XML as xmldom writes it (the diff's "before"). */
  readonly before: string;
  /** The edited definition; equal to `before` when nothing changes. */
  readonly after: string;
  /** One line per setting changed ("vda: io threads → native"). */
  readonly reasons: readonly string[];
  /** What the plan asks for that the edit does not do. */
  readonly notApplied: readonly string[];
}

const sourcePath = (d: VmDisk): string | undefined => (d.source.kind === 'file' || d.source.kind === 'block' || d.source.kind === 'volume' ? d.source.path : undefined);

/** The settings of C that DISK lacks (the same comparisons as decide/plan-vm-tune.ts). */
function settingsFor(disk: VmDisk, c: DiskDeviceConfig, newThread: () => number): { set: DiskSettings; reasons: string[] } {
  const set: { -readonly [K in keyof DiskSettings]: DiskSettings[K] } = {};
  const reasons: string[] = [];
  const cache = disk.cache.origin === 'explicit' ? disk.cache.value : undefined;
  if (cache !== c.cache.value) {
    set.cache = c.cache.value;
    reasons.push(`${disk.label}: cache ${cache ?? 'unset'} → ${c.cache.value}`);
  }
  if (disk.aio.value !== c.aio.value) {
    set.aio = c.aio.value;
    reasons.push(`${disk.label}: io ${disk.aio.origin === 'explicit' ? disk.aio.value : 'unset'} → ${c.aio.value}`);
  }
  const discard = c.discard.value === 'unmap' ? 'unmap' : null;
  if ((disk.discard === 'unmap' ? 'unmap' : null) !== discard) {
    set.discard = discard;
    reasons.push(`${disk.label}: discard ${disk.discard ?? 'unset'} → ${discard ?? 'unset'}`);
  }
  const dz = c.detectZeroes.value === 'unmap' ? 'unmap' : null;
  if ((disk.detectZeroes === 'unmap' ? 'unmap' : null) !== dz) set.detectZeroes = dz;
  if (c.iothread.value !== null && disk.iothread === undefined && (disk.iothreadQueues ?? []).length === 0 && disk.bus === 'virtio-blk') {
    set.iothread = newThread();
    reasons.push(`${disk.label}: iothread ${set.iothread}`);
  }
  return { set, reasons };
}

/** The edit of SAVED (a domain's inactive XML) that gives its disks the planned CONFIGS; undefined when the XML cannot be read. */
export function planDomainEdit(saved: string, configs: readonly DiskConfig[]): DomainEditPlan | undefined {
  const vm = readDomainXml(saved, { kind: 'libvirt', origin: 'saved' });
  if (!vm.ok) return undefined;
  let maxThread = Math.max(0, ...vm.value.iothreads);
  const newThread = (): number => (maxThread += 1);
  const disks: DiskEdit[] = [];
  const reasons: string[] = [];
  const notApplied: string[] = [];
  for (const c of configs) {
    if (c.kind === 'hostdev') {
      if (!vm.value.hostdevs.some((h) => h.address === c.backend.address)) notApplied.push(`host device ${c.backend.address} is not in the domain (virsh attach-device --config with the <hostdev> plan show prints for a new VM)`);
      continue;
    }
    const disk = vm.value.disks.find((d) => sourcePath(d) === c.backend.path);
    if (disk === undefined) {
      notApplied.push(`disk ${c.backend.path} is not in the domain (kvmio disk create --attach, or virsh attach-device --config)`);
      continue;
    }
    const e = settingsFor(disk, c, newThread);
    if (Object.keys(e.set).length === 0) continue;
    disks.push({ key: disk.key, label: disk.label, set: e.set, reasons: e.reasons });
    reasons.push(...e.reasons);
  }
  const grows = maxThread > Math.max(0, ...vm.value.iothreads);
  const tune: TunePlan = { vm: vm.value.ref, disks, controllers: [], ...(grows ? { iothreads: maxThread } : {}), skipped: [], warnings: [] };
  // the saved XML as libvirt wrote it: applyTunePlan edits it in place (src/libvirt/source-edit.ts)
  const before = saved;
  return { before, after: disks.length === 0 && !grows ? before : applyTunePlan(saved, tune), reasons, notApplied };
}
