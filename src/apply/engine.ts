// The apply engine: the only code that changes a host.
//
//   previewActions(actions, opts)  → what would change (dry run; reads only)
//   applyActions(actions, opts)    → under the state-dir lock, for each action:
//        locate (--root) → snapshot → skip if already done → guard (check) →
//        journal `before` (fsync) → apply (atomic) → verify → journal `done`
//   rollbackJournal(opts)          → under the lock, restore every target to its first
//        journaled state, newest first, verify, then archive the journal
//   verifyJournal(opts)            → compare each journaled target with what kvmio set
//
// Crash safety: the old state is on disk before anything changes, so a run killed at
// any point can be rerun (already-done actions are skipped) and rolled back exactly.
// Handlers per action kind live in handlers.ts; pass extra kinds in `handlers`.
import { KvmioError } from '../errors.js';
import { BUILTIN_HANDLERS, type ActionHandler, type HandlerMap } from './handlers.js';
import { archiveJournal, journalTargets, readJournal, JournalWriter, type EngineAction } from './journal.js';
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
}

export type OutcomeStatus = 'would-change' | 'unchanged' | 'changed' | 'refused' | 'failed' | 'not-run';

export interface Outcome {
  readonly action: EngineAction;
  readonly status: OutcomeStatus;
  /** Old → new for values; a unified diff for files. */
  readonly change: string;
  readonly error?: string;
}

function handlerFor(handlers: HandlerMap, action: EngineAction): ActionHandler {
  const h = handlers[action.kind];
  if (!h) throw new KvmioError('failed', `no handler for action kind "${action.kind}" (${action.id} on ${action.object})`);
  return h;
}

const handlersOf = (opts: EngineOptions): HandlerMap => ({ ...BUILTIN_HANDLERS, ...opts.handlers });

/** Dry run: what each action would do, without the lock, without writing anything. */
export async function previewActions(actions: readonly EngineAction[], opts: Omit<EngineOptions, 'stateDir'> = {}): Promise<Outcome[]> {
  const handlers = handlersOf({ stateDir: '', ...opts });
  const out: Outcome[] = [];
  for (const raw of actions) {
    const h = handlerFor(handlers, raw);
    const a = h.locate(raw, opts.root ?? '/');
    const cur = await h.snapshot(a);
    const refusal = h.isDone(a, cur) ? undefined : h.check(a, cur);
    out.push({
      action: a,
      status: h.isDone(a, cur) ? 'unchanged' : refusal ? 'refused' : 'would-change',
      change: h.isDone(a, cur) ? '' : h.describe(a, cur),
      ...(refusal ? { error: refusal } : {}),
    });
  }
  return out;
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
  const step = faultCounter(opts.faultAfterStep);
  const out: Outcome[] = [];
  const emit = (o: Outcome): void => {
    out.push(o);
    opts.onOutcome?.(o);
  };
  let journal: JournalWriter | undefined;
  let stopped: string | undefined;
  try {
    for (const raw of actions) {
      if (stopped) {
        emit({ action: raw, status: 'not-run', change: '', error: `not run: ${stopped}` });
        continue;
      }
      const h = handlerFor(handlers, raw);
      const a = h.locate(raw, opts.root ?? '/');
      const cur = await h.snapshot(a);
      if (h.isDone(a, cur)) {
        emit({ action: a, status: 'unchanged', change: '' });
        continue;
      }
      const change = h.describe(a, cur);
      const refusal = h.check(a, cur);
      if (refusal) {
        emit({ action: a, status: 'refused', change, error: refusal });
        stopped = `${a.id} ${a.object} was refused`;
        continue;
      }
      journal ??= new JournalWriter(opts.stateDir);
      const seq = journal.before(h.key(a), a, cur);
      step();
      try {
        await h.apply(a);
        step();
        const drift = h.verify(a, await h.snapshot(a));
        if (drift) throw new Error(`after writing, ${drift}`);
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        journal.failed(seq, msg);
        emit({ action: a, status: 'failed', change, error: msg });
        stopped = `${a.id} ${a.object} failed`;
        continue;
      }
      journal.done(seq);
      step();
      emit({ action: a, status: 'changed', change });
    }
  } finally {
    journal?.close();
    lock.release();
  }
  return out;
}

export interface RestoreOutcome {
  readonly action: EngineAction;
  readonly status: 'would-restore' | 'restored' | 'unchanged' | 'failed';
  readonly change: string;
  readonly error?: string;
}

/** Restores every journaled target to its original state, newest first. Dry run unless `yes`. */
export async function rollbackJournal(opts: EngineOptions & { readonly yes: boolean }): Promise<{ outcomes: RestoreOutcome[]; archived?: string }> {
  const handlers = handlersOf(opts);
  const lock = opts.yes ? await acquireLock(opts.stateDir, { purpose: 'rollback --yes', wait: opts.wait ?? false }) : undefined;
  const step = faultCounter(opts.faultAfterStep);
  try {
    const targets = journalTargets(readJournal(opts.stateDir)).reverse();
    const outcomes: RestoreOutcome[] = [];
    for (const t of targets) {
      const h = handlerFor(handlers, t.firstAction);
      const a = t.firstAction;
      const cur = await h.snapshot(a);
      const diff = h.compare(t.original, cur);
      const change = h.describeRestore(a, t.original, cur);
      if (diff === undefined && !opts.yes) {
        outcomes.push({ action: a, status: 'unchanged', change: '' });
        continue;
      }
      if (!opts.yes) {
        outcomes.push({ action: a, status: 'would-restore', change });
        continue;
      }
      try {
        await h.restore(a, t.original);
        const left = h.compare(t.original, await h.snapshot(a));
        if (left) throw new Error(`after restoring, ${left}`);
        outcomes.push({ action: a, status: diff === undefined ? 'unchanged' : 'restored', change: diff === undefined ? '' : change });
        step();
      } catch (e) {
        outcomes.push({ action: a, status: 'failed', change, error: e instanceof Error ? e.message : String(e) });
      }
    }
    // Keep the journal until everything is back, so a failed or interrupted rollback can be rerun.
    const archived = opts.yes && targets.length > 0 && outcomes.every((o) => o.status !== 'failed') ? archiveJournal(opts.stateDir, 'rolled-back') : undefined;
    return archived ? { outcomes, archived } : { outcomes };
  } finally {
    lock?.release();
  }
}

export interface DriftOutcome {
  readonly action: EngineAction;
  readonly drift?: string;
}

/** For each journaled target: does it still hold what kvmio last set? */
export async function verifyJournal(opts: Pick<EngineOptions, 'stateDir' | 'handlers'>): Promise<DriftOutcome[]> {
  const handlers = handlersOf(opts);
  const out: DriftOutcome[] = [];
  for (const t of journalTargets(readJournal(opts.stateDir))) {
    if (!t.applied) continue;
    const h = handlerFor(handlers, t.applied);
    const drift = h.verify(t.applied, await h.snapshot(t.applied));
    out.push(drift ? { action: t.applied, drift } : { action: t.applied });
  }
  return out;
}
