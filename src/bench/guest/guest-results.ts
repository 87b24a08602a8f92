// Puts the guest tier into a results file: next to a backend run's points, or into a
// results file of its own when only the guest tier ran (`--guest-only`).
import { randomBytes } from 'node:crypto';
import { RESULTS_SCHEMA_ID, ResultsSchema, type Results } from '../results-schema.js';
import type { GuestTierResult } from './guest-tier.js';

export interface GuestOnlyBase {
  readonly kvmioVersion: string;
  readonly host: Results['host'];
  readonly storeDir: string;
  readonly fsType: string | undefined;
  readonly sizeBytes: number;
  readonly repeat: number;
  readonly runtimeSec: number;
  readonly startedAt: Date;
  readonly fioVersion?: string;
}

export function guestOnlyResults(b: GuestOnlyBase): Results {
  const runId = `${b.startedAt.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${randomBytes(3).toString('hex')}`;
  return ResultsSchema.parse({
    schema: RESULTS_SCHEMA_ID,
    runId,
    startedAt: b.startedAt.toISOString(),
    finishedAt: b.startedAt.toISOString(),
    kvmio: { version: b.kvmioVersion },
    tools: b.fioVersion ? { fio: b.fioVersion } : {},
    host: b.host,
    target: { kind: 'file', path: b.storeDir, store: b.storeDir, ...(b.fsType ? { fsType: b.fsType } : {}), sizeBytes: b.sizeBytes },
    matrix: { name: 'guest', repeat: b.repeat, runtimeSec: b.runtimeSec, notes: [] },
    anchors: [],
    points: [],
  });
}

/** The results with the guest tier's points, notes and tools added, validated again. */
export function withGuestTier(r: Results, g: Pick<GuestTierResult, 'points' | 'notes' | 'tools'>, finishedAt: Date): Results {
  return ResultsSchema.parse({
    ...r,
    finishedAt: finishedAt.toISOString(),
    tools: { ...r.tools, ...g.tools },
    matrix: { ...r.matrix, notes: [...r.matrix.notes, ...g.notes] },
    points: [...r.points, ...g.points],
  });
}
