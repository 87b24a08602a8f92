// Compares text with test/fixtures/golden/NAME; UPDATE_GOLDEN=1 rewrites the file.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fixture } from '../helpers.js';

export function assertGolden(name: string, actual: string): void {
  const path = fixture('golden', name);
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(path)) {
    if (process.env.UPDATE_GOLDEN !== '1') assert.fail(`golden file ${path} is missing; run with UPDATE_GOLDEN=1 to create it`);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, actual);
    return;
  }
  assert.equal(actual, readFileSync(path, 'utf8'), `differs from golden ${path} (UPDATE_GOLDEN=1 rewrites it)`);
}
