// Pure parsers for what the device probe reads: blkid, wipefs, mountinfo, /proc/swaps and
// the LVM JSON reports. Text in, data out; no I/O here so they are tested on recorded text.

/** One on-disk signature found by blkid or wipefs. */
export interface Signature {
  /** Kernel name the signature was found on ("loop0", "sdb1"). */
  readonly device: string;
  /** blkid TYPE / wipefs type: "ext4", "xfs", "swap", "gpt", "dos", "PMBR", "LVM2_member", "linux_raid_member", … */
  readonly type: string;
  readonly kind: SignatureKind;
  /** Byte offset (wipefs), when known. */
  readonly offset?: number;
  readonly label?: string;
  readonly uuid?: string;
  /** Which tool saw it. */
  readonly seenBy: 'blkid' | 'wipefs';
}

export type SignatureKind = 'filesystem' | 'partition-table' | 'lvm' | 'raid' | 'swap' | 'crypto' | 'other';

const PARTITION_TABLES = new Set(['gpt', 'dos', 'PMBR', 'atari', 'bsd', 'mac', 'sgi', 'sun', 'minix', 'solaris', 'unixware', 'ultrix', 'aix']);

/**
 * Classifies a signature type. blkid calls an LVM PV `USAGE=raid`, so the type decides
 * first and USAGE only for types this table does not know.
 */
export function classifySignature(type: string, usage?: string): SignatureKind {
  if (type === 'LVM2_member' || type === 'LVM1_member') return 'lvm';
  if (type === 'swap' || type === 'swsuspend') return 'swap';
  if (type.endsWith('_raid_member') || type === 'zfs_member' || type === 'ceph') return 'raid';
  if (PARTITION_TABLES.has(type)) return 'partition-table';
  if (type === 'crypto_LUKS' || type === 'BitLocker' || type === 'VeraCrypt') return 'crypto';
  switch (usage) {
    case 'filesystem':
      return 'filesystem';
    case 'raid':
      return 'raid';
    case 'crypto':
      return 'crypto';
    default:
      return 'other';
  }
}

/** `blkid -p -o export DEV` (exit 2 and no output when nothing is found). */
export function parseBlkidExport(text: string, device: string): Signature[] {
  const kv: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m) kv[m[1] as string] = (m[2] as string).replace(/\\(.)/g, '$1');
  }
  const out: Signature[] = [];
  const base = { device, seenBy: 'blkid' as const, ...(kv.LABEL ? { label: kv.LABEL } : {}), ...(kv.UUID ? { uuid: kv.UUID } : {}) };
  if (kv.TYPE) out.push({ ...base, type: kv.TYPE, kind: classifySignature(kv.TYPE, kv.USAGE) });
  if (kv.PTTYPE) out.push({ device, seenBy: 'blkid', type: kv.PTTYPE, kind: 'partition-table', ...(kv.PTUUID ? { uuid: kv.PTUUID } : {}) });
  return out;
}

/** `wipefs -n -J DEV`: every signature wipefs would erase, with its offset. */
export function parseWipefsJson(text: string, fallbackDevice: string): Signature[] {
  if (text.trim() === '') return [];
  const doc = JSON.parse(text) as { signatures?: { device?: string; offset?: string; type?: string; uuid?: string | null; label?: string | null; usage?: string }[] };
  return (doc.signatures ?? []).map((s) => ({
    device: s.device ?? fallbackDevice,
    type: s.type ?? 'unknown',
    kind: classifySignature(s.type ?? '', s.usage),
    seenBy: 'wipefs' as const,
    ...(s.offset !== undefined ? { offset: Number.parseInt(s.offset, 16) } : {}),
    ...(s.label ? { label: s.label } : {}),
    ...(s.uuid ? { uuid: s.uuid } : {}),
  }));
}

/** blkid and wipefs agree most of the time; keep one entry per (device, type). */
export function mergeSignatures(...lists: readonly (readonly Signature[])[]): Signature[] {
  const seen = new Map<string, Signature>();
  for (const list of lists) {
    for (const s of list) {
      const key = `${s.device}\0${s.type}`;
      const prev = seen.get(key);
      seen.set(key, prev ? { ...s, ...prev, offset: prev.offset ?? s.offset } as Signature : s);
    }
  }
  return [...seen.values()];
}

