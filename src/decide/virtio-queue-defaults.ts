// What QEMU gives a virtio-blk disk or virtio-scsi controller when the definition names no
// queue count or size: it depends on the machine type's version, not on the QEMU binary.
// Pure.
//
// QEMU hw/core/machine.c hw_compat_5_1 pins "virtio-blk-device" num-queues and
// "virtio-scsi-device" num_queues (and vhost-user-blk's) to 1 for machine types up to 5.1;
// from 5.2 on the default is VIRTIO_BLK_AUTO_NUM_QUEUES, which virtio-blk-pci resolves
// with virtio_pci_optimal_num_queues(): one request queue per boot vCPU (-smp cpus),
// capped at VIRTIO_QUEUE_MAX (include/hw/virtio/virtio.h, 1024). hw_compat_4_2 pins
// queue-size (virtio-blk) and virtqueue_size (virtio-scsi) to 128 for machine types up to
// 4.2; later ones get 256 (QEMU 5.0, "virtio: increase virtqueue size for virtio-scsi and
// virtio-blk"). A guest never uses more queues than it has possible CPUs: Linux
// drivers/block/virtio_blk.c init_vq takes min(num_queues, nr_cpu_ids), and
// drivers/scsi/virtio_scsi.c caps num_queues at num_possible_cpus().
import type { Vm } from '../model/vm.js';
import type { Version } from '../model/version.js';
import { atLeast, compareVersions, formatVersion, version } from './version.js';

/** QEMU's VIRTIO_QUEUE_MAX: no virtio device has more virtqueues. */
export const VIRTIO_QUEUE_MAX = 1024;
/** QEMU's VIRTQUEUE_MAX_SIZE: the largest queue-size QEMU accepts. */
export const VIRTQUEUE_MAX_SIZE = 1024;

/** The machine type version from its name ("pc-q35-7.2" → 7.2); aliases ("q35", "pc") and no machine at all are the newest the QEMU knows. */
export interface MachineVersion {
  readonly version?: Version;
  /** For messages: "machine type pc-q35-7.2", "machine type q35 (QEMU 7.2.0's newest)". */
  readonly text: string;
}

const ALIASES = ['pc', 'q35', 'virt', 'pseries', 's390-ccw-virtio', 'microvm'];

export function machineVersion(machine: string | undefined, qemu: Version | undefined): MachineVersion {
  const name = machine ?? '(unset)';
  // pc-q35-7.2, pc-i440fx-5.1, virt-8.2, pseries-6.0, s390-ccw-virtio-7.1, pc-1.0.
  const m = /^(?:pc-(?:q35|i440fx)-|pc-|virt-|pseries-|s390-ccw-virtio-)(\d+)\.(\d+)$/.exec(name);
  if (m) return { version: version(Number(m[1]), Number(m[2])), text: `machine type ${name}` };
  if (machine === undefined || ALIASES.includes(machine)) {
    // An alias (or libvirt's default) is the binary's newest versioned machine type.
    return qemu ? { version: qemu, text: `machine type ${name} (QEMU ${formatVersion(qemu)}'s newest)` } : { text: `machine type ${name} (QEMU version unknown)` };
  }
  // Downstream names (pc-q35-rhel9.4.0) carry their own compat tables.
  return { text: `machine type ${name} (version not known to kvmio)` };
}

/** The vCPUs QEMU starts with (-smp cpus) and the most the guest can have (maxcpus): libvirt <vcpu current>, <vcpu>; libvirt's default is 1. */
export function vcpuCounts(vm: Vm): { boot: number; max: number } {
  const max = vm.vcpus ?? 1;
  return { boot: vm.vcpusCurrent ?? max, max };
}

export interface QueueDefault {
  /** undefined: the machine type's version is unknown. */
  readonly queues?: number;
  readonly queueSize?: number;
  readonly why: string;
}

/** QEMU's num-queues and queue size for a virtio-blk disk or virtio-scsi controller that sets none. */
export function defaultQueues(vm: Vm, qemu: Version | undefined): QueueDefault {
  const mv = machineVersion(vm.machine, qemu);
  const { boot } = vcpuCounts(vm);
  if (mv.version === undefined) return { why: `${mv.text}: QEMU's default depends on the machine type version (1 queue up to 5.1, one per vCPU from 5.2)` };
  const queueSize = atLeast(mv.version, version(5, 0)) ? 256 : 128;
  if (compareVersions(mv.version, version(5, 2)) >= 0) {
    const queues = Math.min(boot, VIRTIO_QUEUE_MAX);
    return { queues, queueSize, why: `${mv.text} (≥ 5.2): QEMU gives one queue per boot vCPU (${queues})` };
  }
  return { queues: 1, queueSize, why: `${mv.text} (≤ 5.1): QEMU's hw_compat_5_1 keeps one queue` };
}
