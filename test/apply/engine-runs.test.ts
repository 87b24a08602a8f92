// Runs in the journal: each applyActions call is one run; `rollback --run ID` undoes one
// (and refuses while a later run changed the same target); the journal is validated
// line by line; extra action kinds plug in through the `handlers` option (the
// extension point apply/proxmox-handler.ts uses); image creation never takes over a name
// it did not claim.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { applyActions, rollbackJournal } from '../../src/apply/engine.js';
import type { ActionHandler } from '../../src/apply/action-handler.js';
import { journalPath, listRuns, readJournal } from '../../src/apply/journal.js';
import type { FileWrite, ImageCreate } from '../../src/model/action.js';
import { KvmioError } from '../../src/errors.js';
import { cli, withTempDir } from '../helpers.js';

const fileAction = (path: string, content: string): FileWrite => ({ kind: 'file', id: 'test.file', object: path, reason: 'test', path, content });
const read = (root: string, p: string): string | undefined => (existsSync(join(root, p)) ? readFileSync(join(root, p), 'utf8') : undefined);

describe('journal runs', () => {
  it('lists each applyActions call as a run and undoes one run with --run, newest first only', async () => {
    await withTempDir(async (dir) => {
      const root = join(dir, 'root');
      const state = join(dir, 'state');
      await applyActions([fileAction('/a', '1\n')], { stateDir: state, root, purpose: 'fix --yes' });
      await applyActions([fileAction('/b', '1\n'), fileAction('/a', '2\n')], { stateDir: state, root, purpose: 'disk create --yes' });
      const runs = listRuns(readJournal(state));
      assert.deepEqual(runs.map((r) => [r.purpose, r.changed, r.rolledBack]), [['fix --yes', 1, false], ['disk create --yes', 2, false]]);
      const [first, second] = runs.map((r) => r.run) as [string, string];
      // The first run's /a was changed again by the second: undoing the first alone would lose that.
      const early = await rollbackJournal({ stateDir: state, yes: true, run: first });
      assert.deepEqual(early.outcomes.map((o) => o.status), ['refused']);
      assert.match(early.outcomes[0]?.error ?? '', new RegExp(`run ${second} changed it after run ${first}; roll that run back first`));
      assert.equal(read(root, '/a'), '2\n');
      const dry = await rollbackJournal({ stateDir: state, yes: false, run: second });
      assert.deepEqual(dry.outcomes.map((o) => [o.action.object, o.status, o.run]), [['/a', 'would-restore', second], ['/b', 'would-restore', second]]);
      const undo = await rollbackJournal({ stateDir: state, yes: true, run: second });
      assert.deepEqual(undo.outcomes.map((o) => o.status), ['restored', 'restored']);
      assert.equal(undo.rolledBack, second);
      assert.deepEqual([read(root, '/a'), read(root, '/b')], ['1\n', undefined], 'back to how the first run left it');
      assert.deepEqual(listRuns(readJournal(state)).map((r) => r.rolledBack), [false, true]);
      assert.deepEqual((await rollbackJournal({ stateDir: state, yes: true, run: second })).outcomes, [], 'a run is undone once');
      const rest = await rollbackJournal({ stateDir: state, yes: true });
      assert.deepEqual(rest.outcomes.map((o) => [o.action.object, o.status]), [['/a', 'restored']]);
      assert.equal(read(root, '/a'), undefined);
      assert.ok(rest.archived);
    });
  });

  it('an unknown --run is a usage error', async () => {
    await withTempDir(async (dir) => {
      await applyActions([fileAction('/a', '1\n')], { stateDir: dir, root: join(dir, 'r') });
      await assert.rejects(rollbackJournal({ stateDir: dir, yes: false, run: 'nope' }), (e: unknown) => e instanceof KvmioError && e.code === 'usage' && /--run: "nope" is not a run/.test(e.message));
      // the CLI accepts only files kvmio manages, under the --root they were written to
      const sysctl = '/etc/sysctl.d/90-kvmio.conf';
      await applyActions([fileAction(sysctl, '1\n')], { stateDir: join(dir, 'cli'), root: join(dir, 'r') });
      const r = await cli(['rollback', '--run', 'nope', '--root', join(dir, 'r'), '--state-dir', join(dir, 'cli')]);
      assert.equal(r.code, 2, r.stderr);
    });
  });

  it('refuses journal lines that are JSON but not journal records (schema), naming PATH:LINE, so garbage is never half-read or skipped', async () => {
    await withTempDir(async (dir) => {
      await applyActions([fileAction('/a', '1\n')], { stateDir: dir, root: join(dir, 'r') });
      writeFileSync(journalPath(dir), `${readFileSync(journalPath(dir), 'utf8')}{"v":1,"event":"before","seq":"x"}\n{"v":2}\n[]\n`);
      assert.throws(() => readJournal(dir), (e: unknown) => e instanceof KvmioError && e.code === 'refused' && e.message.startsWith(`${journalPath(dir)}:5: not a journal record (seq:`));
    });
  });

  it('kvmio journal prints each run with its command and objects; --json has the same runs', async () => {
    await withTempDir(async (dir) => {
      await applyActions([fileAction('/x', '1\n')], { stateDir: dir, root: join(dir, 'r'), purpose: 'fix --yes' });
      const text = await cli(['journal', '--state-dir', dir]);
      assert.equal(text.code, 0);
      assert.match(text.stdout, /^\S+-\d+ {2}fix --yes: 1 changed, in force\n {2}\/x\n/);
      const j = JSON.parse((await cli(['journal', '--json', '--state-dir', dir])).stdout) as { runs: unknown[] };
      assert.deepEqual(j.runs, listRuns(readJournal(dir)));
      assert.match((await cli(['journal', '--state-dir', join(dir, 'none')])).stdout, /no runs: no journal in/);
    });
  });
});

