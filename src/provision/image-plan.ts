// Image files the seed's way: the qemu-img argv, the space it allocates up front, and the
// qcow2 L2-cache arithmetic. Pure; the engine's image-create handler runs what this plans.
import { usageError } from '../errors.js';
import { formatSize, type Size } from '../size.js';

export type ImageFormat = 'raw' | 'qcow2';
export type Prealloc = 'off' | 'metadata' | 'falloc' | 'full';

export const PREALLOC_FOR: Readonly<Record<ImageFormat, readonly Prealloc[]>> = {
  raw: ['off', 'falloc', 'full'],
  qcow2: ['off', 'metadata', 'falloc', 'full'],
};

/** Defaults in one place, each with its reason. */
export const IMAGE_DEFAULTS = {
  // Seed §5 "raw, best performance" (full); falloc reserves the same blocks without
  // writing zeros, so it is as allocated for aio=native and takes seconds, not minutes.
  rawPrealloc: 'falloc' as Prealloc,
  // virt-install creates qcow2 with metadata preallocation: L2 tables exist up front, data stays sparse.
  qcow2Prealloc: 'metadata' as Prealloc,
  // Seed §5 "qcow2, best performance: larger clusters": cluster_size=2M.
  qcow2ClusterBytes: 2 * 1024 ** 2,
  // Proxmox creates qcow2 for snapshot chains with extended_l2=on,cluster_size=128k.
  extendedL2ClusterBytes: 128 * 1024,
  // QEMU's default l2-cache-size maximum on Linux (docs/qcow2-cache.txt).
  l2CacheMaxBytes: 32 * 1024 ** 2,
} as const;

export interface ImageIntent {
  readonly dir: string;
  readonly name: string;
  readonly size: Size;
  readonly format: ImageFormat;
  readonly prealloc?: Prealloc;
  readonly clusterSize?: Size;
  readonly extendedL2?: boolean;
}

export interface ImagePlan {
  readonly path: string;
  readonly format: ImageFormat;
  readonly size: Size;
  readonly prealloc: Prealloc;
  /** qcow2 only. */
  readonly clusterBytes?: number;
  readonly extendedL2: boolean;
  readonly argv: readonly string[];
  /** Bytes allocated at creation: what must fit in the free space. */
  readonly neededBytes: number;
  /** All data blocks allocated at creation (actual-size ≥ virtual-size): aio=native is safe. */
  readonly preallocated: boolean;
  /** qcow2: L2 cache for full coverage, and what QEMU's default maximum covers. */
  readonly l2Cache?: { readonly fullCoverageBytes: number; readonly defaultCoversBytes: number };
}

const isPow2 = (n: number): boolean => n > 0 && (n & (n - 1)) === 0;

/** qemu-img's own suffixes (binary): the largest unit that states the size exactly. */
export function qemuSize(s: Size): string {
  for (const [unit, f] of [['T', 1024 ** 4], ['G', 1024 ** 3], ['M', 1024 ** 2], ['k', 1024]] as const) {
    if (s.bytes % f === 0) return `${s.bytes / f}${unit}`;
  }
  return String(s.bytes);
}

/** L2 entries are 8 bytes, 16 with extended L2 (sub-cluster bitmaps). */
const l2EntryBytes = (extendedL2: boolean): number => (extendedL2 ? 16 : 8);

/** `disk_size * entry / cluster_size`: the L2 cache that maps the whole disk (FACTS.md, QEMU docs/qcow2-cache.txt). */
export const l2CacheForFullCoverage = (size: Size, clusterBytes: number, extendedL2: boolean): number =>
  Math.ceil(size.bytes / clusterBytes) * l2EntryBytes(extendedL2);

/** Disk size one cache of `cacheBytes` covers. */
export const l2CacheCovers = (cacheBytes: number, clusterBytes: number, extendedL2: boolean): number =>
  (cacheBytes / l2EntryBytes(extendedL2)) * clusterBytes;

const roundUp = (n: number, to: number): number => Math.ceil(n / to) * to;

/** A generous estimate of qcow2 metadata (header, L1, L2, refcounts), in bytes. */
export function qcow2MetadataBytes(size: Size, clusterBytes: number, extendedL2: boolean, dataAllocated: boolean): number {
  const clusters = Math.ceil(size.bytes / clusterBytes);
  const l2 = roundUp(clusters * l2EntryBytes(extendedL2), clusterBytes);
  const l1 = roundUp(Math.ceil(l2 / clusterBytes) * 8, clusterBytes);
  const counted = (dataAllocated ? clusters : 0) + l2 / clusterBytes + l1 / clusterBytes + 4;
  const refcounts = roundUp(counted * 2, clusterBytes) + clusterBytes;
  return 2 * clusterBytes + l1 + l2 + refcounts;
}

