// Probes the local disk sources the VMs name, through the Source port (so `kvmio
// collect` records them and `--from DUMP` replays them): per distinct path one `stat`,
// one `qemu-img info -U --output=json` (image files; with a local backing file also its
// `--backing-chain`), one O_DIRECT open, and for block
// devices their sysfs entry (partition? device-mapper LV? then `lvs`). Plus the
// platform versions and fs.aio-nr / fs.aio-max-nr. Reads only; a fact that cannot be had
// is a reason. The commands and their dump names: commands.ts VM_COMMANDS, dump-format.ts.
import type { Backend, ImageFormat, Platform } from '../model/disk-types.js';
import type { Vm, VmDisk } from '../model/vm.js';
import { bytes } from '../size.js';
import { VM_COMMANDS } from './commands.js';
import { parseQemuImgInfo } from './parse-qemu-img.js';
import { probeBackingChain } from './probe-image-chain.js';
import { probeBlockSizes } from './probe-block-sizes.js';
import type { Mount } from './host-facts.js';
import { parseLvs, readReport } from './parse-lvm.js';
import { parseMountinfo } from './parse-mounts.js';
import { fsTypeOf, probePlatform } from './probe-disk.js';
import { missing, ok, type CommandOutput, type Read, type Source } from './source.js';
import type { ImageInfo, ManagerRead, SourceFacts, VmFacts } from './vm-disk-facts.js';

/** The local path of a disk's data, when it has one: file and block sources, and volumes the adapter resolved. */
export function diskPath(disk: VmDisk): string | undefined {
  const s = disk.source;
  return s.kind === 'file' || s.kind === 'block' ? s.path : s.kind === 'volume' ? s.path : undefined;
}

const whyNot = (r: Read<CommandOutput>): string => (r.ok ? r.value.stderr.trim().split('\n').slice(-1)[0] || `exit ${r.value.code}` : r.reason);

export interface StatLine {
  readonly type: string;
  readonly size: number;
  readonly allocated: number;
  /** Block devices: "MAJ:MIN" in decimal, as /sys/dev/block names them. */
  readonly devNumber?: string;
}

/** `stat -L -c '%F|%s|%b|%B|%t:%T'` → its fields (%t and %T are hex); undefined when it is not that line. */
export function parseStatLine(text: string): StatLine | undefined {
  const m = /^([a-z ]+)\|(\d+)\|(\d+)\|(\d+)\|([0-9a-f]+):([0-9a-f]+)$/.exec(text.trim());
  if (!m) return undefined;
  const [, type, size, blocks, blockSize, major, minor] = m as unknown as [string, string, string, string, string, string, string];
  return {
    type,
    size: Number(size),
    allocated: Number(blocks) * Number(blockSize),
    ...(type === 'block special file' ? { devNumber: `${parseInt(major, 16)}:${parseInt(minor, 16)}` } : {}),
  };
}

/** What the table needs of an image file: qemu-img's view, the host filesystem and O_DIRECT. */
async function probeImage(src: Source, path: string, st: StatLine, mounts: Read<readonly Mount[]>): Promise<{ backend: Read<Backend>; image: Read<ImageInfo> }> {
  const r = await src.run(VM_COMMANDS.imageInfo(path));
  if (!r.ok || r.value.code !== 0) {
    const why = missing(`qemu-img info: ${whyNot(r)}`);
    return { backend: why, image: why };
  }
  const info = parseQemuImgInfo(r.value.stdout);
  if (!info.ok) return { backend: info, image: info };
  const i = info.value;
  // qemu-img's actual-size is the file's allocated blocks; stat's %b×%B says the same when qemu-img cannot.
  const actualSize = i.actualSize ?? bytes(st.allocated);
  let image: ImageInfo = {
    format: i.format,
    virtualSize: i.virtualSize,
    actualSize,
    ...(i.clusterSize ? { clusterSize: i.clusterSize } : {}),
    ...(i.extendedL2 !== undefined ? { extendedL2: i.extendedL2 } : {}),
    ...(i.backingFile !== undefined ? { backingFile: i.backingFile } : {}),
    ...(i.backingFormat !== undefined ? { backingFormat: i.backingFormat } : {}),
  };
  const backing = await probeBackingChain(src, VM_COMMANDS.imageChain(path), i);
  if (backing !== undefined) image = { ...image, backing };
  if (i.format !== 'raw' && i.format !== 'qcow2') return { backend: missing(`SOURCE: ${path} is a ${i.format} image; expected raw or qcow2`), image: ok(image) };
  const fsType = mounts.ok ? fsTypeOf(mounts.value, path) : undefined;
  const d = await src.tryOpen(path, 'direct');
  return {
    image: ok(image),
    backend: ok({
      kind: 'file',
      path,
      format: i.format as ImageFormat,
      virtualSize: i.virtualSize,
      actualSize,
      allocation: actualSize.bytes >= i.virtualSize.bytes ? 'preallocated' : 'sparse',
      ...(fsType === undefined ? {} : { fsType }),
      ...(d.ok ? { directIo: d.value.opened } : {}),
      ...(i.clusterSize === undefined ? {} : { clusterSize: i.clusterSize }),
    }),
  };
}

