// A disk's virtqueues: `queues` and `queue_size` on virtio-blk (<driver queues queue_size>)
// against the vCPUs and QEMU's defaults by machine type (virtio-queue-defaults.ts). Pure,
// over the neutral model.
//
// libvirt src/conf/domain_validate.c refuses both on any other bus ("queues attribute in
// disk driver element is only supported by virtio-blk"). QEMU hw/block/virtio-blk.c
// virtio_blk_device_realize refuses a queue-size that is not > 2 or not a power of 2 up to
// VIRTQUEUE_MAX_SIZE ("invalid queue-size property"); seg_max is queue_size - 2
// (seg-max-adjust), so a small queue also caps the segments of one request.
import { fixText, withAction, type Finding, type Fix } from '../model/finding.js';
import type { Platform } from '../model/disk-types.js';
import type { Vm, VmDisk } from '../model/vm.js';
import { defaultQueues, vcpuCounts, VIRTIO_QUEUE_MAX, VIRTQUEUE_MAX_SIZE } from './virtio-queue-defaults.js';

const REF_Q = 'libvirt formatdomain <driver queues> (virtio-blk, since 3.9); QEMU hw/core/machine.c hw_compat_5_1 (num-queues 1 up to 5.1); Linux drivers/block/virtio_blk.c init_vq (min(num_queues, nr_cpu_ids))';
const REF_QS = 'libvirt formatdomain <driver queue_size> (since 7.8); QEMU hw/block/virtio-blk.c virtio_blk_device_realize (queue-size > 2, a power of 2, ≤ 1024; seg_max = queue_size - 2)';
/** Below this a queue holds few requests in flight and each request few segments (QEMU's own default is 256, 128 before machine type 5.0). */
export const QUEUE_SIZE_LOW = 128;

type Base = Pick<Finding, 'subject' | 'object'>;

const tune = (vm: Vm): Fix => withAction(fixText(['', ''], { vmTune: vm.ref }), { kind: 'vm-tune', vm: vm.ref });

/** True when a queue size is one QEMU accepts. */
export const validQueueSize = (n: number): boolean => n > 2 && n <= VIRTQUEUE_MAX_SIZE && (n & (n - 1)) === 0;

/** True when the disk's iothread mapping names queues (then the queue count belongs to the mapping). */
export const mappingListsQueues = (disk: VmDisk): boolean => (disk.iothreadQueues ?? []).some((m) => m.queues.length > 0);

/**
 * True when the disk's manager is libvirt, whose <driver queues> is virtio-blk's alone.
 * Proxmox's `queues` is a SCSI drive option that sizes its virtio-scsi controller.
 */
const libvirtManaged = (vm: Vm): boolean => vm.ref.manager.kind === 'libvirt' || vm.ref.manager.kind === 'libvirt-xml';

/** The queue count `vm tune` writes, or null to remove it; undefined: leave it. Shared with the audit so a tuned disk audits clean. */
export function wantedQueues(vm: Vm, disk: VmDisk, onVirtioBlk = disk.bus === 'virtio-blk'): number | null | undefined {
  if (disk.queues === undefined) return undefined;
  if (!onVirtioBlk) return libvirtManaged(vm) ? null : undefined;
  const { max } = vcpuCounts(vm);
  return disk.queues > max && !mappingListsQueues(disk) ? max : undefined;
}

