// Host audit defaults in one place, each with its reason and reference.

/** Kernel default for fs.aio-max-nr (Documentation/admin-guide/sysctl/fs.rst). */
export const AIO_MAX_NR_DEFAULT = 65536;

/** What one AioContext that has done native AIO charges to fs.aio-nr: QEMU block/linux-aio.c MAX_EVENTS, charged by fs/aio.c ioctx_alloc (measured: docs/host-facts.md). */
export const AIO_PER_CONTEXT = 1024;

/** fix sizes fs.aio-max-nr at this multiple of the counted need: VMs added later, and libvirt-started VMs seen at 4× per context (docs/host-facts.md). */
export const AIO_HEADROOM = 2;

/** The value we recommend: Harvester sets it (harvester/os2#49); raising the limit pre-allocates nothing. */
export const AIO_MAX_NR_RECOMMENDED = 1048576;

/**
 * A KVM host should have room for this many more VMs with one iothread serving native-AIO
 * disks (1024 × (1 + 1) each): 64 × 2048 = 131072 free. The 65536 default fits only ~32.
 */
export const AIO_HEADROOM_VMS = 64;
export const AIO_PER_VM_ONE_IOTHREAD = AIO_PER_CONTEXT * 2;
export const AIO_FREE_WANTED = AIO_HEADROOM_VMS * AIO_PER_VM_ONE_IOTHREAD;

/** Use at or above this fraction of fs.aio-max-nr is a FAIL: the next native-AIO VM may not start. */
export const AIO_FAIL_FRACTION = 0.9;

/** Where kvmio persists its settings: one name each, in model/host-files.ts. */
export { SYSCTL_FILE, TMPFILES_SCHED_FILE, UDEV_SCHED_FILE } from '../model/host-files.js';

export const REF = {
  elevatorDefault: 'block/elevator.c (elevator_get_default: mq-deadline for 1 hw queue, none otherwise)',
  elevatorParam: 'block/elevator.c: "Kernel parameter elevator= does not have any effect anymore" (Linux 5.5)',
  legacyRemoved: 'Linux 5.0 removed the legacy block layer (noop, deadline, cfq); block/mq-deadline.c keeps the alias "deadline"',
  udevSched: 'RHEL docs "Set the disk scheduler using udev rules"; udev(7)',
  tmpfiles: 'tmpfiles.d(5) ("w" lines run once at boot by path)',
  sysctlD: 'sysctl.d(5) (files sorted by name across directories; the last setting wins)',
  aio: 'Documentation/admin-guide/sysctl/fs.rst (aio-nr, aio-max-nr); fs/aio.c ioctx_alloc; harvester/os2#49',
  iommu: 'Documentation/admin-guide/kernel-parameters.txt (intel_iommu, amd_iommu, iommu=pt); virt-host-validate',
  kvm: 'Documentation/virt/kvm/api.rst (/dev/kvm); docs/host-facts.md (nested/PVM hosts lack vmx/svm)',
  tuned: 'tuned profiles virtual-host/virtual-guest (tuned.conf: sysctls and readahead, no scheduler); tuned-adm verify',
} as const;
