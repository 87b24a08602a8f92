// The golden helper must be able to fail: a missing or different golden is an error with
// or without CI, and only UPDATE_GOLDEN=1 writes the file.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { assertGoldenFile, withTempDir } from '../helpers.js';

const ENVS: readonly (readonly [string, Record<string, string | undefined>])[] = [
  ['CI unset', {}],
  ['CI=1', { CI: '1' }],
  ['CI=true, UPDATE_GOLDEN=0', { CI: 'true', UPDATE_GOLDEN: '0' }],
];

describe('assertGoldenFile', () => {
  for (const [label, env] of ENVS) {
    it(`fails on a missing golden and does not create it (${label})`, () =>
      withTempDir(async (dir) => {
        const file = join(dir, 'sub', 'missing.txt');
        assert.throws(() => assertGoldenFile(file, 'text\n', env), /missing; run with UPDATE_GOLDEN=1/);
        assert.equal(existsSync(file), false);
      }));

    it(`fails on a different golden and leaves it alone (${label})`, () =>
      withTempDir(async (dir) => {
        const file = join(dir, 'g.txt');
        writeFileSync(file, 'old\n');
        assert.throws(() => assertGoldenFile(file, 'new\n', env), /differs from golden/);
        assert.equal(readFileSync(file, 'utf8'), 'old\n');
      }));
  }

  it('passes on an equal golden', () =>
    withTempDir(async (dir) => {
      const file = join(dir, 'g.txt');
      writeFileSync(file, 'same\n');
      assertGoldenFile(file, 'same\n', {});
    }));

  it('UPDATE_GOLDEN=1 writes a missing golden and rewrites a different one', () =>
    withTempDir(async (dir) => {
      const file = join(dir, 'sub', 'g.txt');
      assertGoldenFile(file, 'first\n', { UPDATE_GOLDEN: '1' });
      assert.equal(readFileSync(file, 'utf8'), 'first\n');
      assertGoldenFile(file, 'second\n', { UPDATE_GOLDEN: '1', CI: '1' });
      assert.equal(readFileSync(file, 'utf8'), 'second\n');
    }));
});
