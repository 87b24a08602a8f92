// The append-only journal (STATE_DIR/journal.jsonl): one JSON line per event, fsynced
// before the change it announces. Every record names its run (one applyActions call; the
// first `before` of a run also names its command); `before` carries the old state of the target and is written BEFORE the
// change; `done` after the change is verified, with the state right after it (`after`,
// for handlers that refuse a rollback when the target was changed since); `rolled-back`
// closes a run undone by `kvmio rollback --run`. A line torn by a kill is ignored on
// read; every line is validated (zod), so a garbled line is skipped, never half-read.
// Rollback restores each target to its FIRST `before` snapshot among the runs not yet
// rolled back, so reruns after a crash (which journal the already-changed value) never
// hide the original.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { fsyncDir } from './atomic-file.js';

export interface EngineAction {
  readonly kind: string;
  readonly id: string;
  readonly object: string;
  readonly reason: string;
  readonly notes?: readonly string[];
}

const actionSchema = z.looseObject({ kind: z.string(), id: z.string(), object: z.string(), reason: z.string(), notes: z.array(z.string()).readonly().optional() });

const recordSchema = z.discriminatedUnion('event', [
  z.object({ v: z.literal(1), event: z.literal('before'), seq: z.number(), run: z.string(), time: z.string(), key: z.string(), action: actionSchema, old: z.unknown(), purpose: z.string().optional() }),
  z.object({ v: z.literal(1), event: z.literal('applied'), seq: z.number(), run: z.string(), after: z.unknown() }),
  z.object({ v: z.literal(1), event: z.literal('done'), seq: z.number(), run: z.string(), after: z.unknown().optional() }),
  z.object({ v: z.literal(1), event: z.literal('failed'), seq: z.number(), run: z.string(), error: z.string() }),
  z.object({ v: z.literal(1), event: z.literal('rolled-back'), run: z.string(), time: z.string() }),
]);

export type JournalRecord = z.infer<typeof recordSchema>;

export const journalPath = (stateDir: string): string => join(stateDir, 'journal.jsonl');

/** Every complete, well-formed record, in order; a torn line (killed mid-write) is skipped. */
export function readJournal(stateDir: string): JournalRecord[] {
  const path = journalPath(stateDir);
  if (!existsSync(path)) return [];
  const out: JournalRecord[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      continue; // torn line
    }
    const r = recordSchema.safeParse(raw);
    if (r.success) out.push(r.data);
  }
  return out;
}

/** Runs undone by `kvmio rollback` (their records no longer count). */
export const rolledBackRuns = (records: readonly JournalRecord[]): Set<string> => new Set(records.filter((r) => r.event === 'rolled-back').map((r) => r.run));

/** One entry per target: the first `before` (the original state) and the last completed action. */
export interface JournalTarget {
  readonly key: string;
  readonly firstSeq: number;
  /** The run whose `before` holds the original state. */
  readonly run: string;
  /** Every (not rolled-back) run that changed the target, oldest first. */
  readonly runs: readonly string[];
  readonly original: unknown;
  readonly firstAction: EngineAction;
  /** The last action whose change was verified (`done`), if any. */
  readonly applied?: EngineAction;
  /** The state journaled right after the last verified change (handlers that keep it). */
  readonly after?: unknown;
}

/** The targets of the runs still in force (optionally of one run only, as it found them). */
export function journalTargets(records: readonly JournalRecord[], opts: { readonly run?: string } = {}): JournalTarget[] {
  const gone = rolledBackRuns(records);
  const live = records.filter((r) => !gone.has(r.run) && (opts.run === undefined || r.run === opts.run));
  const done = new Map<number, unknown>();
  const applied = new Map<number, unknown>();
  for (const r of live) if (r.event === 'done') done.set(r.seq, r.after);
  for (const r of live) if (r.event === 'applied') applied.set(r.seq, r.after);
  const byKey = new Map<string, { key: string; firstSeq: number; run: string; runs: string[]; original: unknown; firstAction: EngineAction; applied?: EngineAction; after?: unknown }>();
  for (const r of live) {
    if (r.event !== 'before') continue;
    const t = byKey.get(r.key) ?? { key: r.key, firstSeq: r.seq, run: r.run, runs: [], original: r.old, firstAction: r.action };
    if (!t.runs.includes(r.run)) t.runs.push(r.run);
    if (done.has(r.seq)) t.applied = r.action;
    if (done.has(r.seq) || applied.has(r.seq)) {
      const after = done.get(r.seq) ?? applied.get(r.seq);
      if (after !== undefined) t.after = after;
      else delete t.after;
    }
    byKey.set(r.key, t);
  }
  return [...byKey.values()].sort((a, b) => a.firstSeq - b.firstSeq);
}

