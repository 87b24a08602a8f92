// One hostile example per class of issue 18 (beyond the one the issue names).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { acquireLock } from '../../src/apply/lock.js';
import { readJournal } from '../../src/apply/journal.js';
import { KvmioError } from '../../src/errors.js';
import { exec } from '../../src/exec.js';
import { cli, REPO, withTempDir, type CliResult } from '../helpers.js';

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
      // aio.persisted alone writes only the sysctl.d file (never /proc/sys); --vms 1000 sizes a target above any host's value
      const r = await cli(['fix', '--yes', '--only', 'aio.persisted', '--vms', '1000', '--root', root, '--state-dir', join(dir, 'state')]);
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(r.stdout, /REFUSED +aio\.max-nr .*\n(.*\n)*.*resolves to .*\/out\/90-kvmio\.conf \(a symbolic link on the way\), outside --root/);
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

describe('class 6 (more): sizes the tool would round, contradictions, a failed create undone', () => {
  it('disk create --size 1 / 1000 / 511 exits 2 in the dry run and with --yes, creating nothing; 512 passes', async () => {
    await withTempDir(async (dir) => {
      for (const size of ['1', '1000', '511']) {
        for (const yes of [[], ['--yes']]) {
          const r = await cli(['disk', 'create', 'tiny', '--on', dir, '--size', size, '--state-dir', join(dir, 'state'), ...yes]);
          assert.equal(r.code, 2, `${size}: ${r.stderr}`);
          assert.match(r.stderr, /^kvmio: --size: \d+ bytes is not valid for an image; expected a multiple of 512 bytes/);
          assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
        }
      }
      assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('tiny')), []);
      const ok = await cli(['disk', 'create', 'tiny', '--on', dir, '--size', '512', '--state-dir', join(dir, 'state')]);
      assert.equal(ok.code, 0, ok.stderr);
    });
  });

  it('--aio native with a cache that is not direct exits 2 before anything is probed (the source does not even exist)', async () => {
    for (const cache of ['writeback', 'writethrough', 'unsafe']) {
      const r = await cli(['disk', 'xml', '/nonexistent/kvmio-h2.img', '--aio', 'native', '--cache', cache]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, new RegExp(`^kvmio: --aio native with --cache ${cache}: contradictory`));
    }
  });

  it('an image that fails its own check after qemu-img made it is removed through the engine, and the next try works', async () => {
    const { planDiskCreate, applyDiskCreate } = await import('../../src/provision/disk-create.js');
    await withTempDir(async (dir) => {
      const state = join(dir, 'state');
      const plan = await planDiskCreate({ name: 'bad', on: dir, size: { bytes: 1024 * 1024 }, force: false, cwd: dir, env: process.env });
      // The plan's own check expects 1 MiB + 512; real qemu-img makes 1 MiB: the post-check fails.
      const lying = { ...plan, image: { ...plan.image!, size: { bytes: 1024 * 1024 + 512 } } };
      await assert.rejects(applyDiskCreate(lying, { stateDir: state }), (e: unknown) => e instanceof KvmioError && /created, but virtual-size is 1048576, expected 1049088; removed .*bad\.raw again/.test(e.message));
      assert.equal(existsSync(join(dir, 'bad.raw')), false);
      const again = await applyDiskCreate(plan, { stateDir: state });
      assert.equal(again.info?.virtualSize, 1024 * 1024);
    });
  });
});

describe('class 7 (more): the CLI says when it takes over a stale lock, and refuses a live one', () => {
  it('disk create --yes: a lock left by a dead process is taken over with its PID and age on stderr; a live holder (a real process) is refused, exit 1', async () => {
    await withTempDir(async (dir) => {
      const root = join(dir, 'root');
      const state = join(dir, 'state');
      mkdirSync(state, { mode: 0o700 });
      const dead = Number((await exec(['sh', '-c', 'echo $$'])).stdout.trim());
      writeFileSync(join(state, 'lock'), `${dead}\nfix --yes\u001b[2J\n`);
      execFileSync('touch', ['-d', '90 seconds ago', join(state, 'lock')]);
      const create = (name: string): Promise<CliResult> => cli(['disk', 'create', name, '--on', root, '--size', '1M', '--yes', '--state-dir', state]);
      mkdirSync(root);
      const r = await create('one');
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, new RegExp(`^kvmio: took over stale lock .*lock: held by PID ${dead} \\(${dead}, fix --yes\\?\\[2J\\), which is no longer running, (8|9|10)\\d s old$`, 'm'));
      assert.equal(existsSync(join(state, 'lock')), false, 'released after the run');
      const holder = (await import('node:child_process')).spawn('sleep', ['30'], { stdio: 'ignore' });
      try {
        writeFileSync(join(state, 'lock'), `${holder.pid}\nfix --yes\n`);
        const l = await create('two');
        assert.equal(l.code, 1, l.stderr);
        assert.equal(existsSync(join(root, 'two.raw')), false);
        assert.match(l.stderr, new RegExp(`held by another kvmio run .*PID ${holder.pid} runs: sleep 30\\); nothing was changed`));
        assert.equal(readFileSync(join(state, 'lock'), 'utf8'), `${holder.pid}\nfix --yes\n`, 'a live lock is left alone');
      } finally {
        holder.kill();
      }
    });
  });
});

