// fio's JSON output (fio --output-format=json, fio 3.x "jobs[].read|write") → Figures.
// Validated with a schema: a fio that changed its output, failed a job or printed
// something else gives one clear error instead of NaN figures.
import { z } from 'zod';
import { describeIssue, type Figures, type Pattern } from './results-schema.js';
import { isWrite } from './workloads.js';

const num = z.number().finite();

const DirectionSchema = z.object({
  io_bytes: num,
  bw_bytes: num,
  iops: num,
  runtime: num, // ms
  total_ios: num,
  clat_ns: z.object({
    percentile: z.record(z.string(), num).optional(),
  }),
});

export const FioOutputSchema = z.object({
  'fio version': z.string(),
  jobs: z
    .array(
      z.object({
        jobname: z.string(),
        error: num,
        read: DirectionSchema,
        write: DirectionSchema,
      }),
    )
    .min(1),
});
export type FioOutput = z.infer<typeof FioOutputSchema>;

/** Percentiles fio is asked for (--percentile_list) and the keys it prints them under. */
export const FIO_PERCENTILES = '50:99:99.9';
const P = { p50Ns: '50.000000', p99Ns: '99.000000', p999Ns: '99.900000' } as const;

/** Parses fio's JSON text (anything before the first "{" is fio chatter, e.g. "fio: connected to NBD server"). */
export function parseFioOutput(text: string): FioOutput {
  const start = text.indexOf('{');
  if (start < 0) throw new Error('fio printed no JSON');
  let raw: unknown;
  try {
    raw = JSON.parse(text.slice(start));
  } catch (e) {
    throw new Error(`fio output is not JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  const r = FioOutputSchema.safeParse(raw);
  if (!r.success) throw new Error(`fio output: ${describeIssue(r.error.issues[0])}`);
  return r.data;
}

/** The figures of one single-job fio run for a read or write pattern. */
export function figuresFromFio(out: FioOutput, pattern: Pattern): Figures {
  const job = out.jobs[0];
  if (!job) throw new Error('fio output has no job');
  if (job.error !== 0) throw new Error(`fio job ${job.jobname} failed with error ${job.error}`);
  const d = isWrite(pattern) ? job.write : job.read;
  if (d.total_ios === 0) throw new Error(`fio job ${job.jobname} completed no ${isWrite(pattern) ? 'writes' : 'reads'}`);
  const pct = d.clat_ns.percentile;
  const p = (k: string): number | undefined => pct?.[k];
  const p50 = p(P.p50Ns);
  const p99 = p(P.p99Ns);
  const p999 = p(P.p999Ns);
  return {
    iops: d.iops,
    bandwidthBytesPerSec: d.bw_bytes,
    ...(p50 !== undefined && p99 !== undefined && p999 !== undefined ? { latency: { p50Ns: p50, p99Ns: p99, p999Ns: p999 } } : {}),
    durationMs: d.runtime,
    ios: d.total_ios,
  };
}
