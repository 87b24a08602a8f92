// exec.ts start(): long-running processes for the bench. Real processes (sh, sleep):
// streaming output, stop() reaching the whole process group, timeouts that report
// timedOut, and the result's signal, duration and stderr tail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { exec, execFailure, liveProcesses, start, stderrTail } from '../../src/exec.js';

/** Running (a zombie whose parent is gone counts as dead: PID 1 here may never reap it). */
const alive = (pid: number): boolean => {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

test('start streams stdout as it arrives and reports duration and exit code', async () => {
  const chunks: string[] = [];
  const h = start(['sh', '-c', 'echo one; sleep 0.2; echo two; echo oops >&2; exit 3'], { onStdout: (s) => chunks.push(s), timeoutMs: 10_000 });
  const r = await h.result;
  assert.equal(r.code, 3);
  assert.equal(r.signal, null);
  assert.equal(r.timedOut, false);
  assert.equal(r.stopped, false);
  assert.ok(r.durationMs >= 150, `duration ${r.durationMs}`);
  assert.equal(chunks.join(''), 'one\ntwo\n');
  assert.ok(chunks.length >= 2, 'two separate chunks');
  assert.equal(execFailure(r).message, "sh -c echo one; sleep 0.2; echo two; echo oops >&2; exit 3: exit 3: oops");
});

test('stop() ends the process and everything it forked (its process group)', async () => {
  const h = start(['sh', '-c', 'sleep 100 & echo $!; wait'], { timeoutMs: 30_000 });
  let grandchild = 0;
  while (grandchild === 0) {
    await new Promise((r) => setTimeout(r, 20));
    const line = /^(\d+)$/m.exec((await Promise.race([h.result.then((x) => x.stdout), new Promise<string>((r) => setTimeout(() => r(''), 10))])) || '');
    if (line) grandchild = Number(line[1]);
    if (grandchild === 0) {
      const ps = await exec(['sh', '-c', `ps -o pid= --ppid ${h.pid}`]);
      const pid = Number(ps.stdout.trim().split('\n')[0]);
      if (pid > 0) grandchild = pid;
    }
  }
  assert.ok(alive(grandchild));
  assert.ok(liveProcesses().includes(h));
  const r = await h.stop('SIGTERM', 1000);
  assert.equal(r.stopped, true);
  assert.equal(r.signal, 'SIGTERM');
  assert.ok(!liveProcesses().includes(h));
  await new Promise((res) => setTimeout(res, 100));
  assert.equal(alive(grandchild), false, 'the sleep forked by sh is gone too');
});

test('a timeout kills the process and says so; exec keeps rejecting on timeout as before', async () => {
  const r = await start(['sleep', '10'], { timeoutMs: 200 }).result;
  assert.equal(r.timedOut, true);
  assert.equal(r.signal, 'SIGKILL');
  assert.match(execFailure(r).message, /^sleep 10: timed out after \d+ ms$/);
  await assert.rejects(exec(['sleep', '10'], { timeoutMs: 200 }), /sleep 10: timed out after 200 ms/);
  await assert.rejects(exec(['/nonexistent-kvmio-tool']), /cannot start/);
});

test('stderrTail keeps the last non-empty lines', () => {
  assert.equal(stderrTail('a\n\nb\nc\nd\n\n'), 'b | c | d');
  assert.equal(stderrTail('only', 3), 'only');
});
