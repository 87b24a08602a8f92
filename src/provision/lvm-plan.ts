// LVM the seed's way (§4: a VG on a partition the host does not use, LVs handed to VMs),
// with thin pools sized like Proxmox. Pure: argv and sizes; the engine's LVM handlers run them.
import { usageError } from '../errors.js';
import { formatSize, gib, type Size } from '../size.js';
import type { Step } from './step.js';

/** Every LVM command runs with this: LVM warns about inherited descriptors otherwise (FACTS.md). */
export const LVM_ENV: Readonly<Record<string, string>> = { LVM_SUPPRESS_FD_WARNINGS: '1' };

/** LVM's default extent size; sizes are rounded up to it. */
export const LVM_EXTENT_BYTES = 4 * 1024 ** 2;

// Proxmox VE (PVE/API2/Disks/LVMThin.pm): thin-pool metadata is 1% of the data, at least
// 1 GiB and at most 16 GiB (LVM's own maximum for thin metadata).
export const THIN_META = { fraction: 0.01, min: gib(1), max: gib(16) } as const;

/** LVM size arguments: binary units, lowercase, the largest unit that is exact. */
export function lvmSize(s: Size): string {
  for (const [unit, f] of [['t', 1024 ** 4], ['g', 1024 ** 3], ['m', 1024 ** 2], ['k', 1024]] as const) {
    if (s.bytes % f === 0) return `${s.bytes / f}${unit}`;
  }
  return `${s.bytes}b`;
}

export const roundToExtent = (bytes: number, extent = LVM_EXTENT_BYTES): number => Math.ceil(bytes / extent) * extent;

/** Thin-pool metadata for `data` bytes of pool data (Proxmox's rule), rounded up to an extent. */
export function thinMetadataSize(data: Size): Size {
  const raw = Math.min(Math.max(data.bytes * THIN_META.fraction, THIN_META.min.bytes), THIN_META.max.bytes);
  return { bytes: roundToExtent(raw) };
}

/**
 * Pool data size when the user names none: what the devices hold after LVM's own metadata
 * (1 MiB per PV, then whole extents), minus the pool metadata and its spare copy
 * (lvconvert --repair needs a spare of the same size).
 */
export function defaultThinData(deviceBytes: readonly number[]): Size {
  const usable = deviceBytes.reduce((s, b) => s + Math.floor((b - 1024 ** 2) / LVM_EXTENT_BYTES) * LVM_EXTENT_BYTES, 0);
  let data = usable;
  for (let i = 0; i < 4; i++) data = usable - 2 * thinMetadataSize({ bytes: data }).bytes;
  return { bytes: Math.floor(data / LVM_EXTENT_BYTES) * LVM_EXTENT_BYTES };
}

const LVM_NAME = /^[A-Za-z0-9+_.][A-Za-z0-9+_.-]*$/;

export function checkLvmName(what: string, name: string): void {
  if (!LVM_NAME.test(name) || name === '.' || name === '..' || name.length > 127) {
    throw usageError(`${what}: "${name}" is not a valid LVM name; expected letters, digits and + _ . - (not starting with -)`);
  }
}

export interface VgIntent {
  readonly vg: string;
  readonly devices: readonly string[];
  /** pvcreate answers "wipe it?" with yes: only when --force overrode a signature guard. */
  readonly wipeSignatures: boolean;
  readonly thinPool?: { readonly name: string; readonly data: Size };
}

export function planVgCreate(i: VgIntent): Step[] {
  const steps: Step[] = [
    {
      kind: 'exec',
      argv: ['pvcreate', ...(i.wipeSignatures ? ['--yes'] : []), ...i.devices],
      why: `label ${i.devices.join(', ')} as LVM physical volumes`,
      undo: ['pvremove', ...i.devices],
    },
    { kind: 'exec', argv: ['vgcreate', i.vg, ...i.devices], why: `volume group ${i.vg}`, undo: ['vgremove', '-f', i.vg] },
  ];
  if (i.thinPool) {
    const meta = thinMetadataSize(i.thinPool.data);
    steps.push({
      kind: 'exec',
      argv: ['lvcreate', '--type', 'thin-pool', '-L', lvmSize(i.thinPool.data), '--poolmetadatasize', lvmSize(meta), '-n', i.thinPool.name, i.vg],
      why: `thin pool ${i.vg}/${i.thinPool.name}: ${formatSize(i.thinPool.data)} data, ${formatSize(meta)} metadata (1%, min 1 GiB, max 16 GiB, as Proxmox)`,
      undo: ['lvremove', '-y', `${i.vg}/${i.thinPool.name}`],
    });
  }
  return steps;
}

/** `lvcreate -n NAME -L SIZE VG`: a linear LV, fully allocated (aio=native is safe on it). */
export const planLinearLv = (vg: string, name: string, size: Size): Step => ({
  kind: 'exec',
  argv: ['lvcreate', '-n', name, '-L', lvmSize(size), vg],
  why: `linear logical volume /dev/${vg}/${name}`,
  undo: ['lvremove', '-y', `${vg}/${name}`],
});

/** `lvcreate -V SIZE -T VG/POOL -n NAME`: a thin LV, allocated on write from the pool. */
export const planThinLv = (vg: string, pool: string, name: string, size: Size): Step => ({
  kind: 'exec',
  argv: ['lvcreate', '-V', lvmSize(size), '-T', `${vg}/${pool}`, '-n', name],
  why: `thin logical volume /dev/${vg}/${name} in pool ${vg}/${pool}`,
  undo: ['lvremove', '-y', `${vg}/${name}`],
});

/** LVs need device-mapper in the kernel; /proc/misc lists it when present (this machine has none). */
export const DM_MISSING_NOTE = 'device-mapper is not in this kernel (/proc/misc has no device-mapper): lvcreate will fail here; the plan is still right for a host that has it';

export const hasDeviceMapper = (procMisc: string): boolean => /\bdevice-mapper\b/.test(procMisc);
