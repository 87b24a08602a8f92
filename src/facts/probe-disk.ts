// Probes what the disk decision needs (side effects only here): what SOURCE is (image
// file, partition, whole disk, logical volume, PCI device), the image's format and
// allocation, the host filesystem, O_DIRECT support, and QEMU/libvirt/kernel versions.
// Reads go through the Source port, so a recorded dump can stand in for the host.
import { constants, promises as fs } from 'node:fs';
import { join } from 'node:path';
import { CIFS_FS_TYPES, type Backend, type FileBackend, type ImageFormat, type LvBackend, type PciBackend, type Platform } from '../model/disk-types.js';
import { parseVersion } from './parse-version.js';
import { KvmioError, usageError } from '../errors.js';
import { bytes, type Size } from '../size.js';
import { LocalSource } from './local-source.js';
import type { Mount } from './host-facts.js';
import { parseLvs, readReport, type LvInfo } from './parse-lvm.js';
import { mountOf, parseMountinfo } from './parse-mounts.js';
import type { CommandOutput, Read, Source } from './source.js';
import { parseQemuImgInfo as parseQemuImgInfoRead, type QemuImgInfo } from './parse-qemu-img.js';

export interface ProbedBackend {
  readonly backend: Backend;
  /** What could not be read and what was assumed instead. */
  readonly notes: readonly string[];
}

/** Safe command names for the dump: "stat" + path with unsafe characters replaced. */
const cmdName = (verb: string, arg: string): string => `${verb}${arg.replace(/[^A-Za-z0-9.-]/g, '_')}`;

