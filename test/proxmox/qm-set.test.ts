// `qm set` through the journal engine against a fake qm on PATH (the real one needs a
// PVE cluster): the exact argv, every option of the original drive string kept, a
// second run changes nothing, rollback puts the old strings back (and deletes keys that
// were absent), a refused `qm set` leaves the config as it was.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withTempDir, REPO } from '../helpers.js';
import { applyActions, previewActions, rollbackJournal } from '../../src/apply/engine.js';
import { PROXMOX_HANDLERS, type ProxmoxSetAction } from '../../src/apply/proxmox-handler.js';
import { parseDrive } from '../../src/proxmox/parse-drive.js';
import { parseStorageCfg } from '../../src/proxmox/parse-storage-cfg.js';
import { readProxmoxVm } from '../../src/proxmox/read-proxmox-vm.js';
import { displayArgv, planQmSet, qmSetArgv, qmSetOptions, type DiskWants } from '../../src/proxmox/plan-qm-set.js';
import { PVE_HOST } from './fixtures.js';

const CONF = (vmid: number): string => join(PVE_HOST, 'fs/etc/pve/nodes/pve1/qemu-server', `${vmid}.conf`);
const STORAGE = parseStorageCfg(readFileSync(join(PVE_HOST, 'fs/etc/pve/storage.cfg'), 'utf8'));