describe('tests use private state dirs', () => {
  it('the in-process runner points KVMIO_STATE_DIR at a private dir, and the CLI uses it as the default state dir', async () => {
    const { PRIVATE_STATE_DIR } = await import('../helpers.js');
    const r = await cli(['journal', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.includes(PRIVATE_STATE_DIR) || !r.stdout.includes('/var/lib/kvmio'), r.stdout);
    const v = await cli(['verify']);
    assert.match(v.stdout, new RegExp(`no change applied by kvmio is journaled in ${PRIVATE_STATE_DIR}`));
  });

  it('the suite guard sees a journal created, changed or removed', async () => {
    const { journalChange, journalState } = await import('../state-guard.js');
    await withTempDir(async (dir) => {
      const j = join(dir, 'journal.jsonl');
      const none = journalState(j);
      assert.equal(journalChange(none, journalState(j), j), undefined);
      writeFileSync(j, '{}\n');
      assert.match(journalChange(none, journalState(j), j) ?? '', /was created during the suite/);
      const one = journalState(j);
      writeFileSync(j, '{}\n{}\n');
      assert.match(journalChange(one, journalState(j), j) ?? '', /changed during the suite/);
    });
  });
});

describe('class 6 (more): every mutually exclusive pair from the commands\' help exits 2 with one line', () => {
  it('a matrix of contradictory command lines (virt-manager tests/test_cli.py style)', async () => {
    await withTempDir(async (dir) => {
      const xml = join(REPO, 'test/fixtures/domains', readdirSync(join(REPO, 'test/fixtures/domains')).find((f) => f.endsWith('.xml') && f !== 'malformed.xml') ?? '');
      const cases: [string[], RegExp][] = [
        [['disk', 'create', 'x', '--on', dir, '--pool', 'p', '--size', '1G'], /expected exactly one of --on TARGET or --pool POOL/],
        [['disk', 'xml', '/dev/null', '--shareable', '--cache', 'writeback'], /--shareable with --cache writeback: contradictory/],
        [['disk', 'args', '/dev/null', '--aio', 'native', '--cache', 'writethrough'], /--aio native with --cache writethrough: contradictory/],
        [['vm', 'tune', 'dom', '--domain-xml', xml], /give a DOMAIN or --domain-xml FILE/],
        [['vm', 'tune', '--proxmox', '100', '--domain-xml', xml], /give the VMID alone/],
        [['vm', 'tune', '--domain-xml', xml, '--yes'], /files are not applied; expected no --yes/],
        [['rollback', '--list', '--yes', '--state-dir', join(dir, 's')], /--list: only lists runs/],
        [['rollback', '--list', '--run', 'r1', '--state-dir', join(dir, 's')], /--list: only lists runs/],
        [['export', 'ansible', join(REPO, 'examples/seed-homelab.yaml'), '--collect', '-o', join(dir, 'o')], /expected a PLAN or --collect, not both/],
        [['audit', '--from', join(REPO, 'test/fixtures/hosts/dl360-gen9'), '--host', 'h1'], /--from with --host\/--inventory: expected one or the other/],
        [['pool', 'create', 'p1', '--vg', 'vg0', '--dir', dir], /expected exactly one of --vg VG or --dir PATH/],
        [['bench', '--kernel', '/nonexistent', '--state-dir', join(dir, 's')], /belong to the guest tier/],
      ];
      for (const [argv, want] of cases) {
        const r = await cli(argv);
        assert.equal(r.code, 2, `${argv.join(' ')}: ${r.stderr}`);
        assert.match(r.stderr, want, argv.join(' '));
        assert.equal(r.stderr.trim().split('\n').filter((l) => !l.startsWith('  hint:')).length, 1, `${argv.join(' ')}: one line\n${r.stderr}`);
        assert.equal(r.stdout, '', argv.join(' '));
      }
      assert.deepEqual(readdirSync(dir).filter((f) => f !== 's'), [], 'nothing was created');
    });
  });
});
