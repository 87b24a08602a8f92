// Progress of a real `kvmio bench`: on a TTY (a real pty from util-linux script(1)) one
// bar redrawn in place with the elapsed time and the ETA, ending with a newline; on a pipe
// one plain line per step and no control characters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exec } from '../../src/exec.js';
import { shellCommand } from '../../src/render/shell-quote.js';
import { cliProcess, REPO } from '../helpers.js';
import { tempDir } from './temp.js';

const tinyBench = (dir: string): string[] => {
  const matrix = join(dir, 'matrix.json');
  writeFileSync(matrix, JSON.stringify({ name: 'tiny', runners: { 'qemu-img-bench': ['write-4k-qd32'] }, sizeMiB: 16, runtimeSec: 0.5 }));
  return ['bench', '--target', tempDir('kvmio-bench-target-'), '--matrix', matrix, '--repeat', '1', '--state-dir', join(dir, 'state')];
};

test('bench on a TTY: a bar with elapsed time and ETA, redrawn in place, then the summary', async () => {
  const dir = tempDir('kvmio-bench-tty-');
  const argv = [process.execPath, join(REPO, 'bin', 'kvmio.js'), ...tinyBench(dir)];
  // script(1) -c takes one shell command line: every word quoted.
  const r = await exec(['script', '-qfec', shellCommand(argv), '/dev/null'], { timeoutMs: 120_000 });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const tty = r.stdout;
  const frames = tty.split('\r\x1b[2K').slice(1);
  assert.ok(frames.length >= 5, `one redraw per step (${frames.length})`);
  for (const f of frames) assert.match(f, /^\[[#.]{24}\] \d+\/\d+ \d+s( ETA \d+(m\d\d)?s)? {2}\S/, JSON.stringify(f));
  assert.match(frames[0] ?? '', /^\[\.{24}\] 0\/\d+ 0s {2}/, 'the first frame: empty bar, no ETA yet');
  assert.ok(frames.slice(1).some((f) => / ETA \d+s {2}/.test(f)), 'later frames carry an ETA');
  const last = frames.at(-1) ?? '';
  assert.match(last, /^\[#{24}\] (\d+)\/\1 \d+s ETA 0s {2}done\r?\n/, 'the last frame: full bar, ends its line');
  assert.doesNotMatch(tty, /^\[\d+\/\d+\] /m, 'no plain progress lines on a TTY');
  assert.match(tty, /4k sequential write QD32 — qemu-img-bench \(in-process\): bare/);
});

test('bench on a pipe: plain "[done/total] step" lines, no carriage returns or escapes', async () => {
  const dir = tempDir('kvmio-bench-pipe-');
  const r = await cliProcess(tinyBench(dir));
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stderr.split('\n').filter((l) => l.startsWith('['));
  assert.ok(lines.length >= 5, r.stderr);
  for (const l of lines) assert.match(l, /^\[\d+\/\d+\] \S.*$/);
  assert.match(lines.at(-1) ?? '', /^\[(\d+)\/\1\] done ETA 0s$/);
  assert.ok(!r.stderr.includes('\r') && !r.stderr.includes('\u001b'), 'no carriage return, no escape sequence');
});