/** vm.queues and vm.queue-size for one disk (none for a disk that sets neither and is not virtio-blk). */
export function auditDiskQueues(vm: Vm, disk: VmDisk, platform: Platform, base: Base): Finding[] {
  const out: Finding[] = [];
  const q = disk.queues;
  const qs = disk.queueSize;
  if (disk.bus !== 'virtio-blk') {
    if (!libvirtManaged(vm)) return out;
    const set = [q !== undefined ? `queues='${q}'` : undefined, qs !== undefined ? `queue_size='${qs}'` : undefined].filter(Boolean).join(' ');
    if (set !== '') {
      out.push({
        ...base,
        id: 'vm.queues',
        status: 'fail',
        observed: `${set} on a ${disk.device} on bus ${disk.busName ?? disk.bus}`,
        expected: 'queues and queue_size only on virtio-blk disks',
        why: 'libvirt refuses the definition: queues and queue_size are virtio-blk settings (a SCSI disk takes its queues from its virtio-scsi controller)',
        fix: tune(vm),
        ref: REF_Q,
      });
    }
    return out;
  }
  const { boot, max } = vcpuCounts(vm);
  const cpus = boot === max ? `${max} vCPU(s)` : `${boot} vCPU(s) at boot, ${max} at most`;
  const dflt = defaultQueues(vm, platform.qemu);
  if (q === undefined) {
    // Unset and QEMU's default fits: nothing worth a line. A named machine type kvmio cannot date is noted.
    if (dflt.queues === undefined) {
      if (vm.machine !== undefined && boot > 1) out.push({ ...base, id: 'vm.queues', status: 'skip', observed: `unset, ${cpus}`, why: dflt.why, ref: REF_Q });
    } else if (dflt.queues < boot)
      out.push({
        ...base,
        id: 'vm.queues',
        status: 'skip',
        observed: `unset (QEMU default: ${dflt.queues}), ${cpus}`,
        why: `noted: ${dflt.why}; queues='${boot}' would give each vCPU its own queue (a small gain, +1–4 % IOPS, unless several iothreads serve the queues)`,
        ref: REF_Q,
      });
  } else if (q === 0) {
    out.push({ ...base, id: 'vm.queues', status: 'skip', observed: "queues='0'", why: 'libvirt reads 0 as unset', ref: REF_Q });
  } else if (q > VIRTIO_QUEUE_MAX) {
    out.push({ ...base, id: 'vm.queues', status: 'fail', observed: `queues=${q}`, expected: `≤ ${max} (one per vCPU)`, why: `QEMU cannot create more than ${VIRTIO_QUEUE_MAX} virtqueues (VIRTIO_QUEUE_MAX): the VM does not start`, fix: tune(vm), ref: REF_Q });
  } else if (q > max) {
    const mapped = mappingListsQueues(disk);
    out.push({
      ...base,
      id: 'vm.queues',
      status: 'warn',
      observed: `queues=${q} for ${cpus}`,
      expected: `≤ ${max} (one per vCPU)`,
      why: `the guest uses at most one queue per possible CPU (Linux virtio_blk takes min(queues, nr_cpu_ids)): ${q - max} queue(s) take vring memory and interrupt vectors and never carry I/O`,
      fix: mapped ? fixText`set queues='${max}' and map queues 0..${max - 1} in the <iothreads> mapping (${{ vmEdit: vm.ref }})` : tune(vm),
      ref: REF_Q,
    });
  } else {
    const note = q < boot ? `; fewer queues than vCPUs: vCPUs share queues` : q > boot ? `; queues beyond the ${boot} boot vCPUs serve hot-plugged ones` : '';
    out.push({ ...base, id: 'vm.queues', status: 'pass', observed: `queues=${q} for ${cpus}`, why: `within the vCPU count${note}`, ref: REF_Q });
  }

  if (qs !== undefined) {
    if (!validQueueSize(qs)) {
      out.push({
        ...base,
        id: 'vm.queue-size',
        status: 'fail',
        observed: `queue_size=${qs}`,
        expected: `a power of 2 from 4 to ${VIRTQUEUE_MAX_SIZE} (QEMU's default: ${dflt.queueSize ?? 256})`,
        why: `QEMU refuses to start the disk: "invalid queue-size property (${qs})"`,
        fix: tune(vm),
        ref: REF_QS,
      });
    } else if (qs < QUEUE_SIZE_LOW) {
      out.push({
        ...base,
        id: 'vm.queue-size',
        status: 'warn',
        observed: `queue_size=${qs}`,
        expected: `≥ ${QUEUE_SIZE_LOW} (QEMU's default: ${dflt.queueSize ?? 256})`,
        why: `a queue of ${qs} descriptors caps the requests in flight per queue and a request's segments at ${qs - 2}: deep-queue workloads wait in the guest`,
        fix: fixText`remove queue_size (QEMU's default is 256) or raise it (${{ vmEdit: vm.ref }})`,
        ref: REF_QS,
      });
    } else {
      out.push({ ...base, id: 'vm.queue-size', status: 'pass', observed: `queue_size=${qs}`, why: `a valid size (QEMU's default: ${dflt.queueSize ?? 256})`, ref: REF_QS });
    }
  }
  return out;
}
