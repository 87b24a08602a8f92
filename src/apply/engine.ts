// The apply engine: the only code that changes a host.
//
//   previewActions(actions, opts)  → what would change (dry run; reads only)
//   applyActions(actions, opts)    → under the state-dir lock, for each action:
//        locate (--root) → snapshot → skip if already done → guard (check) →
//        journal `before` (fsync) → apply (atomic) → verify → journal `done`
//   rollbackJournal(opts)          → under the lock, restore every target to its first
//        journaled state, newest first, verify, then archive the journal; with `run`,
//        only what that run changed (then the run is marked rolled back)
//   verifyJournal(opts)            → compare each journaled target with what kvmio set
//
// Every applyActions call is one run (an id in each journal record). Crash safety: the
// old state is on disk before anything changes, so a run killed at any point can be
// rerun (already-done actions are skipped; a target an earlier run began but did not
// finish counts as kvmio's own) and rolled back exactly. Handlers that create things
// (images, LVs, VGs) journal the state right after the change, and refuse a rollback
// when the target changed since (docs/engine.md). Handlers per action kind live in
// handlers.ts; pass extra kinds in `handlers` (e.g. apply/proxmox-handler.ts).
import { KvmioError } from '../errors.js';
import { BUILTIN_HANDLERS } from './handlers.js';
import type { ActionHandler, CheckContext, HandlerMap } from './action-handler.js';
import { escapesRoot } from './confine.js';
import { archiveJournal, journalTargets, readJournal, rolledBackRuns, JournalWriter, type EngineAction, type JournalRecord, type JournalTrust } from './journal.js';
import { acquireLock } from './lock.js';

export interface EngineOptions {
  /** Holds journal.jsonl and the lock (default /var/lib/kvmio). */
  readonly stateDir: string;
  /** Prefix for every file path (tests, image builds); "/" for the live host. */
  readonly root?: string;
  readonly handlers?: HandlerMap;
  /** Wait for the lock instead of refusing. */
  readonly wait?: boolean;
  /** Test hook: SIGKILL this process after N durable steps (journal writes and changes). */
  readonly faultAfterStep?: number;
  /** Called with each outcome as it happens (progress output). */
  readonly onOutcome?: (o: Outcome) => void;
  /** The command holding the lock, named when a second run is refused (default "fix --yes"). */
  readonly purpose?: string;
  /** Accept only journal targets kvmio writes under this root (journal-schema.ts); the CLI always passes it. */
  readonly trust?: JournalTrust;
  /** Told when a provably stale lock was taken over (what it was). */
  readonly onNote?: (text: string) => void;
}

/** The journal trust with the extra handlers' kinds (their handlers check their own records). */
const trustOf = (opts: Pick<EngineOptions, 'trust' | 'handlers'>): JournalTrust | undefined =>
  opts.trust === undefined ? undefined : { ...opts.trust, kinds: Object.keys(handlersOf({ stateDir: '', ...opts })) };

/** Why a located action's file path leaves --root (confine.ts), or undefined. */
function confinement(a: EngineAction, root: string): string | undefined {
  const path = (a as { path?: unknown }).path;
  return a.kind !== 'sysfs' && typeof path === 'string' ? escapesRoot(root, path) : undefined;
}

export type OutcomeStatus = 'would-change' | 'unchanged' | 'changed' | 'refused' | 'failed' | 'not-run';

export interface Outcome {
  readonly action: EngineAction;
  readonly status: OutcomeStatus;
  /** Old → new for values; a unified diff for files. */
  readonly change: string;
  readonly error?: string;
  /** The run that journaled this change (changed or failed outcomes): `kvmio rollback --run ID`. */
  readonly run?: string;
}

function handlerFor(handlers: HandlerMap, action: EngineAction): ActionHandler {
  const h = Object.hasOwn(handlers, action.kind) ? handlers[action.kind] : undefined;
  if (!h) throw new KvmioError('failed', `no handler for action kind "${action.kind}" (${action.id} on ${action.object})`);
  return h;
}

