/**
 * The guards that protect data: pure decisions over probed facts about a block device
 * (or an image path) before anything destructive touches it. `kvmio disk create`,
 * `kvmio vg create` and `kvmio passthrough` share them.
 *
 * Use: `const facts = await probeDevice(src, '/dev/sdb')` (probe-device.ts, read-only:
 * blkid, wipefs, lsblk-free sysfs walk, mountinfo, swaps, holders, loop backing files,
 * pvs, libvirt domains, open file descriptors) then `checkDeviceGuards(facts, {force})`.
 * The verdict lists every guard that tripped, each with the object and the value seen.
 *
 * Two classes of guard (DESIGN.md, CLI conventions):
 * - signatures (filesystem, partition table, LVM, RAID, swap, crypto, other; kernel-visible
 *   partitions): the data may be stale, so `--force` overrides them;
 * - use (mounted, active swap, holders, backs / or /boot, active PV in a VG, used by a
 *   libvirt domain, open by a process, facts that could not be read): never overridden.
 */
import type { Read } from '../facts/source.js';
import { KvmioError } from '../errors.js';
import { LIBVIRT_START_HINT } from '../model/libvirt-hint.js';
import { formatSize } from '../size.js';
import type { MountEntry, PvInfo, Signature, SignatureKind } from './parse-block.js';

export type SignatureGuard = `signature.${SignatureKind}` | 'signature.partitions';
export type UseGuard =
  | 'mounted'
  | 'swap-active'
  | 'holders'
  | 'root-boot'
  | 'active-pv'
  | 'libvirt-domain'
  | 'open'
  | 'probe-incomplete'
  | 'not-block-device';
export type ImageGuard = 'image-exists' | 'free-space' | 'not-a-directory';
export type LvmGuard = 'lv-exists' | 'vg-missing' | 'vg-exists' | 'vg-free' | 'thin-pool-missing';
export type AttachGuard = 'attach.target-clash' | 'attach.source-attached';
export type GuardId = SignatureGuard | UseGuard | ImageGuard | LvmGuard | AttachGuard;

export interface GuardTrip {
  readonly guard: GuardId;
  /** The object refused, e.g. "/dev/loop7" or "/var/lib/libvirt/images/web.qcow2". */
  readonly object: string;
  /** What was seen, e.g. "ext4 filesystem signature at offset 0x438 (blkid)". */
  readonly value: string;
  /** Only signature guards can be overridden with --force. */
  readonly overridable: boolean;
  /** What to do about it. */
  readonly fix: string;
}

export interface GuardVerdict {
  readonly allowed: boolean;
  /** Guards that refuse. */
  readonly trips: readonly GuardTrip[];
  /** Signature guards that tripped but --force overrode (shown as warnings). */
  readonly overridden: readonly GuardTrip[];
}

export const FORCE_HINT = 'Use --force to override a signature (never a mount or a holder)';

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

const SIGNATURE_WORDS: Readonly<Record<SignatureKind, string>> = {
  filesystem: 'filesystem',
  'partition-table': 'partition table',
  lvm: 'LVM physical volume',
  raid: 'RAID member (md superblock)',
  swap: 'swap',
  crypto: 'encrypted volume',
  other: 'data',
};

const dev = (name: string): string => `/dev/${name}`;
const hex = (n: number): string => `0x${n.toString(16)}`;

function describeSignature(s: Signature): string {
  const where = s.offset === undefined ? '' : ` at offset ${hex(s.offset)}`;
  const on = `${s.type} ${SIGNATURE_WORDS[s.kind]} signature`;
  return `${on}${where} on ${dev(s.device)} (${s.seenBy})${s.label ? `, label "${s.label}"` : ''}`;
}

/** The guards for one device, decided from its facts. `force` moves signature trips to `overridden`. */
export function checkDeviceGuards(f: DeviceFacts, opts: { force?: boolean } = {}): GuardVerdict {
  const object = f.path;
  const all: GuardTrip[] = [];
  const use = (guard: UseGuard, value: string, fix: string): void => void all.push({ guard, object, value, overridable: false, fix });

  if (f.name === undefined) {
    use('not-block-device', f.notBlock ?? 'not a block device', 'name a partition or a whole disk (e.g. /dev/sdb1), or a directory for an image file');
    return verdict(all, opts.force === true);
  }
  for (const r of f.rootBoot) {
    use('root-boot', `it backs ${r.mountpoint} (${r.chain.map(dev).join(' → ')})`, 'never hand the host\'s root or boot disk to a VM; pick another device');
  }
  for (const m of f.mounts) use('mounted', `${dev(m.device)} is mounted on ${m.mountpoint} (mountinfo)`, `unmount ${m.mountpoint} first`);
  for (const s of f.swaps) use('swap-active', `${dev(s)} is active swap (/proc/swaps)`, `swapoff ${dev(s)} first`);
  for (const h of f.holders) {
    const how = h.how === 'loop' ? `loop device ${dev(h.holder)} is backed by ${dev(h.device)}` : `${h.holder} holds ${dev(h.device)} (sysfs holders)`;
    use('holders', how, h.how === 'loop' ? `losetup -d ${dev(h.holder)} first` : `stop ${h.holder} (dmsetup/mdadm/vgchange) first`);
  }
  if (f.pvs.ok) {
    for (const pv of f.pvs.value) {
      if (pv.vgName !== '') use('active-pv', `${pv.pvName} is a physical volume of volume group ${pv.vgName} (pvs)`, `pvmove its extents, vgreduce ${pv.vgName} ${pv.pvName}, then pvremove`);
    }
  } else {
    use('probe-incomplete', `could not list LVM physical volumes: ${f.pvs.reason}`, 'fix the LVM tools (pvs) so the guard can check; refusing rather than guessing');
  }
  if (f.libvirt.state === 'checked') {
    for (const u of f.libvirt.users) use('libvirt-domain', `domain ${u.domain} uses it as ${u.target} (${u.source})`, `detach it from ${u.domain} first (virsh detach-disk ${u.domain} ${u.target} --config)`);
  } else if (f.libvirt.state === 'failed') {
    use('probe-incomplete', `could not ask libvirt which domains use it: ${f.libvirt.reason}`, `${LIBVIRT_START_HINT} (or set LIBVIRT_DEFAULT_URI) so the guard can check`);
  }
  for (const p of f.openBy) use('open', `${dev(p.device)} is open by pid ${p.pid} (${p.command})`, `stop pid ${p.pid} first`);

  const sig = (guard: SignatureGuard, value: string): void =>
    void all.push({ guard, object, value: `${value}; it may hold data`, overridable: true, fix: FORCE_HINT });
  if (f.signatures.ok) {
    for (const s of f.signatures.value) sig(`signature.${s.kind}`, describeSignature(s));
  } else {
    use('probe-incomplete', `could not read signatures: ${f.signatures.reason}`, 'make blkid and wipefs able to read the device; refusing rather than guessing');
  }
  if (f.partitions.length > 0) sig('signature.partitions', `the kernel sees partitions ${f.partitions.map(dev).join(', ')}`);
  return verdict(all, opts.force === true);
}

