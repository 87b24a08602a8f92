// fio --output-format=json → the figures the bench keeps. Pure. Field names from fio's
// stat.c (show_thread_status_json): jobs[].read/write with iops, bw_bytes, io_kbytes,
// total_ios, lat_ns {mean, percentile?}, clat_ns.percentile {"99.000000": ns}.
import { KvmioError } from '../../errors.js';
import type { FioDirection, FioSummary } from './guest-types.js';

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

function direction(d: unknown): FioDirection {
  const o = isObj(d) ? d : {};
  const lat = isObj(o.lat_ns) ? o.lat_ns : {};
  const clat = isObj(o.clat_ns) ? o.clat_ns : {};
  const pct = isObj(clat.percentile) ? clat.percentile : undefined;
  const at = (k: string): number | undefined => (typeof pct?.[k] === 'number' ? (pct[k] as number) : undefined);
  return {
    iops: num(o.iops),
    bwBytesPerS: num(o.bw_bytes),
    latMeanNs: num(lat.mean),
    latP50Ns: at('50.000000'),
    latP99Ns: at('99.000000'),
    latP999Ns: at('99.900000'),
    ios: num(o.total_ios),
    runtimeMs: num(o.runtime),
  };
}

/** The first job of fio's JSON (the guest runs one job with group_reporting). */
export function parseFioJson(text: string): FioSummary {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new KvmioError('failed', `fio JSON: not valid JSON (${(e as Error).message}); expected fio --output-format=json`);
  }
  const jobs = isObj(doc) && Array.isArray(doc.jobs) ? doc.jobs : undefined;
  const job: unknown = jobs?.[0];
  if (!isObj(job)) throw new KvmioError('failed', 'fio JSON: no jobs[0]; expected fio --output-format=json output with one job');
  return { jobName: String(job.jobname ?? ''), read: direction(job.read), write: direction(job.write), error: num(job.error) };
}
