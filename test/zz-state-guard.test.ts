// Last file of the suite: the host's journal is as the first file found it (test/state-guard.ts).
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { it } from 'node:test';
import { journalChange, journalState, markerFile, type JournalState } from './state-guard.js';

it('the suite left /var/lib/kvmio/journal.jsonl alone (every test used a private state dir)', (t) => {
  const marker = markerFile();
  if (!existsSync(marker)) return t.skip('run alone: test/aa-state-guard.test.ts did not record the journal before');
  const before = JSON.parse(readFileSync(marker, 'utf8')) as JournalState;
  rmSync(marker, { force: true });
  const why = journalChange(before, journalState());
  assert.equal(why, undefined, `${why}\n(another suite running on this machine at the same time may also write it)`);
});
