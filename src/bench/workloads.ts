// The I/O patterns a bench runs. Random 4 KiB at queue depth 1 (latency-bound) and 32
// (throughput of small I/O), and 1 MiB sequential (bandwidth). `qemu-img bench` can only
// issue sequential or strided requests, so the in-process runner uses the sequential
// 4 KiB variants (read-4k-qd32, write-4k-qd32) and the bare line is measured with the
// same pattern for it.
import type { Pattern, Workload } from './results-schema.js';

const w = (pattern: Pattern, blockSizeBytes: number, iodepth: number): Workload => ({
  id: `${pattern}-${blockSizeBytes >= 1024 ** 2 ? `${blockSizeBytes / 1024 ** 2}m` : `${blockSizeBytes / 1024}k`}-qd${iodepth}`,
  pattern,
  blockSizeBytes,
  iodepth,
});

export const WORKLOADS: readonly Workload[] = [
  w('randread', 4096, 1),
  w('randread', 4096, 32),
  w('randwrite', 4096, 1),
  w('randwrite', 4096, 32),
  w('read', 1024 ** 2, 8),
  w('write', 1024 ** 2, 8),
  // Sequential 4 KiB: what qemu-img bench can drive.
  w('read', 4096, 32),
  w('write', 4096, 32),
];

export const workloadById = (id: string): Workload | undefined => WORKLOADS.find((x) => x.id === id);

export const isWrite = (p: Pattern): boolean => p === 'randwrite' || p === 'write';
export const isRandom = (p: Pattern): boolean => p === 'randread' || p === 'randwrite';

/** "4k random write QD32" */
export function describeWorkload(x: Workload): string {
  const size = x.blockSizeBytes >= 1024 ** 2 ? `${x.blockSizeBytes / 1024 ** 2}M` : `${x.blockSizeBytes / 1024}k`;
  const what = { randread: 'random read', randwrite: 'random write', read: 'sequential read', write: 'sequential write' }[x.pattern];
  return `${size} ${what} QD${x.iodepth}`;
}