const handlersOf = (opts: EngineOptions): HandlerMap => ({ ...BUILTIN_HANDLERS, ...opts.handlers });

/** Dry run: what each action would do, without the lock, without writing anything. */
export async function previewActions(actions: readonly EngineAction[], opts: Omit<EngineOptions, 'stateDir'> & { readonly stateDir?: string } = {}): Promise<Outcome[]> {
  const handlers = handlersOf({ stateDir: '', ...opts });
  const records = opts.stateDir === undefined ? [] : readJournal(opts.stateDir, trustOf(opts));
  const out: Outcome[] = [];
  for (const raw of actions) {
    const h = handlerFor(handlers, raw);
    const a = h.locate(raw, opts.root ?? '/');
    const escape = confinement(a, opts.root ?? '/');
    if (escape !== undefined) {
      out.push({ action: a, status: 'refused', change: '', error: escape });
      continue;
    }
    const cur = await h.snapshot(a);
    const refusal = h.isDone(a, cur) ? undefined : h.check(a, cur, ctxOf(records, h.key(a)));
    out.push({
      action: a,
      status: h.isDone(a, cur) ? 'unchanged' : refusal ? 'refused' : 'would-change',
      change: h.isDone(a, cur) ? '' : h.describe(a, cur),
      ...(refusal ? { error: refusal } : {}),
    });
  }
  return out;
}

/**
 * Keys of objects kvmio created and that are still exactly what it created: a run still
 * in force journaled them right after creation (`applied`/`done`), and the handler's
 * `owns` finds the same identity now (an image's fingerprint, an LV's, PV's or VG's
 * uuid). A rerun after a kill may adopt these instead of refusing them as "exists"; a
 * device name or path reused since, or an object changed since, is never adopted.
 */
export async function ownedKeys(stateDir: string, extra: HandlerMap = {}): Promise<Set<string>> {
  const handlers: HandlerMap = { ...BUILTIN_HANDLERS, ...extra };
  const out = new Set<string>();
  for (const t of journalTargets(readJournal(stateDir))) {
    const h = Object.hasOwn(handlers, t.firstAction.kind) ? handlers[t.firstAction.kind] : undefined;
    if (t.after === undefined || h?.owns === undefined) continue;
    try {
      if (h.owns(t.firstAction, await h.snapshot(t.firstAction), t.after)) out.add(t.key);
    } catch {
      /* cannot tell: not adopted */
    }
  }
  return out;
}

/** What the journal (runs not rolled back) says about KEY: begun by kvmio, and finished. */
function ctxOf(records: readonly JournalRecord[], key: string): CheckContext {
  const gone = rolledBackRuns(records);
  const live = records.filter((r) => !gone.has(r.run));
  const seqs = new Set(live.filter((r) => r.event === 'before' && r.key === key).map((r) => (r as { seq: number }).seq));
  return { journaled: seqs.size > 0, completed: live.some((r) => r.event === 'done' && seqs.has(r.seq)) };
}

function faultCounter(limit: number | undefined): () => void {
  let steps = 0;
  return () => {
    steps++;
    if (limit !== undefined && steps >= limit) process.kill(process.pid, 'SIGKILL');
  };
}

