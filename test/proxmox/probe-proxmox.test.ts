// Reading a Proxmox host through the Source port: the recorded node (both cluster nodes'
// configs, storage.cfg, pveversion), a host that is not Proxmox (nothing read), config
// files given by name, and pveversion's output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DumpSource } from '../../src/facts/dump-source.js';
import { LocalSource } from '../../src/facts/local-source.js';
import { fixture } from '../helpers.js';
import { parsePveversion, probeProxmox, probeProxmoxFiles, vmidOfFile } from '../../src/proxmox/probe-proxmox.js';
import { pveHostFacts, PVE_HOST } from './fixtures.js';

test('pve-host: this node through the qemu-server link, the other node by nodes/*, never twice', async () => {
  const f = await pveHostFacts();
  const nodes = f.vms.map((v) => (v.vm.ref.manager.kind === 'proxmox' ? `${v.vmid}@${v.vm.ref.manager.node}` : '?'));
  assert.deepEqual(nodes, ['101@pve1', '102@pve1', '103@pve1', '104@pve1', '105@pve1', '106@pve1', '190@pve1', '201@pve2']);
  assert.equal(f.vms.every((v) => !v.vm.running), true, 'a dump without pid files: nothing runs');
});

test('a host without /etc/pve/qemu-server is not a Proxmox host: nothing read, nothing reported', async () => {
  const f = await probeProxmox(new DumpSource(fixture('hosts', 'dl360-gen9')));
  assert.equal(f.present, false);
  assert.deepEqual(f.vms, []);
});

test('--proxmox-conf files: read with storage.cfg; a name without VMID or an unreadable file is a usage error', async () => {
  const dir = join(PVE_HOST, 'fs/etc/pve/nodes/pve1/qemu-server');
  const storage = join(PVE_HOST, 'fs/etc/pve/storage.cfg');
  const f = await probeProxmoxFiles(new LocalSource(), [join(dir, '101.conf'), join(dir, '106.conf')], storage);
  assert.deepEqual(f.vms.map((v) => v.vmid), [101, 106]);
  assert.equal(f.vms[1]?.vm.disks[1]?.aio.value, 'native', 'san-lvm resolved through the given storage.cfg');
  await assert.rejects(probeProxmoxFiles(new LocalSource(), [storage], storage), /--proxmox-conf .*storage\.cfg: the file name carries no VMID; expected VMID\.conf/);
  await assert.rejects(probeProxmoxFiles(new LocalSource(), [join(dir, '999.conf')], storage), /--proxmox-conf .*999\.conf: cannot read it/);
  await assert.rejects(probeProxmoxFiles(new LocalSource(), [join(dir, '101.conf')], join(dir, 'nope.cfg')), /--proxmox-storage .*nope\.cfg: cannot read it/);
});

test('pveversion and file names', () => {
  const v = parsePveversion('pve-manager/7.4-17/513c62be (running kernel: 5.15.131-2-pve)\n');
  assert.ok(v.ok);
  assert.deepEqual(v.value, { manager: { major: 7, minor: 4, patch: 17 }, kernel: '5.15.131-2-pve' });
  assert.equal(parsePveversion('bash: pveversion: command not found').ok, false);
  assert.equal(vmidOfFile('/etc/pve/qemu-server/101.conf'), 101);
  assert.equal(vmidOfFile('/tmp/web.conf'), undefined);
});

test('recorded through the Source port: a RecordingSource over the node saves a dump that reads back to the same VMs', async () => {
  const { RecordingSource } = await import('../../src/facts/recording-source.js');
  const { withTempDir } = await import('../helpers.js');
  const { renderModel } = await import('./fixtures.js');
  const { probeProxmoxVms } = await import('../../src/proxmox/probe-vms.js');
  await withTempDir(async (dir) => {
    const rec = new RecordingSource(new DumpSource(PVE_HOST));
    const first = await probeProxmoxVms(rec, { host: true });
    await rec.save(join(dir, 'dump'), { redact: false });
    const again = await probeProxmoxVms(new DumpSource(join(dir, 'dump')), { host: true });
    assert.equal(renderModel(again.proxmox), renderModel(first.proxmox));
    assert.deepEqual(again.managers, first.managers);
    assert.match(JSON.stringify(first.managers), /8 VM config\(s\) on 2 nodes.*pve-manager 8\.2\.4/);
  });
});
