// Saved bench results reach `kvmio disk xml --explain` through aio rule 2: a clear winner
// measured on the same store and format wins and is cited; native measured on a sparse
// file is never followed. Real images (qemu-img), real probes, real CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execOk } from '../../src/exec.js';
import { cli } from '../helpers.js';
import { tempDir } from './temp.js';
import { makeResults } from './results-fixture.js';
import { loadAioEvidence } from '../../src/bench/evidence.js';

function saveResults(stateDir: string, name: string, r: unknown): string {
  mkdirSync(join(stateDir, 'bench'), { recursive: true });
  const file = join(stateDir, 'bench', name);
  writeFileSync(file, JSON.stringify(r));
  return file;
}

test('disk xml --explain: a bench winner on this store beats the static native rule and is cited', async () => {
  const dir = tempDir('kvmio-ev-');
  const state = tempDir('kvmio-ev-state-');
  const img = join(dir, 'vm.raw');
  await execOk(['qemu-img', 'create', '-q', '-f', 'raw', '-o', 'preallocation=falloc', img, '16M']);
  const before = await cli(['disk', 'xml', img, '--explain', '--state-dir', state]);
  assert.equal(before.code, 0, before.stderr);
  assert.match(before.stdout, /io='native'/, 'without results the static table picks native for a preallocated file');

  const base = { format: 'raw', preallocation: 'falloc', cache: 'none', allocation: 'preallocated' } as const;
  saveResults(state, 'run1.json', makeResults(dir, [
    { config: { ...base, aio: 'io_uring' }, iops: [30000, 30400, 29800] },
    { config: { ...base, aio: 'native' }, iops: [20000, 20300, 19900] },
    { config: { ...base, aio: 'threads' }, iops: [15000, 15100, 14900] },
  ]));
  const r = await cli(['disk', 'xml', img, '--explain', '--state-dir', state]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /io='io_uring'/);
  assert.match(r.stdout, /disk\.aio\.bench/);
  assert.match(r.stdout, /io_uring 30000 ± 300 beats native 20000 ± 200/);
  assert.match(r.stdout, /io_uring 1\.50× native/);
  assert.match(r.stdout, /4k random write QD32 IOPS/);
  assert.match(r.stdout, /3 repeats/);
});

test('disk xml: a results file whose winner is native on a sparse file is not followed', async () => {
  const dir = tempDir('kvmio-ev-');
  const state = tempDir('kvmio-ev-state-');
  const img = join(dir, 'vm.raw');
  await execOk(['qemu-img', 'create', '-q', '-f', 'raw', '-o', 'preallocation=off', img, '16M']);
  const base = { format: 'raw', preallocation: 'off', cache: 'none', allocation: 'sparse' } as const;
  const file = saveResults(state, 'run1.json', makeResults(dir, [
    { config: { ...base, aio: 'native' }, iops: [90000, 90500, 89800] },
    { config: { ...base, aio: 'io_uring' }, iops: [20000, 20300, 19900] },
    { config: { ...base, aio: 'threads' }, iops: [20100, 20200, 19800] },
  ]));
  const r = await cli(['disk', 'xml', img, '--explain', '--state-dir', state]);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stdout, /io='native'/);
  assert.match(r.stdout, /io='io_uring'/);
  assert.match(r.stdout, /disk\.aio\.sparse-io-uring/, 'io_uring and threads tie within the spread: the static sparse rule decides');
  // The loader itself drops native for sparse files, whatever was measured.
  const ev = loadAioEvidence(state, { kind: 'file', path: img, format: 'raw', allocation: 'sparse' });
  assert.equal(ev.file, file);
  assert.ok(ev.evidence && !ev.evidence.results.some((m) => m.aio === 'native'));
});

test('evidence: results from another store, a functional-only guest or a single repeat are not evidence', () => {
  const dir = tempDir('kvmio-ev-');
  const state = tempDir('kvmio-ev-state-');
  const base = { format: 'raw', preallocation: 'falloc', cache: 'none', allocation: 'preallocated' } as const;
  const backend = { kind: 'file', path: join(dir, 'vm.raw'), format: 'raw', allocation: 'preallocated' } as const;
  saveResults(state, 'other.json', makeResults('/somewhere/else', [
    { config: { ...base, aio: 'io_uring' }, iops: [30000, 30000] },
    { config: { ...base, aio: 'native' }, iops: [10000, 10000] },
  ]));
  const single = makeResults(dir, [
    { config: { ...base, aio: 'io_uring' }, iops: [30000] },
    { config: { ...base, aio: 'native' }, iops: [10000] },
  ]);
  saveResults(state, 'single.json', single);
  const tcg = makeResults(dir, [
    { config: { ...base, aio: 'io_uring' }, iops: [30000, 30000] },
    { config: { ...base, aio: 'native' }, iops: [10000, 10000] },
  ]);
  saveResults(state, 'tcg.json', { ...tcg, points: tcg.points.map((p) => ({ ...p, functionalOnly: p.tier === 'backend' })) });
  writeFileSync(join(state, 'bench', 'broken.json'), '{"schema":"kvmio-bench/1"');
  const ev = loadAioEvidence(state, backend);
  assert.equal(ev.evidence, undefined);
  assert.ok(ev.notes.some((n) => n.includes('broken.json') && n.includes('not JSON')), ev.notes.join('\n'));
});
