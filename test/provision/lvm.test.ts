// LVM: real pvcreate/vgcreate on loop devices; LV and thin-pool creation need
// device-mapper (absent here), so lvcreate/lvs are a fake tool on PATH that records its
// argv, and the exact argv is asserted. Where device-mapper exists, the last test runs
// them for real.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { exec, execOk } from '../../src/exec.js';
import { cli, cliProcess, fixture, uniqueName, withLoop, withTempDir } from '../helpers.js';

const LVM_ENV = { LVM_SUPPRESS_FD_WARNINGS: '1' };
const FAKE_LVM = fixture('bin', 'lvm-fake');

/** Real VG on real loop devices, always removed (vgremove, pvremove) in finally. */
async function withVg<T>(dir: string, mib: number, fn: (vg: string, dev: string) => Promise<T>): Promise<T> {
  return withLoop(dir, mib, async (dev) => {
    const vg = uniqueName('kvg').replace(/-/g, '_');
    await execOk(['pvcreate', '-q', dev], { env: LVM_ENV });
    try {
      await execOk(['vgcreate', '-q', vg, dev], { env: LVM_ENV });
      try {
        return await fn(vg, dev);
      } finally {
        await exec(['vgremove', '-q', '-f', vg], { env: LVM_ENV });
      }
    } finally {
      await exec(['pvremove', '-q', dev], { env: LVM_ENV });
    }
  });
}

/** Runs the real kvmio binary with the fake lvcreate/lvs first on PATH; returns its result and the recorded calls. */
async function withFakeLvm(dir: string, outputs: Record<string, string>, args: string[], extraEnv: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string; calls: string[][] }> {
  const fakeDir = join(dir, 'fake');
  mkdirSync(fakeDir, { recursive: true });
  const log = join(fakeDir, 'calls.log');
  writeFileSync(log, '');
  rmSync(join(fakeDir, 'state'), { force: true });
  for (const [name, out] of Object.entries(outputs)) writeFileSync(join(fakeDir, name.endsWith('.sets') ? name : `${name}.out`), out);
  const r = await cliProcess(args, { env: { PATH: `${FAKE_LVM}:${process.env.PATH ?? ''}`, KVMIO_FAKE_LOG: log, KVMIO_FAKE_DIR: fakeDir, ...extraEnv } });
  const calls = readFileSync(log, 'utf8').split('\n').filter((l) => l !== '').map((l) => l.split('\t'));
  return { ...r, calls };
}

const lvsReport = (vg: string, lvs: { name: string; attr: string; size: number; uuid?: string }[]): string =>
  JSON.stringify({ report: [{ lv: lvs.map((l) => ({ lv_name: l.name, vg_name: vg, lv_attr: l.attr, lv_size: String(l.size), ...(l.uuid ? { lv_uuid: l.uuid } : {}) })) }] });

/** The fake's answers before and after lvcreate (and after lvremove): lvs lists NEW only in between. */
export const lvsStates = (vg: string, before: { name: string; attr: string; size: number }[], created: { name: string; attr: string; size: number }): Record<string, string> => ({
  lvs: lvsReport(vg, before),
  'lvs.created': lvsReport(vg, [...before, { ...created, uuid: 'fake-uuid-1' }]),
  'lvcreate.sets': 'created',
  'lvremove.sets': 'removed',
  'lvs.removed': lvsReport(vg, before),
});

