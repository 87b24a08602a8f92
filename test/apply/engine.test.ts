import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyActions, previewActions, rollbackJournal, verifyJournal } from '../../src/apply/engine.js';
import { journalTargets, readJournal } from '../../src/apply/journal.js';
import { acquireLock } from '../../src/apply/lock.js';
import { parseSysfsValue } from '../../src/apply/handlers.js';
import type { FileWrite, SysfsWrite } from '../../src/model/action.js';
import { KvmioError } from '../../src/errors.js';
import { withLoop, withTempDir } from '../helpers.js';

const schedPath = (dev: string): string => `/sys/block/${dev.replace('/dev/', '')}/queue/scheduler`;
const liveSched = (dev: string): string => parseSysfsValue(readFileSync(schedPath(dev), 'utf8')).value;

const fileAction = (path: string, content: string): FileWrite => ({ kind: 'file', id: 'test.file', object: path, reason: 'test', path, content });
const schedAction = (dev: string, value: string): SysfsWrite => ({ kind: 'sysfs', id: 'test.sched', object: dev, reason: 'test', path: schedPath(dev), value });

describe('apply engine', () => {
  it('applies a file and a sysfs value, skips them the second time, and rolls both back exactly', async () => {
    await withTempDir(async (dir) => {
      await withLoop(dir, 4, async (dev) => {
        const root = join(dir, 'root');
        const state = join(dir, 'state');
        const before = liveSched(dev);
        const target = before === 'none' ? 'mq-deadline' : 'none';
        const actions = [fileAction('/etc/kvmio-test/a.conf', 'x = 1\n'), schedAction(dev, target)];
        try {
          const preview = await previewActions(actions, { root });
          assert.deepEqual(preview.map((o) => o.status), ['would-change', 'would-change']);
          assert.match(preview[0]!.change, /\+x = 1/);
          assert.match(preview[1]!.change, new RegExp(`${before} → ${target}`));
          assert.equal(existsSync(join(root, 'etc')), false, 'dry run writes nothing');

          const first = await applyActions(actions, { stateDir: state, root });
          assert.deepEqual(first.map((o) => o.status), ['changed', 'changed']);
          assert.equal(readFileSync(join(root, 'etc/kvmio-test/a.conf'), 'utf8'), 'x = 1\n');
          assert.equal(liveSched(dev), target);
          assert.equal(statSync(join(root, 'etc/kvmio-test/a.conf')).mode & 0o777, 0o644);

          const journalBytes = readFileSync(join(state, 'journal.jsonl'), 'utf8');
          const second = await applyActions(actions, { stateDir: state, root });
          assert.deepEqual(second.map((o) => o.status), ['unchanged', 'unchanged']);
          assert.equal(readFileSync(join(state, 'journal.jsonl'), 'utf8'), journalBytes, 'a no-op run journals nothing');
          assert.deepEqual((await verifyJournal({ stateDir: state })).map((d) => d.drift), [undefined, undefined]);

          const dry = await rollbackJournal({ stateDir: state, yes: false });
          assert.deepEqual(dry.outcomes.map((o) => o.status), ['would-restore', 'would-restore']);
          assert.equal(liveSched(dev), target, 'rollback without --yes changes nothing');

          const rb = await rollbackJournal({ stateDir: state, yes: true });
          assert.deepEqual(rb.outcomes.map((o) => o.status), ['restored', 'restored']);
          assert.equal(liveSched(dev), before);
          assert.equal(existsSync(join(root, 'etc')), false, 'created file and directories are gone');
          assert.ok(rb.archived && existsSync(rb.archived));
          assert.equal(existsSync(join(state, 'journal.jsonl')), false);
        } finally {
          writeFileSync(schedPath(dev), before);
        }
      });
    });
  });

  it('restores an existing file to its exact bytes and mode', async () => {
    await withTempDir(async (dir) => {
      const root = join(dir, 'root');
      const state = join(dir, 'state');
      mkdirSync(join(root, 'etc'), { recursive: true });
      const p = join(root, 'etc/x.conf');
      const original = Buffer.from([0x61, 0x0a, 0xff, 0x00, 0x62]); // not valid UTF-8 on purpose
      writeFileSync(p, original);
      chmodSync(p, 0o600);
      await applyActions([fileAction('/etc/x.conf', 'new\n')], { stateDir: state, root });
      assert.equal(readFileSync(p, 'utf8'), 'new\n');
      await rollbackJournal({ stateDir: state, yes: true });
      assert.deepEqual(readFileSync(p), original);
      assert.equal(statSync(p).mode & 0o777, 0o600);
    });
  });

  it('refuses a value the kernel does not offer, journaling nothing', async () => {
    await withTempDir(async (dir) => {
      await withLoop(dir, 4, async (dev) => {
        const out = await applyActions([schedAction(dev, 'cfq'), fileAction('/x', '1\n')], { stateDir: join(dir, 'state'), root: join(dir, 'r') });
        assert.deepEqual(out.map((o) => o.status), ['refused', 'not-run']);
        assert.equal(existsSync(join(dir, 'r')), false);
        assert.match(out[0]!.error ?? '', /"cfq" is not offered/);
        assert.deepEqual(readJournal(join(dir, 'state')), []);
      });
    });
  });

  it('rollback uses the first journaled state even when a rerun journaled the changed value', async () => {
    await withTempDir(async (dir) => {
      const state = join(dir, 'state');
      const root = join(dir, 'root');
      await applyActions([fileAction('/a', '1\n')], { stateDir: state, root });
      await applyActions([fileAction('/a', '2\n')], { stateDir: state, root });
      const targets = journalTargets(readJournal(state));
      assert.equal(targets.length, 1);
      assert.deepEqual(targets[0]!.original, { exists: false, missingDirs: [root] });
      await rollbackJournal({ stateDir: state, yes: true });
      assert.equal(existsSync(root), false);
    });
  });

  it('ignores a torn last journal line', async () => {
    await withTempDir(async (dir) => {
      const state = join(dir, 'state');
      await applyActions([fileAction('/a', '1\n')], { stateDir: state, root: join(dir, 'r') });
      writeFileSync(join(state, 'journal.jsonl'), readFileSync(join(state, 'journal.jsonl'), 'utf8') + '{"v":1,"event":"bef');
      assert.equal(readJournal(state).length, 2);
      await applyActions([fileAction('/b', '1\n')], { stateDir: state, root: join(dir, 'r') });
      assert.equal(readJournal(state).length, 4);
    });
  });
});

