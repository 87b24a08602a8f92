import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exec, execOk } from '../../src/exec.js';
import { fileDiff } from '../../src/render/unified-diff.js';
import { withTempDir } from '../helpers.js';

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

describe('fileDiff against the real tools', () => {
  const a = ['<domain>', '  <name>x</name>', '  <disk>', "    <driver name='qemu'/>", '  </disk>', '  <disk>', "    <driver name='qemu'/>", '  </disk>', '</domain>'].join('\n') + '\n';
  const cases: { name: string; b: string }[] = [
    { name: 'one attribute in a repeated block', b: a.replace("<driver name='qemu'/>", "<driver name='qemu' cache='none'/>") },
    { name: 'both repeated blocks', b: a.replaceAll("<driver name='qemu'/>", "<driver name='qemu' io='native'/>") },
    { name: 'lines added and removed around repeats', b: a.replace('  <disk>\n', '  <iothreads>1</iothreads>\n  <disk>\n').replace('</domain>\n', '') },
    { name: 'everything replaced', b: 'other\n' },
  ];
  for (const c of cases) {
    it(`patch(1) turns the old text into the new: ${c.name}`, () =>
      withTempDir(async (dir) => {
        writeFileSync(join(dir, 'old'), a);
        writeFileSync(join(dir, 'p.diff'), fileDiff(a, c.b, '/old'));
        await execOk(['patch', '-s', '-o', join(dir, 'new'), join(dir, 'old'), join(dir, 'p.diff')]);
        assert.equal(readFileSync(join(dir, 'new'), 'utf8'), c.b);
      }));
  }

  it('prints the hunks diff -u prints (unique lines)', () =>
    withTempDir(async (dir) => {
      const x = Array.from({ length: 30 }, (_, i) => `line ${i}`).join('\n') + '\n';
      const y = x.replace('line 3\n', 'LINE 3\n').replace('line 20\n', '').replace('line 27\n', 'line 27\nnew\n');
      writeFileSync(join(dir, 'x'), x);
      writeFileSync(join(dir, 'y'), y);
      const gnu = await exec(['diff', '-u', join(dir, 'x'), join(dir, 'y')]);
      assert.equal(gnu.code, 1, gnu.stderr);
      const hunks = (s: string): string => s.split('\n').filter((l) => !l.startsWith('--- ') && !l.startsWith('+++ ')).join('\n');
      assert.equal(hunks(fileDiff(x, y, '/x')), hunks(gnu.stdout));
    }));
});