describe('kvmio vg create (real pvcreate/vgcreate on loop devices)', () => {
  it('makes two loop devices PVs of a new VG', async () => {
    await withTempDir((dir) =>
      withLoop(dir, 32, (a) =>
        withLoop(dir, 32, async (b) => {
          const vg = uniqueName('kvg').replace(/-/g, '_');
          try {
            const dry = await cli(['vg', 'create', vg, a, b]);
            assert.equal(dry.code, 0, dry.stderr);
            assert.ok(dry.stdout.includes(`pvcreate ${a} ${b}\n  vgcreate ${vg} ${a} ${b}`), dry.stdout);
            assert.equal((await exec(['vgs', vg], { env: LVM_ENV })).code, 5, 'a dry run creates nothing');
            const r = await cli(['vg', 'create', vg, a, b, '--yes', '--state-dir', join(dir, 'state')]);
            assert.equal(r.code, 0, r.stderr);
            const pvs = JSON.parse((await execOk(['pvs', '--reportformat', 'json', '-o', 'pv_name,vg_name', a, b], { env: LVM_ENV })).stdout) as { report: { pv: { pv_name: string; vg_name: string }[] }[] };
            assert.deepEqual(pvs.report[0]?.pv.map((p) => [p.pv_name, p.vg_name]).sort(), [[a, vg], [b, vg]].sort());
            // Now the devices are active PVs: a second VG on them is refused, even with --force.
            const again = await cli(['vg', 'create', `${vg}x`, a, '--yes', '--force']);
            assert.equal(again.code, 1);
            assert.match(again.stderr, new RegExp(`${a}: refused by guard active-pv: ${a} is a physical volume of volume group ${vg}`));
            const same = await cli(['vg', 'create', vg, '/dev/null']);
            assert.equal(same.code, 1);
            assert.match(same.stderr, /refused by guard vg-exists/);
          } finally {
            await exec(['vgremove', '-q', '-f', vg], { env: LVM_ENV });
            await exec(['pvremove', '-q', a, b], { env: LVM_ENV });
          }
        }),
      ),
    );
  });

  it('with --thin-pool: real PV and VG, then the exact thin-pool lvcreate (fake, no device-mapper)', async () => {
    await withTempDir((dir) =>
      withLoop(dir, 4096, async (dev) => {
        const vg = uniqueName('kvg').replace(/-/g, '_');
        try {
          const r = await withFakeLvm(dir, lvsStates(vg, [], { name: 'pool', attr: 'twi-a-tz--', size: 1024 ** 3 }), ['vg', 'create', vg, dev, '--thin-pool', 'pool', '--thin-size', '1G', '--yes', '--state-dir', join(dir, 'state')]);
          assert.equal(r.code, 0, r.stderr);
          assert.deepEqual(r.calls.filter((c) => c[0] !== 'lvs'), [['lvcreate', '--type', 'thin-pool', '-L', '1g', '--poolmetadatasize', '1g', '-n', 'pool', vg]]);
          assert.equal((await exec(['vgs', vg], { env: LVM_ENV })).code, 0, 'the VG is real');
        } finally {
          await exec(['vgremove', '-q', '-f', vg], { env: LVM_ENV });
          await exec(['pvremove', '-q', dev], { env: LVM_ENV });
        }
      }),
    );
  });

  it('refuses a thin pool that does not fit (data + metadata + spare), before pvcreate', async () => {
    await withTempDir((dir) =>
      withLoop(dir, 1024, async (dev) => {
        const r = await withFakeLvm(dir, {}, ['vg', 'create', uniqueName('kvg'), dev, '--thin-pool', 'pool', '--yes', '--state-dir', join(dir, 'state')]);
        assert.equal(r.code, 1);
        assert.match(r.stderr, /refused by guard vg-free: thin pool pool needs/);
        assert.equal((await exec(['pvs', dev], { env: LVM_ENV })).code, 5, 'no PV was made');
      }),
    );
  });
});

