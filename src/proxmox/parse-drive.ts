// Proxmox drive strings ("local-lvm:vm-101-disk-0,discard=on,iothread=1,size=32G"): the
// `file` first (a storage:volume id or a path; `file=`/`volume=` may name it), then
// key=value options. Parsed into an ordered list so that writing back (a `qm set`
// proposal) keeps every option the drive had, in its place; only the options kvmio
// tunes change. Pure; never throws: a broken string comes back with the reason.
//
// Grammar and option sets: pve-qemu-server src/PVE/QemuServer/Drive.pm (%drivedesc_base,
// $ide_fmt, $scsi_fmt, $sata_fmt, $virtio_fmt, $efidisk_fmt, $tpmstate_fmt), and
// PVE::JSONSchema::parse_property_string (comma-separated, the default key `file`
// may stand alone as the first item, double quotes protect commas in a value).
import { missing, ok, type Read } from '../facts/source.js';

export type DriveInterface = 'ide' | 'sata' | 'scsi' | 'virtio' | 'efidisk' | 'tpmstate';

export interface DriveString {
  readonly file: string;
  /** Every option after the file, in order, as written (aliases not folded). */
  readonly options: readonly (readonly [string, string])[];
}

// Drive.pm %drivedesc_base: the options every disk interface accepts.
const BASE = [
  'media', 'cyls', 'heads', 'secs', 'trans', 'snapshot', 'cache', 'format', 'size', 'backup', 'replicate',
  'rerror', 'werror', 'aio', 'discard', 'detect_zeroes', 'serial', 'shared', 'import-from',
  'bps', 'bps_rd', 'bps_wr', 'mbps', 'mbps_rd', 'mbps_wr', 'iops', 'iops_rd', 'iops_wr',
  'mbps_max', 'mbps_rd_max', 'mbps_wr_max', 'iops_max', 'iops_rd_max', 'iops_wr_max',
  'bps_max_length', 'bps_rd_max_length', 'bps_wr_max_length', 'iops_max_length', 'iops_rd_max_length', 'iops_wr_max_length',
  'bps_rd_length', 'bps_wr_length', 'iops_rd_length', 'iops_wr_length',
];

/** Options each interface accepts besides `file` (Drive.pm's per-interface formats). */
export const DRIVE_OPTIONS: Readonly<Record<DriveInterface, ReadonlySet<string>>> = {
  ide: new Set([...BASE, 'model', 'ssd', 'wwn']),
  sata: new Set([...BASE, 'ssd', 'wwn']),
  scsi: new Set([...BASE, 'iothread', 'product', 'queues', 'ro', 'scsiblock', 'ssd', 'vendor', 'wwn']),
  virtio: new Set([...BASE, 'iothread', 'ro']),
  efidisk: new Set(['format', 'size', 'efitype', 'pre-enrolled-keys', 'ms-cert', 'import-from']),
  tpmstate: new Set(['size', 'version', 'import-from']),
};

/** Enumerated values PVE's schema accepts (Drive.pm); anything else makes PVE reject the drive. */
export const DRIVE_ENUMS: Readonly<Record<string, readonly string[]>> = {
  cache: ['none', 'writethrough', 'writeback', 'unsafe', 'directsync'],
  aio: ['native', 'threads', 'io_uring'],
  discard: ['ignore', 'on'],
  media: ['cdrom', 'disk'],
  rerror: ['ignore', 'report', 'stop'],
  werror: ['enospc', 'ignore', 'report', 'stop'],
};

/** Boolean options (PVE accepts 1/0, on/off, yes/no, true/false). */
export const DRIVE_BOOLEANS: ReadonlySet<string> = new Set(['snapshot', 'backup', 'replicate', 'detect_zeroes', 'shared', 'iothread', 'ro', 'scsiblock', 'ssd', 'pre-enrolled-keys']);

/** "scsi0" → interface scsi, index 0; undefined for keys that are not drives (unusedN is not one). */
export function driveKey(key: string): { readonly iface: DriveInterface; readonly index: number } | undefined {
  const m = /^(ide|sata|scsi|virtio|efidisk|tpmstate)(\d+)$/.exec(key);
  if (!m) return undefined;
  const index = Number(m[2]);
  // Drive.pm: $MAX_IDE_DISKS 4, $MAX_SATA_DISKS 6, $MAX_SCSI_DISKS 31, $MAX_VIRTIO_DISKS 16, efidisk0, tpmstate0.
  const max: Record<DriveInterface, number> = { ide: 4, sata: 6, scsi: 31, virtio: 16, efidisk: 1, tpmstate: 1 };
  const iface = m[1] as DriveInterface;
  return index < max[iface] ? { iface, index } : undefined;
}

