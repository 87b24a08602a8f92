// Bad input to kvmio bench / kvmio report: one clear line (what, the value, what is
// expected), exit 2 (usage) or 1 (refused), and nothing written — no state directory,
// no scratch file, no output file. A table of command lines, virt-manager test_cli style.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, withLoop } from '../helpers.js';
import { tempDir } from './temp.js';

interface Case {
  readonly name: string;
  readonly args: (d: { target: string; state: string; out: string; files: string; shm: () => string }) => string[];
  readonly code: 1 | 2;
  readonly message: RegExp;
}

const CASES: readonly Case[] = [
  { name: 'matrix file that is not JSON', args: (d) => ['bench', '--target', d.target, '--state-dir', d.state, '-o', d.out, '--matrix', join(d.files, 'bad.json')], code: 2, message: /--matrix .*bad\.json: not JSON .*expected quick, full or a JSON matrix file/ },
  { name: 'matrix file with an unknown workload', args: (d) => ['bench', '--target', d.target, '--state-dir', d.state, '--matrix', join(d.files, 'unknown-workload.json')], code: 2, message: /runners\.qsd-fio: workload "randread-3k-qd7" is unknown; expected one of/ },
  { name: 'matrix file with a random pattern for qemu-img bench', args: (d) => ['bench', '--target', d.target, '--state-dir', d.state, '--matrix', join(d.files, 'random-in-process.json')], code: 2, message: /qemu-img bench issues only sequential requests/ },
  { name: 'matrix file asking native without a direct cache', args: (d) => ['bench', '--target', d.target, '--state-dir', d.state, '--matrix', join(d.files, 'native-writeback.json')], code: 2, message: /configs\[0\]: aio=native with cache=writeback; QEMU requires cache\.direct=on/ },
  { name: 'matrix file with a field of the wrong type', args: (d) => ['bench', '--target', d.target, '--state-dir', d.state, '--matrix', join(d.files, 'wrong-type.json')], code: 2, message: /sizeMiB: .*expected/ },
  { name: 'missing matrix file', args: (d) => ['bench', '--target', d.target, '--state-dir', d.state, '--matrix', join(d.files, 'nope.json')], code: 2, message: /--matrix: ".*nope\.json" is not quick, full or a readable file/ },
  { name: 'bad --repeat', args: (d) => ['bench', '--target', d.target, '--state-dir', d.state, '--repeat', '0'], code: 2, message: /--repeat: "0" is not valid; expected a positive integer/ },
  { name: 'target on tmpfs without --allow-tmpfs', args: (d) => ['bench', '--target', join('/dev/shm', d.shm()), '--state-dir', d.state, '-o', d.out], code: 1, message: /the filesystem is tmpfs \(RAM\).*expected a directory on the disk VM images live on, or --allow-tmpfs/ },
  { name: 'not enough free space', args: (d) => ['bench', '--target', d.target, '--state-dir', d.state, '-o', d.out, '--size', '400T'], code: 1, message: /free, expected at least .* use a smaller --size or another --target/ },
  { name: 'missing target', args: (d) => ['bench', '--target', join(d.target, 'no-such-dir'), '--state-dir', d.state], code: 2, message: /--target: ".*no-such-dir" does not exist; expected a directory/ },
  { name: 'results file that is not JSON', args: (d) => ['report', join(d.files, 'bad.json'), '-o', d.out], code: 2, message: /bad\.json: not JSON .*expected a kvmio bench results file \(kvmio-bench\/1\)/ },
  { name: 'results file of another schema', args: (d) => ['report', join(d.files, 'other-schema.json'), '-o', d.out], code: 2, message: /schema is "kvmio-bench\/0"; expected "kvmio-bench\/1"/ },
  { name: 'results file with a bad figure', args: (d) => ['report', join(d.files, 'bad-figure.json'), '--format', 'md'], code: 2, message: /points\[0\]\.repeats\[0\]\.iops: .*expected a kvmio bench results file/ },
];

