// The append-only journal (STATE_DIR/journal.jsonl): one JSON line per event, fsynced
// before the change it announces. `before` carries the old state of the target and is
// written BEFORE the change; `done` after the change is verified. A line torn by a kill
// is ignored on read. Rollback restores each target to its FIRST `before` snapshot, so
// reruns after a crash (which journal the already-changed value) never hide the original.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { fsyncDir } from './atomic-file.js';

export interface EngineAction {
  readonly kind: string;
  readonly id: string;
  readonly object: string;
  readonly reason: string;
  readonly notes?: readonly string[];
}

export type JournalRecord =
  | { readonly v: 1; readonly event: 'before'; readonly seq: number; readonly run: string; readonly time: string; readonly key: string; readonly action: EngineAction; readonly old: unknown }
  | { readonly v: 1; readonly event: 'done'; readonly seq: number; readonly run: string }
  | { readonly v: 1; readonly event: 'failed'; readonly seq: number; readonly run: string; readonly error: string };

export const journalPath = (stateDir: string): string => join(stateDir, 'journal.jsonl');

/** Every complete record, in order; a torn last line (killed mid-write) is skipped. */
export function readJournal(stateDir: string): JournalRecord[] {
  const path = journalPath(stateDir);
  if (!existsSync(path)) return [];
  const out: JournalRecord[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      const r = JSON.parse(line) as JournalRecord;
      if (r && r.v === 1 && typeof r.seq === 'number') out.push(r);
    } catch {
      /* torn line */
    }
  }
  return out;
}

/** One entry per target: the first `before` (the original state) and the last completed action. */
export interface JournalTarget {
  readonly key: string;
  readonly firstSeq: number;
  readonly original: unknown;
  readonly firstAction: EngineAction;
  /** The last action whose change was verified (`done`), if any. */
  readonly applied?: EngineAction;
}

export function journalTargets(records: readonly JournalRecord[]): JournalTarget[] {
  const done = new Set(records.filter((r) => r.event === 'done').map((r) => r.seq));
  const byKey = new Map<string, { key: string; firstSeq: number; original: unknown; firstAction: EngineAction; applied?: EngineAction }>();
  for (const r of records) {
    if (r.event !== 'before') continue;
    const t = byKey.get(r.key) ?? { key: r.key, firstSeq: r.seq, original: r.old, firstAction: r.action };
    if (done.has(r.seq)) t.applied = r.action;
    byKey.set(r.key, t);
  }
  return [...byKey.values()].sort((a, b) => a.firstSeq - b.firstSeq);
}

/** Appends records durably (write + fsync per record). */
export class JournalWriter {
  private fd: number;
  private nextSeq: number;
  readonly run: string;

  constructor(readonly stateDir: string) {
    mkdirSync(stateDir, { recursive: true });
    const path = journalPath(stateDir);
    const existed = existsSync(path);
    const prev = readJournal(stateDir);
    this.nextSeq = prev.reduce((m, r) => Math.max(m, r.seq), 0) + 1;
    this.fd = openSync(path, 'a', 0o600);
    if (!existed) fsyncDir(stateDir);
    this.run = `${new Date().toISOString()}-${process.pid}`;
  }

  before(key: string, action: EngineAction, old: unknown): number {
    const seq = this.nextSeq++;
    this.append({ v: 1, event: 'before', seq, run: this.run, time: new Date().toISOString(), key, action, old });
    return seq;
  }

  done(seq: number): void {
    this.append({ v: 1, event: 'done', seq, run: this.run });
  }

  failed(seq: number, error: string): void {
    this.append({ v: 1, event: 'failed', seq, run: this.run, error });
  }

  close(): void {
    closeSync(this.fd);
  }

  private append(r: JournalRecord): void {
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
