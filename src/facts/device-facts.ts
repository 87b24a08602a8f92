// What the device guards (provision/guards.ts) decide from, as data: one block device,
// its partitions, what is on them and who uses them. Filled by probe-device.ts; the
// root/boot chain (which devices / and /boot depend on) is worked out here from the
// sysfs block tree and mountinfo. Pure.
import type { Mount } from './host-facts.js';
import type { PvInfo } from './parse-lvm.js';
import type { Signature } from './parse-signatures.js';
import type { Read } from './source.js';

/** How a device reaches / or /boot: the mount point and the chain of devices from the target up. */
export interface RootBootUse {
  readonly mountpoint: string;
  readonly chain: readonly string[];
}

export interface HolderUse {
  /** The target or one of its partitions. */
  readonly device: string;
  readonly holder: string;
  /** sysfs `holders/` (dm, md, bcache) or a loop device whose backing file is the device. */
  readonly how: 'sysfs' | 'loop';
}

export interface DomainUse {
  readonly domain: string;
  readonly target: string;
  readonly source: string;
}

/** Every disk source of every domain, or why libvirt could not be asked. */
export type LibvirtDomains =
  | { readonly state: 'checked'; readonly disks: readonly DomainUse[] }
  | { readonly state: 'absent' | 'failed'; readonly reason: string };

/** libvirt: checked, not installed (nothing to ask), or asked and failed (refuse). */
export type LibvirtUse =
  | { readonly state: 'checked'; readonly users: readonly DomainUse[] }
  | { readonly state: 'absent'; readonly reason: string }
  | { readonly state: 'failed'; readonly reason: string };

export interface ProcessUse {
  readonly pid: number;
  readonly command: string;
  readonly device: string;
}

/** Everything the guards need to know about one block device and its partitions. */
export interface DeviceFacts {
  /** The path the user named ("/dev/disk/by-id/…" or "/dev/sdb"). */
  readonly path: string;
  /** Kernel name after resolving links ("sdb"); undefined when the path is not a block device. */
  readonly name: string | undefined;
  /** Why it is not a block device, when name is undefined. */
  readonly notBlock?: string;
  /** Facts that could not be read (mountinfo, /proc/swaps): the guards refuse rather than guess. */
  readonly incomplete?: readonly string[];
  readonly partitions: readonly string[];
  /** On the device and on each partition. */
  readonly signatures: Read<readonly Signature[]>;
  readonly mounts: readonly { readonly device: string; readonly mountpoint: string }[];
  readonly swaps: readonly string[];
  readonly holders: readonly HolderUse[];
  readonly rootBoot: readonly RootBootUse[];
  /** PVs among the device and its partitions. */
  readonly pvs: Read<readonly PvInfo[]>;
  readonly libvirt: LibvirtUse;
  readonly openBy: readonly ProcessUse[];
}

/**
 * The block devices / and /boot depend on, with the chain that links them: the mounted
 * device, the whole disk of a partition, the slaves of dm/md devices, and for a loop
 * device the device holding its backing file, recursively.
 */
export interface BlockNode {
  readonly name: string;
  readonly majMin: string;
  /** Whole disk of a partition. */
  readonly parent?: string;
  readonly slaves: readonly string[];
  readonly holders: readonly string[];
  /** Loop devices: the backing file path. */
  readonly backingFile?: string;
}

export const ROOT_BOOT_MOUNTS: readonly string[] = ['/', '/boot', '/boot/efi'];

export function devicesBacking(nodes: readonly BlockNode[], mounts: readonly Mount[], mountpoints: readonly string[] = ROOT_BOOT_MOUNTS): Map<string, RootBootUse> {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const byMajMin = new Map(nodes.map((n) => [n.majMin, n]));
  const found = new Map<string, RootBootUse>();
  const visit = (name: string, mountpoint: string, chain: readonly string[], depth: number): void => {
    const n = byName.get(name);
    if (n === undefined || depth > 32 || found.has(`${mountpoint}\0${name}`)) return;
    const here = [...chain, name];
    found.set(`${mountpoint}\0${name}`, { mountpoint, chain: here });
    if (n.parent !== undefined) visit(n.parent, mountpoint, here, depth + 1);
    for (const s of n.slaves) visit(s, mountpoint, here, depth + 1);
    if (n.backingFile !== undefined) {
      const backing = resolveBacking(n.backingFile, mounts, byName, byMajMin);
      if (backing !== undefined) visit(backing, mountpoint, here, depth + 1);
    }
  };
  for (const mp of mountpoints) {
    const m = [...mounts].reverse().find((e) => e.mountpoint === mp);
    if (m === undefined) continue;
    const n = byMajMin.get(m.devNumber) ?? byName.get(m.source.replace(/^\/dev\//, ''));
    if (n !== undefined) visit(n.name, mp, [], 0);
  }
  // Report the chain from the device up to the mount (reverse of how it was found).
  const out = new Map<string, RootBootUse>();
  for (const [key, use] of found) out.set(key, { mountpoint: use.mountpoint, chain: [...use.chain].reverse() });
  return out;
}

function resolveBacking(file: string, mounts: readonly Mount[], byName: ReadonlyMap<string, BlockNode>, byMajMin: ReadonlyMap<string, BlockNode>): string | undefined {
  if (file.startsWith('/dev/') && byName.has(file.slice(5))) return file.slice(5);
  let best: Mount | undefined;
  for (const m of mounts) {
    const mp = m.mountpoint;
    if ((mp === '/' || file === mp || file.startsWith(`${mp}/`)) && (best === undefined || mp.length >= best.mountpoint.length)) best = m;
  }
  if (best === undefined) return undefined;
  return byMajMin.get(best.devNumber)?.name ?? byName.get(best.source.replace(/^\/dev\//, ''))?.name;
}

/** The root/boot uses that concern `names` (a target and its partitions). */
export function rootBootUsesOf(backing: ReadonlyMap<string, RootBootUse>, names: readonly string[]): RootBootUse[] {
  const out: RootBootUse[] = [];
  for (const [key, use] of backing) {
    const name = key.split('\0')[1] as string;
    if (names.includes(name)) out.push(use);
  }
  return out;
}
