import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileDiff } from '../../src/render/unified-diff.js';

describe('fileDiff', () => {
  const cases: { name: string; a: string | undefined; b: string | undefined; want: string }[] = [
    { name: 'new file', a: undefined, b: 'x\ny\n', want: '--- /dev/null\n+++ b/f\n@@ -0,0 +1,2 @@\n+x\n+y\n' },
    { name: 'removed file', a: 'x\n', b: undefined, want: '--- a/f\n+++ /dev/null\n@@ -1,1 +0,0 @@\n-x\n' },
    { name: 'one changed line', a: 'a\nb\nc\n', b: 'a\nB\nc\n', want: '--- a/f\n+++ b/f\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n' },
    { name: 'identical', a: 'a\n', b: 'a\n', want: '' },
  ];
  for (const c of cases) it(c.name, () => assert.equal(fileDiff(c.a, c.b, '/f'), c.want));

  it('keeps far-apart changes in separate hunks', () => {
    const a = Array.from({ length: 20 }, (_, i) => `l${i}`).join('\n') + '\n';
    const b = a.replace('l1\n', 'L1\n').replace('l18\n', 'L18\n');
    assert.equal((fileDiff(a, b, '/f').match(/^@@/gm) ?? []).length, 2);
  });
});
