// The results file of `kvmio bench` (schema "kvmio-bench/1"): what was measured, where,
// with which tools, every repeat's figures and their median and spread. `kvmio report`,
// the evidence loader (aio rule 2) and the guest tier all read and write this one shape,
// so it is validated on the way in and on the way out (zod).
//
// Units are in the field names (bytes, ns, per second) so no figure mixes KiB, MB and µs.
// A new field that older readers may ignore keeps "kvmio-bench/1"; a change of meaning of
// an existing field needs "kvmio-bench/2".
import { z } from 'zod';
import { usageError } from '../errors.js';
import { AIO_MODES, CACHE_MODES } from '../model/disk-types.js';

export const RESULTS_SCHEMA_ID = 'kvmio-bench/1';

/**
 * bare: fio directly on the target file or device (no QEMU): the line every figure is a ratio of.
 * ceiling: QEMU's null-co driver behind the same runner/transport: what the transport itself allows.
 * backend: QEMU's block layer with the configuration under test, no guest (qemu-img bench, qemu-storage-daemon + fio).
 * guest: fio inside a VM whose disk has the configuration under test.
 */
export const TIERS = ['bare', 'ceiling', 'backend', 'guest'] as const;
export type Tier = (typeof TIERS)[number];

export const PATTERNS = ['randread', 'randwrite', 'read', 'write'] as const;
export type Pattern = (typeof PATTERNS)[number];

export const PREALLOCS = ['off', 'metadata', 'falloc', 'full'] as const;

const nonNeg = z.number().finite().nonnegative();
const posInt = z.number().int().positive();

/** One I/O pattern: "randread-4k-qd32" is 4 KiB random reads with 32 in flight. */
export const WorkloadSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
  pattern: z.enum(PATTERNS),
  blockSizeBytes: posInt,
  iodepth: posInt,
});
export type Workload = z.infer<typeof WorkloadSchema>;

/**
 * A disk configuration under test (host side). For a device target format is "raw" and
 * preallocation/cluster fields are absent. `allocation` is what qemu-img info saw after
 * creating the image (sparse: actual-size < virtual-size), the fact aio rule 2 matches on.
 */
export const DiskConfigurationSchema = z.object({
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/),
  format: z.enum(['raw', 'qcow2']),
  preallocation: z.enum(PREALLOCS).optional(),
  clusterSizeBytes: posInt.optional(),
  extendedL2: z.boolean().optional(),
  aio: z.enum(AIO_MODES as unknown as readonly ['threads', 'native', 'io_uring']),
  cache: z.enum(CACHE_MODES as unknown as readonly ['none', 'directsync', 'writethrough', 'writeback', 'unsafe']),
  allocation: z.enum(['sparse', 'preallocated', 'block']).optional(),
  /** Guest tier (optional here): bus, iothread, queues as the VM saw them. */
  bus: z.enum(['virtio-blk', 'virtio-scsi']).optional(),
  iothread: z.boolean().optional(),
  queues: posInt.optional(),
});
export type DiskConfiguration = z.infer<typeof DiskConfigurationSchema>;

/** Latency percentiles of completions (fio clat; qemu-img bench reports none). */
export const LatencySchema = z.object({
  p50Ns: nonNeg,
  p99Ns: nonNeg,
  p999Ns: nonNeg,
});
export type Latency = z.infer<typeof LatencySchema>;

/** One repeat's figures. */
export const FiguresSchema = z.object({
  iops: nonNeg,
  bandwidthBytesPerSec: nonNeg,
  latency: LatencySchema.optional(),
  /** Wall time of the measured phase. */
  durationMs: nonNeg,
  /** I/Os completed in the measured phase. */
  ios: nonNeg.optional(),
});
export type Figures = z.infer<typeof FiguresSchema>;

/** Median of the repeats, and spread = half their range ((max − min) / 2), same units. */
export const SummarySchema = z.object({
  iops: nonNeg,
  bandwidthBytesPerSec: nonNeg,
  latency: LatencySchema.optional(),
  spread: z.object({ iops: nonNeg, bandwidthBytesPerSec: nonNeg }),
  /** Coefficient of variation of IOPS over the repeats (stddev / mean), 0 for one repeat. */
  cv: nonNeg,
});
export type Summary = z.infer<typeof SummarySchema>;