const PCI_RE = /^(?:([0-9a-fA-F]{4}):)?([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\.([0-7])$/;

/** "00:1f.2" or "0000:00:1f.2" → "0000:00:1f.2"; undefined when not a PCI address. */
export function normalizePciAddress(text: string): string | undefined {
  const m = PCI_RE.exec(text);
  return m ? `${(m[1] ?? '0000').toLowerCase()}:${m[2]?.toLowerCase()}:${m[3]?.toLowerCase()}.${m[4]}` : undefined;
}

export type { QemuImgInfo } from './parse-qemu-img.js';

/** `qemu-img info --output=json` through the one parser (parse-qemu-img.ts), throwing its reason: for callers that refuse on garbage. */
export function parseQemuImgInfo(json: string): QemuImgInfo {
  const r = parseQemuImgInfoRead(json);
  if (!r.ok) throw new Error(r.reason);
  return r.value;
}

/** The filesystem type holding `path` (absolute, resolved): parse-mounts.ts's mountOf. */
export const fsTypeOf = (mounts: readonly Mount[], path: string): string | undefined => mountOf(mounts, path)?.fstype;

const outOf = (r: Read<CommandOutput>): string | undefined => (r.ok && r.value.code === 0 ? r.value.stdout : undefined);
const whyNot = (r: Read<CommandOutput>): string => (r.ok ? r.value.stderr.trim().split('\n').slice(-1)[0] || `exit ${r.value.code}` : r.reason);

async function probeLv(src: Source, vg: string, lv: string, notes: string[]): Promise<LvBackend> {
  const spec = `${vg}/${lv}`;
  const r = await src.run({ name: cmdName('lvs', spec), argv: ['lvs', '--reportformat', 'json', '--units', 'b', '--nosuffix', '-o', 'vg_name,lv_name,lv_attr,lv_size,segtype,lv_path', spec], timeoutMs: 15_000 });
  const out = outOf(r);
  let row: LvInfo | undefined;
  let bad: string | undefined;
  try {
    row = out === undefined ? undefined : parseLvs(out)[0];
  } catch (e) {
    bad = (e as Error).message;
  }
  if (!row) notes.push(`lv:${spec}: lvs could not read it (${bad ?? (out === undefined ? whyNot(r) : 'not found')}); assumed a thick volume`);
  return { kind: 'lv', vg, lv, path: row?.path || `/dev/${vg}/${lv}`, thin: row?.segtype === 'thin' };
}

async function probePci(src: Source, address: string): Promise<PciBackend> {
  const cls = await src.readText(`/sys/bus/pci/devices/${address}/class`);
  if (!cls.ok) throw usageError(`SOURCE: no PCI device ${address} on this host (${cls.reason}); expected an address from lspci -D`);
  return { kind: 'pci', address, class: cls.value.trim() };
}

/** Whole block devices whose sysfs path runs through the PCI device (they go with it). */
async function blockDevicesBehind(src: Source, address: string): Promise<string[]> {
  const names = await src.listDir('/sys/class/block');
  if (!names.ok) return [];
  const out: string[] = [];
  for (const n of names.value) {
    const link = await src.readLink(`/sys/class/block/${n}`);
    if (link.ok && link.value.includes(`/${address}/`) && !(await src.readText(`/sys/class/block/${n}/partition`)).ok) out.push(n);
  }
  return out;
}

/** Classifies SOURCE: "lv:VG/LV", a PCI address, an image file, a block device or /dev/VG/LV. */
export async function probeBackend(source: string, src: Source = new LocalSource()): Promise<ProbedBackend> {
  const notes: string[] = [];
  const lvm = /^lv:([^/\s]+)\/([^/\s]+)$/.exec(source);
  if (lvm) return { backend: await probeLv(src, lvm[1] as string, lvm[2] as string, notes), notes };
  if (source.startsWith('lv:')) throw usageError(`SOURCE: "${source}" is not valid; expected lv:VG/LV`);
  const pci = normalizePciAddress(source);
  if (pci) {
    const backend = await probePci(src, pci);
    const held = await blockDevicesBehind(src, pci);
    if (held.length > 0) notes.push(`${pci} carries host block devices ${held.join(', ')}: passing it through takes them (and anything mounted from them) away from the host`);
    return { backend, notes };
  }

  const real = outOf(await src.run({ name: cmdName('realpath', source), argv: ['realpath', '-e', '--', source] }))?.trim();
  if (real === undefined) {
    const devLv = /^\/dev\/([^/]+)\/([^/]+)$/.exec(source);
    if (devLv && !['disk', 'mapper', 'block', 'char', 'shm', 'pts', 'fd', 'bus', 'net'].includes(devLv[1] as string)) {
      // An inactive LV has no device node (and none can be activated without device-mapper).
      const lv = await probeLv(src, devLv[1] as string, devLv[2] as string, notes);
      if (notes.length === 0) return { backend: lv, notes };
    }
    throw usageError(`SOURCE: "${source}" does not exist; expected an image file, a block device, lv:VG/LV or a PCI address`);
  }
  const st = outOf(await src.run({ name: cmdName('stat', real), argv: ['stat', '-L', '-c', '%F|%b|%B', '--', real] }))?.trim();
  const [type, blocks, blockSize] = (st ?? '').split('|');
  if (type === 'block special file') return { backend: await probeBlock(src, real, source, notes), notes };
  if (type !== 'regular file') throw usageError(`SOURCE: "${source}" is a ${type || 'thing kvmio cannot read'}; expected an image file, a block device, lv:VG/LV or a PCI address`);
  const statActual = blocks !== undefined && blockSize !== undefined ? bytes(Number(blocks) * Number(blockSize)) : undefined;
  return { backend: await probeFile(src, real, statActual, notes), notes };
}

async function probeBlock(src: Source, real: string, source: string, notes: string[]): Promise<Backend> {
  const name = real.slice(real.lastIndexOf('/') + 1);
  const sys = `/sys/class/block/${name}`;
  const uuid = await src.readText(`${sys}/dm/uuid`);
  if (uuid.ok && uuid.value.startsWith('LVM-')) {
    const r = await src.run({ name: cmdName('lvs', real), argv: ['lvs', '--reportformat', 'json', '--units', 'b', '--nosuffix', '-o', 'vg_name,lv_name,lv_attr,lv_size,segtype,lv_path', real], timeoutMs: 15_000 });
    const out = outOf(r);
    const rows = out === undefined ? undefined : readReport(parseLvs, out);
    const row = rows?.ok ? rows.value[0] : undefined;
    if (row) {
      const d = await src.tryOpen(real, 'direct');
      return { kind: 'lv', vg: row.vg, lv: row.name, path: source.startsWith('/dev/') ? source : real, thin: row.segtype === 'thin', ...(d.ok ? { directIo: d.value.opened } : {}) };
    }
    notes.push(`${source}: a device-mapper LV that lvs could not read (${whyNot(r)}); treated as a plain block device`);
  }
  const part = await src.readText(`${sys}/partition`);
  const d = await src.tryOpen(real, 'direct');
  if (!d.ok) notes.push(`${source}: O_DIRECT not probed (${d.reason})`);
  return { kind: 'block', path: source, device: part.ok ? 'partition' : 'whole', ...(d.ok ? { directIo: d.value.opened } : {}) };
}

async function probeFile(src: Source, path: string, statActual: Size | undefined, notes: string[]): Promise<FileBackend> {
  const r = await src.run({ name: cmdName('qemu-img-info', path), argv: ['qemu-img', 'info', '-U', '--output=json', path], timeoutMs: 30_000 });
  const out = outOf(r);
  if (out === undefined) throw new KvmioError('failed', `${path}: qemu-img info failed: ${whyNot(r)}`);
  const info = parseQemuImgInfo(out);
  if (info.format !== 'raw' && info.format !== 'qcow2') {
    throw usageError(`SOURCE: ${path} is a ${info.format} image; expected raw or qcow2 (convert: qemu-img convert -O qcow2 ${path} NEW)`);
  }
  // qemu-img's actual-size is the file's allocated blocks; stat is the fallback.
  const actualSize = info.actualSize ?? statActual;
  const allocation = actualSize !== undefined && actualSize.bytes >= info.virtualSize.bytes ? 'preallocated' : 'sparse';
  const mounts = await src.readText('/proc/self/mountinfo');
  const table = mounts.ok ? parseMountinfo(mounts.value) : mounts;
  const fsType = table.ok ? fsTypeOf(table.value, path) : undefined;
  if (!table.ok) notes.push(`${path}: filesystem type unknown (${table.reason})`);
  const d = await src.tryOpen(path, 'direct');
  if (!d.ok) notes.push(`${path}: O_DIRECT not probed (${d.reason})`);
  return {
    kind: 'file',
    path,
    format: info.format as ImageFormat,
    virtualSize: info.virtualSize,
    ...(actualSize === undefined ? {} : { actualSize }),
    allocation,
    ...(fsType === undefined ? {} : { fsType }),
    ...(d.ok ? { directIo: d.value.opened } : {}),
    ...(info.clusterSize === undefined ? {} : { clusterSize: info.clusterSize }),
  };
}

/**
 * O_DIRECT support of a directory where a new image will live: create a temporary file
 * there with O_DIRECT, then remove it (as Nova's and KubeVirt's checks do). Local only.
 */
export async function probeDirectIoInDir(dir: string): Promise<{ readonly directIo: boolean; readonly error?: string }> {
  const file = join(dir, `.kvmio-odirect-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
  try {
    const fh = await fs.open(file, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | constants.O_DIRECT, 0o600);
    await fh.close();
    return { directIo: true };
  } catch (e) {
    return { directIo: false, error: (e as NodeJS.ErrnoException).code ?? String(e) };
  } finally {
    await fs.rm(file, { force: true });
  }
}

/** QEMU, libvirt and kernel versions, and whether the backend's store is CIFS. */
export async function probePlatform(src: Source = new LocalSource(), backend?: Backend): Promise<Platform> {
  const [q, l, k] = await Promise.all([
    src.run({ name: 'qemu-system-x86_64--version', argv: ['qemu-system-x86_64', '--version'], timeoutMs: 15_000 }),
    src.run({ name: 'virsh--version', argv: ['virsh', '--version'], timeoutMs: 15_000 }),
    src.readText('/proc/sys/kernel/osrelease'),
  ]);
  const qemu = parseVersion(outOf(q) ?? '');
  const libvirt = parseVersion(outOf(l) ?? '');
  const kernel = k.ok ? parseVersion(k.value) : undefined;
  const cifs = backend?.kind === 'file' && backend.fsType !== undefined && CIFS_FS_TYPES.includes(backend.fsType);
  return { ...(qemu ? { qemu } : {}), ...(libvirt ? { libvirt } : {}), ...(kernel ? { kernel } : {}), storeIsCifs: cifs };
}
