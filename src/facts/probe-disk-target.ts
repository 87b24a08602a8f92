// Read-only probes `disk create` and `vg create` plan from (provision/ does no I/O of
// its own): what a --on path is, whether an image name is taken, the free space and
// file system of a directory, O_DIRECT support, device-mapper, the size of block
// devices, and the LVM reports (vgs/lvs, parsed by parse-lvm.ts). Everything but the
// O_TMPFILE probe goes through a Source (stat(1) answers what lstat/statfs would).
import { constants, promises as fs } from 'node:fs';
import { parseLvs, parseVgs, type LvInfo, type VgInfo } from './parse-lvm.js';
import { mountOf, parseMountinfo } from './parse-mounts.js';
import { missing, ok, type Read, type Source } from './source.js';

/** LVM warns about inherited descriptors otherwise (lvm.conf(5)); Source.run takes no environment. */
const LVM_ARGV = ['env', 'LVM_SUPPRESS_FD_WARNINGS=1'];
const safeName = (s: string): string => s.replace(/[^A-Za-z0-9.-]/g, '_');

export type PathKind = 'directory' | 'block' | 'other' | 'absent';

/** stat(1) %F of PATH (following links with `follow`): directory, block device, something else, or nothing there. */
export async function probePathKind(src: Source, path: string, opts: { readonly follow?: boolean } = {}): Promise<Read<{ kind: PathKind; what: string }>> {
  const r = await src.run({ name: `stat-F${opts.follow ? 'L' : ''}${safeName(path)}`, argv: ['stat', ...(opts.follow ? ['-L'] : []), '-c', '%F', '--', path] });
  if (!r.ok) return r;
  if (r.value.code !== 0) return /No such file/i.test(r.value.stderr) ? ok({ kind: 'absent', what: 'nothing' }) : missing(`stat ${path}: ${r.value.stderr.trim()}`);
  const what = r.value.stdout.trim();
  return ok({ kind: what === 'directory' ? 'directory' : what === 'block special file' ? 'block' : 'other', what });
}

/** Bytes available to an unprivileged creator in DIR's file system (statfs f_bavail × f_bsize). */
export async function probeFreeBytes(src: Source, dir: string): Promise<Read<number>> {
  const r = await src.run({ name: `stat-f${safeName(dir)}`, argv: ['stat', '-f', '-c', '%a %S', '--', dir] });
  if (!r.ok) return r;
  const m = /^(\d+) (\d+)$/.exec(r.value.stdout.trim());
  if (r.value.code !== 0 || !m) return missing(`stat -f ${dir}: ${r.value.stderr.trim() || `unexpected output "${r.value.stdout.trim()}"`}`);
  return ok(Number(m[1]) * Number(m[2]));
}

/** The file system type holding DIR (mountinfo). */
export async function probeFsType(src: Source, dir: string): Promise<string | undefined> {
  const t = await src.readText('/proc/self/mountinfo');
  const m = t.ok ? parseMountinfo(t.value) : t;
  return m.ok ? mountOf(m.value, dir)?.fstype : undefined;
}

// Linux O_TMPFILE (__O_TMPFILE | O_DIRECTORY); Node does not export it.
const O_TMPFILE = 0o20000000 | constants.O_DIRECTORY;

/**
 * Does the file system of `dir` accept O_DIRECT? Nova and KubeVirt open a file with it;
 * before the image exists, an unnamed O_TMPFILE inode answers without leaving a name
 * behind (it vanishes on close), so even a dry run leaves the directory as it was
 * (probe-disk.ts's probeDirectIoInDir creates and removes a named file). Local only: no
 * Source can open an O_TMPFILE. undefined: could not tell (O_TMPFILE unsupported).
 */
export async function probeDirectIoDir(dir: string): Promise<boolean | undefined> {
  try {
    const fh = await fs.open(dir, O_TMPFILE | constants.O_RDWR | constants.O_DIRECT, 0o600);
    await fh.close();
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'EINVAL' ? false : undefined;
  }
}

/** LVs need device-mapper in the kernel; /proc/misc lists it when present. */
export async function probeDeviceMapper(src: Source): Promise<boolean> {
  const t = await src.readText('/proc/misc');
  return t.ok && /\bdevice-mapper\b/.test(t.value);
}

/** A block device's size in bytes (/sys/class/block/NAME/size counts 512-byte sectors, block/genhd.c). */
export async function probeBlockBytes(src: Source, name: string): Promise<Read<number>> {
  const t = await src.readText(`/sys/class/block/${name}/size`);
  if (!t.ok) return t;
  return /^\d+$/.test(t.value.trim()) ? ok(Number(t.value.trim()) * 512) : missing(`/sys/class/block/${name}/size: "${t.value.trim()}" is not a sector count`);
}

export async function probeIsPartition(src: Source, name: string): Promise<boolean> {
  return (await src.readText(`/sys/class/block/${name}/partition`)).ok;
}

async function lvmReport<T>(src: Source, name: string, argv: readonly string[], parse: (t: string) => T): Promise<Read<T>> {
  const r = await src.run({ name, argv: [...LVM_ARGV, ...argv] });
  if (!r.ok) return r;
  if (r.value.code !== 0) return missing(`${argv[0]}: exit ${r.value.code}: ${r.value.stderr.trim().split('\n').slice(-1)[0] ?? ''}`);
  try {
    return ok(parse(r.value.stdout));
  } catch (e) {
    return missing((e as Error).message);
  }
}

/** Every VG (or VG alone): `vgs --reportformat json --units b --nosuffix`. A missing VG is an empty list, not an error. */
export async function probeVgs(src: Source, vg?: string): Promise<Read<readonly VgInfo[]>> {
  const r = await lvmReport(src, `vgs${vg ? `-${safeName(vg)}` : ''}`, ['vgs', '--reportformat', 'json', '--units', 'b', '--nosuffix', '-o', 'vg_name,vg_size,vg_free,vg_extent_size', ...(vg ? [vg] : [])], parseVgs);
  return !r.ok && vg !== undefined && /exit 5/.test(r.reason) ? ok([]) : r;
}

/** The LVs of VG: `lvs --reportformat json --units b --nosuffix`. */
export const probeLvs = (src: Source, vg: string): Promise<Read<readonly LvInfo[]>> =>
  lvmReport(src, `lvs-${safeName(vg)}`, ['lvs', '--reportformat', 'json', '--units', 'b', '--nosuffix', '-o', 'lv_name,vg_name,lv_attr,lv_size', vg], parseLvs);