/** One point: one tier × one runner × one configuration × one workload. */
export const PointSchema = z.object({
  id: z.string().min(1),
  tier: z.enum(TIERS),
  /** How it was driven: "fio" (bare), "qemu-img-bench" (in process), "qsd-fio" (qemu-storage-daemon export + fio), or a guest runner. */
  runner: z.string().min(1),
  /** Between the block layer and the load generator: "none" (fio on the file), "in-process", "nbd", "vhost-user-blk", "virtio-blk"… */
  transport: z.string().min(1),
  workload: WorkloadSchema,
  /** Absent for bare and ceiling points. */
  config: DiskConfigurationSchema.optional(),
  /** Anchors (ANCHOR_IDS) whose default this configuration is. */
  anchors: z.array(z.string()).default([]),
  /** The load generator's engine and the exact command (argv) of the first repeat. */
  engine: z.string().optional(),
  argv: z.array(z.string()).optional(),
  repeats: z.array(FiguresSchema),
  summary: SummarySchema.optional(),
  /** The point failed: the error line; repeats may be empty. */
  error: z.string().optional(),
  /** A figure that shows the path works but not how fast (TCG guests): never evidence. */
  functionalOnly: z.boolean().default(false),
  /** Guest tier fields (optional): accelerator, machine, vCPUs… */
  guest: z.record(z.string(), z.unknown()).optional(),
});
export type Point = z.infer<typeof PointSchema>;
export type PointInput = z.input<typeof PointSchema>;

export const AnchorSchema = z.object({
  id: z.string().min(1),
  /** "virt-install default image" */
  name: z.string().min(1),
  /** The configuration id it maps to in this run. */
  configId: z.string().min(1),
  why: z.string(),
  ref: z.string(),
});
export type Anchor = z.infer<typeof AnchorSchema>;

export const TargetSchema = z.object({
  kind: z.enum(['file', 'device']),
  /** The scratch directory (file) or the device path. */
  path: z.string().min(1),
  /** What aio rule 2 matches: storeOf(backend) — the image directory, or the device path. */
  store: z.string().min(1),
  fsType: z.string().optional(),
  /** Size of each scratch image or of the device region used. */
  sizeBytes: posInt,
});
export type Target = z.infer<typeof TargetSchema>;

export const HostSchema = z.object({
  hostname: z.string(),
  kernel: z.string(),
  cpus: posInt,
  cpuModel: z.string().optional(),
  memBytes: nonNeg.optional(),
  /** /proc/loadavg at start and end: other load makes figures noisy. */
  loadAvgStart: z.array(nonNeg).optional(),
  loadAvgEnd: z.array(nonNeg).optional(),
  kvm: z.boolean().optional(),
});
export type Host = z.infer<typeof HostSchema>;

export const ResultsSchema = z.object({
  schema: z.literal(RESULTS_SCHEMA_ID),
  runId: z.string().min(1),
  startedAt: z.iso.datetime(),
  finishedAt: z.iso.datetime(),
  kvmio: z.object({ version: z.string() }),
  /** Tool versions: qemu-img, qemu-storage-daemon, fio, qemu-system… */
  tools: z.record(z.string(), z.string()),
  host: HostSchema,
  target: TargetSchema,
  matrix: z.object({
    name: z.string().min(1),
    repeat: posInt,
    runtimeSec: nonNeg,
    /** Why a runner or tier was left out ("vhost-user-blk: fio has no libblkio engine"). */
    notes: z.array(z.string()).default([]),
  }),
  anchors: z.array(AnchorSchema),
  points: z.array(PointSchema),
  /** The run stopped early (signal, error): points measured so far. */
  interrupted: z.string().optional(),
});
export type Results = z.infer<typeof ResultsSchema>;
export type ResultsInput = z.input<typeof ResultsSchema>;

/** Parses untrusted JSON text into Results, or throws a usage error (exit 2): one line naming the first problem. */
export function parseResults(text: string, what: string): Results {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw usageError(`${what}: not JSON (${e instanceof Error ? e.message : String(e)}); expected a kvmio bench results file (${RESULTS_SCHEMA_ID})`);
  }
  const schema = (raw as { schema?: unknown } | null)?.schema;
  if (schema !== RESULTS_SCHEMA_ID) {
    throw usageError(`${what}: schema is ${JSON.stringify(schema ?? null)}; expected "${RESULTS_SCHEMA_ID}" (a kvmio bench results file)`);
  }
  const r = ResultsSchema.safeParse(raw);
  if (!r.success) throw usageError(`${what}: ${describeIssue(r.error.issues[0])}; expected a kvmio bench results file (${RESULTS_SCHEMA_ID})`);
  return r.data;
}

/** "points[3].repeats[0].iops: expected number, received string" */
export function describeIssue(issue: z.core.$ZodIssue | undefined): string {
  if (!issue) return 'invalid';
  const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
  return `${path || '(top level)'}: ${issue.message}`;
}
