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
