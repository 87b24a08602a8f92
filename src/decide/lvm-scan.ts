// Would the host's LVM scan this block device? Pure, over the settings the probe read
// (facts/probe-host-use.ts). In lvm2's order: with a devices file in use, only listed
// devices are used (lvmdevices(8)); LVs are skipped by the built-in filter unless
// devices/scan_lvs=1 (lvm.conf(5)); then devices/global_filter. The filter semantics are
// lvm2's lib/filters/filter-regex.c _accept_p: for each name of the device, the first
// pattern that matches decides; the device is used when any name is accepted, skipped
// when some name was rejected and none accepted, and used when no pattern matches at all.
import type { BlockDevice } from '../facts/host-facts.js';
import type { HostLvmConfig } from '../facts/host-use-facts.js';

export interface ScanVerdict {
  readonly scanned: boolean;
  /** Why, in a phrase: "global_filter rejects /dev/loop3 (r|^/dev/loop3$|)". */
  readonly why: string;
}

interface Pattern {
  readonly accept: boolean;
  readonly source: string;
  readonly re: RegExp | undefined;
}

/** "a|regex|" / "r/regex/": the first character says accept or reject, the second is the delimiter. */
export function parseFilterPattern(p: string): Pattern {
  const accept = p[0] === 'a';
  const delim = p[1];
  const body = delim !== undefined && p.length >= 3 && p.endsWith(delim) ? p.slice(2, -1) : undefined;
  let re: RegExp | undefined;
  try {
    re = body === undefined || !(p[0] === 'a' || p[0] === 'r') ? undefined : new RegExp(body);
  } catch {
    re = undefined;
  }
  return { accept, source: p, re };
}

/** The global_filter decision for a device known by `names` (filter-regex.c _accept_p). */
export function filterAccepts(patterns: readonly string[], names: readonly string[]): { readonly accepted: boolean; readonly by?: string; readonly name?: string } {
  const parsed = patterns.map(parseFilterPattern);
  let rejected: { by: string; name: string } | undefined;
  for (const name of names) {
    const first = parsed.find((p) => p.re?.test(name));
    if (first === undefined) continue;
    if (first.accept) return { accepted: true, by: first.source, name };
    rejected ??= { by: first.source, name };
  }
  return rejected ? { accepted: false, ...rejected } : { accepted: true };
}

/** A pattern that accepts every name ("a|.*|"): after it no reject can match. */
export const isAcceptAll = (p: string): boolean => {
  const pat = parseFilterPattern(p);
  return pat.accept && pat.re !== undefined && ['', '.*', '^.*', '.*$', '^.*$'].includes(p.slice(2, -1));
};

/** The names LVM knows a device by that kvmio can see: the VM's path, /dev/NAME, /dev/mapper/DM. */
export function deviceNames(dev: BlockDevice, extra: readonly string[] = []): string[] {
  return [...new Set([...extra, `/dev/${dev.name}`, ...(dev.dmName ? [`/dev/mapper/${dev.dmName}`] : [])])];
}

/** Whether the host's LVM scans `dev` (an LV when `isLv`), and why. */
export function lvmScans(lvm: HostLvmConfig, dev: BlockDevice, opts: { readonly names: readonly string[]; readonly isLv: boolean }): ScanVerdict {
  if (!lvm.installed) return { scanned: false, why: 'lvm2 is not installed: nothing on the host scans for PVs' };
  const s = lvm.scan;
  if (s.useDevicesFile && lvm.devicesFile !== undefined && lvm.devicesFile !== 'absent' && lvm.devicesFile.ok) {
    const listed = lvm.devicesFile.value.find((e) =>
      opts.names.includes(e.idName) || (e.devName !== undefined && opts.names.includes(e.devName)) || (e.idType === 'sys_wwid' && e.idName === dev.wwid) || (e.idType === 'sys_serial' && e.idName === dev.serial));
    return listed
      ? { scanned: true, why: `the LVM devices file lists it (IDTYPE=${listed.idType} IDNAME=${listed.idName})` }
      : { scanned: false, why: `use_devicesfile=1 and the devices file ${s.devicesFile} does not list it` };
  }
  if (opts.isLv && !s.scanLvs) return { scanned: false, why: 'it is an LV and scan_lvs=0: LVM ignores PVs layered on LVs' };
  const f = filterAccepts(s.globalFilter, opts.names);
  if (!f.accepted) return { scanned: false, why: `global_filter rejects ${f.name ?? ''} (${f.by ?? ''})` };
  const devFile = s.useDevicesFile ? (lvm.devicesFile === 'absent' ? `; use_devicesfile=1 but ${s.devicesFile} does not exist, so LVM uses every device` : lvm.devicesFile !== undefined && !lvm.devicesFile.ok ? `; the devices file is unreadable (${lvm.devicesFile.reason})` : '') : '';
  return { scanned: true, why: `${f.by ? `global_filter accepts ${f.name ?? ''} (${f.by})` : s.globalFilter.length === 0 ? 'no global_filter' : `no global_filter pattern matches ${opts.names.join(', ')}`}${devFile}` };
}