/** A block device: partition or whole disk, or a device-mapper LV that lvs names (facts through /sys/dev/block). */
async function probeBlockSource(src: Source, path: string, st: StatLine): Promise<Backend> {
  const sys = `/sys/dev/block/${st.devNumber ?? '?'}`;
  const d = await src.tryOpen(path, 'direct');
  const direct = d.ok ? { directIo: d.value.opened } : {};
  const uuid = await src.readText(`${sys}/dm/uuid`);
  if (uuid.ok && uuid.value.startsWith('LVM-')) {
    const r = await src.run(VM_COMMANDS.lvs(path));
    const rows = r.ok && r.value.code === 0 ? readReport(parseLvs, r.value.stdout) : undefined;
    const row = rows?.ok ? rows.value[0] : undefined;
    if (row) return { kind: 'lv', vg: row.vg, lv: row.name, path, thin: row.segtype === 'thin', ...direct };
  }
  const part = await src.readText(`${sys}/partition`);
  return { kind: 'block', path, device: part.ok ? 'partition' : 'whole', ...direct };
}

/** The stat line of a path (the same command probeSource ran, so a dump answers it), or undefined. */
async function statOf(src: Source, path: string): Promise<StatLine | undefined> {
  const r = await src.run(VM_COMMANDS.stat(path));
  return r.ok && r.value.code === 0 ? parseStatLine(r.value.stdout) : undefined;
}

/** Probes one local source path: exists (stat), then what it is and, for image files, qemu-img info. */
export async function probeSource(src: Source, path: string, mounts: Read<readonly Mount[]>): Promise<SourceFacts> {
  const r = await src.run(VM_COMMANDS.stat(path));
  if (!r.ok) return { kind: 'missing', path, reason: r.reason };
  if (r.value.code !== 0) return { kind: 'missing', path, reason: r.value.stderr.trim().replace(/^stat: /, '') || `stat exit ${r.value.code}` };
  const st = parseStatLine(r.value.stdout);
  if (st === undefined) return { kind: 'missing', path, reason: `stat: unexpected answer "${r.value.stdout.trim().slice(0, 80)}"` };
  if (st.type === 'regular file') return { kind: 'present', path, ...(await probeImage(src, path, st, mounts)) };
  if (st.type === 'block special file') return { kind: 'present', path, backend: ok(await probeBlockSource(src, path, st)), image: missing('block device: no image to inspect') };
  const why = missing(`${path} is a ${st.type}; expected an image file or a block device`);
  return { kind: 'present', path, backend: why, image: why };
}

async function readNumber(src: Source, path: string): Promise<Read<number>> {
  const r = await src.readText(path);
  if (!r.ok) return r;
  const n = Number(r.value.trim());
  return Number.isFinite(n) ? ok(n) : missing(`${path}: "${r.value.trim()}" is not a number`);
}

/** Every local source of the VMs' disks (CD-ROMs and floppies aside), each probed once. */
export async function probeVmSources(src: Source, vms: readonly Vm[]): Promise<ReadonlyMap<string, SourceFacts>> {
  const paths = new Set<string>();
  for (const vm of vms) {
    for (const d of vm.disks) {
      if (d.device === 'cdrom' || d.device === 'floppy') continue;
      const p = diskPath(d);
      if (p !== undefined) paths.add(p);
    }
  }
  const sources = new Map<string, SourceFacts>();
  if (paths.size === 0) return sources;
  const m = await src.readText('/proc/self/mountinfo');
  const mounts: Read<readonly Mount[]> = m.ok ? parseMountinfo(m.value) : m;
  for (const p of paths) sources.set(p, await probeSource(src, p, mounts));
  return sources;
}

/** Everything the VM disk audit needs, for VMs the adapters already read. */
export async function probeVmFacts(src: Source, vms: readonly Vm[], managers: readonly ManagerRead[]): Promise<VmFacts> {
  const platform: Platform = vms.length > 0 ? await probePlatform(src) : {};
  const sources = await probeVmSources(src, vms);
  return {
    vms,
    managers,
    sources,
    blockSizes: await probeBlockSizes(src, [...sources.keys()], (p) => statOf(src, p)),
    platform,
    aioNr: await readNumber(src, '/proc/sys/fs/aio-nr'),
    aioMaxNr: await readNumber(src, '/proc/sys/fs/aio-max-nr'),
  };
}