/** Applies ACTIONS in order under the lock; after a refusal or failure the rest are `not-run` (they may depend on it). */
export async function applyActions(actions: readonly EngineAction[], opts: EngineOptions): Promise<Outcome[]> {
  const handlers = handlersOf(opts);
  const lock = await acquireLock(opts.stateDir, { purpose: opts.purpose ?? 'fix --yes', wait: opts.wait ?? false });
  if (lock.tookOver !== undefined) opts.onNote?.(lock.tookOver);
  const step = faultCounter(opts.faultAfterStep);
  const out: Outcome[] = [];
  const emit = (o: Outcome): void => {
    out.push(o);
    opts.onOutcome?.(o);
  };
  let journal: JournalWriter | undefined;
  let stopped: string | undefined;
  try {
    const records = readJournal(opts.stateDir, trustOf(opts));
    for (const raw of actions) {
      if (stopped) {
        emit({ action: raw, status: 'not-run', change: '', error: `not run: ${stopped}` });
        continue;
      }
      const h = handlerFor(handlers, raw);
      const a = h.locate(raw, opts.root ?? '/');
      const escape = confinement(a, opts.root ?? '/');
      if (escape !== undefined) {
        emit({ action: a, status: 'refused', change: '', error: escape });
        stopped = `${a.id} ${a.object} was refused`;
        continue;
      }
      const cur = await h.snapshot(a);
      const ctx = ctxOf(records, h.key(a));
      if (h.isDone(a, cur)) {
        if (ctx.journaled && !ctx.completed && h.keepsAfter) {
          // An earlier run was killed after the change but before `done`: record the
          // state now, so rollback can tell later writes from kvmio's own.
          journal ??= new JournalWriter(opts.stateDir, opts.purpose ?? 'fix --yes');
          journal.done(journal.before(h.key(a), a, cur), cur);
          step();
        }
        emit({ action: a, status: 'unchanged', change: '' });
        continue;
      }
      const change = h.describe(a, cur);
      const refusal = h.check(a, cur, ctx);
      if (refusal) {
        emit({ action: a, status: 'refused', change, error: refusal });
        stopped = `${a.id} ${a.object} was refused`;
        continue;
      }
      journal ??= new JournalWriter(opts.stateDir, opts.purpose ?? 'fix --yes');
      const seq = journal.before(h.key(a), a, cur);
      step();
      let after: unknown;
      try {
        await h.apply(a);
        if (h.keepsAfter) {
          // What identifies the new object as kvmio's (uuid, fingerprint), durable before anything else.
          after = await h.snapshot(a);
          journal.applied(seq, after);
        }
        step();
        after ??= await h.snapshot(a);
        const drift = h.verify(a, after);
        if (drift) throw new Error(`after writing, ${drift}`);
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        journal.failed(seq, msg);
        emit({ action: a, status: 'failed', change, error: msg, run: journal.run });
        stopped = `${a.id} ${a.object} failed`;
        continue;
      }
      journal.done(seq, h.keepsAfter ? after : undefined);
      step();
      emit({ action: a, status: 'changed', change, run: journal.run });
    }
  } finally {
    journal?.close();
    lock.release();
  }
  return out;
}

export interface RestoreOutcome {
  readonly action: EngineAction;
  /** The run whose change this undoes (the one that journaled the original state). */
  readonly run: string;
  readonly status: 'would-restore' | 'restored' | 'unchanged' | 'refused' | 'failed';
  readonly change: string;
  readonly error?: string;
}

export interface RollbackOptions extends EngineOptions {
  readonly yes: boolean;
  /** Undo only this run (an id from `kvmio journal`). */
  readonly run?: string;
}

