// The append-only journal (STATE_DIR/journal.jsonl): one JSON line per event, fsynced
// before the change it announces. Every record names its run (one applyActions call; the
// first `before` of a run also names its command); `before` carries the old state of the target and is written BEFORE the
// change; `done` after the change is verified, with the state right after it (`after`,
// for handlers that refuse a rollback when the target was changed since); `rolled-back`
// closes a run undone by `kvmio rollback --run`. A line torn by a kill is ignored on
// read; every other line is validated (zod, journal-schema.ts): a bad line is refused
// naming PATH:LINE, never skipped.
// Rollback restores each target to its FIRST `before` snapshot among the runs not yet
// rolled back, so reruns after a crash (which journal the already-changed value) never
// hide the original.
import { closeSync, constants, existsSync, fstatSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, truncateSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { KvmioError } from '../errors.js';
import { fsyncDir } from './atomic-file.js';
import { KIND_SCHEMAS, expectedKey, kindSchema, refuseTarget, type JournalTrust } from './journal-schema.js';
import { checkStateDir } from './state-dir.js';

export type { JournalTrust } from './journal-schema.js';

export interface EngineAction {
  readonly kind: string;
  readonly id: string;
  readonly object: string;
  readonly reason: string;
  readonly notes?: readonly string[];
}

const actionSchema = z.looseObject({ kind: z.string().min(1).max(64), id: z.string().max(1024), object: z.string().max(4096), reason: z.string(), notes: z.array(z.string()).readonly().optional() });

const seq = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const run = z.string().min(1).max(256);
const time = z.string().max(64);

const recordSchema = z.discriminatedUnion('event', [
  z.object({ v: z.literal(1), event: z.literal('before'), seq, run, time, key: z.string().min(1).max(8192), action: actionSchema, old: z.unknown(), purpose: z.string().max(1024).optional() }),
  z.object({ v: z.literal(1), event: z.literal('applied'), seq, run, after: z.unknown() }),
  z.object({ v: z.literal(1), event: z.literal('done'), seq, run, after: z.unknown().optional() }),
  z.object({ v: z.literal(1), event: z.literal('failed'), seq, run, error: z.string().max(1 << 20) }),
  z.object({ v: z.literal(1), event: z.literal('rolled-back'), run, time }),
]);

export type JournalRecord = z.infer<typeof recordSchema>;

export const journalPath = (stateDir: string): string => join(stateDir, 'journal.jsonl');

/** A journal line kvmio cannot vouch for: exit 1 naming PATH:LINE (never skipped, never "nothing to roll back"). */
const badLine = (path: string, line: number, what: string): KvmioError =>
  new KvmioError('refused', `${path}:${line}: ${what}; nothing was changed`, {
    hint: 'the journal holds only records kvmio writes; restore it from a backup, or move it aside if you undo by hand',
  });

const zodWhy = (e: z.ZodError): string => {
  const i = e.issues[0];
  return i === undefined ? 'invalid' : `${i.path.length > 0 ? `${i.path.join('.')}: ` : ''}${i.message}`;
};

/** Reads the journal file without following a symlink or blocking on a FIFO; undefined when absent. */
function readJournalText(path: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP') throw new KvmioError('refused', `${path}: is a symbolic link; expected the regular file kvmio writes; nothing was changed`);
    throw new KvmioError('failed', `${path}: cannot read the journal (${(e as Error).message}); nothing was changed`, { cause: e });
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new KvmioError('refused', `${path}: is ${st.isDirectory() ? 'a directory' : st.isFIFO() ? 'a FIFO' : 'not a regular file'}; expected the regular file kvmio writes; nothing was changed`);
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

/**
 * Every record, in order, each validated (envelope, per-kind action and snapshots, and the
 * order kvmio writes them in); with TRUST also its target (journal-schema.ts). Any bad line
 * throws naming PATH:LINE. The one exception is a torn LAST line without its newline (a
 * write cut short): its change never started (`before` is durable before any change) or
 * its `done` is missing (the change then counts as unfinished and is still restored), so
 * it is left out and reported through `onTorn`.
 */
export function readJournal(stateDir: string, trust?: JournalTrust, onTorn?: (where: string) => void): JournalRecord[] {
  if (existsSync(stateDir)) checkStateDir(stateDir);
  const path = journalPath(stateDir);
  const content = readJournalText(path);
  if (content === undefined) return [];
  const out: JournalRecord[] = [];
  const lines = content.split('\n');
  const befores = new Map<number, { run: string; kind: string; line: number; after: boolean; ended: boolean }>();
  const runs = new Set<string>();
  let lastSeq = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const n = i + 1;
    if (line.trim() === '') continue;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      if (i === lines.length - 1) {
        onTorn?.(`${path}:${n}`);
        continue; // torn last line (no newline after it)
      }
      throw badLine(path, n, 'not a JSON record (garbled or truncated)');
    }
    const r = recordSchema.safeParse(raw);
    if (!r.success) throw badLine(path, n, `not a journal record (${zodWhy(r.error)})`);
    const rec = r.data;
    if (rec.event === 'before') {
      const kind = kindSchema(rec.action.kind);
      if (kind !== undefined) {
        const a = kind.action.safeParse(rec.action);
        if (!a.success) throw badLine(path, n, `${rec.action.kind} action: ${zodWhy(a.error)}`);
        const o = kind.snapshot.safeParse(rec.old);
        if (!o.success) throw badLine(path, n, `${rec.action.kind} old state: ${zodWhy(o.error)}`);
        const key = expectedKey(rec.action as Record<string, unknown>);
        if (key !== undefined && key !== rec.key) throw badLine(path, n, `key ${JSON.stringify(rec.key)} does not name its target (expected ${JSON.stringify(key)})`);
        const refusal = trust === undefined ? undefined : refuseTarget(rec.action as Record<string, unknown>, rec.old, trust);
        if (refusal !== undefined) throw badLine(path, n, `${refusal}; kvmio never wrote it`);
      } else if (trust !== undefined && !(trust.kinds ?? []).includes(rec.action.kind)) {
        throw badLine(path, n, `action kind ${JSON.stringify(rec.action.kind)} is not one kvmio writes (${Object.keys(KIND_SCHEMAS).join(', ')})`);
      }
      if (rec.seq <= lastSeq) throw badLine(path, n, `seq ${rec.seq} does not follow ${lastSeq} (a repeated or reordered line)`);
      lastSeq = rec.seq;
      runs.add(rec.run);
      befores.set(rec.seq, { run: rec.run, kind: rec.action.kind, line: n, after: false, ended: false });
    } else if (rec.event === 'done' || rec.event === 'failed' || rec.event === 'applied') {
      const b = befores.get(rec.seq);
      if (b === undefined || b.run !== rec.run) throw badLine(path, n, `${rec.event} of seq ${rec.seq} (run ${rec.run}) follows no before of that run`);
      if (b.ended) throw badLine(path, n, `seq ${rec.seq} already ended (a repeated line)`);
      if (rec.event === 'applied') {
        if (b.after) throw badLine(path, n, `seq ${rec.seq} already has its applied record (a repeated line)`);
        b.after = true;
      } else b.ended = true;
      if (rec.event !== 'failed' && rec.after !== undefined) {
        const kind = kindSchema(b.kind);
        const s = kind?.snapshot.safeParse(rec.after);
        if (s !== undefined && !s.success) throw badLine(path, n, `${b.kind} state after: ${zodWhy(s.error)}`);
      }
    } else if (!runs.has(rec.run)) {
      throw badLine(path, n, `rolled-back names run ${rec.run}, which no earlier record has`);
    }
    out.push(rec);
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
    checkStateDir(stateDir);
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    checkStateDir(stateDir);
    const path = journalPath(stateDir);
    const existed = existsSync(path);
    let torn = false;
    const prev = readJournal(stateDir, undefined, () => (torn = true));
    // A torn tail (a write cut short) is cut off before appending, so it can never end up
    // between complete records (where it would read as a garbled line).
    if (torn) {
      const bytes = readFileSync(path);
      truncateSync(path, bytes.lastIndexOf(0x0a) + 1);
    }
    this.nextSeq = prev.reduce((m, r) => Math.max(m, 'seq' in r ? r.seq : 0), 0) + 1;
    // O_NOFOLLOW: a symlink planted as journal.jsonl never redirects the append.
    this.fd = openSync(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
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