function files(dir: string): string {
  const f = join(dir, 'files');
  mkdirSync(f);
  writeFileSync(join(f, 'bad.json'), '{"runners": ');
  writeFileSync(join(f, 'unknown-workload.json'), JSON.stringify({ runners: { 'qsd-fio': ['randread-3k-qd7'] } }));
  writeFileSync(join(f, 'random-in-process.json'), JSON.stringify({ runners: { 'qemu-img-bench': ['randread-4k-qd32'] } }));
  writeFileSync(join(f, 'native-writeback.json'), JSON.stringify({ runners: { 'qsd-fio': ['randread-4k-qd32'] }, configs: [{ format: 'raw', preallocation: 'falloc', cache: 'writeback', aio: 'native' }] }));
  writeFileSync(join(f, 'wrong-type.json'), JSON.stringify({ runners: { 'qsd-fio': ['randread-4k-qd32'] }, sizeMiB: 'big' }));
  writeFileSync(join(f, 'other-schema.json'), JSON.stringify({ schema: 'kvmio-bench/0' }));
  writeFileSync(
    join(f, 'bad-figure.json'),
    JSON.stringify({
      schema: 'kvmio-bench/1', runId: 'x', startedAt: '2026-12-01T00:00:00.000Z', finishedAt: '2026-12-01T00:00:01.000Z', kvmio: { version: '0' }, tools: {},
      host: { hostname: 'h', kernel: 'k', cpus: 1 }, target: { kind: 'file', path: '/x', store: '/x', sizeBytes: 1 }, matrix: { name: 'm', repeat: 1, runtimeSec: 1 }, anchors: [],
      points: [{ id: 'p', tier: 'bare', runner: 'fio', transport: 'none', workload: { id: 'randread-4k-qd1', pattern: 'randread', blockSizeBytes: 4096, iodepth: 1 }, repeats: [{ iops: 'many', bandwidthBytesPerSec: 1, durationMs: 1 }] }],
    }),
  );
  return f;
}

for (const c of CASES) {
  test(`bench/report bad input: ${c.name} → exit ${c.code}, one line, nothing written`, async () => {
    const dir = tempDir('kvmio-bench-bad-');
    const target = join(dir, 'target');
    mkdirSync(target);
    const state = join(dir, 'state');
    const out = join(dir, 'out.json');
    let shm: string | undefined;
    const d = { target, state, out, files: files(dir), shm: () => (shm = `kvmio-bench-test-${process.pid}-${Math.random().toString(36).slice(2, 7)}`) };
    try {
      const args = c.args(d);
      if (shm) mkdirSync(join('/dev/shm', shm));
      const r = await cli(args);
      assert.equal(r.code, c.code, `exit code; stderr: ${r.stderr}`);
      const lines = r.stderr.trim().split('\n').filter((l) => !l.startsWith('  hint:') && !l.startsWith('(run with --help'));
      assert.equal(lines.length, 1, `one line: ${r.stderr}`);
      assert.match(lines[0] as string, c.message);
      assert.equal(r.stdout, '');
      assert.equal(existsSync(state), false, 'no state directory');
      assert.equal(existsSync(out), false, 'no output file');
      assert.deepEqual(readdirSync(target), [], 'no scratch file');
      if (shm) assert.deepEqual(readdirSync(join('/dev/shm', shm)), []);
    } finally {
      if (shm) rmSync(join('/dev/shm', shm), { recursive: true, force: true });
    }
  });
}

test('bench on a device: refused without --destroy-data, and with --destroy-data naming another device', async () => {
  const dir = tempDir('kvmio-bench-dev-');
  const state = join(dir, 'state');
  await withLoop(dir, 32, async (dev) => {
    const a = await cli(['bench', '--target', dev, '--state-dir', state]);
    assert.equal(a.code, 1, a.stderr);
    assert.match(a.stderr, new RegExp(`--target ${dev}: a bench writes to the device and destroys its data; expected --destroy-data ${dev} naming that same device`));
    const b = await cli(['bench', '--target', dev, '--destroy-data', '/dev/null', '--state-dir', state]);
    assert.equal(b.code, 1, b.stderr);
    assert.match(b.stderr, /--destroy-data \/dev\/null: names \/dev\/null, but the target is \/dev\/loop\d+; expected --destroy-data naming the target device itself/);
    const c = await cli(['bench', '--target', dir, '--destroy-data', dev, '--state-dir', state]);
    assert.equal(c.code, 2, c.stderr);
    assert.match(c.stderr, /is not a block device; expected --destroy-data only with a device target/);
    assert.equal(existsSync(state), false);
  });
});
