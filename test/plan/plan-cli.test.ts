// kvmio plan schema|check|show on the guide's deployment against the recorded DL360, and
// bad plans each rejected with one file:line:column line (a table, as virt-manager's
// test_cli.py keeps its invalid command lines).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, assertGoldenFile, cli, fixture, withTempDir } from '../helpers.js';
import { planJsonSchema } from '../../src/plan/plan-schema.js';

const SEED = 'examples/seed-homelab.yaml';
const DL360 = 'test/fixtures/hosts/dl360-gen9';
const golden = (name: string): string => fixture('golden', 'plan', name);

describe('kvmio plan schema', () => {
  it('the published schema is the one zod generates, and plan schema prints it', async () => {
    const text = `${JSON.stringify(planJsonSchema(), null, 2)}\n`;
    assertGoldenFile(join(REPO, 'schemas', 'plan.schema.json'), text);
    const r = await cli(['plan', 'schema']);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, text);
  });
});

describe('kvmio plan check|show on the seed deployment (DL360 Gen9)', () => {
  it('checks clean', async () => {
    const r = await cli(['plan', 'check', SEED, '--from', DL360]);
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0);
    assertGoldenFile(golden('seed-check.txt'), r.stdout);
  });

  it('shows the changes in order and what already matches', async () => {
    const r = await cli(['plan', 'show', SEED, '--from', DL360]);
    assert.equal(r.code, 0, r.stderr);
    assertGoldenFile(golden('seed-show.txt'), r.stdout);
    // what the guide asks for, not only whatever the golden holds
    const gluster = r.stdout.slice(r.stdout.indexOf('define gluster1'), r.stdout.indexOf('define gluster2'));
    assert.match(gluster, /machine='q35'/);
    assert.match(gluster, /cache='none' io='native' iothread='1'\/>\n\s+\| {7}<source dev='\/dev\/vmdata\/gluster1-root'/);
    assert.match(gluster, /cache='none' io='native' iothread='2'\/>\n\s+\| {7}<source dev='\/dev\/sdb'\/>\n\s+\| {7}<target dev='vdb' bus='virtio'/);
    // the Ceph VMs exist on the DL360: their disks are edited in place, the rest kept
    const ceph = r.stdout.slice(r.stdout.indexOf('ceph1 exists'), r.stdout.indexOf('ceph2 exists'));
    assert.match(ceph, /^ +\| \+ {2}<iothreads>1<\/iothreads>$/m);
    assert.match(ceph, /^ +\| \+ {6}<driver name='qemu' type='raw' cache='none' io='native' iothread='1'\/>$/m);
    assert.doesNotMatch(ceph, /^ +\| [-+] +<(memory|vcpu|os|hostdev|console)/m, 'nothing outside the disks changes');
    for (const a of ['05', '06', '07']) assert.match(r.stdout, new RegExp(`bind 0000:${a}:00.0 to vfio-pci`));
    assert.ok(r.stdout.indexOf('host settings') < r.stdout.indexOf('volume groups') && r.stdout.indexOf('VFIO binds') < r.stdout.indexOf('\ndomains'));
  });
});

