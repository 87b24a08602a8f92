// The committed passthrough hosts are exactly what their generator writes, so a
// reviewer can trust the generator's source (test/fixtures/hosts/make-passthrough-fixtures.ts).
import assert from 'node:assert/strict';
import { lstatSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { PASSTHROUGH_FIXTURES } from '../fixtures/hosts/make-passthrough-fixtures.js';
import { fixture, withTempDir } from '../helpers.js';

function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const e of readdirSync(d).sort()) {
      const p = join(d, e);
      const st = lstatSync(p);
      const rel = relative(dir, p);
      if (st.isSymbolicLink()) out[rel] = `-> ${readlinkSync(p)}`;
      else if (st.isDirectory()) walk(p);
      else out[rel] = readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return out;
}

describe('passthrough fixtures', () => {
  for (const [name, make] of Object.entries(PASSTHROUGH_FIXTURES)) {
    it(`${name} is what the generator writes`, async () => {
      await withTempDir(async (dir) => {
        make(join(dir, name));
        assert.deepEqual(tree(fixture('hosts', name)), tree(join(dir, name)), `regenerate: node dist/test/fixtures/hosts/make-passthrough-fixtures.js --write-passthrough test/fixtures/hosts`);
      });
    });
  }
});
