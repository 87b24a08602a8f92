// plan apply's LVM: new PVs pass `vg create`'s device guards (a loop device carrying a
// real ext4 signature is refused unless the plan says wipeSignatures: true; the root
// disk always), and an LV-backed VM: real pvcreate/vgcreate on a loop device, lvcreate
// and lvs a fake tool on PATH (an LV needs device-mapper, absent here; the exact argv is
// asserted), and the domain defined on the real libvirtd with <source dev='/dev/VG/LV'>
// (define does not need the device). Unique names; vgremove, pvremove and losetup -d in
// finally.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exec, execOk } from '../../src/exec.js';
import { cli, cliProcess, fixture, uniqueName, withLoop, withTempDir } from '../helpers.js';

const LVM_ENV = { LVM_SUPPRESS_FD_WARNINGS: '1' };
const URI = 'qemu:///system';
const virsh = (...args: string[]) => exec(['virsh', '-q', '-c', URI, ...args], { timeoutMs: 60_000 });
const env = { ...process.env, LIBVIRT_DEFAULT_URI: URI };
const vgName = (): string => uniqueName('kplan').replace(/-/g, '_');

/** Whatever a failed test left of VG on DEV, by its unique name only. */
async function removeVg(vg: string, dev: string): Promise<void> {
  await exec(['vgremove', '-q', '-f', vg], { env: LVM_ENV });
  await exec(['pvremove', '-q', dev], { env: LVM_ENV });
}

const isPv = async (dev: string): Promise<boolean> => (await exec(['pvs', dev], { env: LVM_ENV })).code === 0;

const planFile = (dir: string, lines: readonly string[]): string => {
  const f = join(dir, `${uniqueName('plan')}.yaml`);
  writeFileSync(f, ['kvmio: kvmio-plan/1', 'host: { schedulers: { policy: keep }, aioMaxNr: 65536 }', ...lines, ''].join('\n'));
  return f;
};

describe('kvmio plan apply: new PVs behind the signature guard', () => {
  it('refuses a loop device with an ext4 signature, writes nothing; wipeSignatures: true lets pvcreate --yes wipe it; rollback removes VG and PV', async () => {
    await withTempDir((dir) =>
      withLoop(dir, 64, async (dev) => {
        await execOk(['mkfs.ext4', '-q', '-F', dev]);
        const vg = vgName();
        const st = join(dir, 'state');
        try {
          const refused = planFile(dir, ['volumeGroups:', `  - { name: ${vg}, pvs: [${dev}] }`]);
          const r = await cli(['plan', 'apply', refused, '--state-dir', st, '--root', join(dir, 'root'), '--yes'], env);
          assert.equal(r.code, 1, r.stdout + r.stderr);
          assert.match(r.stderr, new RegExp(`volume group ${vg}: ${dev}: refused by guard signature\\.filesystem: ext4 filesystem signature .*\\(or set wipeSignatures: true on the volume group\\)`));
          assert.match(r.stderr, /1 refusal; nothing was done/);
          assert.ok(!existsSync(join(st, 'journal.jsonl')), 'nothing journaled');
          assert.equal(await isPv(dev), false);
          assert.equal((await exec(['blkid', '-p', '-o', 'value', '-s', 'TYPE', dev])).stdout.trim(), 'ext4', 'the filesystem is untouched');

          const wipe = planFile(dir, ['volumeGroups:', `  - { name: ${vg}, pvs: [${dev}], wipeSignatures: true }`]);
          const w = await cli(['plan', 'apply', wipe, '--state-dir', st, '--root', join(dir, 'root'), '--yes'], env);
          assert.equal(w.code, 0, w.stdout + w.stderr);
          assert.match(w.stderr, new RegExp(`volume group ${vg}: wipeSignatures overrides: ${dev}: ext4 filesystem signature`));
          assert.match(w.stdout, new RegExp(`^changed +plan\\.pv ${dev}\\n  ${dev}: pvcreate --yes ${dev}$`, 'm'));
          assert.match(w.stdout, new RegExp(`^changed +plan\\.vg ${vg}$`, 'm'));
          assert.equal(await isPv(dev), true);
          const rb = await cli(['rollback', '--state-dir', st, '--yes'], env);
          assert.equal(rb.code, 0, rb.stdout + rb.stderr);
          assert.equal(await isPv(dev), false, 'pvremoved');
          assert.equal((await exec(['vgs', vg], { env: LVM_ENV })).code, 5, 'vgremoved');
        } finally {
          await removeVg(vg, dev);
        }
      }),
    );
  });

  it('the root disk is refused even with wipeSignatures (dry run: nothing could be written)', async () => {
    await withTempDir(async (dir) => {
      const f = planFile(dir, ['volumeGroups:', `  - { name: ${vgName()}, pvs: [/dev/vda], wipeSignatures: true }`]);
      const r = await cli(['plan', 'apply', f, '--state-dir', join(dir, 'st')], env);
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(r.stdout, /volumeGroups\[0\]\.pvs\[0\]: "\/dev\/vda" is in use: .*root/);
    });
  });
});

