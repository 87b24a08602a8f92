// Pure parsers for on-disk signatures: `blkid -p -o export` and `wipefs -n -J` (the
// device probe reads both: probe-device.ts). Text in, data out, tested on recorded text;
// wipefs JSON is validated with zod, so garbage is an error, not "no signature".
import { z } from 'zod';

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

const wipefsSchema = z.object({
  signatures: z.array(z.object({ device: z.string().optional(), offset: z.string().regex(/^0x[0-9a-f]+$/i).optional(), type: z.string().optional(), uuid: z.string().nullish(), label: z.string().nullish(), usage: z.string().optional() })).optional(),
});

/** `wipefs -n -J DEV`: every signature wipefs would erase, with its offset. Empty output: none; anything else not wipefs JSON throws. */
export function parseWipefsJson(text: string, fallbackDevice: string): Signature[] {
  if (text.trim() === '') return [];
  const parsed = wipefsSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`not wipefs JSON (${parsed.error.issues[0]?.message ?? 'invalid'})`);
  const doc = parsed.data;
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
