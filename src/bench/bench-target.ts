// Where a bench writes, checked before anything is written: a scratch directory on the
// filesystem where VM images live (never tmpfs unless asked: figures from RAM say nothing
// about the disk), with room for the images; or a block device the user named twice
// (target and --destroy-data), that has no signature and is not in use (the provisioning
// guards, shared with disk create and vg create).
import { existsSync, promises as fs, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { refused, usageError } from '../errors.js';
import { fsTypeOf } from '../facts/probe-disk.js';
import { parseMountinfo } from '../facts/parse-mounts.js';
import { LocalSource } from '../facts/local-source.js';
import { formatSize, bytes } from '../size.js';
import { guardDevice } from '../provision/guard-device.js';
import { refusalError } from '../provision/guards.js';

/** Where libvirt's default pool keeps images (virt-install, virt-manager). */
export const DEFAULT_IMAGE_DIR = '/var/lib/libvirt/images';
const RAM_FILESYSTEMS = new Set(['tmpfs', 'ramfs']);
/** Slack on top of the images: qcow2 metadata, fio's output, the filesystem's own reserve. */
const FREE_SPACE_MARGIN_BYTES = 64 * 1024 ** 2;

export interface TargetRequest {
  readonly target?: string;
  readonly cwd: string;
  readonly allowTmpfs?: boolean;
  readonly destroyData?: string;
  /** Bytes the run needs at once (bare file + one image + slack is added here). */
  readonly neededBytes: number;
}

export type ResolvedTarget =
  | { readonly kind: 'file'; readonly dir: string; readonly fsType: string | undefined; readonly freeBytes: number }
  | { readonly kind: 'device'; readonly path: string; readonly sizeBytes: number };

export async function resolveTarget(r: TargetRequest): Promise<ResolvedTarget> {
  const given = r.target ?? (existsSync(DEFAULT_IMAGE_DIR) ? DEFAULT_IMAGE_DIR : r.cwd);
  const path = isAbsolute(given) ? given : join(r.cwd, given);
  let st;
  try {
    st = statSync(path);
  } catch {
    throw usageError(`--target: "${given}" does not exist; expected a directory (scratch files go there) or a block device`);
  }
  if (st.isBlockDevice()) return resolveDevice(path, given, r);
  if (r.destroyData !== undefined) throw usageError(`--destroy-data ${r.destroyData}: the target "${given}" is not a block device; expected --destroy-data only with a device target`);
  if (!st.isDirectory()) throw usageError(`--target: "${given}" is not a directory or a block device; expected a directory (scratch files go there) or a block device`);
  const dir = realpathSync(path);
  const mounts = parseMountinfo(await fs.readFile('/proc/self/mountinfo', 'utf8'));
  const fsType = mounts.ok ? fsTypeOf(mounts.value, dir) : undefined;
  if (fsType !== undefined && RAM_FILESYSTEMS.has(fsType) && !r.allowTmpfs) {
    throw refused(`--target ${dir}: the filesystem is ${fsType} (RAM), which measures memory, not storage; expected a directory on the disk VM images live on, or --allow-tmpfs`);
  }
  const sfs = await fs.statfs(dir);
  const freeBytes = Number(sfs.bavail) * Number(sfs.bsize);
  const need = r.neededBytes + FREE_SPACE_MARGIN_BYTES;
  if (freeBytes < need) {
    throw refused(`--target ${dir}: ${formatSize(bytes(freeBytes))} free, expected at least ${formatSize(bytes(need))} (scratch images of the matrix + ${formatSize(bytes(FREE_SPACE_MARGIN_BYTES))}); use a smaller --size or another --target`);
  }
  return { kind: 'file', dir, fsType, freeBytes };
}

async function resolveDevice(path: string, given: string, r: TargetRequest): Promise<ResolvedTarget> {
  const real = realpathSync(path);
  if (r.destroyData === undefined) {
    throw refused(`--target ${given}: a bench writes to the device and destroys its data; expected --destroy-data ${given} naming that same device`);
  }
  const named = isAbsolute(r.destroyData) ? r.destroyData : join(r.cwd, r.destroyData);
  const namedReal = existsSync(named) ? realpathSync(named) : named;
  if (namedReal !== real) {
    throw refused(`--destroy-data ${r.destroyData}: names ${namedReal}, but the target is ${real}; expected --destroy-data naming the target device itself`);
  }
  // --destroy-data is the consent --force gives for signatures; a device in use
  // (mounted, swap, holders, root/boot, open, a libvirt domain's) is never written.
  const { verdict } = await guardDevice(new LocalSource(), path, { force: true });
  if (!verdict.allowed) throw refusalError(verdict);
  const sizeText = await fs.readFile(`/sys/class/block/${real.slice(real.lastIndexOf('/') + 1)}/size`, 'utf8').catch(() => '');
  const sizeBytes = Number(sizeText.trim()) * 512;
  if (!Number.isFinite(sizeBytes) || sizeBytes <= 0) throw refused(`--target ${given}: cannot read its size from sysfs; expected a block device with a size`);
  if (sizeBytes < r.neededBytes) {
    throw refused(`--target ${given}: ${formatSize(bytes(sizeBytes))}, expected at least ${formatSize(bytes(r.neededBytes))}; use a smaller --size`);
  }
  return { kind: 'device', path, sizeBytes };
}
