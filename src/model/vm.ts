// The neutral model of a VM's storage: what decide/ reasons about, whatever manager the VM
// came from. Adapters (src/libvirt/, src/proxmox/) read their own format into it and write
// a tune plan back into their format; decide/ never sees XML or config lines.
//
// Effective values: a manager leaves many settings to a default (libvirt leaves cache to
// QEMU, whose -drive default is writeback; Proxmox's unset aio is io_uring except on LVM,
// CIFS and krbd). The adapter knows its manager's defaults, so every such setting arrives
// here as the value QEMU will actually use plus where that value came from.
import type { AioMode, CacheMode } from './disk-types.js';
import type { Size } from '../size.js';

/** Where a VM definition came from; a new manager adds a variant here and an adapter. */
export type VmManager =
  | {
      readonly kind: 'libvirt';
      /** The saved (inactive) definition, or the running one where it differs. */
      readonly origin: 'saved' | 'live';
      readonly uri?: string;
    }
  | { readonly kind: 'libvirt-xml'; readonly file: string }
  | { readonly kind: 'proxmox'; readonly vmid: number; readonly file: string; readonly node?: string };

/** Names one VM definition: the subject of VM findings and the target of a tune. */
export interface VmRef {
  readonly name: string;
  readonly manager: VmManager;
}

/** A setting as QEMU will use it, and whether the VM says so or a default does. */
export interface Effective<T> {
  readonly value: T;
  /** explicit: written in the VM's definition; default: the manager's or QEMU's default. */
  readonly origin: 'explicit' | 'default';
  /** Whose default, when origin is "default" ("QEMU default", "Proxmox default on LVM"). */
  readonly note?: string;
}

/** Where a disk's data lives, as the manager names it. */
export type DiskSource =
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'block'; readonly path: string }
  /**
   * A managed volume: libvirt pool/volume, Proxmox storage:volume. `path` is the local
   * path the manager resolves it to (virsh vol-path, pvesm path) when the adapter could
   * ask; otherwise `unresolved` says why.
   */
  | { readonly kind: 'volume'; readonly pool: string; readonly volume: string; readonly path?: string; readonly unresolved?: string }
  | { readonly kind: 'network'; readonly protocol: string; readonly name: string | undefined; readonly hosts: readonly string[] }
  /**
   * Anything else the manager names (libvirt nvme, vhostuser, vhostvdpa, dir). `path`: the
   * socket or device it names (a vhost-user socket), when it names one.
   */
  | { readonly kind: 'other'; readonly type: string; readonly path?: string }
  | { readonly kind: 'none' };

/**
 * The guest-visible bus. virtio-blk and virtio-scsi are paravirtual; scsi-emulated is a SCSI
 * disk on an emulated HBA (lsi, megasas); the rest are emulated controllers.
 */
export type VmBus = 'virtio-blk' | 'virtio-scsi' | 'scsi-emulated' | 'ide' | 'sata' | 'usb' | 'xen' | 'other';

/** iothreads serving one disk's virtqueues (libvirt 10.0 / QEMU 9.0 iothread-vq-mapping). */
export interface IothreadQueues {
  readonly iothread: number;
  /** Queue numbers; empty: round-robin over the disk's queues. */
  readonly queues: readonly number[];
}

export interface VmController {
  /** The manager's key for edits: libvirt "scsi:0", Proxmox "scsihw". */
  readonly key: string;
  /** virtio-scsi, lsilogic, megasas, ahci, piix3-uhci …; undefined: the manager picks (libvirt: lsilogic for SCSI). */
  readonly model?: string;
  readonly iothread?: number;
  readonly queues?: number;
  /** iothreads serving the controller's queues (virtio-scsi <driver><iothreads>, QEMU 10.0). */
  readonly iothreadQueues?: readonly IothreadQueues[];
}

/** Guest-visible block sizes a disk declares (libvirt <blockio>); unset: QEMU's 512 bytes. */
export interface DiskBlockio {
  readonly logical?: Size;
  readonly physical?: Size;
  readonly discardGranularity?: Size;
}

