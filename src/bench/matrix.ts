// What a bench run measures: runners × workloads, configurations, image size and
// runtime. Built-in matrices "quick" and "full", or a JSON file (validated: untrusted
// input). The anchors (anchors.ts) are added to every matrix, so every summary can
// compare kvmio's choice with what the other tools would have done.
import { z } from 'zod';
import { usageError } from '../errors.js';
import { describeIssue, DiskConfigurationSchema, type DiskConfiguration, type Workload } from './results-schema.js';
import { configId } from './anchors.js';
import { workloadById, WORKLOADS } from './workloads.js';

/** qemu-img bench: QEMU's block layer in process, no transport (sequential/strided only). */
export const RUNNERS = ['qemu-img-bench', 'qsd-fio'] as const;
export type Runner = (typeof RUNNERS)[number];

export interface Matrix {
  readonly name: string;
  readonly runners: Readonly<Partial<Record<Runner, readonly Workload[]>>>;
  /** Configurations besides the anchors (file targets; device targets use deviceConfigs). */
  readonly configs: readonly DiskConfiguration[];
  readonly deviceConfigs: readonly DiskConfiguration[];
  readonly sizeBytes: number;
  readonly runtimeSec: number;
}

const MiB = 1024 ** 2;
const wl = (...ids: string[]): Workload[] => ids.map((id) => workloadById(id) as Workload);
type Cfg = Omit<DiskConfiguration, 'id'>;
const cfg = (c: Cfg): DiskConfiguration => ({ id: configId(c), ...c });
const aios = (base: Omit<Cfg, 'aio'>, modes: readonly DiskConfiguration['aio'][]): DiskConfiguration[] => modes.map((aio) => cfg({ ...base, aio }));

export const MATRICES: Readonly<Record<'quick' | 'full', Matrix>> = {
  // ≥ 12 points in a few minutes: 4k QD32 both ways through each runner, kvmio's image
  // under every aio mode (what aio rule 2 needs), plus the anchors.
  quick: {
    name: 'quick',
    runners: { 'qemu-img-bench': wl('write-4k-qd32', 'read-4k-qd32'), 'qsd-fio': wl('randwrite-4k-qd32', 'randread-4k-qd32') },
    configs: aios({ format: 'raw', preallocation: 'falloc', cache: 'none' }, ['threads', 'native', 'io_uring']),
    deviceConfigs: aios({ format: 'raw', cache: 'none' }, ['threads', 'native', 'io_uring']),
    sizeBytes: 256 * MiB,
    runtimeSec: 2,
  },
  full: {
    name: 'full',
    runners: {
      'qemu-img-bench': wl('write-4k-qd32', 'read-4k-qd32', 'write-1m-qd8', 'read-1m-qd8'),
      'qsd-fio': wl('randwrite-4k-qd1', 'randwrite-4k-qd32', 'randread-4k-qd1', 'randread-4k-qd32', 'write-1m-qd8', 'read-1m-qd8'),
    },
    configs: [
      ...aios({ format: 'raw', preallocation: 'off', cache: 'none' }, ['threads', 'io_uring']),
      ...aios({ format: 'raw', preallocation: 'falloc', cache: 'none' }, ['threads', 'native', 'io_uring']),
      ...aios({ format: 'raw', preallocation: 'full', cache: 'none' }, ['threads', 'native', 'io_uring']),
      ...aios({ format: 'raw', preallocation: 'falloc', cache: 'writeback' }, ['threads', 'io_uring']),
      ...aios({ format: 'qcow2', clusterSizeBytes: 65536, preallocation: 'off', cache: 'none' }, ['threads', 'io_uring']),
      ...aios({ format: 'qcow2', clusterSizeBytes: 2 * MiB, preallocation: 'falloc', cache: 'none' }, ['threads', 'native', 'io_uring']),
      ...aios({ format: 'qcow2', clusterSizeBytes: 128 * 1024, extendedL2: true, preallocation: 'off', cache: 'none' }, ['threads', 'io_uring']),
    ],
    deviceConfigs: [
      ...aios({ format: 'raw', cache: 'none' }, ['threads', 'native', 'io_uring']),
      ...aios({ format: 'raw', cache: 'writeback' }, ['threads', 'io_uring']),
    ],
    sizeBytes: 1024 * MiB,
    runtimeSec: 5,
  },
};

