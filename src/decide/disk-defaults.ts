// Every default of the disk decision in one place, each with its reason and reference
// (virt-manager's set_defaults, KubeVirt's SetOptimalIOMode). --explain prints these.
import type { Bus, Machine } from '../model/disk-types.js';
import { version, type Version } from './version.js';

export interface Default<T> {
  readonly value: T;
  readonly reason: string;
  readonly ref: string;
}

export const DISK_DEFAULTS = {
  bus: {
    value: 'virtio-blk' as Bus,
    reason: 'virtio-blk is the shortest path (one PCI function per disk, no SCSI emulation); use virtio-scsi for many disks, SCSI passthrough or unmap on old guests',
    ref: 'seed §3 (para-virtualization); QEMU docs/system/devices/virtio-blk vs virtio-scsi',
  } satisfies Default<Bus>,
  machine: {
    value: 'q35' as Machine,
    reason: 'q35 is the PCIe machine: root ports give hot-plug and separate slots; the seed\'s virtio-scsi example (bus=pcie.0) only works on q35',
    ref: 'virt-manager/virtinst (q35 default for x86_64 since 4.0); QEMU docs/pcie.txt',
  } satisfies Default<Machine>,
  iothreadId: {
    value: 1,
    reason: 'a dedicated iothread moves the disk\'s I/O off the main loop (QEMU\'s big lock), so guest I/O and device emulation do not serialize',
    ref: 'libvirt formatdomain "IOThreads Allocation"; Proxmox VE iothread (on by default for virtio); seed §5 (-object iothread)',
  } satisfies Default<number>,
  queues: {
    value: null as number | null,
    reason: 'left to QEMU: virtio-blk uses one queue per vCPU since QEMU 5.2 machine types',
    ref: 'QEMU 5.2 changelog (virtio-blk num-queues = vCPUs)',
  } satisfies Default<number | null>,
  target: {
    value: { 'virtio-blk': 'vda', 'virtio-scsi': 'sda' } as Readonly<Record<Bus, string>>,
    reason: 'the first disk name the guest kernel gives that bus',
    ref: 'libvirt formatdomain <target dev>',
  },
} as const;

/** io_uring needs all three and a store that is not CIFS (rule aio 5/6). */
export const IO_URING_MIN = {
  qemu: version(5, 0),
  libvirt: version(6, 3),
  kernel: version(5, 1),
} as const satisfies Readonly<Record<string, Version>>;

/** References cited by the rules. */
export const REFS = {
  cacheExplicit: 'libvirt formatdomain <driver cache>; QEMU docs/system/qemu-block-drivers (cache modes)',
  cacheShareable: 'libvirt formatdomain <shareable/> (needs cache=none to be safe across hosts); QEMU cache.direct',
  cacheDirect: 'KubeVirt converter (cache=none when O_DIRECT works); Nova libvirt driver disk_cachemode; seed §4',
  cacheFallback: 'KubeVirt converter (writethrough when O_DIRECT fails); FACTS: ZFS (old), tmpfs < 6.6 refuse O_DIRECT',
  aioExplicit: 'QEMU block/file-posix.c: aio=native requires cache.direct=on; libvirt refuses io=native without cache=none/directsync',
  aioSparse: 'kubevirt/kubevirt#4077 (native blocks the VM while a sparse file allocates); seed §5 ("do not use native AIO with sparse files")',
  aioBench: 'kvmio bench results for this store and format',
  aioBlock: 'seed §4/§5; Nova (io=native for LVM/raw block); KubeVirt SetOptimalIOMode (native for block devices); virt-install (io=native on block)',
  aioPrealloc: 'KubeVirt SetOptimalIOMode (native for preallocated files: actual-size >= virtual-size); Nova preallocate_images=space',
  aioIoUring: 'QEMU 5.0 (aio=io_uring); libvirt 6.3 (io=\'io_uring\'); Linux 5.1 (io_uring); Proxmox qemu-server (io_uring default, not on CIFS: hangs)',
  aioThreads: 'QEMU block/file-posix.c (aio=threads is the default and works with any cache mode)',
  iothread: 'libvirt formatdomain "IOThreads Allocation"; Proxmox VE (one iothread per disk); seed §5',
  discard: 'libvirt formatdomain <driver discard detect_zeroes>; QEMU: detect-zeroes=unmap needs discard=unmap',
  discardPrealloc: 'kvmio DESIGN: guest TRIM would punch holes in a preallocated native file and make it sparse again (kubevirt/kubevirt#4077)',
  pci: 'libvirt formatdomain <hostdev mode=subsystem type=pci managed=yes>; seed §3 (VFIO pass-through)',
} as const;