async function withFakeQm<T>(vmids: number[], fn: (dir: string, argv: () => string[][]) => Promise<T>): Promise<T> {
  return withTempDir(async (dir) => {
    for (const v of vmids) copyFileSync(CONF(v), join(dir, `${v}.conf`));
    writeFileSync(join(dir, 'argv.jsonl'), '');
    writeFileSync(join(dir, 'qm'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(join(REPO, 'dist/test/proxmox/fake-qm.js'))} "$@"\n`);
    chmodSync(join(dir, 'qm'), 0o755);
    const saved = { PATH: process.env.PATH, FAKE_QM_DIR: process.env.FAKE_QM_DIR };
    process.env.PATH = `${dir}:${process.env.PATH ?? ''}`;
    process.env.FAKE_QM_DIR = dir;
    try {
      const argv = (): string[][] => readFileSync(join(dir, 'argv.jsonl'), 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as string[]);
      return await fn(dir, argv);
    } finally {
      process.env.PATH = saved.PATH;
      if (saved.FAKE_QM_DIR === undefined) delete process.env.FAKE_QM_DIR;
      else process.env.FAKE_QM_DIR = saved.FAKE_QM_DIR;
      delete process.env.FAKE_QM_FAIL_SET;
      delete process.env.FAKE_QM_SORT;
    }
  });
}

const pvmOf = (vmid: number) => readProxmoxVm({ vmid, file: CONF(vmid), text: readFileSync(CONF(vmid), 'utf8'), storage: STORAGE });

function actionOf(vmid: number, wants: Record<string, DiskWants>, opts: { bus?: boolean } = {}): { action: ProxmoxSetAction; plan: ReturnType<typeof planQmSet> } {
  const plan = planQmSet(pvmOf(vmid), new Map(Object.entries(wants)), opts);
  return { plan, action: { kind: 'proxmox-set', id: 'vm.tune', object: `vm:${vmid}`, reason: 'the decision table', vmid, set: qmSetOptions(plan) } };
}

/** Every option of FROM is in TO with the same value, except the ones the plan changes. */
function assertOptionsKept(from: string, to: string, changed: readonly string[]): void {
  const a = parseDrive(from);
  const b = parseDrive(to);
  assert.ok(a.ok && b.ok);
  assert.equal(b.value.file, a.value.file);
  const nb = new Map(b.value.options);
  for (const [k, v] of a.value.options) if (!changed.includes(k)) assert.equal(nb.get(k), v, `option ${k} of ${from} is lost or changed in ${to}`);
}

test('VM 106 (zvol, virtio-scsi-pci, writeback): qm set argv, options kept, idempotent, rollback restores', async () => {
  await withFakeQm([106], async (dir, argv) => {
    const original = readFileSync(join(dir, '106.conf'), 'utf8');
    const { plan, action } = actionOf(106, { scsi0: { cache: 'none', aio: 'native', iothread: true, reasons: ['zvol: a block device'] } });
    const from = 'local-zfs:vm-106-disk-0,backup=0,cache=writeback,iothread=1,replicate=0,size=96G';
    const to = 'local-zfs:vm-106-disk-0,backup=0,cache=none,iothread=1,replicate=0,size=96G,aio=native';
    assert.deepEqual(plan.drives.map((d) => [d.key, d.from, d.to]), [['scsi0', from, to]]);
    assert.equal(plan.scsihw?.to, 'virtio-scsi-single');
    assertOptionsKept(from, to, ['cache', 'aio']);
    assert.deepEqual(qmSetArgv(106, action.set), ['qm', 'set', '106', '--scsihw', 'virtio-scsi-single', '--scsi0', to]);
    assert.equal(displayArgv(qmSetArgv(106, action.set)), `qm set 106 --scsihw virtio-scsi-single --scsi0 ${to}`);

    await withTempDir(async (state) => {
      const dry = await previewActions([action], { handlers: PROXMOX_HANDLERS });
      assert.equal(dry[0]?.status, 'would-change');
      assert.deepEqual(argv(), [['qm', 'config', '106']], 'a dry run only reads');
      assert.equal(readFileSync(join(dir, '106.conf'), 'utf8'), original);

      const out = await applyActions([action], { stateDir: state, handlers: PROXMOX_HANDLERS });
      assert.equal(out[0]?.status, 'changed', out[0]?.error);
      assert.deepEqual(argv().slice(1), [['qm', 'config', '106'], ['qm', 'set', '106', '--scsihw', 'virtio-scsi-single', '--scsi0', to], ['qm', 'config', '106']]);
      const after = readFileSync(join(dir, '106.conf'), 'utf8');
      assert.match(after, /^scsihw: virtio-scsi-single$/m);
      assert.ok(after.includes(`scsi0: ${to}\n`));
      // the other disks are untouched
      assert.ok(after.includes('scsi1: san-lvm:vm-106-disk-1,size=500G\n') && after.includes('scsi2: nas-smb:106/vm-106-disk-2.raw,size=64G\n'));

      const again = await applyActions([action], { stateDir: state, handlers: PROXMOX_HANDLERS });
      assert.equal(again[0]?.status, 'unchanged');

      const n = argv().length;
      const rb = await rollbackJournal({ stateDir: state, yes: true, handlers: PROXMOX_HANDLERS });
      assert.equal(rb.outcomes[0]?.status, 'restored', rb.outcomes[0]?.error);
      assert.deepEqual(argv().slice(n), [['qm', 'config', '106'], ['qm', 'set', '106', '--scsihw', 'virtio-scsi-pci', '--scsi0', from], ['qm', 'config', '106']]);
      assert.equal(readFileSync(join(dir, '106.conf'), 'utf8'), original, 'the config is byte-identical after rollback');
    });
  });
});

test('VM 102 (scsihw unset = lsi): --bus adds scsihw, rollback deletes it again; without --bus the iothread is skipped with the reason', async () => {
  const noBus = actionOf(102, { scsi0: { iothread: true } });
  assert.equal(noBus.plan.scsihw, undefined);
  assert.equal(noBus.plan.drives.length, 0);
  assert.match(noBus.plan.skipped.join('\n'), /scsi0: an iothread needs scsihw virtio-scsi-single, which replaces the emulated lsi controller.*--bus/);

  await withFakeQm([102], async (dir, argv) => {
    const original = readFileSync(join(dir, '102.conf'), 'utf8');
    const { plan, action } = actionOf(102, { scsi0: { cache: 'none', iothread: true } }, { bus: true });
    assert.deepEqual(plan.scsihw, { from: 'lsi (default)', to: 'virtio-scsi-single', reason: plan.scsihw?.reason });
    assert.match(plan.warnings.join('\n'), /needs the virtio-scsi driver/);
    // iothread=1 is already written (and was ignored under lsi): only cache changes in the string
    assert.deepEqual(action.set, [['scsihw', 'virtio-scsi-single'], ['scsi0', 'local:102/vm-102-disk-0.qcow2,cache=none,iothread=1,size=32G']]);
    await withTempDir(async (state) => {
      // Proxmox re-prints drive strings in its own order: verify compares option sets.
      process.env.FAKE_QM_SORT = '1';
      const out = await applyActions([action], { stateDir: state, handlers: PROXMOX_HANDLERS });
      assert.equal(out[0]?.status, 'changed', out[0]?.error);
      assert.match(readFileSync(join(dir, '102.conf'), 'utf8'), /^scsi0: local:102\/vm-102-disk-0\.qcow2,cache=none,iothread=1,size=32G$/m);
      delete process.env.FAKE_QM_SORT;
      const n = argv().length;
      const rb = await rollbackJournal({ stateDir: state, yes: true, handlers: PROXMOX_HANDLERS });
      assert.equal(rb.outcomes[0]?.status, 'restored', rb.outcomes[0]?.error);
      assert.deepEqual(argv().slice(n + 1, n + 2), [['qm', 'set', '102', '--scsi0', 'local:102/vm-102-disk-0.qcow2,cache=writeback,iothread=1,size=32G', '--delete', 'scsihw']]);
      assert.equal(readFileSync(join(dir, '102.conf'), 'utf8'), original);
    });
  });
});

test('a refused qm set: failed, journaled as failed, config unchanged', async () => {
  await withFakeQm([106], async (dir) => {
    const original = readFileSync(join(dir, '106.conf'), 'utf8');
    const { action } = actionOf(106, { scsi1: { cache: 'none', aio: 'io_uring' } });
    assert.deepEqual(action.set, [['scsi1', 'san-lvm:vm-106-disk-1,size=500G,aio=io_uring']]);
    process.env.FAKE_QM_FAIL_SET = '1';
    await withTempDir(async (state) => {
      const out = await applyActions([action], { stateDir: state, handlers: PROXMOX_HANDLERS });
      assert.equal(out[0]?.status, 'failed');
      assert.match(out[0]?.error ?? '', /qm set 106 --scsi1 .*exit 255.*Parameter verification failed/);
      assert.equal(readFileSync(join(dir, '106.conf'), 'utf8'), original);
    });
  });
});

test('a VM qm does not know: refused with the reason, nothing run but the read', async () => {
  await withFakeQm([], async (_dir, argv) => {
    const action: ProxmoxSetAction = { kind: 'proxmox-set', id: 'vm.tune', object: 'vm:777', reason: 'test', vmid: 777, set: [['scsi0', 'local-lvm:vm-777-disk-0,cache=none']] };
    await withTempDir(async (state) => {
      const out = await applyActions([action], { stateDir: state, handlers: PROXMOX_HANDLERS });
      assert.equal(out[0]?.status, 'refused');
      assert.match(out[0]?.error ?? '', /VM 777: cannot read its config: qm config 777: exit 2: Configuration file .*777\.conf' does not exist/);
      assert.deepEqual(argv(), [['qm', 'config', '777']]);
    });
  });
});

test('plans: pending drives, efidisk, sata and librbd are left alone with the reason; display quotes what needs it', () => {
  const p105 = planQmSet(pvmOf(105), new Map([['virtio0', { cache: 'none', aio: 'native' } as DiskWants]]));
  assert.equal(p105.drives.length, 0);
  assert.match(p105.skipped[0] ?? '', /virtio0: a pending change exists for it/);
  const p103 = planQmSet(pvmOf(103), new Map<string, DiskWants>([['efidisk0', { cache: 'none' }], ['sata0', { cache: 'none', iothread: true }]]));
  assert.match(p103.skipped.join('\n'), /efidisk0: Proxmox has no cache\/aio options/);
  assert.match(p103.skipped.join('\n'), /sata0: sata drives have no iothread.*Windows needs virtio-win/);
  assert.deepEqual(p103.drives.map((d) => d.to), ['local-lvm:vm-103-disk-0,cache=none,discard=on,size=128G,ssd=1']);
  // librbd has no aio option: only cache changes
  const p104 = planQmSet(pvmOf(104), new Map<string, DiskWants>([['scsi0', { cache: 'none', aio: 'native' }]]));
  assert.deepEqual(p104.drives.map((d) => d.to), ['ceph-vm:vm-104-disk-0,cache=none,discard=on,iothread=1,size=200G']);
  assert.equal(displayArgv(['qm', 'set', '1', '--scsi0', 'x:y,serial=a b']), "qm set 1 --scsi0 'x:y,serial=a b'");
  assert.equal(displayArgv(['qm', 'set', '1', '--scsi0', "x:y,model=it's"]), "qm set 1 --scsi0 'x:y,model=it'\\''s'");
});

test('the neutral plan in Proxmox terms: controller iothreads become iothread=1 per drive; --bus moves an lsi VM to virtio-scsi-single by one key; bus moves that rename drives are left to the operator', async () => {
  const { wantsFromPlan } = await import('../../src/proxmox/wants-from-plan.js');
  const p106 = pvmOf(106);
  const w = wantsFromPlan({ disks: [{ key: 'scsi0', label: 'scsi0', set: { cache: 'none', aio: 'native' }, reasons: ['zvol'] }], controllers: [{ key: 'scsihw', iothread: 1 }] }, p106);
  assert.deepEqual([...w.wants.keys()], ['scsi0', 'scsi1', 'scsi2']);
  const plan = planQmSet(p106, w.wants);
  assert.equal(plan.scsihw?.to, 'virtio-scsi-single');
  assert.deepEqual(plan.drives.map((d) => d.to), [
    'local-zfs:vm-106-disk-0,backup=0,cache=none,iothread=1,replicate=0,size=96G,aio=native',
    'san-lvm:vm-106-disk-1,size=500G,iothread=1',
    'nas-smb:106/vm-106-disk-2.raw,size=64G,iothread=1',
  ]);
  const p102 = pvmOf(102);
  const bus = wantsFromPlan({ disks: [], controllers: [] }, p102, { bus: true });
  const pb = planQmSet(p102, bus.wants, { bus: true });
  assert.deepEqual(qmSetOptions(pb), [['scsihw', 'virtio-scsi-single'], ['scsi1', 'local:102/vm-102-disk-1.raw,backup=0,size=100G,iothread=1']]);
  const p103 = pvmOf(103);
  const mv = wantsFromPlan({ disks: [{ key: 'sata0', label: 'vda', set: {}, bus: { from: 'sata', label: 'vda' }, reasons: [] }], controllers: [] }, p103);
  assert.match(mv.skipped[0] ?? '', /sata0: moving it to vda \(virtio\) renames the drive on Proxmox; do it by hand: qm set 103 --virtioN/);
});
