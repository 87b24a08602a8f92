import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { atLeast, version } from '../../src/decide/version.js';
import { parseVersion } from '../../src/facts/parse-version.js';

describe('versions', () => {
  const cases: [string, [number, number, number] | undefined][] = [
    ['QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)', [7, 2, 22]],
    ['9.0.0\n', [9, 0, 0]],
    ['6.18.44-fc-v595', [6, 18, 44]],
    ['5.1', [5, 1, 0]],
    ['no version here', undefined],
  ];
  for (const [text, want] of cases) {
    it(`parses ${JSON.stringify(text)}`, () => assert.deepEqual(parseVersion(text), want && version(...want)));
  }
  it('compares numerically (5.10 > 5.9) and never qualifies unknown', () => {
    assert.equal(atLeast(version(5, 10), version(5, 9)), true);
    assert.equal(atLeast(version(4, 19), version(5, 1)), false);
    assert.equal(atLeast(undefined, version(1)), false);
  });
});
