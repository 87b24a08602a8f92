// dumpName is what a remote POSIX sh script computes with od/fold/paste: checked with the
// real shell, for hostile and long names (the fleet probe relies on this).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { execOk } from '../../src/exec.js';
import { dumpName, fromDumpName } from '../../src/facts/dump-format.js';

const ENC = `enc() { printf '%s' "$1" | od -An -v -tx1 | tr -d ' \\n' | fold -w 128 | paste -s -d / -; }; enc "$1"`;

describe('dumpName', () => {
  const names = ['web', 'x;touch /tmp/p', "a'b\"c $(id) `id`", 'é ü 日本', '/var/lib/libvirt/images/' + 'aaaa'.repeat(40) + '.qcow2', '-n', 'zz\nnewline'];
  for (const n of names) {
    it(`matches sh + od for ${JSON.stringify(n).slice(0, 40)}`, async () => {
      const r = await execOk(['sh', '-c', ENC, 'sh', n]);
      assert.equal(dumpName(n), r.stdout.replace(/\n$/, ''));
      assert.equal(fromDumpName(dumpName(n)), n);
      for (const part of dumpName(n).split('/')) assert.ok(part.length <= 128 && /^[0-9a-f]+$/.test(part));
    });
  }
});
