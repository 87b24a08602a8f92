// One hostile example per class of issue 18 (beyond the one the issue names).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { acquireLock } from '../../src/apply/lock.js';
import { readJournal } from '../../src/apply/journal.js';
import { KvmioError } from '../../src/errors.js';
import { exec } from '../../src/exec.js';
import { cli, REPO, withTempDir } from '../helpers.js';

describe('class 1: the journal and the lock are input', () => {
  it('a journal that is a symlink, a directory or a FIFO is refused with one line, never read or waited on', async () => {
    await withTempDir(async (dir) => {
      const j = join(dir, 'journal.jsonl');
      writeFileSync(join(dir, 'elsewhere'), '');
      for (const make of [() => symlinkSync(join(dir, 'elsewhere'), j), () => mkdirSync(j), () => execFileSync('mkfifo', [j])]) {
        make();
        const r = await cli(['rollback', '--yes', '--state-dir', dir]);
        assert.equal(r.code, 1, r.stderr);
        assert.match(r.stderr, /^kvmio: .*journal\.jsonl: is (a symbolic link|a directory|a FIFO); expected the regular file kvmio writes/);
        execFileSync('rm', ['-rf', j]);
      }
    });
  });

  it('a record restoring a setuid file, or naming a file kvmio does not manage, is refused naming PATH:LINE', async () => {
    await withTempDir(async (dir) => {
      const root = join(dir, 'root');
      const state = join(dir, 'state');
      mkdirSync(state);
      const p = `${root}/etc/sysctl.d/90-kvmio.conf`;
      const rec = (path: string, mode: number): string => JSON.stringify({ v: 1, event: 'before', seq: 1, run: 'r', time: 't', key: `file:${path}`, action: { kind: 'file', id: 'x', object: path, reason: 'r', path, content: '' }, old: { exists: true, base64: '', mode } });
      writeFileSync(join(state, 'journal.jsonl'), `\n${rec(p, 0o4755)}\n`);
      let r = await cli(['rollback', '--yes', '--root', root, '--state-dir', state]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, new RegExp(`journal\\.jsonl:2: file old state: mode: `));
      writeFileSync(join(state, 'journal.jsonl'), `\n${rec(`${root}/root/.ssh/authorized_keys`, 0o600)}\n`);
      r = await cli(['rollback', '--yes', '--root', root, '--state-dir', state]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /journal\.jsonl:2: file .*authorized_keys is not a file kvmio manages under --root/);
      assert.equal(existsSync(`${root}/root/.ssh/authorized_keys`), false);
    });
  });

  it('a state directory writable by others is refused', async () => {
    await withTempDir(async (dir) => {
      chmodSync(dir, 0o777);
      await assert.rejects(acquireLock(dir), (e: unknown) => e instanceof KvmioError && /writable by others \(mode 777\)/.test(e.message));
      assert.throws(() => readJournal(dir), /writable by others/);
    });
  });
});

describe('class 7: a stale or foreign lock', () => {
  it('a lock of a dead PID is taken over and said; an empty old one too; a live one names its command line; a directory is refused', async () => {
    await withTempDir(async (dir) => {
      const dead = Number((await exec(['sh', '-c', 'echo $$'])).stdout.trim());
      writeFileSync(join(dir, 'lock'), `${dead}\nfix --yes\n`);
      const l1 = await acquireLock(dir);
      assert.match(l1.tookOver ?? '', new RegExp(`held by PID ${dead} .*no longer running`));
      l1.release();
      writeFileSync(join(dir, 'lock'), '');
      execFileSync('touch', ['-d', '1 minute ago', join(dir, 'lock')]);
      const l2 = await acquireLock(dir);
      assert.match(l2.tookOver ?? '', /empty, \d+ s old/);
      l2.release();
      const sleeper = (await import('node:child_process')).spawn('sleep', ['30'], { stdio: 'ignore' });
      try {
        writeFileSync(join(dir, 'lock'), `${sleeper.pid}\n`);
        await assert.rejects(acquireLock(dir), (e: unknown) => e instanceof KvmioError && e.code === 'locked' && e.message.includes(`PID ${sleeper.pid} runs: sleep 30`));
      } finally {
        sleeper.kill();
      }
      execFileSync('rm', ['-f', join(dir, 'lock')]);
      mkdirSync(join(dir, 'lock'));
      await assert.rejects(acquireLock(dir, { wait: true }), /lock .* is a directory; expected the regular file kvmio writes/);
    });
  });
});