/** Splits on commas outside double quotes (PVE property strings quote values that hold commas). */
function splitItems(s: string): Read<string[]> {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '"') quoted = !quoted;
    if (c === ',' && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  if (quoted) return missing('an unterminated double quote');
  out.push(cur);
  return ok(out);
}

const unquote = (v: string): string => (v.length >= 2 && v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1) : v);

/** Parses a drive string; checks syntax only (which options an interface takes: checkDriveOptions). */
export function parseDrive(text: string): Read<DriveString> {
  const s = text.trim();
  if (s === '') return missing('an empty drive string');
  const items = splitItems(s);
  if (!items.ok) return missing(`"${s}": ${items.reason}`);
  let file: string | undefined;
  const options: [string, string][] = [];
  const seen = new Set<string>();
  for (const [i, raw] of items.value.entries()) {
    if (raw === '') return missing(`"${s}": an empty item (two commas, or a trailing comma)`);
    const eq = raw.indexOf('=');
    if (/\s/.test(raw.replace(/^[^=]*=/, '').slice(0, 1)) || /\s$/.test(raw) || /^\s/.test(raw)) return missing(`"${s}": whitespace around "${raw.trim()}"`);
    if (unquote(raw).includes('"')) return missing(`"${s}": a stray double quote in "${raw}" (quotes may only wrap a whole value)`);
    if (eq < 0) {
      // Only the first item may omit its key (the default key `file`).
      if (i !== 0) return missing(`"${s}": "${raw}" has no "=value" (only the volume may stand alone, first)`);
      file = unquote(raw);
      continue;
    }
    const key = raw.slice(0, eq);
    const value = unquote(raw.slice(eq + 1));
    if (!/^[a-z][a-z0-9_-]*$/.test(key)) return missing(`"${s}": "${key}" is not an option name`);
    if (key === 'file' || key === 'volume') {
      if (file !== undefined) return missing(`"${s}": the volume is given twice`);
      file = value;
      continue;
    }
    if (seen.has(key)) return missing(`"${s}": option ${key} is given twice`);
    seen.add(key);
    options.push([key, value]);
  }
  if (file === undefined || file === '') return missing(`"${s}": no volume (expected STORAGE:VOLUME or a path first)`);
  return ok({ file, options });
}

/** Problems PVE's schema would reject the drive for: unknown options for its interface, values outside an enum. */
export function checkDriveOptions(iface: DriveInterface, d: DriveString): string[] {
  const problems: string[] = [];
  for (const [k, v] of d.options) {
    if (!DRIVE_OPTIONS[iface].has(k)) problems.push(`option "${k}" is not valid on ${iface} drives`);
    else if (DRIVE_ENUMS[k] && !DRIVE_ENUMS[k].includes(v)) problems.push(`${k}=${v} is not one of ${DRIVE_ENUMS[k].join(', ')}`);
    else if (DRIVE_BOOLEANS.has(k) && parseBool(v) === undefined) problems.push(`${k}=${v} is not a boolean (1/0, on/off, yes/no, true/false)`);
    else if (k === 'queues' && !(/^\d+$/.test(v) && Number(v) >= 2)) problems.push(`queues=${v} is not an integer ≥ 2`);
  }
  return problems;
}

/** PVE::JSONSchema boolean words. */
export function parseBool(v: string): boolean | undefined {
  if (/^(1|on|yes|true)$/i.test(v)) return true;
  if (/^(0|off|no|false)$/i.test(v)) return false;
  return undefined;
}

/** The value of option KEY, if present. */
export const driveOption = (d: DriveString, key: string): string | undefined => d.options.find(([k]) => k === key)?.[1];

/** A value needs quotes when it holds a comma or a quote-free "=" could confuse the reader. */
const printValue = (v: string): string => (v.includes(',') ? `"${v}"` : v);

/** The drive string again: file first, options in their order (what `qm set` receives). */
export function printDrive(d: DriveString): string {
  // A volume holding "=" would read back as an option: name it then.
  const file = d.file.includes('=') ? `file=${printValue(d.file)}` : printValue(d.file);
  return [file, ...d.options.map(([k, v]) => `${k}=${printValue(v)}`)].join(',');
}

/**
 * Sets (string) or removes (null) options, keeping every other option and the order:
 * a changed option stays where it was, a new one goes at the end.
 */
export function editDrive(d: DriveString, changes: Readonly<Record<string, string | null>>): DriveString {
  const options: [string, string][] = [];
  const done = new Set<string>();
  for (const [k, v] of d.options) {
    if (!(k in changes)) options.push([k, v]);
    else {
      done.add(k);
      const nv = changes[k];
      if (nv !== null && nv !== undefined) options.push([k, nv]);
    }
  }
  for (const [k, v] of Object.entries(changes)) if (!done.has(k) && v !== null) options.push([k, v]);
  return { file: d.file, options };
}
