// The guest matrix: every combination of VM count, bus, iothread, queues, aio mode, guest
// scheduler, guest target and workload. Pure. Defaults are one value each, so a plain
// `kvmio bench --guest` boots one VM once per workload; each flag widens one dimension.
import type { Workload } from '../results-schema.js';
import type { GuestAio, GuestBus, GuestPoint, GuestScheduler, GuestTarget, GuestWorkload } from './guest-types.js';

export interface GuestMatrix {
  readonly vms: readonly number[];
  readonly buses: readonly GuestBus[];
  readonly iothreads: readonly boolean[];
  readonly queues: readonly number[];
  readonly aio: readonly GuestAio[];
  readonly schedulers: readonly GuestScheduler[];
  readonly targets: readonly GuestTarget[];
  readonly workloads: readonly Workload[];
  readonly runtimeS: number;
  /** Bytes fio uses in each guest (raw device region or file size). */
  readonly sizeMiB: number;
  readonly repeat: number;
}

export const DEFAULT_GUEST_MATRIX: GuestMatrix = {
  vms: [1],
  buses: ['virtio-blk'],
  // iothread on for virtio disks is the decision table's default (DESIGN: "iothread on for virtio disks").
  iothreads: [true],
  queues: [1],
  // native: what the table picks for preallocated files and block devices; threads is QEMU's default.
  aio: ['native'],
  schedulers: ['none'],
  targets: ['raw'],
  workloads: [{ id: 'randread-4k-qd32', pattern: 'randread', blockSizeBytes: 4096, iodepth: 32 }],
  runtimeS: 5,
  // XFS refuses filesystems under 300 MB (xfsprogs 5.19+), so the disk is larger than this.
  sizeMiB: 256,
  repeat: 1,
};

export const blockSizeText = (bytes: number): string => (bytes % 1048576 === 0 ? `${bytes / 1048576}m` : bytes % 1024 === 0 ? `${bytes / 1024}k` : String(bytes));

export const toGuestWorkload = (w: Workload, runtimeS: number, sizeMiB: number): GuestWorkload => ({
  name: w.id, rw: w.pattern, bs: blockSizeText(w.blockSizeBytes), iodepth: w.iodepth, runtimeS, sizeMiB,
});

/** "randread-4k-qd32" → a Workload, or undefined when it is not PATTERN-SIZE-qdN. */
export function parseWorkloadId(id: string): Workload | undefined {
  const m = /^(randread|randwrite|read|write)-(\d+)(k|m)-qd(\d+)$/.exec(id);
  if (!m) return undefined;
  const size = Number(m[2]) * (m[3] === 'm' ? 1048576 : 1024);
  const iodepth = Number(m[4]);
  if (size <= 0 || iodepth <= 0 || iodepth > 4096) return undefined;
  return { id, pattern: m[1] as Workload['pattern'], blockSizeBytes: size, iodepth };
}

export function expandGuestMatrix(m: GuestMatrix): GuestPoint[] {
  const points: GuestPoint[] = [];
  for (const w of m.workloads) for (const vms of m.vms) for (const bus of m.buses) for (const iothread of m.iothreads)
    for (const queues of m.queues) for (const aio of m.aio) for (const scheduler of m.schedulers) for (const target of m.targets) {
      points.push({ vms, disk: { bus, iothread, queues, aio }, scheduler, target, workload: toGuestWorkload(w, m.runtimeS, m.sizeMiB) });
    }
  return points;
}

/** A stable id naming every dimension: "virtio-blk.iothread.q1.native". */
export const guestConfigId = (p: GuestPoint): string => `${p.disk.bus}.${p.disk.iothread ? 'iothread' : 'noiothread'}.q${p.disk.queues}`;

export const guestPointId = (p: GuestPoint, vmIndex: number): string =>
  `guest:${p.disk.aio}.${guestConfigId(p)}:${p.workload.name}:${p.scheduler}:${p.target}:vms${p.vms}:vm${vmIndex}`;
