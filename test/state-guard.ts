// The host's journal before and after the suite: test/aa-state-guard.test.ts records it
// (it sorts first; `npm test` runs files one at a time, sorted), test/zz-state-guard.test.ts
// (last) fails when the suite created or changed it. Each test process gets a private
// state dir (helpers.ts PRIVATE_STATE_DIR), so a change here is a test that opted out, or
// a command that ignores KVMIO_STATE_DIR.
import { lstatSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const HOST_JOURNAL = '/var/lib/kvmio/journal.jsonl';

/** Shared by the two files of one `node --test` run: both are children of the same runner. */
export const markerFile = (): string => join(tmpdir(), `kvmio-state-guard-${process.ppid}.json`);

export interface JournalState {
  readonly exists: boolean;
  readonly size?: number;
  readonly mtimeMs?: number;
  readonly ino?: number;
}

export function journalState(path = HOST_JOURNAL): JournalState {
  try {
    const st = lstatSync(path);
    return { exists: true, size: st.size, mtimeMs: st.mtimeMs, ino: st.ino };
  } catch {
    return { exists: false };
  }
}

/** Why AFTER is not BEFORE (undefined when the journal was left alone). */
export function journalChange(before: JournalState, after: JournalState, path = HOST_JOURNAL): string | undefined {
  if (!before.exists && after.exists) return `${path} was created during the suite:\n${readFileSync(path, 'utf8').slice(0, 2000)}`;
  if (before.exists && !after.exists) return `${path} was removed during the suite`;
  if (before.exists && (before.size !== after.size || before.mtimeMs !== after.mtimeMs || before.ino !== after.ino)) return `${path} changed during the suite (size ${before.size} → ${after.size})`;
  return undefined;
}