// Each bad plan: the file, and the one line it must print (file:line:column first).
const BAD: readonly { name: string; yaml: string; code: 1 | 2; line: RegExp }[] = [
  { name: 'wrong type', code: 2, yaml: 'kvmio: kvmio-plan/1\nvms:\n  - name: a\n    vcpus: four\n    disks: [{ type: disk, device: /dev/sdb }]\n', line: /^bad\.yaml:4:12: vms\[0\]\.vcpus: "four": expected a number$/m },
  { name: 'unknown key', code: 2, yaml: 'kvmio: kvmio-plan/1\nhost:\n  colour: blue\n', line: /^bad\.yaml:3:3: host\.colour: unknown key "colour"; expected one of role, schedulers, aioMaxNr, kernel$/m },
  { name: 'guide scheduler name', code: 2, yaml: 'kvmio: kvmio-plan/1\nvms:\n  - name: a\n    disks: [{ type: disk, device: /dev/sdb }]\n    guest: { scheduler: noop }\n', line: /^bad\.yaml:5:25: vms\[0\]\.guest\.scheduler: "noop": expected one of none, .*noop is none/m },
  { name: 'missing device', code: 1, yaml: 'kvmio: kvmio-plan/1\nvms:\n  - name: a\n    disks:\n      - { type: disk, device: /dev/sdz }\n', line: /^bad\.yaml:5:31: vms\[0\]\.disks\[0\]\.device: "\/dev\/sdz": no such block device; expected one of .*\/dev\/sdb/m },
  { name: 'duplicate VM name', code: 1, yaml: 'kvmio: kvmio-plan/1\nvms:\n  - name: a\n    disks: [{ type: disk, device: /dev/sdb }]\n  - name: a\n    disks: [{ type: disk, device: /dev/sdc }]\n', line: /^bad\.yaml:5:11: vms\[1\]\.name: duplicate VM name "a" \(also vms\[0\]\)/m },
  { name: 'one device in two VMs', code: 1, yaml: 'kvmio: kvmio-plan/1\nvms:\n  - name: a\n    disks: [{ type: disk, device: /dev/sdb }]\n  - name: b\n    disks: [{ type: disk, device: /dev/sdb }]\n', line: /^bad\.yaml:6:35: vms\[1\]\.disks\[0\]\.device: disk \/dev\/sdb: sdb is already used by VM "a" \(vms\[0\]\)/m },
  { name: 'boot disk controller', code: 1, yaml: 'kvmio: kvmio-plan/1\nvms:\n  - name: a\n    disks:\n      - { type: pci, address: "0000:00:1f.2" }\n', line: /^bad\.yaml:5:31: vms\[0\]\.disks\[0\]\.address: "0000:00:1f\.2" is the controller of the host's boot disk \(sda carries the host's root filesystem/m },
  { name: 'NVMe of the host pool', code: 1, yaml: 'kvmio: kvmio-plan/1\nvms:\n  - name: a\n    disks:\n      - { type: pci, address: "0000:04:00.0" }\n', line: /^bad\.yaml:5:31: vms\[0\]\.disks\[0\]\.address: "0000:04:00\.0" cannot be passed through: 0000:04:00\.0: nvme0n1 is an LVM PV of volume group "vmpool"/m },
  {
    name: 'native on a sparse image', code: 1,
    yaml: 'kvmio: kvmio-plan/1\npools:\n  - { name: img, type: dir, path: /var/lib/libvirt/images }\nvms:\n  - name: a\n    disks:\n      - { type: image, pool: img, name: a.qcow2, size: 10G, format: qcow2, preallocation: "off", aio: native }\n',
    line: /^bad\.yaml:7:103: vms\[0\]\.disks\[0\]\.aio: \/var\/lib\/libvirt\/images\/a\.qcow2: aio=native on a sparse file blocks the VM/m,
  },
  { name: 'LV larger than the VG', code: 1, yaml: 'kvmio: kvmio-plan/1\nvms:\n  - name: a\n    disks: [{ type: lv, vg: vmdata, name: big, size: 300G }]\n', line: /^bad\.yaml:4:54: vms\[0\]\.disks\[0\]\.size: 300G does not fit in volume group "vmdata": 264\.6 GiB left/m },
];

describe('kvmio plan check rejects bad plans, one file:line:column line each', () => {
  for (const c of BAD) {
    it(c.name, async () => {
      await withTempDir(async (dir) => {
        writeFileSync(join(dir, 'bad.yaml'), c.yaml);
        const cwd = process.cwd();
        process.chdir(dir);
        let r;
        try {
          r = await cli(['plan', 'check', 'bad.yaml', '--from', join(REPO, DL360)]);
        } finally {
          process.chdir(cwd);
        }
        assert.equal(r.code, c.code, r.stdout + r.stderr);
        assert.match(c.code === 2 ? r.stderr : r.stdout, c.line);
        const problemLines = (c.code === 2 ? r.stderr : r.stdout).split('\n').filter((l) => l.startsWith('bad.yaml:'));
        assert.equal(problemLines.length, 1, `one problem line, got:\n${problemLines.join('\n')}`);
        assert.match(r.stderr, /nothing was done/);
      });
    });
  }

  it('a file that is not YAML names its line', async () => {
    await withTempDir(async (dir) => {
      const f = join(dir, 'x.yaml');
      writeFileSync(f, 'kvmio: [unclosed\n');
      const r = await cli(['plan', 'check', f, '--from', join(REPO, DL360)]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, new RegExp(`^${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: not valid YAML`, 'm'));
      assert.ok(readFileSync(f, 'utf8').length > 0);
    });
  });
});