describe('state lock', () => {
  it('refuses a second holder and names the first', async () => {
    await withTempDir(async (dir) => {
      const lock = await acquireLock(dir, { purpose: 'fix --yes' });
      try {
        await assert.rejects(acquireLock(dir), (e: unknown) => e instanceof KvmioError && e.code === 'locked' && e.message.includes(String(process.pid)));
      } finally {
        lock.release();
      }
      (await acquireLock(dir)).release();
    });
  });

  it('takes over a lock left by a dead process', async () => {
    await withTempDir(async (dir) => {
      writeFileSync(join(dir, 'lock'), '999999999\nfix --yes\n');
      const lock = await acquireLock(dir);
      assert.match(readFileSync(join(dir, 'lock'), 'utf8'), new RegExp(`^${process.pid}\n`));
      lock.release();
    });
  });

  it('waits for the holder with wait', async () => {
    await withTempDir(async (dir) => {
      const first = await acquireLock(dir);
      setTimeout(() => first.release(), 300);
      const second = await acquireLock(dir, { wait: true });
      second.release();
    });
  });
});

describe('apply engine crash leftovers and guards', () => {
  it('rollback removes a temp file left by a write killed before its rename', async () => {
    await withTempDir(async (dir) => {
      const state = join(dir, 'state');
      const root = join(dir, 'root');
      mkdirSync(join(root, 'etc'), { recursive: true });
      await applyActions([fileAction('/etc/a.conf', '1\n')], { stateDir: state, root });
      writeFileSync(join(root, 'etc/.a.conf.kvmio-new'), 'half'); // as if killed inside writeFileAtomic
      await rollbackJournal({ stateDir: state, yes: true });
      assert.deepEqual(readdirSync(join(root, 'etc')), []);
    });
  });

  it('refuses to replace a symlink', async () => {
    await withTempDir(async (dir) => {
      const root = join(dir, 'root');
      mkdirSync(join(root, 'etc'), { recursive: true });
      symlinkSync('../x', join(root, 'etc/link.conf'));
      const out = await applyActions([fileAction('/etc/link.conf', '1\n')], { stateDir: join(dir, 'state'), root });
      assert.equal(out[0]!.status, 'refused');
      assert.match(out[0]!.error ?? '', /not a regular file/);
    });
  });
});

describe('state dir that cannot be created', () => {
  it('is a clear KvmioError, not a crash', async () => {
    await withTempDir(async (dir) => {
      writeFileSync(join(dir, 'file'), '');
      await assert.rejects(acquireLock(join(dir, 'file', 'state')), (e: unknown) => e instanceof KvmioError && /cannot create state directory/.test(e.message));
    });
  });
});
