import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatSize, parseSize } from '../src/size.js';

describe('parseSize', () => {
  const good: [string, number][] = [['100G', 100 * 1024 ** 3], ['2M', 2 * 1024 ** 2], ['512k', 512 * 1024], ['4096', 4096], ['1.5GiB', 1.5 * 1024 ** 3]];
  for (const [text, n] of good) it(`reads ${text}`, () => assert.equal(parseSize(text).bytes, n));
  for (const bad of ['', 'ten', '10X', '-5G', '0']) {
    it(`refuses "${bad}" with a usage error naming the value`, () =>
      assert.throws(() => parseSize(bad, '--size'), (e: Error & { code?: string }) => e.code === 'usage' && e.message.includes(`"${bad}"`)));
  }
  it('formats binary units', () => assert.equal(formatSize({ bytes: 3 * 1024 ** 3 }), '3 GiB'));
});

describe('formatSize: the unit that reads best', () => {
  const cases: [number, string][] = [
    [512, '512 B'],
    [1536, '1.5 KiB'],
    [100 * 1024 ** 4, '100 TiB'], // was "104857600.0 MiB" in guard messages
    [2.5 * 1024 ** 4, '2.5 TiB'],
    [1024 ** 3 - 1024 * 40, '1.0 GiB'], // 1023.96 MiB: never "1024.0 MiB"
    [20 * 1024 ** 2, '20 MiB'],
    [3 * 1024 ** 5, '3 PiB'],
  ];
  for (const [n, text] of cases) it(`${n} bytes → ${text}`, () => assert.equal(formatSize({ bytes: n }), text));
});
