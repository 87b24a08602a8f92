// First file of the suite: records the host's journal (test/state-guard.ts).
import { writeFileSync } from 'node:fs';
import { it } from 'node:test';
import { journalState, markerFile } from './state-guard.js';

it('records the host journal before the suite', () => {
  writeFileSync(markerFile(), JSON.stringify(journalState()));
});
