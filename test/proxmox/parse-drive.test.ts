// Drive strings: parse, print and edit keep every option; broken strings give a reason;
// a seeded fuzz over random strings never throws and round-trips what it accepts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkDriveOptions, driveKey, editDrive, parseDrive, printDrive } from '../../src/proxmox/parse-drive.js';
import { readProxmoxVm } from '../../src/proxmox/read-proxmox-vm.js';
import { parseStorageCfg } from '../../src/proxmox/parse-storage-cfg.js';
import { prng as rng } from '../helpers.js';

const REAL = [
  'local-lvm:vm-106-disk-1,discard=on,iothread=1,size=80G',
  'local-zfs:vm-100-disk-0,backup=0,cache=writeback,iothread=1,replicate=0,size=96G',
  'local:iso/debian-12.5.0-amd64-netinst.iso,media=cdrom,size=629M',
  'file=/dev/disk/by-id/ata-Samsung_SSD_870_EVO_1TB_S6PUNX0R123456,backup=0,serial=S6PUNX0R123456',
  'ceph:vm-104-disk-0,cache=writeback,discard=on,iops_rd=4000,mbps_wr=200,size=200G',
  'local-lvm:vm-103-disk-1,efitype=4m,pre-enrolled-keys=1,size=4M',
];

test('real drive strings parse and print back unchanged', () => {
  for (const s of REAL) {
    const d = parseDrive(s);
    assert.ok(d.ok, s);
    const printed = printDrive(d.value);
    // file= is folded to the leading volume; everything else is byte-identical
    assert.equal(printed, s.replace(/^file=/, ''));
  }
});

test('editDrive changes only the tuned options, keeps the rest in place, appends new ones', () => {
  const d = parseDrive('local-zfs:vm-100-disk-0,backup=0,cache=writeback,iothread=1,replicate=0,size=96G');
  assert.ok(d.ok);
  const e = editDrive(d.value, { cache: 'none', aio: 'native', discard: null });
  assert.equal(printDrive(e), 'local-zfs:vm-100-disk-0,backup=0,cache=none,iothread=1,replicate=0,size=96G,aio=native');
});

test('broken drive strings: one clear reason each', () => {
  const cases: [string, RegExp][] = [
    ['', /empty drive string/],
    ['local-lvm:vm-1-disk-0,,size=4G', /empty item/],
    ['local-lvm:vm-1-disk-0,size=4G,', /empty item/],
    ['size=4G,cache=none', /no volume/],
    ['local-lvm:vm-1-disk-0,cache=none,cache=writeback', /cache is given twice/],
    ['local-lvm:vm-1-disk-0,iothread', /has no "=value"/],
    ['"local-lvm:vm-1-disk-0,size=4G', /unterminated double quote/],
    ['local-lvm:a,file=local-lvm:b', /volume is given twice/],
    ['local-lvm:a,Cache=none', /not an option name/],
  ];
  for (const [s, re] of cases) {
    const d = parseDrive(s);
    assert.equal(d.ok, false, s);
    if (!d.ok) assert.match(d.reason, re, s);
  }
});

test('schema checks: options per interface and enum values (Drive.pm formats)', () => {
  const d = (s: string) => {
    const r = parseDrive(s);
    assert.ok(r.ok);
    return r.value;
  };
  assert.deepEqual(checkDriveOptions('scsi', d('x:y,iothread=1,queues=4,ssd=1,ro=1')), []);
  assert.deepEqual(checkDriveOptions('virtio', d('x:y,ssd=1')), ['option "ssd" is not valid on virtio drives']);
  assert.deepEqual(checkDriveOptions('sata', d('x:y,iothread=1')), ['option "iothread" is not valid on sata drives']);
  assert.deepEqual(checkDriveOptions('scsi', d('x:y,cache=fast')), ['cache=fast is not one of none, writethrough, writeback, unsafe, directsync']);
  assert.deepEqual(checkDriveOptions('scsi', d('x:y,queues=1')), ['queues=1 is not an integer ≥ 2']);
  assert.deepEqual(checkDriveOptions('virtio', d('x:y,iothread=maybe')), ['iothread=maybe is not a boolean (1/0, on/off, yes/no, true/false)']);
  assert.deepEqual(checkDriveOptions('efidisk', d('x:y,cache=none')), ['option "cache" is not valid on efidisk drives']);
});

test('drive keys: interface limits from Drive.pm', () => {
  assert.deepEqual(driveKey('scsi30'), { iface: 'scsi', index: 30 });
  assert.equal(driveKey('scsi31'), undefined);
  assert.equal(driveKey('ide4'), undefined);
  assert.equal(driveKey('sata5')?.iface, 'sata');
  assert.equal(driveKey('virtio16'), undefined);
  assert.equal(driveKey('unused0'), undefined);
  assert.equal(driveKey('efidisk1'), undefined);
});


const TOKENS = ['local-lvm:vm-1-disk-0', 'file=', 'volume=', '/dev/sdb', 'cache=', 'none', 'writeback', 'aio=', 'native', 'iothread=1', 'discard=on', 'size=32G', ',', ',', '=', '"', ':', 'x', '1', ' ', 'media=cdrom', 'queues=4', 'serial=a%2Cb', 'ro=1', '\t', 'é'];

test('fuzz (seeded): parseDrive never throws; what it accepts prints and re-parses to the same drive; configs with it never crash', () => {
  const storage = parseStorageCfg('lvmthin: local-lvm\n\tvgname pve\n\tthinpool data\n');
  for (const seed of [1, 2, 3, 42, 1337]) {
    const next = rng(seed);
    for (let i = 0; i < 400; i++) {
      const n = 1 + Math.floor(next() * 9);
      let s = '';
      for (let j = 0; j < n; j++) s += TOKENS[Math.floor(next() * TOKENS.length)];
      const d = parseDrive(s);
      if (d.ok) {
        const again = parseDrive(printDrive(d.value));
        assert.ok(again.ok, `seed ${seed} #${i}: ${JSON.stringify(s)} printed as ${JSON.stringify(printDrive(d.value))} does not re-parse`);
        assert.deepEqual(again.value, d.value, `seed ${seed} #${i}: ${JSON.stringify(s)}`);
      } else {
        assert.ok(d.reason.length > 0);
      }
      const key = ['scsi0', 'virtio0', 'sata0', 'ide0', 'efidisk0'][i % 5];
      const pvm = readProxmoxVm({ vmid: 900, file: '900.conf', text: `scsihw: virtio-scsi-single\n${key}: ${s}\n`, storage });
      // Either a disk in the model, or a problem that names the key: never a silent gap.
      assert.ok(pvm.vm.disks.length === 1 || pvm.problems.length > 0 || pvm.vm.notes.some((n) => n.startsWith(`${key}:`)), `seed ${seed} #${i}: ${JSON.stringify(s)} vanished silently`);
    }
  }
});
