// The catalogue of host check ids, for `--help`, `--only` validation and the README.
export interface CheckInfo {
  readonly id: string;
  readonly what: string;
}

export const HOST_CHECKS: readonly CheckInfo[] = [
  { id: 'sched.host-ssd', what: 'host SATA/SAS SSD (one hw queue) runs mq-deadline' },
  { id: 'sched.host-hdd', what: 'host rotational disk runs mq-deadline (bfq also fine)' },
  { id: 'sched.multiqueue', what: 'NVMe and any device with nr_hw_queues > 1 runs none' },
  { id: 'sched.guest-virtual', what: 'virtio/xen/emulated disk (the device itself is virtual) runs none' },
  { id: 'sched.stacked', what: 'loop/dm/md run none (the devices underneath schedule)' },
  { id: 'sched.not-scheduled', what: 'zram/rom: nothing to schedule (noted)' },
  { id: 'sched.media', what: 'media type unknown (SKIP)' },
  { id: 'sched.live', what: 'block devices unreadable (SKIP)' },
  { id: 'sched.legacy-name', what: 'udev/tmpfiles lines naming noop/deadline/cfq (removed in Linux 5.0)' },
  { id: 'sched.persisted', what: 'udev/tmpfiles rules: boot value vs recommendation, stale names, conflicts' },
  { id: 'boot.elevator', what: 'elevator= on the kernel command line (no effect since Linux 5.5)' },
  { id: 'aio.max-nr', what: 'fs.aio-nr vs fs.aio-max-nr headroom for native-AIO VMs' },
  { id: 'aio.persisted', what: 'fs.aio-max-nr live vs what sysctl.d sets at boot; overridden files' },
  { id: 'iommu.enabled', what: 'IOMMU on when a KVM host has PCI storage controllers' },
  { id: 'iommu.intel-cmdline', what: 'intel_iommu=on on Intel' },
  { id: 'iommu.passthrough-mode', what: 'iommu=pt with the IOMMU on' },
  { id: 'kvm.device', what: '/dev/kvm usable (not vmx/svm flags)' },
  { id: 'tuned.profile', what: 'active tuned profile that may also set values (note)' },
];
