// Real runs on this machine (qemu-img, qemu-storage-daemon, fio), kept tiny: a 16 MiB
// target and sub-second measurements. One run to completion checks the results file and
// that nothing is left behind; one is interrupted with SIGINT while the NBD daemon and
// fio are running, and must leave no process, socket or scratch file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { start } from '../../src/exec.js';
import { parseResults } from '../../src/bench/results-schema.js';
import { cli, REPO } from '../helpers.js';
import { tempDir } from './temp.js';

/** PIDs of processes whose command line mentions `needle`. */
function processesMentioning(needle: string): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmd.includes(needle) && Number(pid) !== process.pid) out.push(`${pid}: ${cmd}`);
    } catch {
      // gone
    }
  }
  return out;
}

test('bench: a tiny in-process matrix runs, saves valid results with the anchors, and removes its scratch files', async () => {
  const dir = tempDir('kvmio-bench-run-');
  const target = tempDir('kvmio-bench-target-');
  const state = join(dir, 'state');
  const out = join(dir, 'results.json');
  const matrix = join(dir, 'matrix.json');
  writeFileSync(matrix, JSON.stringify({ name: 'tiny', runners: { 'qemu-img-bench': ['write-4k-qd32'] }, sizeMiB: 16, runtimeSec: 0.5 }));
  const r = await cli(['bench', '--target', target, '--matrix', matrix, '--repeat', '2', '--state-dir', state, '-o', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^\[\d+\/\d+\] /m, 'plain progress lines when stderr is not a TTY');
  assert.match(r.stdout, /4k sequential write QD32 — qemu-img-bench \(in-process\): bare [\d.]+k? IOPS, ceiling [\d.]+k? IOPS/);
  const res = parseResults(readFileSync(out, 'utf8'), out);
  const saved = readdirSync(join(state, 'bench'));
  assert.deepEqual(saved, [`${res.runId}.json`]);
  assert.equal(res.target.store, target);
  assert.deepEqual(res.anchors.map((a) => a.id), ['virt-install', 'proxmox', 'kubevirt-nova', 'seed', 'kvmio']);
  const backend = res.points.filter((p) => p.tier === 'backend');
  assert.ok(backend.length >= 5, `a point per configuration (${backend.length})`);
  for (const p of res.points) {
    assert.equal(p.error, undefined, `${p.id}: ${p.error}`);
    assert.equal(p.repeats.length, 2, p.id);
    assert.ok((p.summary?.iops ?? 0) > 0, p.id);
  }
  assert.ok(res.points.some((p) => p.tier === 'bare') && res.points.some((p) => p.tier === 'ceiling'));
  const kvmio = res.anchors.find((a) => a.id === 'kvmio');
  assert.equal(kvmio?.configId, 'raw-falloc-none-native', 'the static table: native for a preallocated file on ext4 with O_DIRECT');
  assert.deepEqual(readdirSync(target), [], 'scratch images removed');
  assert.deepEqual(processesMentioning(target), []);
});

test('bench: SIGINT while qemu-storage-daemon and fio run leaves no process, socket or scratch file', async () => {
  const dir = tempDir('kvmio-bench-int-');
  const target = tempDir('kvmio-bench-target-');
  const tmp = tempDir('kvmio-bench-tmp-'); // TMPDIR of the run: sockets and fio output go here
  const state = join(dir, 'state');
  const matrix = join(dir, 'matrix.json');
  writeFileSync(matrix, JSON.stringify({ name: 'long', runners: { 'qsd-fio': ['randwrite-4k-qd32'] }, sizeMiB: 16, runtimeSec: 6 }));
  let stderr = '';
  let sawBackend: () => void = () => undefined;
  const running = new Promise<void>((resolve) => (sawBackend = resolve));
  const h = start([process.execPath, join(REPO, 'bin', 'kvmio.js'), 'bench', '--target', target, '--matrix', matrix, '--repeat', '1', '--state-dir', state], {
    env: { TMPDIR: tmp },
    timeoutMs: 60_000,
    onStderr: (s) => {
      stderr += s;
      if (/\] ceiling qsd-fio /.test(stderr)) sawBackend();
    },
  });
  await running;
  // The ceiling step: the NBD daemon (null-co) is up and fio runs against it for 6 s.
  const until = Date.now() + 5_000;
  while (Date.now() < until && processesMentioning(`${tmp}/`).filter((p) => p.includes('fio ')).length === 0) await new Promise((r) => setTimeout(r, 50));
  const during = processesMentioning(`${tmp}/`);
  assert.ok(during.some((p) => p.includes('qemu-storage-daemon')), `daemon running: ${during.join('\n')}`);
  assert.ok(during.some((p) => p.includes('fio ')), `fio running: ${during.join('\n')}`);
  assert.ok(readdirSync(target).length > 0, 'a scratch image exists mid-run');
  process.kill(h.pid as number, 'SIGINT');
  const r = await h.result;
  assert.equal(r.code, 130, r.stderr);
  assert.match(r.stderr, /bench interrupted \(SIGINT\); stopped every process it started and removed its scratch files/);
  assert.deepEqual(processesMentioning(`${tmp}/`), []);
  assert.deepEqual(processesMentioning(target), []);
  assert.deepEqual(readdirSync(target), [], 'no scratch image');
  assert.deepEqual(readdirSync(tmp), [], 'no socket, no fio output, no run directory');
  assert.equal(existsSync(join(state, 'bench')), false, 'no results saved from an interrupted run');
});
