// Acceptance for provisioning through the journal engine: `disk create --yes` (image
// file with real qemu-img; LV with the fake lvcreate/lvs/lvremove, argv asserted, since
// this kernel has no device-mapper) and `vg create --yes` (real pvcreate/vgcreate on
// loop devices), then `kvmio rollback --yes`: the image, LV, VG and PVs are gone; a
// rollback after the image (or LV) was used refuses and says why. Each is killed with
// SIGKILL after every durable step (KVMIO_FAULT_AFTER_STEP) and the rerun converges.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { exec, execOk } from '../../src/exec.js';
import { cli, cliProcess, fixture, uniqueName, withLoop, withTempDir } from '../helpers.js';

const LVM_ENV = { LVM_SUPPRESS_FD_WARNINGS: '1' };
const MiB = 1024 ** 2;

const info = async (path: string): Promise<{ format: string; 'virtual-size': number }> =>
  JSON.parse((await execOk(['qemu-img', 'info', '--output=json', path])).stdout) as { format: string; 'virtual-size': number };

describe('disk create --yes on a directory, then kvmio rollback', () => {
  it('journals one run, lists it, shows it in the dry run, and removes the image', async () => {
    await withTempDir(async (dir) => {
      const images = join(dir, 'images');
      mkdirSync(images);
      const state = ['--state-dir', join(dir, 'state')];
      const r = await cli(['disk', 'create', 'd', '--size', '8M', '--on', images, '--yes', ...state]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal((await info(join(images, 'd.raw')))['virtual-size'], 8 * MiB);
      const runs = JSON.parse((await cli(['journal', '--json', ...state])).stdout) as { runs: { run: string; purpose: string; changed: number; objects: string[] }[] };
      assert.equal(runs.runs.length, 1);
      assert.deepEqual([runs.runs[0]?.purpose, runs.runs[0]?.changed, runs.runs[0]?.objects], ['disk create --yes', 1, [join(images, 'd.raw')]]);
      assert.ok(r.stdout.includes(`journaled as run ${runs.runs[0]?.run}: "kvmio rollback --run ${runs.runs[0]?.run}" shows how to undo it`), r.stdout);
      assert.deepEqual(JSON.parse((await cli(['rollback', '--list', '--json', ...state])).stdout), runs);
      const dry = await cli(['rollback', ...state]);
      assert.equal(dry.code, 0);
      assert.ok(dry.stdout.includes(`run ${runs.runs[0]?.run}:`), dry.stdout);
      assert.match(dry.stdout, /would-restore disk\.create .*d\.raw\n {2}.*d\.raw: remove \(kvmio created it; unchanged since\)/);
      assert.equal(existsSync(join(images, 'd.raw')), true, 'a dry run removes nothing');
      const rb = await cli(['rollback', '--yes', ...state]);
      assert.equal(rb.code, 0, rb.stdout + rb.stderr);
      assert.deepEqual(readdirSync(images), []);
    });
  });

  it('refuses to remove an image written to since, says why, and keeps it and the journal', async () => {
    await withTempDir(async (dir) => {
      const images = join(dir, 'images');
      mkdirSync(images);
      const state = ['--state-dir', join(dir, 'state')];
      assert.equal((await cli(['disk', 'create', 'w', '--size', '8M', '--on', images, '--prealloc', 'off', '--yes', ...state])).code, 0);
      await execOk(['dd', 'if=/dev/urandom', `of=${join(images, 'w.raw')}`, 'bs=64k', 'count=1', 'seek=3', 'conv=notrunc', 'status=none']);
      const rb = await cli(['rollback', '--yes', ...state]);
      assert.equal(rb.code, 1);
      assert.match(rb.stdout, /refused {7}disk\.create .*w\.raw[\s\S]*w\.raw was written to since kvmio created it \(modification time changed; allocation map \(qemu-img map\) changed\); kvmio deletes only an image it created and nobody wrote to/);
      assert.equal(existsSync(join(images, 'w.raw')), true);
      assert.equal(existsSync(join(dir, 'state', 'journal.jsonl')), true, 'the journal stays until everything is back');
      const dry = await cli(['rollback', '--json', ...state]);
      assert.equal((JSON.parse(dry.stdout) as { outcomes: { status: string }[] }).outcomes[0]?.status, 'refused');
    });
  });

  it('never adopts a file that only shares the journaled path: a new file there is refused and rollback leaves it alone', async () => {
    await withTempDir(async (dir) => {
      const images = join(dir, 'images');
      mkdirSync(images);
      const state = ['--state-dir', join(dir, 'state')];
      const path = join(images, 's.raw');
      assert.equal((await cli(['disk', 'create', 's', '--size', '8M', '--on', images, '--yes', ...state])).code, 0);
      await execOk(['rm', path]);
      writeFileSync(path, 'someone else\'s data');
      const again = await cli(['disk', 'create', 's', '--size', '8M', '--on', images, '--yes', ...state]);
      assert.equal(again.code, 1);
      assert.match(again.stderr, /refused by guard image-exists/);
      const rb = await cli(['rollback', '--yes', ...state]);
      assert.equal(rb.code, 1);
      assert.match(rb.stdout, /s\.raw was written to since kvmio created it/);
      assert.equal(readFileSync(path, 'utf8'), "someone else's data");
    });
  });

  it('killed with SIGKILL after every step: the rerun converges, rollback leaves the directory empty', async () => {
    await withTempDir(async (dir) => {
      const images = join(dir, 'images');
      mkdirSync(images);
      const state = ['--state-dir', join(dir, 'state')];
      const args = ['disk', 'create', 'k', '--size', '8M', '--on', images, '--yes', ...state];
      let kills = 0;
      for (let n = 1; ; n++) {
        const child = await cliProcess(args, { env: { KVMIO_FAULT_AFTER_STEP: String(n) } });
        if (child.code === 0) break;
        assert.equal(child.code, 128, `step ${n}: killed by its own SIGKILL (${child.stderr})`);
        kills++;
        const rerun = await cli(args);
        // Unfinished: the rerun finishes it. Finished (killed after `done`): like any second create, it refuses to overwrite.
        if (rerun.code !== 0) assert.match(rerun.stderr, /refused by guard image-exists/, `rerun after step ${n}: ${rerun.stderr}`);
        const i = await info(join(images, 'k.raw'));
        assert.deepEqual([i.format, i['virtual-size']], ['raw', 8 * MiB], `image after the rerun (step ${n})`);
        const rb = await cli(['rollback', '--yes', ...state]);
        assert.equal(rb.code, 0, `rollback after step ${n}: ${rb.stdout}`);
        assert.deepEqual(readdirSync(images), [], `rollback after a kill at step ${n}`);
      }
      assert.equal(kills, 3, 'journal before, qemu-img create, journal done');
      assert.equal((await cli(['rollback', '--yes', ...state])).code, 0);
      assert.deepEqual(readdirSync(images), []);
    });
  });
});

/** Real VG on a real loop device, always removed in finally. */
async function withVg<T>(dir: string, fn: (vg: string) => Promise<T>): Promise<T> {
  return withLoop(dir, 64, async (dev) => {
    const vg = uniqueName('kvg').replace(/-/g, '_');
    await execOk(['pvcreate', '-q', dev], { env: LVM_ENV });
    try {
      await execOk(['vgcreate', '-q', vg, dev], { env: LVM_ENV });
      try {
        return await fn(vg);
      } finally {
        await exec(['vgremove', '-q', '-f', vg], { env: LVM_ENV });
      }
    } finally {
      await exec(['pvremove', '-q', dev], { env: LVM_ENV });
    }
  });
}

const lvsReport = (vg: string, lvs: { name: string; attr: string; size: number; uuid?: string }[]): string =>
  JSON.stringify({ report: [{ lv: lvs.map((l) => ({ lv_name: l.name, vg_name: vg, lv_attr: l.attr, lv_size: String(l.size), lv_uuid: l.uuid ?? '', data_percent: '' })) }] });

/** The fake LVM tools (test/fixtures/bin/fake-tool): lvs lists d1 after lvcreate, and not after lvremove. */
function fakeLvm(dir: string, vg: string, attr = '-wi-a-----'): { env: Record<string, string>; calls: () => string[][]; setCreated: (attr: string) => void } {
  const fake = join(dir, 'fake');
  mkdirSync(fake, { recursive: true });
  const log = join(fake, 'calls.log');
  writeFileSync(log, '');
  const created = (a: string): string => lvsReport(vg, [{ name: 'd1', attr: a, size: 16 * MiB, uuid: 'fake-uuid-1' }]);
  writeFileSync(join(fake, 'lvs.out'), lvsReport(vg, []));
  writeFileSync(join(fake, 'lvs.created.out'), created(attr));
  writeFileSync(join(fake, 'lvs.removed.out'), lvsReport(vg, []));
  writeFileSync(join(fake, 'lvcreate.sets'), 'created');
  writeFileSync(join(fake, 'lvremove.sets'), 'removed');
  return {
    env: { PATH: `${fixture('bin', 'lvm-fake')}:${process.env.PATH ?? ''}`, KVMIO_FAKE_LOG: log, KVMIO_FAKE_DIR: fake },
    calls: () => readFileSync(log, 'utf8').split('\n').filter((l) => l !== '').map((l) => l.split('\t')).filter((c) => c[0] !== 'lvs'),
    setCreated: (a) => writeFileSync(join(fake, 'lvs.created.out'), created(a)),
  };
}

describe('disk create --yes on lv:VG (fake lvcreate/lvremove, exact argv), then kvmio rollback', () => {
  it('lvcreate -n d1 -L 16m VG, then rollback runs lvremove -y VG/d1; an open LV is refused', async () => {
    await withTempDir((dir) =>
      withVg(dir, async (vg) => {
        const state = ['--state-dir', join(dir, 'state')];
        const f = fakeLvm(dir, vg);
        const r = await cliProcess(['disk', 'create', 'd1', '--size', '16M', '--on', `lv:${vg}`, '--yes', ...state], { env: f.env });
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(f.calls(), [['lvcreate', '-n', 'd1', '-L', '16m', vg]]);
        f.setCreated('-wi-ao----');
        const open = await cliProcess(['rollback', '--yes', ...state], { env: f.env });
        assert.equal(open.code, 1);
        assert.match(open.stdout, new RegExp(`${vg}/d1 was used since kvmio created it \\(it is open \\(lv_attr -wi-ao----\\)\\)`));
        assert.deepEqual(f.calls(), [['lvcreate', '-n', 'd1', '-L', '16m', vg]], 'nothing removed');
        f.setCreated('-wi-a-----');
        const rb = await cliProcess(['rollback', '--yes', ...state], { env: f.env });
        assert.equal(rb.code, 0, rb.stdout + rb.stderr);
        assert.deepEqual(f.calls(), [['lvcreate', '-n', 'd1', '-L', '16m', vg], ['lvremove', '-y', `${vg}/d1`]]);
      }),
    );
  });

  it('killed with SIGKILL after every step: the rerun converges, rollback removes the LV once', async () => {
    await withTempDir((dir) =>
      withVg(dir, async (vg) => {
        const state = ['--state-dir', join(dir, 'state')];
        const args = ['disk', 'create', 'd1', '--size', '16M', '--on', `lv:${vg}`, '--yes', ...state];
        let kills = 0;
        for (let n = 1; ; n++) {
          const f = fakeLvm(join(dir, `n${n}`), vg);
          const child = await cliProcess(args, { env: { ...f.env, KVMIO_FAULT_AFTER_STEP: String(n) } });
          if (child.code === 0) {
            assert.equal((await cliProcess(['rollback', '--yes', ...state], { env: f.env })).code, 0);
            break;
          }
          assert.equal(child.code, 128, `step ${n}: ${child.stderr}`);
          kills++;
          const rerun = await cliProcess(args, { env: f.env });
          if (rerun.code !== 0) assert.match(rerun.stderr, /refused by guard lv-exists/, `rerun after step ${n}: ${rerun.stderr}`);
          const creates = f.calls().filter((c) => c[0] === 'lvcreate');
          assert.deepEqual(creates, [['lvcreate', '-n', 'd1', '-L', '16m', vg]], `one lvcreate, killed at step ${n}`);
          const rb = await cliProcess(['rollback', '--yes', ...state], { env: f.env });
          assert.equal(rb.code, 0, `rollback after step ${n}: ${rb.stdout}${rb.stderr}`);
          assert.deepEqual(f.calls().filter((c) => c[0] === 'lvremove'), [['lvremove', '-y', `${vg}/d1`]]);
        }
        assert.equal(kills, 3);
      }),
    );
  });
});

describe('vg create --yes (real PVs and VG on loop devices), then kvmio rollback', () => {
  const pvOf = async (dev: string): Promise<number> => (await exec(['pvs', dev], { env: LVM_ENV })).code;
  const vgExists = async (vg: string): Promise<boolean> => (await exec(['vgs', vg], { env: LVM_ENV })).code === 0;

  it('creates two PVs and the VG, rollback removes the VG and both PVs; a VG with a foreign LV is refused', async () => {
    await withTempDir((dir) =>
      withLoop(dir, 32, (a) =>
        withLoop(dir, 32, async (b) => {
          const vg = uniqueName('kvg').replace(/-/g, '_');
          const state = ['--state-dir', join(dir, 'state')];
          try {
            const r = await cli(['vg', 'create', vg, a, b, '--yes', ...state]);
            assert.equal(r.code, 0, r.stderr);
            assert.equal(await vgExists(vg), true);
            const rb = await cli(['rollback', '--yes', ...state]);
            assert.equal(rb.code, 0, rb.stdout + rb.stderr);
            assert.equal(await vgExists(vg), false);
            assert.deepEqual([await pvOf(a), await pvOf(b)], [5, 5], 'no longer PVs');
            // vgextend'ed since: not the VG kvmio made
            assert.equal((await cli(['vg', 'create', vg, a, '--yes', ...state])).code, 0);
            await execOk(['vgextend', '-q', vg, b], { env: LVM_ENV });
            const refused = await cli(['rollback', '--yes', ...state]);
            assert.equal(refused.code, 1);
            assert.match(refused.stdout, new RegExp(`volume group ${vg} was used since kvmio created it \\(it has 2 physical volumes, kvmio created it with 1\\)`));
            assert.equal(await vgExists(vg), true);
          } finally {
            await exec(['vgremove', '-q', '-f', vg], { env: LVM_ENV });
            await exec(['pvremove', '-q', a, b], { env: LVM_ENV });
          }
        }),
      ),
    );
  });

  it('killed with SIGKILL after every step: the rerun converges, rollback removes VG and PVs', async () => {
    await withTempDir((dir) =>
      withLoop(dir, 32, (a) =>
        withLoop(dir, 32, async (b) => {
          const vg = uniqueName('kvg').replace(/-/g, '_');
          const state = ['--state-dir', join(dir, 'state')];
          const args = ['vg', 'create', vg, a, b, '--yes', ...state];
          try {
            let kills = 0;
            for (let n = 1; ; n++) {
              const child = await cliProcess(args, { env: { KVMIO_FAULT_AFTER_STEP: String(n) } });
              if (child.code === 0) break;
              assert.equal(child.code, 128, `step ${n}: ${child.stderr}`);
              kills++;
              const rerun = await cli(args);
              assert.equal(rerun.code, 0, `rerun after step ${n}: ${rerun.stderr}`);
              assert.equal(await vgExists(vg), true);
              const rb = await cli(['rollback', '--yes', ...state]);
              assert.equal(rb.code, 0, `rollback after step ${n}: ${rb.stdout}${rb.stderr}`);
              assert.equal(await vgExists(vg), false, `VG gone after a kill at step ${n}`);
              assert.deepEqual([await pvOf(a), await pvOf(b)], [5, 5], `PVs gone after a kill at step ${n}`);
            }
            assert.equal(kills, 9, 'three durable steps for each PV and for the VG');
            assert.equal((await cli(['rollback', '--yes', ...state])).code, 0);
            assert.equal(await vgExists(vg), false);
          } finally {
            await exec(['vgremove', '-q', '-f', vg], { env: LVM_ENV });
            await exec(['pvremove', '-q', a, b], { env: LVM_ENV });
          }
        }),
      ),
    );
  });
});
