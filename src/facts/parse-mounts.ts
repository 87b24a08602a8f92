// /proc/self/mountinfo (preferred: it carries each filesystem's major:minor, so mounts
// match block devices by number, whatever name the source shows) and /proc/swaps.
// Format: proc(5), "/proc/pid/mountinfo". Malformed lines are skipped, not fatal.
import type { Mount } from './host-facts.js';
import { missing, ok, type Read } from './source.js';

/** mountinfo escapes space, tab, newline and backslash as \ooo. */
const unescape = (s: string): string => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

export function parseMountinfo(text: string): Read<readonly Mount[]> {
  const mounts: Mount[] = [];
  let lines = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    lines++;
    const f = line.split(' ');
    const sep = f.indexOf('-', 6);
    const devNumber = f[2];
    const mountpoint = f[4];
    const fstype = f[sep + 1];
    const source = f[sep + 2];
    if (sep < 0 || devNumber === undefined || mountpoint === undefined || fstype === undefined || source === undefined) continue;
    if (!/^\d+:\d+$/.test(devNumber)) continue;
    mounts.push({ devNumber, mountpoint: unescape(mountpoint), fstype, source: unescape(source) });
  }
  if (lines > 0 && mounts.length === 0) return missing('mountinfo: no line has the expected fields');
  return ok(mounts);
}

/**
 * /proc/mounts (fstab format), the fallback when mountinfo is absent: it has no device
 * numbers, so these mounts match block devices by source name only.
 */
export function parseProcMounts(text: string): Read<readonly Mount[]> {
  const mounts: Mount[] = [];
  let lines = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    lines++;
    const [source, mountpoint, fstype] = line.split(' ');
    if (source === undefined || mountpoint === undefined || fstype === undefined || !mountpoint.startsWith('/')) continue;
    mounts.push({ devNumber: '?', mountpoint: unescape(mountpoint), fstype, source: unescape(source) });
  }
  if (lines > 0 && mounts.length === 0) return missing('/proc/mounts: no line has the expected fields');
  return ok(mounts);
}

/** /proc/swaps: "Filename Type Size Used Priority" after a header line. */
export function parseSwaps(text: string): Read<readonly string[]> {
  const lines = text.split('\n');
  if (!/^Filename\s/.test(lines[0] ?? '')) return missing('/proc/swaps: no "Filename" header');
  const out: string[] = [];
  for (const line of lines.slice(1)) {
    const name = line.trim().split(/\s+/)[0];
    if (name) out.push(unescape(name));
  }
  return ok(out);
}

/** The mount that holds PATH (absolute, resolved): the longest mount point that is a prefix of it; of stacked mounts the last wins. */
export function mountOf(mounts: readonly Mount[], path: string): Mount | undefined {
  let best: Mount | undefined;
  for (const m of mounts) {
    const mp = m.mountpoint;
    const inside = mp === '/' || path === mp || path.startsWith(mp.endsWith('/') ? mp : `${mp}/`);
    if (inside && (best === undefined || mp.length >= best.mountpoint.length)) best = m;
  }
  return best;
}
