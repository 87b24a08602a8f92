// Saved bench results → AioBenchEvidence for aio rule 2 (chooseDiskConfig). The one
// loader `kvmio disk xml|args`, `kvmio audit` and `kvmio vm tune` call, so all three
// cite the same figures.
//
// A result may speak for a disk only when it was measured like that disk: the same store
// (the image's directory, or the device), the same format, the same allocation (sparse
// vs preallocated vs block), a direct cache (the table's default), backend tier only
// (never bare/ceiling, never a functional-only TCG guest), and no failed point. Native is
// dropped for sparse files here as in the rule, and a point needs two repeats (one has
// no spread to beat): whatever was measured, native on a
// sparse file stalls the VM while the file allocates (kubevirt/kubevirt#4077).
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { storeOf } from '../decide/choose-disk-config.js';
import type { AioBenchEvidence, AioMeasurement, DiskBackend } from '../model/disk-types.js';
import type { VmFacts } from '../facts/vm-disk-facts.js';
import { parseResults, type Point, type Results } from './results-schema.js';
import { describeWorkload } from './workloads.js';

/** Results files live here under the state directory: STATE/bench/RUNID.json. */
export const benchDir = (stateDir: string): string => join(stateDir, 'bench');

/** The workload whose IOPS decides aio, in order of preference (the issue's example: 4k random writes). */
export const EVIDENCE_WORKLOADS: readonly string[] = ['randwrite-4k-qd32', 'randread-4k-qd32', 'write-4k-qd32', 'read-4k-qd32'];
/** Through the export (a real I/O path with a transport) before in process. */
export const EVIDENCE_RUNNERS: readonly string[] = ['qsd-fio', 'qemu-img-bench'];

export interface EvidenceOptions {
  /** Decide on this workload instead of EVIDENCE_WORKLOADS. */
  readonly workload?: string;
}

const real = (p: string): string => {
  try {
    return existsSync(p) ? realpathSync(p) : p;
  } catch {
    return p;
  }
};

const imageKey = (p: Point): string => {
  const c = p.config;
  return c ? `${c.format}|${c.preallocation ?? ''}|${c.clusterSizeBytes ?? ''}|${c.extendedL2 ? 1 : 0}|${c.cache}` : '';
};

/** The evidence one results file gives for `backend`, or why it gives none. */
export function evidenceFromResults(r: Results, file: string, backend: DiskBackend, opts: EvidenceOptions = {}): { evidence?: AioBenchEvidence; why?: string } {
  const store = storeOf(backend);
  if (real(r.target.store) !== real(store)) return { why: `measured on ${r.target.store}, not ${store}` };
  const format = backend.kind === 'file' ? backend.format : 'block';
  const allocation = backend.kind === 'file' ? backend.allocation : 'block';
  const usable = r.points.filter(
    (p) =>
      p.tier === 'backend' &&
      !p.functionalOnly &&
      p.error === undefined &&
      p.summary !== undefined &&
      p.repeats.length >= 2 &&
      p.config !== undefined &&
      (format === 'block' ? p.config.allocation === 'block' : p.config.format === format && p.config.allocation === allocation) &&
      p.config.cache === 'none',
  );
  if (usable.length === 0) return { why: `no ${format} ${allocation} cache=none points` };
  const workloads = opts.workload ? [opts.workload] : EVIDENCE_WORKLOADS;
  for (const wid of workloads) {
    for (const runner of EVIDENCE_RUNNERS) {
      const here = usable.filter((p) => p.workload.id === wid && p.runner === runner && !(allocation === 'sparse' && p.config?.aio === 'native'));
      // One image kind (same preallocation, cluster, cache): the one measured under the most aio modes.
      const groups = new Map<string, Point[]>();
      for (const p of here) groups.set(imageKey(p), [...(groups.get(imageKey(p)) ?? []), p]);
      const best = [...groups.values()].sort((a, b) => new Set(b.map((p) => p.config?.aio)).size - new Set(a.map((p) => p.config?.aio)).size)[0];
      if (!best || new Set(best.map((p) => p.config?.aio)).size < 2) continue;
      const results: AioMeasurement[] = best.map((p) => ({ aio: p.config?.aio as AioMeasurement['aio'], mean: round(p.summary?.iops ?? 0), spread: round(p.summary?.spread.iops ?? 0) }));
      const sorted = [...results].sort((a, b) => b.mean - a.mean);
      const [w1, w2] = sorted;
      const c = best[0]?.config;
      const ratio = w1 && w2 && w2.mean > 0 ? `; ${w1.aio} ${(w1.mean / w2.mean).toFixed(2)}× ${w2.aio}` : '';
      const workload = best[0] ? describeWorkload(best[0].workload) : wid;
      const what = `${c?.format ?? format}${c?.preallocation ? ` preallocation=${c.preallocation}` : ''}`;
      return {
        evidence: {
          store,
          format,
          results,
          source: `kvmio bench ${file}, measured ${r.finishedAt.slice(0, 10)}, ${r.matrix.repeat} repeat${r.matrix.repeat === 1 ? '' : 's'}, ${workload} IOPS, ${what} via ${runner}${ratio}`,
        },
      };
    }
  }
  return { why: `fewer than two aio modes measured for ${format} ${allocation} cache=none on one workload` };
}

const round = (n: number): number => Math.round(n * 10) / 10;

export interface LoadedEvidence {
  readonly evidence?: AioBenchEvidence;
  /** The results file it came from. */
  readonly file?: string;
  /** Files that could not be read or did not match, and why (for --explain / --verbose). */
  readonly notes: readonly string[];
}

/** Every readable results file saved under STATE/bench, newest (finishedAt) first; unreadable ones become notes. */
export function readSavedResults(stateDir: string): { runs: { file: string; r: Results }[]; notes: string[] } {
  const dir = benchDir(stateDir);
  const notes: string[] = [];
  const runs: { file: string; r: Results }[] = [];
  if (!existsSync(dir)) return { runs, notes };
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.json')).sort()) {
    const file = join(dir, name);
    try {
      runs.push({ file, r: parseResults(readFileSync(file, 'utf8'), file) });
    } catch (e) {
      notes.push(`bench results ${file} ignored: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  runs.sort((a, b) => b.r.finishedAt.localeCompare(a.r.finishedAt));
  return { runs, notes };
}

/** The newest saved results file (STATE/bench/*.json, by finishedAt) that speaks for `backend`. */
export function loadAioEvidence(stateDir: string, backend: DiskBackend, opts: EvidenceOptions = {}): LoadedEvidence {
  const { runs, notes } = readSavedResults(stateDir);
  for (const { file, r } of runs) {
    const got = evidenceFromResults(r, file, backend, opts);
    if (got.evidence) return { evidence: got.evidence, file, notes };
  }
  return { notes };
}

/** VM facts with the evidence for each probed disk source (kvmio audit, kvmio vm tune). */
export function withAioEvidence<T extends Pick<VmFacts, 'sources'>>(facts: T, stateDir: string): T & Pick<VmFacts, 'aioEvidence'> {
  const map = new Map<string, AioBenchEvidence>();
  if (!existsSync(benchDir(stateDir))) return facts;
  for (const [path, src] of facts.sources) {
    if (src.kind !== 'present' || !src.backend.ok || src.backend.value.kind === 'pci') continue;
    const got = loadAioEvidence(stateDir, src.backend.value);
    if (got.evidence) map.set(path, got.evidence);
  }
  return map.size === 0 ? facts : { ...facts, aioEvidence: map };
}