/** qemu-img's unit of image size (QEMU include/block/block-common.h BDRV_SECTOR_SIZE). */
export const IMAGE_SECTOR_BYTES = 512;

export function planImage(i: ImageIntent): ImagePlan {
  const ext = i.format === 'raw' ? 'raw' : 'qcow2';
  const path = `${i.dir.replace(/\/+$/, '') || ''}/${i.name}.${ext}`;
  // qemu-img create rounds the size up to whole 512-byte sectors (QEMU's BDRV_SECTOR_SIZE;
  // measured here: 1 → 512, 1000 → 1024), so the image would fail its own size check:
  // refuse it in the dry run, before anything exists.
  if (i.size.bytes % IMAGE_SECTOR_BYTES !== 0) throw usageError(`--size: ${i.size.bytes} bytes is not valid for an image; expected a multiple of ${IMAGE_SECTOR_BYTES} bytes (qemu-img rounds up to whole sectors), e.g. ${Math.ceil(i.size.bytes / IMAGE_SECTOR_BYTES) * IMAGE_SECTOR_BYTES}`);
  if (i.format === 'raw') {
    if (i.clusterSize !== undefined || i.extendedL2) throw usageError('--cluster-size/--extended-l2: only for --format qcow2 (raw has no clusters)');
    const prealloc = i.prealloc ?? IMAGE_DEFAULTS.rawPrealloc;
    checkPrealloc('raw', prealloc);
    return {
      path,
      format: 'raw',
      size: i.size,
      prealloc,
      extendedL2: false,
      argv: ['qemu-img', 'create', '-q', '-f', 'raw', '-o', `preallocation=${prealloc}`, path, qemuSize(i.size)],
      neededBytes: prealloc === 'off' ? 0 : i.size.bytes,
      preallocated: prealloc !== 'off',
    };
  }
  const extendedL2 = i.extendedL2 === true;
  const clusterBytes = i.clusterSize?.bytes ?? (extendedL2 ? IMAGE_DEFAULTS.extendedL2ClusterBytes : IMAGE_DEFAULTS.qcow2ClusterBytes);
  if (!isPow2(clusterBytes) || clusterBytes < 512 || clusterBytes > 2 * 1024 ** 2) {
    throw usageError(`--cluster-size: ${clusterBytes} bytes is not valid; expected a power of two from 512 to 2M`);
  }
  if (extendedL2 && clusterBytes < 16 * 1024) throw usageError(`--extended-l2: needs --cluster-size of at least 16k (got ${formatSize({ bytes: clusterBytes })}); QEMU splits each cluster into 32 sub-clusters`);
  const prealloc = i.prealloc ?? IMAGE_DEFAULTS.qcow2Prealloc;
  checkPrealloc('qcow2', prealloc);
  const opts = [...(extendedL2 ? ['extended_l2=on'] : []), `cluster_size=${qemuSize({ bytes: clusterBytes })}`, `preallocation=${prealloc}`].join(',');
  const dataAllocated = prealloc === 'falloc' || prealloc === 'full';
  const meta = qcow2MetadataBytes(i.size, clusterBytes, extendedL2, dataAllocated);
  return {
    path,
    format: 'qcow2',
    size: i.size,
    prealloc,
    clusterBytes,
    extendedL2,
    argv: ['qemu-img', 'create', '-q', '-f', 'qcow2', '-o', opts, path, qemuSize(i.size)],
    neededBytes: prealloc === 'off' ? 3 * clusterBytes : meta + (dataAllocated ? i.size.bytes : 0),
    preallocated: dataAllocated,
    l2Cache: {
      fullCoverageBytes: l2CacheForFullCoverage(i.size, clusterBytes, extendedL2),
      defaultCoversBytes: l2CacheCovers(IMAGE_DEFAULTS.l2CacheMaxBytes, clusterBytes, extendedL2),
    },
  };
}

function checkPrealloc(format: ImageFormat, p: Prealloc): void {
  if (!PREALLOC_FOR[format].includes(p)) throw usageError(`--prealloc: "${p}" is not valid for ${format}; expected one of ${PREALLOC_FOR[format].join(', ')}`);
}

/** What `qemu-img info --output=json` says about an image. */
export interface ImageInfo {
  readonly format: string;
  readonly virtualSize: number;
  /** Absent when qemu-img cannot tell (then never "fully allocated"). */
  readonly actualSize?: number;
  readonly clusterSize?: number;
  readonly extendedL2?: boolean;
}

/** KubeVirt's test for "fully allocated": actual-size ≥ virtual-size. */
export const isFullyAllocated = (i: ImageInfo): boolean => i.actualSize !== undefined && i.actualSize >= i.virtualSize;
