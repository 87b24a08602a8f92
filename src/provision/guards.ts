/**
 * The guards that protect data: pure decisions over probed facts about a block device
 * (or an image path) before anything destructive touches it. `kvmio disk create`,
 * `kvmio vg create` and `kvmio passthrough` share them.
 *
 * Use: `const facts = await probeDevice(src, '/dev/sdb')` (facts/probe-device.ts, read-only:
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
import { KvmioError } from '../errors.js';
import { LIBVIRT_START_HINT } from '../model/libvirt-hint.js';
import { formatSize } from '../size.js';
import type { DeviceFacts } from '../facts/device-facts.js';
import type { Signature, SignatureKind } from '../facts/parse-signatures.js';
import { shellLine } from '../render/shell-quote.js';

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
  for (const what of f.incomplete ?? []) use('probe-incomplete', `could not read the ${what}`, 'make it readable so the guard can check; refusing rather than guessing');
  for (const r of f.rootBoot) {
    use('root-boot', `it backs ${r.mountpoint} (${r.chain.map(dev).join(' → ')})`, 'never hand the host\'s root or boot disk to a VM; pick another device');
  }
  for (const m of f.mounts) use('mounted', `${dev(m.device)} is mounted on ${m.mountpoint} (mountinfo)`, `unmount ${m.mountpoint} first`);
  for (const s of f.swaps) use('swap-active', `${dev(s)} is active swap (/proc/swaps)`, `swapoff ${dev(s)} first`);
  for (const h of f.holders) {
    const how = h.how === 'loop' ? `loop device ${dev(h.holder)} is backed by ${dev(h.device)}` : `${h.holder} holds ${dev(h.device)} (sysfs holders)`;
    use('holders', how, h.how === 'loop' ? `${shellLine`losetup -d ${dev(h.holder)}`} first` : `stop ${h.holder} (dmsetup/mdadm/vgchange) first`);
  }
  if (f.pvs.ok) {
    for (const pv of f.pvs.value) {
      if (pv.vgName !== '') use('active-pv', `${pv.pvName} is a physical volume of volume group ${pv.vgName} (pvs)`, `pvmove its extents, vgreduce ${pv.vgName} ${pv.pvName}, then pvremove`);
    }
  } else {
    use('probe-incomplete', `could not list LVM physical volumes: ${f.pvs.reason}`, 'fix the LVM tools (pvs) so the guard can check; refusing rather than guessing');
  }
  if (f.libvirt.state === 'checked') {
    for (const u of f.libvirt.users) use('libvirt-domain', `domain ${u.domain} uses it as ${u.target} (${u.source})`, `detach it from ${u.domain} first (${shellLine`virsh detach-disk ${u.domain} ${u.target} --config`})`);
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
