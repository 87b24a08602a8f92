// The CLI on Proxmox guests: `kvmio audit --from` a recorded PVE node (golden), `vm audit
// --proxmox-conf`, and `vm tune --proxmox` against a fake qm on PATH with a real image
// (qemu-img) on a dir storage: the exact qm set argv, then rollback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execOk } from '../../src/exec.js';
import { assertGoldenFile, cli, fixture, REPO, withTempDir } from '../helpers.js';
import { PVE_HOST } from './fixtures.js';

test('kvmio audit --from pve-host: Proxmox guests picked up from the dump (golden)', async () => {
  const r = await cli(['audit', '--from', PVE_HOST]);
  assert.equal(r.stderr, '');
  // the dump's path depends on the checkout: name it as the repository does
  assertGoldenFile(fixture('proxmox', 'golden', 'audit-pve-host.txt'), r.stdout.split(PVE_HOST).join('test/fixtures/proxmox/pve-host'));
  assert.equal(r.code, r.stdout.includes('FAIL ') ? 1 : 0);
  const j = await cli(['audit', '--from', PVE_HOST, '--json', '--only', 'vm']);
  const findings = (JSON.parse(j.stdout) as { findings: { id: string; object: string; status: string }[] }).findings;
  assert.ok(findings.some((f) => f.id === 'vm.proxmox' && f.status === 'pass'));
  assert.ok(findings.some((f) => f.id === 'vm.definition' && f.object === 'vm:broken' && f.status === 'warn'));
  assert.ok(findings.some((f) => f.id === 'vm.notes' && f.object === 'vm:build-runner'), 'the pending change is said');
});

test('kvmio vm audit --proxmox-conf FILE --proxmox-storage FILE; usage errors exit 2', async () => {
  const conf = join(PVE_HOST, 'fs/etc/pve/nodes/pve1/qemu-server/106.conf');
  const storage = join(PVE_HOST, 'fs/etc/pve/storage.cfg');
  const r = await cli(['vm', 'audit', '--no-libvirt', '--proxmox-conf', conf, '--proxmox-storage', storage]);
  assert.ok(r.code === 0 || r.code === 1, r.stderr);
  assert.match(r.stdout, /vm:files\/scsi1/);
  const bad = await cli(['vm', 'audit', '--no-libvirt', '--proxmox-conf', storage]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /the file name carries no VMID; expected VMID\.conf/);
  const lone = await cli(['vm', 'audit', '--no-libvirt', '--proxmox-storage', storage]);
  assert.equal(lone.code, 2);
  const vmid = await cli(['vm', 'tune', '--proxmox', '12ab']);
  assert.equal(vmid.code, 2);
  assert.match(vmid.stderr, /--proxmox 12ab: not a VMID; expected an integer from 100 to 999999999/);
});

test('kvmio vm tune --proxmox VMID: dry run, --yes through the journal with a fake qm, rollback', async () => {
  await withTempDir(async (dir) => {
    const store = join(dir, 'store');
    const image = join(store, 'images/900/vm-900-disk-0.raw');
    mkdirSync(join(store, 'images/900'), { recursive: true });
    await execOk(['qemu-img', 'create', '-q', '-f', 'raw', '-o', 'preallocation=full', image, '64M']);
    writeFileSync(join(dir, 'storage.cfg'), `dir: tst\n\tpath ${store}\n\tcontent images\n`);
    const conf = 'cores: 2\nmemory: 2048\nname: db\nscsihw: virtio-scsi-pci\nscsi0: tst:900/vm-900-disk-0.raw,cache=writeback,backup=0,serial=db%20disk,size=64M\n';
    writeFileSync(join(dir, '900.conf'), conf);
    writeFileSync(join(dir, 'argv.jsonl'), '');
    writeFileSync(join(dir, 'qm'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(join(REPO, 'dist/test/proxmox/fake-qm.js'))} "$@"\n`);
    chmodSync(join(dir, 'qm'), 0o755);
    const env = { ...process.env, PATH: `${dir}:${process.env.PATH ?? ''}`, FAKE_QM_DIR: dir };
    const saved = { PATH: process.env.PATH, FAKE: process.env.FAKE_QM_DIR };
    // the handler's qm runs through exec.ts, which inherits this process's environment
    process.env.PATH = env.PATH;
    process.env.FAKE_QM_DIR = dir;
    try {
      const argv = (): string[][] => readFileSync(join(dir, 'argv.jsonl'), 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as string[]);
      const want = `tst:900/vm-900-disk-0.raw,cache=none,backup=0,serial=db%20disk,size=64M,aio=native,iothread=1`;
      const dry = await cli(['vm', 'tune', '--proxmox', '900', '--proxmox-storage', join(dir, 'storage.cfg')], env);
      assert.equal(dry.code, 0, dry.stderr);
      assert.ok(dry.stdout.includes(`qm set 900 --scsihw virtio-scsi-single --scsi0 ${want}\n`), dry.stdout);
      assert.equal(readFileSync(join(dir, '900.conf'), 'utf8'), conf, 'a dry run changes nothing');
      assert.deepEqual(argv(), [['qm', 'config', '900']]);

      const state = join(dir, 'state');
      const yes = await cli(['vm', 'tune', '--proxmox', '900', '--proxmox-storage', join(dir, 'storage.cfg'), '--yes', '--state-dir', state], env);
      assert.equal(yes.code, 0, yes.stderr);
      assert.deepEqual(argv().slice(1), [['qm', 'config', '900'], ['qm', 'config', '900'], ['qm', 'set', '900', '--scsihw', 'virtio-scsi-single', '--scsi0', want], ['qm', 'config', '900']]);
      assert.match(readFileSync(join(dir, '900.conf'), 'utf8'), new RegExp(`^scsi0: ${want.replace(/[.%]/g, '\\$&')}$`, 'm'));

      const again = await cli(['vm', 'tune', '--proxmox', '900', '--proxmox-storage', join(dir, 'storage.cfg')], env);
      assert.match(again.stdout, /VM 900 \(db\): nothing to change/);

      const rb = await cli(['rollback', '--yes', '--state-dir', state], env);
      assert.equal(rb.code, 0, rb.stderr + rb.stdout);
      assert.equal(readFileSync(join(dir, '900.conf'), 'utf8'), conf, 'rollback restores the config byte for byte');
    } finally {
      process.env.PATH = saved.PATH;
      if (saved.FAKE === undefined) delete process.env.FAKE_QM_DIR;
      else process.env.FAKE_QM_DIR = saved.FAKE;
    }
  });
});