/** Restores every journaled target (or those of one run) to its state before kvmio, newest first. Dry run unless `yes`. */
export async function rollbackJournal(opts: RollbackOptions): Promise<{ outcomes: RestoreOutcome[]; archived?: string; rolledBack?: string }> {
  const handlers = handlersOf(opts);
  const lock = opts.yes ? await acquireLock(opts.stateDir, { purpose: 'rollback --yes', wait: opts.wait ?? false }) : undefined;
  if (lock?.tookOver !== undefined) opts.onNote?.(lock.tookOver);
  const step = faultCounter(opts.faultAfterStep);
  try {
    const records = readJournal(opts.stateDir, trustOf(opts), (where) => opts.onNote?.(`${where}: torn last line left out (a write cut short; its change is treated as unfinished)`));
    const gone = rolledBackRuns(records);
    if (opts.run !== undefined && !records.some((r) => r.run === opts.run)) {
      throw new KvmioError('usage', `--run: "${opts.run}" is not a run in ${opts.stateDir}; expected an id from "kvmio journal"`);
    }
    if (opts.run !== undefined && gone.has(opts.run)) return { outcomes: [] };
    const targets = journalTargets(records, opts.run === undefined ? {} : { run: opts.run }).reverse();
    const outcomes: RestoreOutcome[] = [];
    for (const t of targets) {
      const h = handlerFor(handlers, t.firstAction);
      const a = t.firstAction;
      const escape = confinement(a, opts.trust?.root ?? '/');
      if (escape !== undefined) {
        outcomes.push({ action: a, run: t.run, status: 'refused', change: '', error: escape });
        continue;
      }
      const cur = await h.snapshot(a);
      const diff = h.compare(t.original, cur);
      const change = h.describeRestore(a, t.original, cur);
      const later = opts.run === undefined ? undefined : laterRun(records, gone, t.key, t.firstSeq, opts.run);
      const refusal = later !== undefined ? `run ${later} changed it after run ${opts.run}; roll that run back first (kvmio rollback --run ${later} --yes)` : diff === undefined ? undefined : h.refuseRestore?.(a, t.original, cur, t.after);
      if (refusal !== undefined) {
        outcomes.push({ action: a, run: t.run, status: 'refused', change, error: refusal });
        continue;
      }
      if (diff === undefined && !opts.yes) {
        outcomes.push({ action: a, run: t.run, status: 'unchanged', change: '' });
        continue;
      }
      if (!opts.yes) {
        outcomes.push({ action: a, run: t.run, status: 'would-restore', change });
        continue;
      }
      try {
        await h.restore(a, t.original);
        const left = h.compare(t.original, await h.snapshot(a));
        if (left) throw new Error(`after restoring, ${left}`);
        outcomes.push({ action: a, run: t.run, status: diff === undefined ? 'unchanged' : 'restored', change: diff === undefined ? '' : change });
        step();
      } catch (e) {
        outcomes.push({ action: a, run: t.run, status: 'failed', change, error: e instanceof Error ? e.message : String(e) });
      }
    }
    // Keep the journal until everything is back, so a failed, refused or interrupted rollback can be rerun.
    const complete = opts.yes && targets.length > 0 && outcomes.every((o) => o.status !== 'failed' && o.status !== 'refused');
    if (complete && opts.run !== undefined) {
      const w = new JournalWriter(opts.stateDir);
      try {
        w.rolledBack(opts.run);
      } finally {
        w.close();
      }
      return { outcomes, rolledBack: opts.run };
    }
    const archived = complete ? archiveJournal(opts.stateDir, 'rolled-back') : undefined;
    return archived ? { outcomes, archived } : { outcomes };
  } finally {
    lock?.release();
  }
}

/** A run still in force, other than RUN, that changed KEY after seq FROM. */
function laterRun(records: readonly JournalRecord[], gone: ReadonlySet<string>, key: string, from: number, run: string): string | undefined {
  const r = records.find((x) => x.event === 'before' && x.key === key && x.seq > from && x.run !== run && !gone.has(x.run));
  return r?.run;
}

export interface DriftOutcome {
  readonly action: EngineAction;
  readonly drift?: string;
}

/** For each journaled target: does it still hold what kvmio last set? */
export async function verifyJournal(opts: Pick<EngineOptions, 'stateDir' | 'handlers' | 'trust'>): Promise<DriftOutcome[]> {
  const handlers = handlersOf(opts);
  const out: DriftOutcome[] = [];
  for (const t of journalTargets(readJournal(opts.stateDir, trustOf(opts)))) {
    if (!t.applied) continue;
    const h = handlerFor(handlers, t.applied);
    const drift = h.verify(t.applied, await h.snapshot(t.applied));
    out.push(drift ? { action: t.applied, drift } : { action: t.applied });
  }
  return out;
}
