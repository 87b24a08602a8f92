// A disk's iothreads as libvirt defines them: the iothread–virtqueue mapping (libvirt
// 10.0 / QEMU 9.0, <driver queues='N'><iothreads><iothread id='X'><queue id='Q'/>…) and
// every iothread id a disk or controller names. Pure, over the neutral model.
//
// libvirt formatdomain, disk <driver>: "iothread is mutually exclusive with iothreads";
// the mapping is for virtio disks only; "each queue can be referenced only once and
// queues are numbered starting from 0", and an explicit mapping needs `queues` set
// (libvirt commits 'docs: formatdomain: Clarify configuration of iothread <-> virtqueue
// mapping', 5d953912). A disk or controller naming an iothread the domain does not
// define is refused by libvirt's define ("IOThread N is not defined").
import { fixText, type Finding } from '../model/finding.js';
import type { Vm, VmDisk } from '../model/vm.js';

const REF_VQ = 'libvirt formatdomain <driver><iothreads> (since 10.0.0, QEMU 9.0, virtio disks only; mutually exclusive with iothread=; each queue mapped once, numbered from 0)';
const REF_IDS = 'libvirt formatdomain "IOThreads Allocation" (<iothreads>, <iothreadids>)';

type Base = Pick<Finding, 'subject' | 'object'>;

/** What is wrong with a disk's iothread–virtqueue mapping, one line per problem; empty: nothing. */
export function mappingProblems(disk: VmDisk): string[] {
  const map = disk.iothreadQueues ?? [];
  if (map.length === 0) return [];
  const out: string[] = [];
  if (disk.iothread !== undefined) out.push(`iothread='${disk.iothread}' next to an <iothreads> mapping: the two are mutually exclusive`);
  if (disk.bus !== 'virtio-blk') out.push(`the mapping is for virtio disks only, this one is on ${disk.busName ?? disk.bus}`);
  const threads = map.map((m) => m.iothread);
  const dupThreads = threads.filter((t, i) => threads.indexOf(t) !== i);
  if (dupThreads.length > 0) out.push(`iothread ${[...new Set(dupThreads)].join(', ')} listed more than once`);
  const listed = map.flatMap((m) => m.queues);
  if (listed.length > 0) {
    if (map.some((m) => m.queues.length === 0)) out.push('some iothreads list queues and others do not: with queues listed, every iothread must list its own');
    if (disk.queues === undefined) out.push("queues are mapped but <driver queues> is unset: an explicit mapping needs queues='N'");
    // VIRTIO_QUEUE_MAX is 1024 (QEMU include/hw/virtio/virtio.h): a larger count is garbled input.
    const n = Math.min(disk.queues ?? Math.max(...listed) + 1, 1024);
    const seen = new Map<number, number>();
    for (const q of listed) seen.set(q, (seen.get(q) ?? 0) + 1);
    const twice = [...seen].filter(([, c]) => c > 1).map(([q]) => q);
    const outside = [...seen.keys()].filter((q) => q < 0 || q >= n);
    const unmapped = Array.from({ length: n }, (_, q) => q).filter((q) => !seen.has(q));
    if (twice.length > 0) out.push(`queue ${twice.join(', ')} mapped more than once`);
    if (outside.length > 0) out.push(`queue ${outside.join(', ')} outside 0..${n - 1}`);
    if (unmapped.length > 0) out.push(`queue ${unmapped.join(', ')} of ${n} not mapped to any iothread`);
  }
  return out;
}

/** vm.iothread-mapping for one disk with a mapping (none without one). */
export function auditIothreadMapping(vm: Vm, disk: VmDisk, base: Base): Finding[] {
  const map = disk.iothreadQueues ?? [];
  if (map.length === 0) return [];
  const problems = mappingProblems(disk);
  const observed = map.map((m) => `iothread ${m.iothread}${m.queues.length > 0 ? ` → queue ${m.queues.join(',')}` : ''}`).join('; ') + (disk.queues !== undefined ? ` (queues=${disk.queues})` : '');
  return [
    problems.length === 0
      ? { ...base, id: 'vm.iothread-mapping', status: 'pass', observed, why: map.some((m) => m.queues.length > 0) ? 'every queue is mapped to exactly one iothread' : 'queues are spread round-robin over the listed iothreads', ref: REF_VQ }
      : {
          ...base,
          id: 'vm.iothread-mapping',
          status: 'fail',
          observed,
          expected: 'either iothread= or an <iothreads> mapping; with queues listed, each of 0..queues-1 exactly once',
          why: `${problems.join('; ')} (libvirt refuses the definition, or libvirt before 10.0 drops the mapping on define)`,
          fix: fixText`correct the <driver><iothreads> mapping (${{ vmEdit: vm.ref }}), or remove it and keep one iothread= attribute`,
          ref: REF_VQ,
        },
  ];
}

/** vm.iothread-ids: every iothread a disk or controller names is one the VM defines. */
export function auditIothreadIds(vm: Vm, base: Base): Finding[] {
  const defined = new Set(vm.iothreads);
  const named: string[] = [];
  for (const d of vm.disks) {
    if (d.iothread !== undefined && !defined.has(d.iothread)) named.push(`${d.label} iothread ${d.iothread}`);
    for (const m of d.iothreadQueues ?? []) if (!defined.has(m.iothread)) named.push(`${d.label} mapping iothread ${m.iothread}`);
  }
  for (const c of vm.controllers) {
    if (c.iothread !== undefined && !defined.has(c.iothread)) named.push(`controller ${c.key} iothread ${c.iothread}`);
    for (const m of c.iothreadQueues ?? []) if (!defined.has(m.iothread)) named.push(`controller ${c.key} mapping iothread ${m.iothread}`);
  }
  const anyUse = vm.disks.some((d) => d.iothread !== undefined || (d.iothreadQueues ?? []).length > 0) || vm.controllers.some((c) => c.iothread !== undefined || (c.iothreadQueues ?? []).length > 0);
  if (!anyUse && vm.iothreads.length === 0) return [];
  const have = vm.iothreads.length === 0 ? 'none' : vm.iothreads.join(', ');
  const countNote = vm.iothreadCount !== undefined && vm.iothreadCount < vm.iothreads.length ? ` (<iothreads>${vm.iothreadCount}</iothreads> is below the ${vm.iothreads.length} ids listed: libvirt raises it)` : '';
  return [
    named.length === 0
      ? { ...base, id: 'vm.iothread-ids', status: 'pass', observed: `iothreads ${have}${countNote}`, why: 'every iothread a disk or controller names is defined', ref: REF_IDS }
      : {
          ...base,
          id: 'vm.iothread-ids',
          status: 'fail',
          observed: `defined: ${have}; named but not defined: ${named.join(', ')}${countNote}`,
          expected: 'each named iothread listed in <iothreadids> or within <iothreads>N</iothreads>',
          why: 'libvirt refuses to define a domain whose disk or controller names an iothread it does not have',
          fix: fixText`raise <iothreads> (or add the <iothreadids> entries) to cover every id named (${{ vmEdit: vm.ref }})`,
          ref: REF_IDS,
        },
  ];
}
