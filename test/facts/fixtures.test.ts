// The committed hand-made fixtures are exactly what make-fixtures.ts writes, so a
// reviewer can trust the generator's source and nobody edits the trees by hand.
import assert from 'node:assert/strict';
import { lstatSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FIXTURES, sdName } from '../fixtures/hosts/make-fixtures.js';
import { fixture, withTempDir } from '../helpers.js';

function tree(root: string, rel = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(join(root, rel)).sort()) {
    const r = `${rel}/${name}`;
    const st = lstatSync(join(root, r));
    if (st.isSymbolicLink()) out[r] = `-> ${readlinkSync(join(root, r))}`;
    else if (st.isDirectory()) Object.assign(out, tree(root, r));
    else out[r] = readFileSync(join(root, r), 'utf8');
  }
  return out;
}

describe('hand-made fixtures', () => {
  for (const [name, make] of Object.entries(FIXTURES)) {
    it(`${name} equals what make-fixtures.ts writes (regenerate: node dist/test/fixtures/hosts/make-fixtures.js --write test/fixtures/hosts)`, async () => {
      await withTempDir(async (dir) => {
        make(join(dir, name));
        assert.deepEqual(tree(fixture('hosts', name)), tree(join(dir, name)));
      });
    });
  }
  it('names disks as the sd driver does', () => {
    assert.deepEqual([0, 25, 26, 27, 701, 702].map(sdName), ['sda', 'sdz', 'sdaa', 'sdab', 'sdzz', 'sdaaa']);
  });
});
