// Parsers of tool output, fed by the real tools (fio on a temp file, qemu-img bench on
// null-co; well under a second each), and the schema's refusals of broken input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execOk } from '../../src/exec.js';
import { figuresFromFio, parseFioOutput } from '../../src/bench/fio-json.js';
import { parseQemuImgBench } from '../../src/bench/qemu-img-bench-output.js';
import { fioArgv, qemuImgBenchArgv, qsdArgv } from '../../src/bench/bench-argv.js';
import { parseMatrixFile, MATRICES } from '../../src/bench/matrix.js';
import { median, halfRange, summarize } from '../../src/bench/stats.js';
import { workloadById } from '../../src/bench/workloads.js';
import type { Workload } from '../../src/bench/results-schema.js';
import { tempDir } from './temp.js';

const W = (id: string): Workload => workloadById(id) as Workload;

test('fio JSON from a real run → figures with clat percentiles', async () => {
  const dir = tempDir('kvmio-fio-');
  const out = join(dir, 'o.json');
  const argv = fioArgv({ kind: 'file', path: join(dir, 'f'), sizeBytes: 8 * 1024 ** 2 }, W('randwrite-4k-qd1'), 0.3, out);
  await execOk(argv, { timeoutMs: 60_000 });
  const f = figuresFromFio(parseFioOutput(readFileSync(out, 'utf8')), 'randwrite');
  assert.ok(f.iops > 0 && f.ios !== undefined && f.ios > 0);
  assert.ok(Math.abs(f.bandwidthBytesPerSec - f.iops * 4096) / f.bandwidthBytesPerSec < 0.05, 'bytes/s ≈ IOPS × 4 KiB');
  assert.ok(f.latency && f.latency.p50Ns > 0 && f.latency.p50Ns <= f.latency.p99Ns && f.latency.p99Ns <= f.latency.p999Ns);
  // Reading the write direction of a write job; the read side has no I/O and is refused.
  assert.throws(() => figuresFromFio(parseFioOutput(readFileSync(out, 'utf8')), 'randread'), /completed no reads/);
});

test('fio output: chatter before the JSON is skipped; broken output is one clear error', () => {
  assert.throws(() => parseFioOutput('fio: connected to NBD server\n'), /fio printed no JSON/);
  assert.throws(() => parseFioOutput('{"fio version": "fio-3.33", "jobs": []}'), /fio output: jobs: /);
  assert.throws(() => parseFioOutput('{"fio version": "fio-3.33", "jobs": [{"jobname": "x", "error": 0, "read": {}, "write": {}}]}'), /fio output: jobs\[0\]\.read\.io_bytes/);
});

test('qemu-img bench on null-co (real) → IOPS from the count and the time', async () => {
  const argv = qemuImgBenchArgv(null, undefined, W('read-4k-qd32'), 5000);
  assert.deepEqual(argv, ['qemu-img', 'bench', '-c', '5000', '-d', '32', '-s', '4096', '-S', '4096', '-f', 'raw', 'null-co://']);
  const f = parseQemuImgBench((await execOk(argv)).stdout);
  assert.equal(f.ios, 5000);
  assert.ok(f.iops > 1000);
  assert.equal(f.bandwidthBytesPerSec, f.iops * 4096);
  assert.throws(() => parseQemuImgBench('qemu-img: Could not open'), /unexpected output/);
});

test('argv: cache modes map onto block-node flags and the export writethrough flag; commas are doubled', () => {
  const cfg = { id: 'x', format: 'qcow2', cache: 'directsync', aio: 'native' } as const;
  const a = qsdArgv({ image: '/img/a,b.qcow2', config: cfg, socket: '/run/s', sizeBytes: 1 });
  assert.deepEqual(a, [
    'qemu-storage-daemon',
    '--blockdev', 'driver=file,node-name=f0,filename=/img/a,,b.qcow2,aio=native,cache.direct=on,cache.no-flush=off',
    '--blockdev', 'driver=qcow2,node-name=d0,file=f0,cache.direct=on,cache.no-flush=off',
    '--nbd-server', 'addr.type=unix,addr.path=/run/s',
    '--export', 'type=nbd,id=e0,node-name=d0,name=d0,writable=on,writethrough=on',
  ]);
  const n = qsdArgv({ image: null, socket: '/run/s', sizeBytes: 1048576 });
  assert.equal(n[2], 'driver=null-co,node-name=d0,size=1048576');
});

test('matrix: built-in quick has ≥ 12 points per target kind before anchors; matrix files are validated', () => {
  const q = MATRICES.quick;
  const workloads = Object.values(q.runners).reduce((n, ws) => n + ws.length, 0);
  assert.ok(workloads * q.configs.length >= 12, 'configs × workloads');
  const m = parseMatrixFile(JSON.stringify({ runners: { 'qsd-fio': ['randread-4k-qd1'] }, configs: [{ format: 'qcow2', clusterSizeBytes: 131072, extendedL2: true, preallocation: 'off', cache: 'none', aio: 'io_uring' }] }), 'm.json');
  assert.equal(m.configs[0]?.id, 'qcow2-128k-xl2-off-none-io_uring');
  assert.throws(() => parseMatrixFile(JSON.stringify({ runners: {}, extra: 1 }), 'm.json'), /--matrix m\.json: .*extra/);
  assert.throws(() => parseMatrixFile(JSON.stringify({ runners: { 'qsd-fio': ['read-1m-qd8'] }, configs: [{ format: 'raw', preallocation: 'metadata', cache: 'none', aio: 'threads' }] }), 'm.json'), /qcow2 options/);
});

test('stats: median, half-range spread, summary of repeats', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 2, 3]), 2.5);
  assert.equal(halfRange([10, 14, 12]), 2);
  const s = summarize([
    { iops: 100, bandwidthBytesPerSec: 400, durationMs: 1, latency: { p50Ns: 1, p99Ns: 5, p999Ns: 9 } },
    { iops: 120, bandwidthBytesPerSec: 480, durationMs: 1, latency: { p50Ns: 3, p99Ns: 7, p999Ns: 11 } },
    { iops: 110, bandwidthBytesPerSec: 440, durationMs: 1, latency: { p50Ns: 2, p99Ns: 6, p999Ns: 10 } },
  ]);
  assert.deepEqual(s && { iops: s.iops, spread: s.spread, latency: s.latency }, { iops: 110, spread: { iops: 10, bandwidthBytesPerSec: 40 }, latency: { p50Ns: 2, p99Ns: 6, p999Ns: 10 } });
  assert.equal(summarize([]), undefined);
});
