// A SCSI controller's <driver>: queues against the vCPUs and QEMU's default by machine
// type, and where its iothread may go. Pure, over the neutral model; one finding per
// controller that carries disks or driver settings.
//
// libvirt formatdomain, controller <driver>: queues (since 1.0.5; "recommended to specify
// a value matching the number of vCPUs"), iothread (since 1.3.5, virtio-scsi only: libvirt
// refuses it on other models, "IOThreads only available for virtio pci and virtio ccw scsi
// controller"); an <iothreads> mapping needs QEMU 10.0 and excludes iothread=. The guest
// uses at most num_possible_cpus() request queues (Linux drivers/scsi/virtio_scsi.c).
import { fixText, type Finding } from '../model/finding.js';
import type { Platform } from '../model/disk-types.js';
import type { Vm, VmController } from '../model/vm.js';
import { defaultQueues, vcpuCounts, VIRTIO_QUEUE_MAX } from './virtio-queue-defaults.js';

const REF = 'libvirt formatdomain <controller><driver queues iothread> (virtio-scsi); QEMU hw/core/machine.c hw_compat_5_1 (num_queues 1 up to 5.1); Linux drivers/scsi/virtio_scsi.c (num_queues ≤ possible CPUs)';

export const controllerObject = (vmName: string, c: VmController): string => `vm:${vmName}/controller ${c.key}`;

export function auditScsiController(vm: Vm, c: VmController, platform: Platform, base: Pick<Finding, 'subject' | 'object'>): Finding[] {
  if (!c.key.startsWith('scsi:')) return [];
  const used = vm.disks.some((d) => d.controller === c.key);
  const mapping = c.iothreadQueues ?? [];
  const out: Finding[] = [];
  if (c.model !== 'virtio-scsi') {
    const set = [c.queues !== undefined ? `queues='${c.queues}'` : undefined, c.iothread !== undefined ? `iothread='${c.iothread}'` : undefined, mapping.length > 0 ? '<iothreads> mapping' : undefined].filter(Boolean);
    if (set.length > 0) {
      out.push({
        ...base,
        id: 'vm.scsi-controller',
        status: 'fail',
        observed: `${set.join(' ')} on a ${c.model ?? 'default (lsilogic)'} controller`,
        expected: "model='virtio-scsi' for driver queues and iothreads",
        why: 'libvirt refuses iothreads on SCSI controllers other than virtio-scsi, and QEMU emulated HBAs have no request queues to set',
        fix: fixText`set model='virtio-scsi' on controller ${c.key} (every disk on it moves to the paravirtual HBA) or remove its <driver> (${{ vmEdit: vm.ref }})`,
        ref: REF,
      });
    }
    return out;
  }
  const { boot, max } = vcpuCounts(vm);
  const cpus = boot === max ? `${max} vCPU(s)` : `${boot} vCPU(s) at boot, ${max} at most`;
  const problems: string[] = [];
  if (c.iothread !== undefined && mapping.length > 0) problems.push(`iothread='${c.iothread}' next to an <iothreads> mapping: the two are mutually exclusive`);
  if (mapping.length > 0 && platform.qemu !== undefined && platform.qemu.major < 10) problems.push(`an <iothreads> mapping on a virtio-scsi controller needs QEMU 10.0 (this host has ${platform.qemu.major}.${platform.qemu.minor})`);
  const q = c.queues;
  if (q !== undefined && q > VIRTIO_QUEUE_MAX) problems.push(`queues=${q} exceeds QEMU's VIRTIO_QUEUE_MAX (${VIRTIO_QUEUE_MAX})`);
  if (problems.length > 0) {
    out.push({ ...base, id: 'vm.scsi-controller', status: 'fail', observed: problems.join('; '), expected: 'one of iothread= or a mapping; queues ≤ vCPUs', why: 'libvirt or QEMU refuses the controller as written', fix: fixText`correct controller ${c.key}'s <driver> (${{ vmEdit: vm.ref }})`, ref: REF });
    return out;
  }
  const served = c.iothread !== undefined ? `iothread ${c.iothread}` : mapping.length > 0 ? `iothreads ${mapping.map((m) => m.iothread).join(', ')}` : 'no iothread';
  if (q === undefined) {
    // Only a default that leaves vCPUs sharing one queue is worth a line (noted), and only on a controller with disks.
    const d = defaultQueues(vm, platform.qemu);
    if (used && d.queues !== undefined && d.queues < boot) {
      out.push({ ...base, id: 'vm.scsi-controller', status: 'skip', observed: `queues unset (QEMU default: ${d.queues}), ${served}, ${cpus}`, why: `noted: ${d.why}; <driver queues='${boot}'> would give each vCPU its own request queue`, ref: REF });
    }
  } else if (q > max) {
    out.push({
      ...base,
      id: 'vm.scsi-controller',
      status: 'warn',
      observed: `queues=${q} for ${cpus}, ${served}`,
      expected: `≤ ${max} (one per vCPU)`,
      why: `the guest's virtio_scsi uses at most one request queue per possible CPU: ${q - max} queue(s) take vring memory and interrupt vectors for nothing`,
      fix: fixText`set <driver queues='${max}'> on controller ${c.key} (${{ vmEdit: vm.ref }})`,
      ref: REF,
    });
  } else {
    out.push({ ...base, id: 'vm.scsi-controller', status: 'pass', observed: `queues=${q} for ${cpus}, ${served}`, why: 'within the vCPU count', ref: REF });
  }
  return out;
}