describe('engine extension point', () => {
  it('runs, journals and rolls back a kind passed in `handlers` (as apply/proxmox-handler.ts will)', async () => {
    await withTempDir(async (dir) => {
      let value = 'old';
      interface Set1 { readonly kind: 'test-set'; readonly id: string; readonly object: string; readonly reason: string; readonly value: string }
      const handler: ActionHandler<Set1, string> = {
        locate: (a) => a,
        key: (a) => `test:${a.object}`,
        snapshot: () => value,
        isDone: (a, s) => s === a.value,
        check: () => undefined,
        describe: (a, s) => `${s} → ${a.value}`,
        apply: (a) => void (value = a.value),
        verify: (a, s) => (s === a.value ? undefined : `is ${s}`),
        restore: (_a, old) => void (value = old),
        compare: (old, cur) => (old === cur ? undefined : `${cur} ≠ ${old}`),
        describeRestore: (_a, old, cur) => `${cur} → ${old}`,
      };
      const handlers = { 'test-set': handler as ActionHandler };
      const out = await applyActions([{ kind: 'test-set', id: 't', object: 'vm 100', reason: 'r', value: 'new' } as Set1], { stateDir: dir, handlers });
      assert.deepEqual(out.map((o) => [o.status, o.change]), [['changed', 'old → new']]);
      await assert.rejects(rollbackJournal({ stateDir: dir, yes: true }), /no handler for action kind "test-set"/, 'rollback needs the handler too');
      const rb = await rollbackJournal({ stateDir: dir, yes: true, handlers });
      assert.deepEqual(rb.outcomes.map((o) => o.status), ['restored']);
      assert.equal(value, 'old');
    });
  });
});

describe('image-create handler', () => {
  const image = (path: string): ImageCreate => ({ kind: 'image-create', id: 'disk.create', object: path, reason: 't', path, format: 'raw', virtualBytes: 1024 ** 2, argv: ['qemu-img', 'create', '-q', '-f', 'raw', '-o', 'preallocation=off', path, '1M'] });

  it('never takes over a file it did not claim: an image that appeared is refused and keeps its bytes', async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, 'a.raw');
      writeFileSync(path, 'precious');
      const out = await applyActions([image(path)], { stateDir: join(dir, 'state') });
      assert.equal(out[0]?.status, 'refused');
      assert.match(out[0]?.error ?? '', /already exists; kvmio never overwrites an image/);
      assert.equal(readFileSync(path, 'utf8'), 'precious');
    });
  });

  it('removes its claim when qemu-img fails, so nothing half-made stays', async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, 'b.raw');
      const bad = { ...image(path), argv: ['qemu-img', 'create', '-q', '-f', 'raw', '-o', 'preallocation=nonsense', path, '1M'] };
      const out = await applyActions([bad], { stateDir: join(dir, 'state') });
      assert.equal(out[0]?.status, 'failed');
      assert.equal(existsSync(path), false);
    });
  });
});