/** Statistics QEMU collects for a disk (libvirt <driver><statistics>, since 11.9 / QEMU 10.2). */
export interface DiskStatistics {
  /** Collection windows, in seconds (<statistic interval='N'/>). */
  readonly intervals: readonly number[];
  /** Latency histograms by operation ("read", "write", "flush", "zone", or "all" when untyped), with their bin starts (ns). */
  readonly histograms: readonly { readonly type: string; readonly bins: readonly number[] }[];
}

export interface VmDisk {
  /** The manager's stable key for edits: libvirt's <disk> position "disk#2", Proxmox "scsi0". */
  readonly key: string;
  /** Guest-facing name for messages: libvirt target dev ("vda"), Proxmox key ("scsi0"). */
  readonly label: string;
  readonly device: 'disk' | 'cdrom' | 'floppy' | 'lun';
  readonly source: DiskSource;
  /** Declared image format (libvirt <driver type>, Proxmox format=), if any. */
  readonly format?: string;
  readonly bus: VmBus;
  /** The manager's own bus word ("virtio", "scsi", "sata"), for messages; undefined when the definition names none. */
  readonly busName?: string;
  /** The controller the disk hangs off (SCSI, SATA), by VmController.key. */
  readonly controller?: string;
  /** Undefined when the manager left it unknown (e.g. an invalid value). */
  readonly cache: Effective<CacheMode | string>;
  readonly aio: Effective<AioMode | string>;
  /** The disk's own iothread (virtio-blk), not its controller's. */
  readonly iothread?: number;
  readonly iothreadQueues?: readonly IothreadQueues[];
  readonly queues?: number;
  readonly discard?: string;
  readonly detectZeroes?: string;
  readonly readOnly: boolean;
  readonly shareable: boolean;
  readonly serial?: string;
  /** What QEMU does on a write (or any) error: "stop", "report", "ignore", "enospace" (libvirt error_policy, QEMU werror). */
  readonly errorPolicy?: string;
  /** What QEMU does on a read error when it differs from errorPolicy (libvirt rerror_policy, QEMU rerror). */
  readonly readErrorPolicy?: string;
  /** Copy-on-read from the backing chain into the top image ("on"). */
  readonly copyOnRead?: string;
  /** Size of each virtqueue (libvirt <driver queue_size>, QEMU virtio-blk queue-size). */
  readonly queueSize?: number;
  /** qcow2 keeps discarded clusters allocated ("on"; libvirt discard_no_unref, QEMU discard-no-unref). */
  readonly discardNoUnref?: string;
  /** qcow2 metadata (L2 + refcount) cache ceiling (libvirt <metadata_cache><max_size>, QEMU cache-size). */
  readonly metadataCacheMax?: Size;
  readonly blockio?: DiskBlockio;
  readonly statistics?: DiskStatistics;
}

/** A PCI (or other) device given to the VM. */
export interface VmHostdev {
  readonly type: string;
  /** Full PCI address "0000:04:00.0", when it is one. */
  readonly address?: string;
}

export interface Vm {
  readonly ref: VmRef;
  /** Running now (libvirt domain state, Proxmox status); files are never running. */
  readonly running: boolean;
  readonly vcpus?: number;
  /** vCPUs online at boot when fewer than `vcpus` (libvirt <vcpu current='N'>; the rest can be hot-plugged). */
  readonly vcpusCurrent?: number;
  /** Machine type as the manager names it ("pc-q35-7.2", "q35"). */
  readonly machine?: string;
  /** iothread ids the VM defines (libvirt <iothreads>/<iothreadids>; Proxmox: one per iothread=1 disk). */
  readonly iothreads: readonly number[];
  /** The iothread count the VM declares (libvirt <iothreads>N</iothreads>), when it differs from the number of ids (libvirt raises a count below the ids listed). */
  readonly iothreadCount?: number;
  readonly disks: readonly VmDisk[];
  readonly controllers: readonly VmController[];
  readonly hostdevs: readonly VmHostdev[];
  /** Things the adapter noticed that are not disks (a pending Proxmox change, a transient domain). */
  readonly notes: readonly string[];
  /**
   * Parts of the definition its manager rejects or ignores (an unknown Proxmox key, a
   * drive string Proxmox cannot parse): the VM runs without them. Undefined: none.
   */
  readonly problems?: readonly string[];
}