describe('kvmio plan apply: an LV-backed VM (real PV/VG on a loop device, fake lvcreate/lvs)', () => {
  it('pvcreate, vgcreate, the exact lvcreate, and a domain on /dev/VG/LV; rollback undefines, lvremoves, vgremoves, pvremoves', async () => {
    await withTempDir((dir) =>
      withLoop(dir, 64, async (dev) => {
        const vg = vgName();
        const vm = uniqueName('kvmio-plan-lv');
        const st = join(dir, 'state');
        const fake = join(dir, 'fake');
        mkdirSync(fake, { recursive: true });
        const log = join(fake, 'calls.log');
        const lvs = (rows: { lv_name: string; vg_name: string; lv_attr: string; lv_size: string; lv_uuid?: string }[]): string => JSON.stringify({ report: [{ lv: rows }] });
        const created = { lv_name: 'root', vg_name: vg, lv_attr: '-wi-a-----', lv_size: String(16 * 2 ** 20), lv_uuid: 'fake-uuid-root' };
        writeFileSync(join(fake, 'lvs.out'), lvs([]));
        writeFileSync(join(fake, 'lvs.created.out'), lvs([created]));
        writeFileSync(join(fake, 'lvs.removed.out'), lvs([]));
        writeFileSync(join(fake, 'lvcreate.sets'), 'created');
        writeFileSync(join(fake, 'lvremove.sets'), 'removed');
        const fenv = { ...LVM_ENV, LIBVIRT_DEFAULT_URI: URI, PATH: `${fixture('bin', 'lvm-fake')}:${process.env.PATH ?? ''}`, KVMIO_FAKE_LOG: log, KVMIO_FAKE_DIR: fake };
        const calls = (): string[][] => readFileSync(log, 'utf8').split('\n').filter((l) => l !== '').map((l) => l.split('\t')).filter((c) => c[0] !== 'lvs');
        writeFileSync(log, '');
        const f = planFile(dir, [
          'volumeGroups:',
          `  - { name: ${vg}, pvs: [${dev}] }`,
          'vms:',
          `  - { name: ${vm}, memory: 64M, vcpus: 1, firmware: bios, disks: [{ type: lv, vg: ${vg}, name: root, size: 16M }] }`,
        ]);
        try {
          const r = await cliProcess(['plan', 'apply', f, '--state-dir', st, '--root', join(dir, 'root'), '--domain-type', 'qemu', '--yes'], { env: fenv });
          assert.equal(r.code, 0, r.stdout + r.stderr);
          assert.deepEqual(calls(), [['lvcreate', '-n', 'root', '-L', `${16 * 2 ** 20}b`, vg]]);
          for (const id of ['plan.pv', 'plan.vg', 'plan.lv', 'plan.domain']) assert.match(r.stdout, new RegExp(`^changed +${id.replace('.', '\\.')} `, 'm'));
          assert.equal((await exec(['vgs', vg], { env: LVM_ENV })).code, 0, 'the VG is real');
          const xml = (await virsh('dumpxml', '--inactive', vm)).stdout;
          assert.match(xml, new RegExp(`<driver name='qemu' type='raw' cache='none' io='native' iothread='1'/>\\s*<source dev='/dev/${vg}/root'/>`));

          const again = await cliProcess(['plan', 'apply', f, '--state-dir', st, '--root', join(dir, 'root'), '--domain-type', 'qemu', '--yes'], { env: fenv });
          assert.equal(again.code, 0, again.stdout + again.stderr);
          assert.match(again.stdout, /^0 changes made, /m);
          assert.deepEqual(calls(), [['lvcreate', '-n', 'root', '-L', `${16 * 2 ** 20}b`, vg]], 'no second lvcreate');

          const rb = await cliProcess(['rollback', '--state-dir', st, '--yes'], { env: fenv });
          assert.equal(rb.code, 0, rb.stdout + rb.stderr);
          assert.deepEqual(calls(), [['lvcreate', '-n', 'root', '-L', `${16 * 2 ** 20}b`, vg], ['lvremove', '-y', `${vg}/root`]]);
          assert.equal((await virsh('dominfo', vm)).code, 1, 'domain undefined');
          assert.equal((await exec(['vgs', vg], { env: LVM_ENV })).code, 5, 'vgremoved');
          assert.equal(await isPv(dev), false, 'pvremoved');
        } finally {
          await virsh('undefine', '--', vm);
          await removeVg(vg, dev);
        }
      }),
    );
  });
});