function verdict(all: readonly GuardTrip[], force: boolean): GuardVerdict {
  const trips = all.filter((t) => !(force && t.overridable));
  const overridden = all.filter((t) => force && t.overridable);
  return { allowed: trips.length === 0, trips, overridden };
}

/** One line per trip: `/dev/loop7: refused by guard signature.filesystem: ext4 … ; fix`. */
export const formatTrip = (t: GuardTrip): string => `${t.object}: refused by guard ${t.guard}: ${t.value}. ${t.fix.charAt(0).toUpperCase()}${t.fix.slice(1)}`;

/** A guard refused: exit 1, code "refused", one line per trip; `trips` for --json. */
export class GuardRefusal extends KvmioError {
  readonly trips: readonly GuardTrip[];
  constructor(trips: readonly GuardTrip[]) {
    super('refused', trips.map(formatTrip).join('\n'));
    this.trips = trips;
  }
}

/** The refusal error for a verdict that does not allow. */
export const refusalError = (v: GuardVerdict): GuardRefusal => new GuardRefusal(v.trips);

/** Refuses by one guard that is never overridden (LVM, attach, image checks outside a verdict). */
export const refuseBy = (guard: GuardId, object: string, value: string, fix: string): GuardRefusal =>
  new GuardRefusal([{ guard, object, value, overridable: false, fix }]);

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

export function devicesBacking(nodes: readonly BlockNode[], mounts: readonly MountEntry[], mountpoints: readonly string[] = ROOT_BOOT_MOUNTS): Map<string, RootBootUse> {
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
    const n = byMajMin.get(m.majMin) ?? byName.get(m.source.replace(/^\/dev\//, ''));
    if (n !== undefined) visit(n.name, mp, [], 0);
  }
  // Report the chain from the device up to the mount (reverse of how it was found).
  const out = new Map<string, RootBootUse>();
  for (const [key, use] of found) out.set(key, { mountpoint: use.mountpoint, chain: [...use.chain].reverse() });
  return out;
}

function resolveBacking(file: string, mounts: readonly MountEntry[], byName: ReadonlyMap<string, BlockNode>, byMajMin: ReadonlyMap<string, BlockNode>): string | undefined {
  if (file.startsWith('/dev/') && byName.has(file.slice(5))) return file.slice(5);
  let best: MountEntry | undefined;
  for (const m of mounts) {
    const mp = m.mountpoint;
    if ((mp === '/' || file === mp || file.startsWith(`${mp}/`)) && (best === undefined || mp.length >= best.mountpoint.length)) best = m;
  }
  if (best === undefined) return undefined;
  return byMajMin.get(best.majMin)?.name ?? byName.get(best.source.replace(/^\/dev\//, ''))?.name;
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

// ---- image files ----

export interface ImageTargetFacts {
  readonly path: string;
  /** The directory that will hold the image. */
  readonly dir: string;
  readonly dirIsDirectory: boolean;
  /** lstat of the image path: anything there (file, link, dir) is never overwritten. */
  readonly existing?: string;
  /** statfs: bytes available to the creator. */
  readonly freeBytes: number;
  /** Bytes the image will allocate at creation (preallocation). */
  readonly neededBytes: number;
}

export function checkImageGuards(f: ImageTargetFacts): GuardVerdict {
  const trips: GuardTrip[] = [];
  if (!f.dirIsDirectory) {
    trips.push({ guard: 'not-a-directory', object: f.dir, value: 'not an existing directory', overridable: false, fix: `create ${f.dir} first` });
    return { allowed: false, trips, overridden: [] };
  }
  if (f.existing !== undefined) {
    trips.push({ guard: 'image-exists', object: f.path, value: `${f.existing} already exists; kvmio never overwrites an image`, overridable: false, fix: 'pick another NAME, or remove the old image yourself' });
  }
  if (f.neededBytes > f.freeBytes) {
    trips.push({
      guard: 'free-space',
      object: f.dir,
      value: `needs ${f.neededBytes} bytes (${mibText(f.neededBytes)}) but the file system has ${f.freeBytes} bytes (${mibText(f.freeBytes)}) free (statfs)`,
      overridable: false,
      fix: 'free space, pick a smaller --size, another directory, or less preallocation',
    });
  }
  return { allowed: trips.length === 0, trips, overridden: [] };
}

const mibText = (b: number): string => formatSize({ bytes: b });
