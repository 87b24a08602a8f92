// What the host itself does with one block device and everything on it: its root or
// /boot, mounted filesystems and active swap on the device, its partitions or the devices
// stacked on it (dm, md …), and the LVM PVs among them. Pure. Pass-through refuses a
// controller whose disks have any of these (decide/passthrough.ts), and the VM audit fails
// a VM disk whose source has them (decide/audit-vm-hands-off.ts): the seed's §3 "the
// host must never access data in a partition that was given to a VM".
import type { BlockDevice } from '../facts/host-facts.js';
import type { PhysicalVolume } from '../facts/passthrough-facts.js';
import type { Read } from '../facts/source.js';

export type UseKind = 'root' | 'boot' | 'mount' | 'pv' | 'pool' | 'domain-disk';

export interface DiskUse {
  readonly kind: UseKind;
  /** The block device that carries it: "nvme0n1", "sda2", "dm-0". */
  readonly device: string;
  readonly detail: string;
}

/** A PV the host's LVM sees on the device or on something on it, by kernel name. */
export interface PvOnDevice {
  readonly device: string;
  /** "" for an orphan PV (in no VG). */
  readonly vg: string;
}

export interface HostDiskUses {
  /** The device, its partitions and what is stacked on them, transitively. */
  readonly family: readonly string[];
  /** Mount points of filesystems in the family (swap excluded). */
  readonly mounts: readonly string[];
  /** Members of the family that are active swap. */
  readonly swaps: readonly string[];
  /** PVs in the family (orphans too). */
  readonly pvs: readonly PvOnDevice[];
  /** root, boot, mount (swap included) and pv (of a VG) uses, in that order. */
  readonly uses: readonly DiskUse[];
  /** Not a use, worth saying: an orphan PV. */
  readonly notes: readonly string[];
}

const byName = (devs: readonly BlockDevice[]): Map<string, BlockDevice> => new Map(devs.map((d) => [d.name, d]));

/** The disk, its partitions, and everything stacked on any of them (dm, md …), transitively. */
export function diskFamily(disk: string, devs: readonly BlockDevice[]): string[] {
  const index = byName(devs);
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (name: string): void => {
    if (seen.has(name)) return;
    seen.add(name);
    out.push(name);
    for (const d of devs) if (d.parent === name) visit(d.name);
    for (const h of index.get(name)?.holders ?? []) visit(h);
  };
  visit(disk);
  return out;
}

/** "/dev/sdb1" → "sdb1"; "/dev/mapper/vg-lv" → its dm-N (by dm name) or "vg-lv". */
export function kernelNameOf(path: string, devs: readonly BlockDevice[]): string | undefined {
  const m = /^\/dev\/(mapper\/)?([^/]+)$/.exec(path);
  if (!m) return undefined;
  const name = m[2] as string;
  if (m[1]) return devs.find((d) => d.dmName === name)?.name ?? name;
  return name;
}

/** Everything the host does with `disk` and what is on it (see the file comment). */
export function hostUsesOfDisk(disk: BlockDevice, devs: readonly BlockDevice[], pvs: Read<readonly PhysicalVolume[]>): HostDiskUses {
  const family = diskFamily(disk.name, devs);
  const index = byName(devs);
  const uses: DiskUse[] = [];
  const notes: string[] = [];
  if (disk.carriesRoot) uses.push({ kind: 'root', device: disk.name, detail: `${disk.name} carries the host's root filesystem (/)` });
  if (disk.carriesBoot) uses.push({ kind: 'boot', device: disk.name, detail: `${disk.name} carries the host's /boot` });
  const mounts: string[] = [];
  const swaps: string[] = [];
  for (const name of family) {
    for (const mp of index.get(name)?.mountpoints ?? []) {
      if (mp === '[SWAP]') {
        swaps.push(name);
        uses.push({ kind: 'mount', device: name, detail: `${name} is active swap` });
        continue;
      }
      mounts.push(mp);
      uses.push({ kind: 'mount', device: name, detail: `${name} is mounted on ${mp}` });
    }
  }
  const found: PvOnDevice[] = [];
  for (const p of pvs.ok ? pvs.value : []) {
    const name = kernelNameOf(p.pv, devs);
    if (name === undefined || !family.includes(name)) continue;
    found.push({ device: name, vg: p.vg });
    if (p.vg === '') notes.push(`${name} is an LVM PV in no volume group`);
    else uses.push({ kind: 'pv', device: name, detail: `${name} is an LVM PV of volume group "${p.vg}"` });
  }
  return { family, mounts, swaps, pvs: found, uses, notes };
}
