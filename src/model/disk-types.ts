// What a VM disk is made of (Backend), what the user asks for (DiskIntent), what the
// host offers (Platform), and what kvmio chose (DiskConfig: every choice with its rule,
// reason and reference, for --explain). chooseDiskConfig maps the first three to the last.
import type { Size } from '../size.js';
import type { Version } from './version.js';

export type ImageFormat = 'raw' | 'qcow2';
/** sparse: actual-size < virtual-size (raw not preallocated, qcow2 data not allocated). */
export type Allocation = 'sparse' | 'preallocated';

export interface FileBackend {
  readonly kind: 'file';
  readonly path: string;
  readonly format: ImageFormat;
  readonly virtualSize?: Size;
  readonly actualSize?: Size;
  readonly allocation: Allocation;
  /** Host filesystem of the image ("ext4", "xfs", "tmpfs", "cifs"). */
  readonly fsType?: string;
  /** Opening with O_DIRECT worked (true), failed (false), or was not probed (undefined). */
  readonly directIo?: boolean;
  readonly clusterSize?: Size;
}

export interface BlockBackend {
  readonly kind: 'block';
  readonly path: string;
  readonly device: 'whole' | 'partition';
  readonly directIo?: boolean;
}

export interface LvBackend {
  readonly kind: 'lv';
  readonly vg: string;
  readonly lv: string;
  /** /dev/VG/LV */
  readonly path: string;
  /** A thin volume (sparse: guest TRIM should reach the pool). */
  readonly thin: boolean;
  readonly directIo?: boolean;
}

export interface PciBackend {
  readonly kind: 'pci';
  /** Full address "0000:00:1f.2". */
  readonly address: string;
  /** PCI class code "0x010802" (0x0108 NVMe, 0x0106 SATA, 0x0107 SAS, 0x0104 RAID). */
  readonly class?: string;
}

export type Backend = FileBackend | BlockBackend | LvBackend | PciBackend;
export type DiskBackend = FileBackend | BlockBackend | LvBackend;

export type Bus = 'virtio-blk' | 'virtio-scsi';
export type CacheMode = 'none' | 'directsync' | 'writethrough' | 'writeback' | 'unsafe';
export type AioMode = 'threads' | 'native' | 'io_uring';
export type Machine = 'q35' | 'pc';
export type Discard = 'unmap' | 'ignore';
export type DetectZeroes = 'unmap' | 'on' | 'off';

export const BUSES: readonly Bus[] = ['virtio-blk', 'virtio-scsi'];
export const CACHE_MODES: readonly CacheMode[] = ['none', 'directsync', 'writethrough', 'writeback', 'unsafe'];
export const AIO_MODES: readonly AioMode[] = ['threads', 'native', 'io_uring'];
export const MACHINES: readonly Machine[] = ['q35', 'pc'];
export const DISCARDS: readonly Discard[] = ['unmap', 'ignore'];

/** cache modes that open the image with O_DIRECT (cache.direct=on). */
export const isDirectCache = (c: CacheMode): boolean => c === 'none' || c === 'directsync';

/** One measured aio mode: mean of a higher-is-better figure (IOPS, MB/s) and its spread (same unit). */
export interface AioMeasurement {
  readonly aio: AioMode;
  readonly mean: number;
  readonly spread: number;
}

/** A bench result that may decide aio (rule 2): measured on `store` with `format`. */
export interface AioBenchEvidence {
  /** The store measured: storeOf(backend) of the benched backend. */
  readonly store: string;
  /** Image format, or "block" for block devices and LVs. */
  readonly format: ImageFormat | 'block';
  readonly results: readonly AioMeasurement[];
  /** Where the result came from (a results file, a run id). */
  readonly source: string;
}

export interface DiskIntent {
  readonly bus?: Bus;
  /** Undefined: the default (on for virtio). */
  readonly iothread?: boolean;
  readonly iothreadId?: number;
  readonly queues?: number;
  readonly cache?: CacheMode;
  readonly aio?: AioMode | 'auto';
  readonly discard?: Discard;
  readonly readOnly?: boolean;
  readonly serial?: string;
  /** Guest target name: "vda", "sdb". */
  readonly target?: string;
  readonly machine?: Machine;
  readonly shareable?: boolean;
  readonly bench?: AioBenchEvidence;
}

/** Filesystem types that are CIFS/SMB, where io_uring hung under QEMU (Proxmox's qemu-server avoids it there). */
export const CIFS_FS_TYPES: readonly string[] = ['cifs', 'smb3', 'smb2', 'smbfs'];

/**
 * Who writes the configuration QEMU starts from: libvirt (domain XML), Proxmox VE's
 * qemu-server (which starts QEMU itself, no libvirt), or a person with QEMU's argv. A
 * setting is usable only where that layer can express it (libvirt names io_uring from 6.3).
 */
export type ConfigWriter = 'libvirt' | 'proxmox' | 'qemu';

export interface Platform {
  readonly qemu?: Version;
  /** The libvirt on this host; it matters only when `writer` is libvirt. */
  readonly libvirt?: Version;
  /** Undefined: libvirt (kvmio renders domain XML unless told otherwise). */
  readonly writer?: ConfigWriter;
  readonly kernel?: Version;
  /** The store is CIFS/SMB (Proxmox saw io_uring hangs there). */
  readonly storeIsCifs?: boolean;
}

/** A choice, the rule that made it, why, and where that comes from. */
export interface Choice<T> {
  readonly value: T;
  /** Dotted rule id: "disk.cache.direct-io", "disk.aio.block-native". */
  readonly rule: string;
  readonly reason: string;
  readonly ref: string;
}

export interface DiskDeviceConfig {
  readonly kind: 'disk';
  readonly backend: DiskBackend;
  /** libvirt <driver type>, QEMU format. */
  readonly format: ImageFormat;
  readonly machine: Choice<Machine>;
  readonly bus: Choice<Bus>;
  readonly cache: Choice<CacheMode>;
  readonly aio: Choice<AioMode>;
  /** iothread id, or null when off. */
  readonly iothread: Choice<number | null>;
  /** virtio queues (virtio-blk num-queues, virtio-scsi num_queues), null: QEMU's default. */
  readonly queues: Choice<number | null>;
  readonly discard: Choice<Discard | null>;
  readonly detectZeroes: Choice<DetectZeroes | null>;
  readonly target: Choice<string>;
  readonly readOnly: boolean;
  readonly shareable: boolean;
  readonly serial?: string;
  /** Things the user should know (page cache in the path, an explicit risky choice). */
  readonly warnings: readonly string[];
}

export interface HostdevConfig {
  readonly kind: 'hostdev';
  readonly backend: PciBackend;
  readonly machine: Choice<Machine>;
  readonly warnings: readonly string[];
}

export type DiskConfig = DiskDeviceConfig | HostdevConfig;