/** One applyActions call, as `kvmio journal` lists it. */
export interface JournalRun {
  readonly run: string;
  readonly time: string;
  /** The command that made it ("fix --yes", "disk create --yes"); "" for journals older than run records. */
  readonly purpose: string;
  /** Changes verified (`done`), started but not finished, and failed. */
  readonly changed: number;
  readonly unfinished: number;
  readonly failed: number;
  readonly rolledBack: boolean;
  /** `object` of every target it changed, in order. */
  readonly objects: readonly string[];
}

export function listRuns(records: readonly JournalRecord[]): JournalRun[] {
  const gone = rolledBackRuns(records);
  const runs = new Map<string, { run: string; time: string; purpose: string; seqs: number[]; objects: string[]; done: Set<number>; failed: Set<number> }>();
  const get = (run: string, time: string): NonNullable<ReturnType<typeof runs.get>> => {
    const r = runs.get(run) ?? { run, time, purpose: '', seqs: [], objects: [], done: new Set<number>(), failed: new Set<number>() };
    runs.set(run, r);
    return r;
  };
  for (const r of records) {
    if (r.event === 'before') {
      const x = get(r.run, r.time);
      if (x.purpose === '' && r.purpose !== undefined) x.purpose = r.purpose;
      x.seqs.push(r.seq);
      if (!x.objects.includes(r.action.object)) x.objects.push(r.action.object);
    } else if (r.event === 'done') get(r.run, '').done.add(r.seq);
    else if (r.event === 'failed') get(r.run, '').failed.add(r.seq);
  }
  return [...runs.values()].map((r) => ({
    run: r.run,
    time: r.time,
    purpose: r.purpose,
    changed: r.seqs.filter((s) => r.done.has(s)).length,
    unfinished: r.seqs.filter((s) => !r.done.has(s) && !r.failed.has(s)).length,
    failed: r.seqs.filter((s) => r.failed.has(s)).length,
    rolledBack: gone.has(r.run),
    objects: r.objects,
  }));
}

/** Appends records durably (write + fsync per record). */
export class JournalWriter {
  private fd: number;
  private nextSeq: number;
  readonly run: string;

  private purpose: string | undefined;

  constructor(readonly stateDir: string, purpose?: string) {
    mkdirSync(stateDir, { recursive: true });
    const path = journalPath(stateDir);
    const existed = existsSync(path);
    const prev = readJournal(stateDir);
    this.nextSeq = prev.reduce((m, r) => Math.max(m, 'seq' in r ? r.seq : 0), 0) + 1;
    this.fd = openSync(path, 'a', 0o600);
    if (!existed) fsyncDir(stateDir);
    this.run = `${new Date().toISOString()}-${process.pid}`;
    this.purpose = purpose;
  }

  before(key: string, action: EngineAction, old: unknown): number {
    const seq = this.nextSeq++;
    const purpose = this.purpose;
    this.purpose = undefined; // named once, on the run's first record
    this.append({ v: 1, event: 'before', seq, run: this.run, time: new Date().toISOString(), key, action, old, ...(purpose !== undefined ? { purpose } : {}) });
    return seq;
  }

  /** The state right after a creating change, before it is verified: what identifies the object as kvmio's. */
  applied(seq: number, after: unknown): void {
    this.append({ v: 1, event: 'applied', seq, run: this.run, after });
  }

  done(seq: number, after?: unknown): void {
    this.append(after === undefined ? { v: 1, event: 'done', seq, run: this.run } : { v: 1, event: 'done', seq, run: this.run, after });
  }

  failed(seq: number, error: string): void {
    this.append({ v: 1, event: 'failed', seq, run: this.run, error });
  }

  /** Marks RUN undone (kvmio rollback --run). */
  rolledBack(run: string): void {
    this.append({ v: 1, event: 'rolled-back', run, time: new Date().toISOString() });
  }

  close(): void {
    closeSync(this.fd);
  }

  private append(r: JournalRecord | { readonly v: 1; readonly event: 'before'; readonly action: EngineAction; readonly [k: string]: unknown }): void {
    // A torn line from a killed writer may precede us: start on a fresh line.
    writeSync(this.fd, `\n${JSON.stringify(r)}\n`);
    fsyncSync(this.fd);
  }
}

/** After a complete rollback the journal is kept for the record under a dated name. */
export function archiveJournal(stateDir: string, suffix: string): string | undefined {
  const path = journalPath(stateDir);
  if (!existsSync(path)) return undefined;
  const to = join(stateDir, `journal.${new Date().toISOString().replace(/[:.]/g, '-')}.${suffix}.jsonl`);
  renameSync(path, to);
  fsyncDir(stateDir);
  return to;
}