describe('kvmio disk create on lv:VG and thin:VG/POOL (real VG, fake lvcreate/lvs)', () => {
  it('linear LV: lvcreate -n NAME -L SIZE VG, and the XML for /dev/VG/NAME', async () => {
    await withTempDir((dir) =>
      withVg(dir, 64, async (vg) => {
        const r = await withFakeLvm(dir, lvsStates(vg, [], { name: 'd1', attr: '-wi-a-----', size: 16 * 1024 ** 2 }), ['disk', 'create', 'd1', '--size', '16M', '--on', `lv:${vg}`, '--yes', '--state-dir', join(dir, 'state')]);
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(r.calls.filter((c) => c[0] === 'lvcreate'), [['lvcreate', '-n', 'd1', '-L', '16m', vg]]);
        assert.match(r.stdout, new RegExp(`<source dev='/dev/${vg}/d1'/>`));
        assert.match(r.stdout, /cache='none' io='native'/);
      }),
    );
  });

  it('refuses an LV name that exists, and a size beyond the VG\'s free space, without calling lvcreate', async () => {
    await withTempDir((dir) =>
      withVg(dir, 64, async (vg) => {
        const exists = await withFakeLvm(dir, { lvs: lvsReport(vg, [{ name: 'd1', attr: '-wi-a-----', size: 8 * 1024 ** 2 }]) }, ['disk', 'create', 'd1', '--size', '8M', '--on', `lv:${vg}`, '--yes']);
        assert.equal(exists.code, 1);
        assert.match(exists.stderr, new RegExp(`/dev/${vg}/d1: refused by guard lv-exists`));
        const big = await withFakeLvm(dir, { lvs: lvsReport(vg, []) }, ['disk', 'create', 'd2', '--size', '1G', '--on', `lv:${vg}`, '--yes']);
        assert.equal(big.code, 1);
        assert.match(big.stderr, new RegExp(`${vg}: refused by guard vg-free: needs 1073741824 bytes but volume group ${vg} has \\d+ bytes free`));
        assert.deepEqual([...exists.calls, ...big.calls].filter((c) => c[0] === 'lvcreate'), []);
        const none = await cli(['disk', 'create', 'd3', '--size', '8M', '--on', 'lv:kvmio_no_such_vg', '--yes']);
        assert.equal(none.code, 1);
        assert.match(none.stderr, /refused by guard vg-missing/);
      }),
    );
  });

  it('thin LV: lvcreate -V SIZE -T VG/POOL -n NAME, with discard for the thin volume', async () => {
    await withTempDir((dir) =>
      withVg(dir, 64, async (vg) => {
        const pool = lvsReport(vg, [{ name: 'pool', attr: 'twi-a-tz--', size: 32 * 1024 ** 2 }]);
        const r = await withFakeLvm(dir, { ...lvsStates(vg, [{ name: 'pool', attr: 'twi-a-tz--', size: 32 * 1024 ** 2 }], { name: 't1', attr: 'Vwi-a-tz--', size: 100 * 1024 ** 3 }), lvs: pool }, ['disk', 'create', 't1', '--size', '100G', '--on', `thin:${vg}/pool`, '--yes', '--state-dir', join(dir, 'state')]);
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(r.calls.filter((c) => c[0] === 'lvcreate'), [['lvcreate', '-V', '100g', '-T', `${vg}/pool`, '-n', 't1']]);
        assert.match(r.stdout, /overcommitted/);
        assert.match(r.stdout, /discard='unmap'/);
        const noPool = await withFakeLvm(dir, { lvs: lvsReport(vg, [{ name: 'pool', attr: '-wi-a-----', size: 8 }]) }, ['disk', 'create', 't2', '--size', '1G', '--on', `thin:${vg}/pool`, '--yes']);
        assert.equal(noPool.code, 1);
        assert.match(noPool.stderr, /refused by guard thin-pool-missing: .*is not a thin pool/);
      }),
    );
  });

  const hasDm = existsSync('/proc/misc') && /\bdevice-mapper\b/.test(readFileSync('/proc/misc', 'utf8'));
  it('creates a thin pool, a linear LV and a thin LV for real', { skip: hasDm ? false : 'no device-mapper in this kernel (/proc/misc has no device-mapper): LVs cannot be activated here' }, async () => {
    await withTempDir((dir) =>
      withLoop(dir, 3072, async (dev) => {
        const vg = uniqueName('kvg').replace(/-/g, '_');
        try {
          const state = ['--state-dir', join(dir, 'state')];
          assert.equal((await cli(['vg', 'create', vg, dev, '--thin-pool', 'pool', '--thin-size', '256M', '--yes', ...state])).code, 0);
          assert.equal((await cli(['disk', 'create', 'lin', '--size', '16M', '--on', `lv:${vg}`, '--yes', ...state])).code, 0);
          assert.equal((await cli(['disk', 'create', 'thn', '--size', '1G', '--on', `thin:${vg}/pool`, '--yes', ...state])).code, 0);
          const lvs = (await execOk(['lvs', '--noheadings', '-o', 'lv_name', vg], { env: LVM_ENV })).stdout.split(/\s+/).filter((s) => s !== '').sort();
          assert.deepEqual(lvs, ['lin', 'pool', 'thn']);
        } finally {
          await exec(['vgremove', '-q', '-f', vg], { env: LVM_ENV });
          await exec(['pvremove', '-q', dev], { env: LVM_ENV });
        }
      }),
    );
  });
});