const ConfigInputSchema = DiskConfigurationSchema.omit({ id: true, allocation: true, bus: true, iothread: true, queues: true }).strict();

export const MatrixFileSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/).default('custom'),
    runners: z.partialRecord(z.enum(RUNNERS), z.array(z.string()).min(1)),
    configs: z.array(ConfigInputSchema).default([]),
    deviceConfigs: z.array(ConfigInputSchema).default([]),
    sizeMiB: z.number().int().min(16).max(1024 * 1024).default(256),
    runtimeSec: z.number().min(0.5).max(3600).default(2),
  })
  .strict();

/** In-process qemu-img bench only issues sequential/strided requests. */
const IN_PROCESS_PATTERNS = new Set(['read', 'write']);

/** A matrix file's text → Matrix, or one usage error naming the problem. */
export function parseMatrixFile(text: string, what: string): Matrix {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw usageError(`--matrix ${what}: not JSON (${e instanceof Error ? e.message : String(e)}); expected quick, full or a JSON matrix file (see docs/bench.md)`);
  }
  const r = MatrixFileSchema.safeParse(raw);
  if (!r.success) throw usageError(`--matrix ${what}: ${describeIssue(r.error.issues[0])}; expected a JSON matrix file (see docs/bench.md)`);
  const m = r.data;
  const runners: Partial<Record<Runner, Workload[]>> = {};
  for (const runner of RUNNERS) {
    const ids = m.runners[runner];
    if (!ids) continue;
    runners[runner] = ids.map((id) => {
      const w = workloadById(id);
      if (!w) throw usageError(`--matrix ${what}: runners.${runner}: workload "${id}" is unknown; expected one of ${WORKLOADS.map((x) => x.id).join(', ')}`);
      if (runner === 'qemu-img-bench' && !IN_PROCESS_PATTERNS.has(w.pattern)) {
        throw usageError(`--matrix ${what}: runners.qemu-img-bench: workload "${id}" is random; qemu-img bench issues only sequential requests (use read-… or write-…, or the qsd-fio runner)`);
      }
      return w;
    });
  }
  if (Object.keys(runners).length === 0) throw usageError(`--matrix ${what}: runners: empty; expected at least one of ${RUNNERS.join(', ')} with workloads`);
  const check = (list: readonly Cfg[], key: string): DiskConfiguration[] =>
    list.map((c, i) => {
      if (c.aio === 'native' && c.cache !== 'none' && c.cache !== 'directsync') {
        throw usageError(`--matrix ${what}: ${key}[${i}]: aio=native with cache=${c.cache}; QEMU requires cache.direct=on (cache none or directsync) for native`);
      }
      if (c.format === 'raw' && (c.clusterSizeBytes !== undefined || c.extendedL2 !== undefined || c.preallocation === 'metadata')) {
        throw usageError(`--matrix ${what}: ${key}[${i}]: cluster size, extended_l2 and preallocation=metadata are qcow2 options; expected format qcow2 or none of them`);
      }
      if (key === 'deviceConfigs' && c.preallocation !== undefined) {
        throw usageError(`--matrix ${what}: ${key}[${i}]: preallocation does not apply to a device; expected no preallocation`);
      }
      return cfg(c);
    });
  return {
    name: m.name,
    runners,
    configs: check(m.configs, 'configs'),
    deviceConfigs: check(m.deviceConfigs, 'deviceConfigs'),
    sizeBytes: m.sizeMiB * MiB,
    runtimeSec: m.runtimeSec,
  };
}