describe('class 2: --root confines', () => {
  it('fix --yes with ROOT/etc/sysctl.d a symlink out of the root refuses and writes nothing there; --state-dir and -o in /proc or /sys are usage errors', async () => {
    await withTempDir(async (dir) => {
      const root = join(dir, 'root');
      const out = join(dir, 'out');
      mkdirSync(join(root, 'etc'), { recursive: true });
      mkdirSync(out);
      symlinkSync(out, join(root, 'etc/sysctl.d'));
      const r = await cli(['fix', '--yes', '--only', 'aio.persist', '--vms', '1', '--root', root, '--state-dir', join(dir, 'state')]);
      assert.deepEqual(readdirSync(out), [], r.stdout + r.stderr);
      for (const argv of [['verify', '--state-dir', '/proc/self'], ['rollback', '--state-dir', '/sys/kernel/x'], ['collect', '-o', '/proc/self/fd/x'], ['fix', '--root', '/sys']]) {
        const u = await cli(argv);
        assert.equal(u.code, 2, `${argv.join(' ')}: ${u.stderr}`);
        assert.match(u.stderr, /lies in \/(proc|sys), a virtual file system/);
      }
    });
  });
});

describe('class 6: flags are validated before anything happens', () => {
  it('empty values, out-of-range counts and contradictions exit 2 with one line', async () => {
    const cases: [string[], RegExp][] = [
      [['fix', '--only', ''], /^kvmio: --only: empty value/],
      [['fix', '--device='], /^kvmio: --device: empty value/],
      [['rollback', '--root', ''], /^kvmio: --root: empty value/],
      [['verify', '--state-dir', ''], /^kvmio: --state-dir: empty value/],
      [['disk', 'xml', ''], /^kvmio: argument 3: empty/],
      [['disk', 'xml', '/dev/null', '--queues', '1025'], /--queues: 1025 is too large; expected 1 to 1024/],
      [['disk', 'xml', '/dev/null', '--iothread-id', '9007199254740991'], /--iothread-id: 9007199254740991 is too large/],
      [['disk', 'xml', '/dev/null', '--shareable', '--cache', 'unsafe'], /--shareable with --cache unsafe: contradictory/],
    ];
    for (const [argv, want] of cases) {
      const r = await cli(argv);
      assert.equal(r.code, 2, `${argv.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, want, argv.join(' '));
    }
  });
});

describe('class 5: output to a closed pipe', () => {
  it('kvmio vm audit … | head -1 exits 0 without a stack trace (a real pipe)', async () => {
    const xml = readdirSync(join(REPO, 'test/fixtures/domains')).filter((f) => f.endsWith('.xml') && f !== 'malformed.xml').map((f) => join(REPO, 'test/fixtures/domains', f));
    // enough output to overflow the pipe buffer (64 KiB, pipe(7)) after head has left
    const args = Array.from({ length: 4 }, () => xml.flatMap((f) => ['--domain-xml', f])).flat();
    const script = 'node "$0" vm audit --json "$@" 2>"$ERR" | head -1 >/dev/null; echo "${PIPESTATUS[0]}"';
    await withTempDir(async (dir) => {
      const r = await exec(['bash', '-c', script, join(REPO, 'bin/kvmio.js'), ...args], { env: { ...process.env, ERR: join(dir, 'err') } as Record<string, string> });
      assert.equal(r.stdout.trim(), '0', (await import('node:fs')).readFileSync(join(dir, 'err'), 'utf8'));
      assert.equal((await import('node:fs')).readFileSync(join(dir, 'err'), 'utf8'), '');
    });
  });
});
