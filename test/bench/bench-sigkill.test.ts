// kvmio SIGKILLed mid-run (no handler can run): the kernel kills the processes it started
// (exec.ts dieWithParent: setpriv --pdeathsig KILL), checked by PID; the scratch image and
// run directory it could not remove are removed by the next run (bench/scratch-owner.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { start } from '../../src/exec.js';
import { cliProcess, REPO } from '../helpers.js';
import { tempDir } from './temp.js';

/** Running (a zombie whose parent is gone counts as dead: PID 1 here may never reap it). */
const alive = (pid: number): boolean => {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

/** PIDs of processes whose command line mentions `needle`, with the command line. */
function processesMentioning(needle: string): { pid: number; cmd: string }[] {
  const out: { pid: number; cmd: string }[] = [];
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmd.includes(needle) && Number(pid) !== process.pid && alive(Number(pid))) out.push({ pid: Number(pid), cmd });
    } catch {
      // gone
    }
  }
  return out;
}

const waitFor = async (what: string, ok: () => boolean, ms: number): Promise<void> => {
  const until = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

/** A node parent that starts `sleep 30` through exec.ts and prints its PID; the test SIGKILLs the parent. */
async function orphanAfterParentKill(dieWithParent: boolean): Promise<number> {
  const exec = join(REPO, 'dist', 'src', 'exec.js');
  const code = `const m = await import(${JSON.stringify(`file://${exec}`)}); const h = m.start(['sleep', '30'], { dieWithParent: ${dieWithParent} }); process.stdout.write(h.pid + '\\n'); setInterval(() => {}, 1000);`;
  let out = '';
  const parent = start([process.execPath, '--input-type=module', '-e', code], { timeoutMs: 30_000, onStdout: (s) => void (out += s) });
  await waitFor('the child PID', () => /^\d+\n/.test(out), 10_000);
  const child = Number(out.trim());
  assert.ok(alive(child));
  process.kill(parent.pid as number, 'SIGKILL');
  await parent.result;
  return child;
}

test('exec dieWithParent: the child dies with a SIGKILLed parent; without it the child outlives the parent', async () => {
  const orphan = await orphanAfterParentKill(false);
  try {
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(alive(orphan), 'control: a plain child survives its parent');
  } finally {
    process.kill(orphan, 'SIGKILL');
  }
  const child = await orphanAfterParentKill(true);
  await waitFor(`pid ${child} to die`, () => !alive(child), 3_000);
});

test('bench SIGKILLed while qemu-storage-daemon and fio run: no child survives; the next run removes the scratch it left', async () => {
  const dir = tempDir('kvmio-bench-kill-');
  const target = tempDir('kvmio-bench-target-');
  const tmp = tempDir('kvmio-bench-tmp-'); // TMPDIR of both runs: sockets and fio output go here
  const matrix = join(dir, 'matrix.json');
  writeFileSync(matrix, JSON.stringify({ name: 'long', runners: { 'qsd-fio': ['randwrite-4k-qd32'] }, sizeMiB: 16, runtimeSec: 4 }));
  let stderr = '';
  const h = start([process.execPath, join(REPO, 'bin', 'kvmio.js'), 'bench', '--target', target, '--matrix', matrix, '--repeat', '1', '--state-dir', join(dir, 'state')], {
    env: { TMPDIR: tmp },
    timeoutMs: 120_000,
    onStderr: (s) => void (stderr += s),
  });
  // The ceiling step: the NBD daemon (null-co) is up and fio runs against it.
  await waitFor(`the ceiling step (${stderr})`, () => /\] ceiling qsd-fio /.test(stderr), 60_000);
  await waitFor('fio and qemu-storage-daemon', () => {
    const ps = processesMentioning(`${tmp}/`);
    return ps.some((p) => p.cmd.startsWith('fio ')) && ps.some((p) => p.cmd.startsWith('qemu-storage-daemon '));
  }, 10_000);
  const children = processesMentioning(`${tmp}/`);
  process.kill(h.pid as number, 'SIGKILL');
  const r = await h.result;
  assert.equal(r.signal, 'SIGKILL');
  for (const c of children) await waitFor(`pid ${c.pid} (${c.cmd}) to die`, () => !alive(c.pid), 3_000);
  assert.deepEqual(processesMentioning(`${tmp}/`), []);
  assert.deepEqual(processesMentioning(target), []);
  const left = readdirSync(target);
  assert.ok(left.length > 0 && left.every((n) => /^\.kvmio-bench-p\d+s\d+-/.test(n)), `the killed run left its bare file, named with its owner: ${left.join(' ')}`);
  assert.ok(readdirSync(tmp).some((n) => /^kvmio-bench-p\d+s\d+-/.test(n)), 'and its run directory');

  const tiny = join(dir, 'tiny.json');
  writeFileSync(tiny, JSON.stringify({ name: 'tiny', runners: { 'qemu-img-bench': ['write-4k-qd32'] }, sizeMiB: 16, runtimeSec: 0.5 }));
  const next = await cliProcess(['bench', '--target', target, '--matrix', tiny, '--repeat', '1', '--state-dir', join(dir, 'state')], { env: { TMPDIR: tmp } });
  assert.equal(next.code, 0, next.stderr);
  assert.deepEqual(readdirSync(target), [], 'the next run removed the killed run\'s scratch image, and its own');
  assert.deepEqual(readdirSync(tmp), [], 'and the killed run\'s directory with its socket');
});