export interface MountEntry {
  /** "major:minor" of the mounted device (0:N for virtual file systems and btrfs subvolumes). */
  readonly majMin: string;
  readonly mountpoint: string;
  readonly fstype: string;
  /** The mount source as the kernel shows it ("/dev/vda", "tmpfs"). */
  readonly source: string;
}

const unescapeMount = (s: string): string => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));

/** /proc/self/mountinfo (proc(5)): fields before " - " then fstype, source, options. */
export function parseMountinfo(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const left = line.slice(0, sep).split(' ');
    const right = line.slice(sep + 3).split(' ');
    const majMin = left[2];
    const mountpoint = left[4];
    if (majMin === undefined || mountpoint === undefined) continue;
    out.push({ majMin, mountpoint: unescapeMount(mountpoint), fstype: right[0] ?? '', source: unescapeMount(right[1] ?? '') });
  }
  return out;
}

/** The mount that holds `path`: the longest mount point that is a prefix of it (last one wins for stacked mounts). */
export function mountOf(mounts: readonly MountEntry[], path: string): MountEntry | undefined {
  let best: MountEntry | undefined;
  for (const m of mounts) {
    const mp = m.mountpoint;
    const inside = mp === '/' || path === mp || path.startsWith(mp.endsWith('/') ? mp : `${mp}/`);
    if (inside && (best === undefined || mp.length >= best.mountpoint.length)) best = m;
  }
  return best;
}

/** /proc/swaps: the active swap areas (file names; devices appear as /dev/NAME). */
export function parseSwaps(text: string): string[] {
  return text
    .split('\n')
    .slice(1)
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter((f) => f !== '')
    .map(unescapeMount);
}

export interface PvInfo {
  readonly pvName: string;
  /** Empty for an orphan PV (pvcreate'd, in no VG). */
  readonly vgName: string;
}

interface LvmReport<K extends string> {
  readonly report?: readonly Partial<Record<K, readonly Record<string, string>[]>>[];
}

const rows = <K extends string>(text: string, key: K): Record<string, string>[] => {
  if (text.trim() === '') return [];
  const doc = JSON.parse(text) as LvmReport<K>;
  return (doc.report ?? []).flatMap((r) => [...(r[key] ?? [])]);
};

/** `pvs --reportformat json -o pv_name,vg_name`. */
export const parsePvsJson = (text: string): PvInfo[] => rows(text, 'pv').map((r) => ({ pvName: r.pv_name ?? '', vgName: r.vg_name ?? '' }));

export interface VgInfo {
  readonly name: string;
  readonly sizeBytes: number;
  readonly freeBytes: number;
  readonly extentBytes: number;
}

/** `vgs --reportformat json --units b --nosuffix -o vg_name,vg_size,vg_free,vg_extent_size`. */
export const parseVgsJson = (text: string): VgInfo[] =>
  rows(text, 'vg').map((r) => ({
    name: r.vg_name ?? '',
    sizeBytes: Number(r.vg_size ?? 0),
    freeBytes: Number(r.vg_free ?? 0),
    extentBytes: Number(r.vg_extent_size ?? 0),
  }));

export interface LvInfo {
  readonly name: string;
  readonly vg: string;
  /** lv_attr, e.g. "twi-a-tz--" for a thin pool, "Vwi-a-tz--" for a thin volume, "-wi-a-----" linear. */
  readonly attr: string;
  readonly sizeBytes: number;
}

/** `lvs --reportformat json --units b --nosuffix -o lv_name,vg_name,lv_attr,lv_size`. */
export const parseLvsJson = (text: string): LvInfo[] =>
  rows(text, 'lv').map((r) => ({ name: r.lv_name ?? '', vg: r.vg_name ?? '', attr: r.lv_attr ?? '', sizeBytes: Number(r.lv_size ?? 0) }));

export const isThinPool = (lv: LvInfo): boolean => lv.attr.startsWith('t');
