import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Mount } from '../../src/facts/host-facts.js';
import { devicesBacking, rootBootUsesOf, type BlockNode, type DeviceFacts } from '../../src/facts/device-facts.js';
import { parsePvs } from '../../src/facts/parse-lvm.js';
import { mountOf, parseMountinfo as parseMountinfoRead, parseSwaps } from '../../src/facts/parse-mounts.js';
import { classifySignature, parseBlkidExport, parseWipefsJson, type Signature } from '../../src/facts/parse-signatures.js';
import { ok, missing, valueOf } from '../../src/facts/source.js';
import { checkDeviceGuards, checkImageGuards, formatTrip } from '../../src/provision/guards.js';

const parseMountinfo = (text: string): readonly Mount[] => valueOf(parseMountinfoRead(text)) ?? [];

const clean: DeviceFacts = {
  path: '/dev/sdb',
  name: 'sdb',
  partitions: [],
  signatures: ok([]),
  mounts: [],
  swaps: [],
  holders: [],
  rootBoot: [],
  pvs: ok([]),
  libvirt: { state: 'checked', users: [] },
  openBy: [],
};
const sig = (type: string, kind: Signature['kind']): Signature => ({ device: 'sdb', type, kind, seenBy: 'blkid' });

describe('parsers for the device probe', () => {
  it('reads blkid -p -o export: TYPE with USAGE, and PTTYPE as a partition table', () => {
    assert.deepEqual(parseBlkidExport('DEVNAME=/dev/loop0\nUUID=abc\nTYPE=ext4\nUSAGE=filesystem\n', 'loop0'), [{ device: 'loop0', seenBy: 'blkid', uuid: 'abc', type: 'ext4', kind: 'filesystem' }]);
    assert.deepEqual(parseBlkidExport('PTUUID=x\nPTTYPE=gpt\n', 'loop1').map((s) => [s.type, s.kind]), [['gpt', 'partition-table']]);
    assert.deepEqual(parseBlkidExport('', 'loop2'), []);
  });
  it('classifies an LVM PV as lvm although blkid says USAGE=raid', () => {
    assert.deepEqual(parseBlkidExport('TYPE=LVM2_member\nUSAGE=raid\nVERSION=LVM2\\ 001\n', 'loop0').map((s) => s.kind), ['lvm']);
  });
  const kinds: [string, string | undefined, Signature['kind']][] = [
    ['linux_raid_member', 'raid', 'raid'],
    ['swap', 'other', 'swap'],
    ['crypto_LUKS', 'crypto', 'crypto'],
    ['xfs', 'filesystem', 'filesystem'],
    ['PMBR', undefined, 'partition-table'],
    ['weird', undefined, 'other'],
  ];
  for (const [type, usage, kind] of kinds) it(`classifies ${type} as ${kind}`, () => assert.equal(classifySignature(type, usage), kind));
  it('reads wipefs -n -J with offsets', () => {
    const s = parseWipefsJson('{"signatures":[{"device":"loop0","offset":"0x438","type":"ext4","uuid":"u","label":null}]}', 'x');
    assert.deepEqual(s, [{ device: 'loop0', type: 'ext4', kind: 'other', seenBy: 'wipefs', offset: 0x438, uuid: 'u' }]);
  });
  it('reads mountinfo with escaped mount points and finds the mount holding a path', () => {
    const m = parseMountinfo('27 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n40 27 7:3 / /mnt/my\\040disk rw - xfs /dev/loop3 rw\n');
    assert.deepEqual(m[1], { devNumber: '7:3', mountpoint: '/mnt/my disk', fstype: 'xfs', source: '/dev/loop3' });
    assert.equal(mountOf(m, '/mnt/my disk/a.img')?.source, '/dev/loop3');
    assert.equal(mountOf(m, '/mnt/my diskette')?.source, '/dev/vda');
  });
  it('reads /proc/swaps and the pvs JSON report', () => {
    assert.deepEqual(valueOf(parseSwaps('Filename\tType\tSize\tUsed\tPriority\n/dev/loop2    partition\t32764\t0\t-2\n')), ['/dev/loop2']);
    assert.deepEqual(parsePvs('{"report":[{"pv":[{"pv_name":"/dev/loop0","vg_name":"vg1"},{"pv_name":"/dev/loop1","vg_name":""}]}]}'), [
      { pvName: '/dev/loop0', vgName: 'vg1' },
      { pvName: '/dev/loop1', vgName: '' },
    ]);
  });
});

describe('checkDeviceGuards', () => {
  it('allows a device with no signature and no user', () => assert.deepEqual(checkDeviceGuards(clean), { allowed: true, trips: [], overridden: [] }));

  const cases: { name: string; facts: Partial<DeviceFacts>; guard: string; overridable: boolean; says: string }[] = [
    { name: 'ext4 filesystem', facts: { signatures: ok([{ ...sig('ext4', 'filesystem'), offset: 0x438 }]) }, guard: 'signature.filesystem', overridable: true, says: 'ext4 filesystem signature at offset 0x438 on /dev/sdb (blkid)' },
    { name: 'GPT label', facts: { signatures: ok([sig('gpt', 'partition-table')]) }, guard: 'signature.partition-table', overridable: true, says: 'gpt partition table' },
    { name: 'LVM PV signature', facts: { signatures: ok([sig('LVM2_member', 'lvm')]) }, guard: 'signature.lvm', overridable: true, says: 'LVM physical volume' },
    { name: 'md superblock', facts: { signatures: ok([sig('linux_raid_member', 'raid')]) }, guard: 'signature.raid', overridable: true, says: 'RAID member' },
    { name: 'swap signature', facts: { signatures: ok([sig('swap', 'swap')]) }, guard: 'signature.swap', overridable: true, says: 'swap swap signature' },
    { name: 'kernel partitions', facts: { partitions: ['sdb1', 'sdb2'] }, guard: 'signature.partitions', overridable: true, says: '/dev/sdb1, /dev/sdb2' },
    { name: 'a mounted partition', facts: { mounts: [{ device: 'sdb1', mountpoint: '/srv' }] }, guard: 'mounted', overridable: false, says: '/dev/sdb1 is mounted on /srv' },
    { name: 'active swap', facts: { swaps: ['sdb'] }, guard: 'swap-active', overridable: false, says: 'active swap' },
    { name: 'a dm holder', facts: { holders: [{ device: 'sdb', holder: 'dm-0', how: 'sysfs' }] }, guard: 'holders', overridable: false, says: 'dm-0 holds /dev/sdb' },
    { name: 'a loop device on it', facts: { holders: [{ device: 'sdb', holder: 'loop9', how: 'loop' }] }, guard: 'holders', overridable: false, says: '/dev/loop9 is backed by /dev/sdb' },
    { name: 'the root disk', facts: { rootBoot: [{ mountpoint: '/', chain: ['sdb', 'sdb2'] }] }, guard: 'root-boot', overridable: false, says: 'backs / (/dev/sdb → /dev/sdb2)' },
    { name: 'a PV in a VG', facts: { pvs: ok([{ pvName: '/dev/sdb', vgName: 'vg0' }]) }, guard: 'active-pv', overridable: false, says: 'volume group vg0' },
    { name: 'a libvirt disk', facts: { libvirt: { state: 'checked', users: [{ domain: 'web', target: 'vdb', source: '/dev/sdb' }] } }, guard: 'libvirt-domain', overridable: false, says: 'domain web uses it as vdb' },
    { name: 'libvirt unreachable', facts: { libvirt: { state: 'failed', reason: 'no connection' } }, guard: 'probe-incomplete', overridable: false, says: 'no connection' },
    { name: 'an open fd', facts: { openBy: [{ pid: 42, command: 'qemu-system-x86', device: 'sdb' }] }, guard: 'open', overridable: false, says: 'pid 42 (qemu-system-x86)' },
    { name: 'unreadable signatures', facts: { signatures: missing('blkid: EPERM') }, guard: 'probe-incomplete', overridable: false, says: 'blkid: EPERM' },
    { name: 'pvs failing', facts: { pvs: missing('pvs: exit 5') }, guard: 'probe-incomplete', overridable: false, says: 'pvs: exit 5' },
    { name: 'not a block device', facts: { name: undefined, notBlock: '/dev/nope is not a block device' }, guard: 'not-block-device', overridable: false, says: '/dev/nope' },
  ];
  for (const c of cases) {
    it(`refuses ${c.name} by guard ${c.guard}${c.overridable ? ', and --force overrides it' : ', even with --force'}`, () => {
      const f = { ...clean, ...c.facts };
      const v = checkDeviceGuards(f);
      assert.equal(v.allowed, false);
      assert.deepEqual(v.trips.map((t) => t.guard), [c.guard]);
      const line = formatTrip(v.trips[0]!);
      assert.match(line, new RegExp(`^/dev/sdb: refused by guard ${c.guard.replace('.', '\\.')}: `));
      assert.ok(line.includes(c.says), line);
      const forced = checkDeviceGuards(f, { force: true });
      assert.equal(forced.allowed, c.overridable);
      assert.equal(forced.overridden.length, c.overridable ? 1 : 0);
    });
  }
  it('with --force still refuses the use guards while overriding the signatures', () => {
    const v = checkDeviceGuards({ ...clean, signatures: ok([sig('ext4', 'filesystem')]), mounts: [{ device: 'sdb', mountpoint: '/mnt' }] }, { force: true });
    assert.deepEqual(v.trips.map((t) => t.guard), ['mounted']);
    assert.deepEqual(v.overridden.map((t) => t.guard), ['signature.filesystem']);
  });
  it('an orphan PV (in no VG) is only a signature, not an active PV', () => {
    assert.equal(checkDeviceGuards({ ...clean, pvs: ok([{ pvName: '/dev/sdb', vgName: '' }]) }).allowed, true);
  });
  it('libvirt not installed is not a refusal', () => assert.equal(checkDeviceGuards({ ...clean, libvirt: { state: 'absent', reason: 'virsh: ENOENT' } }).allowed, true));
});

describe('devicesBacking: what / and /boot depend on', () => {
  const node = (name: string, majMin: string, extra: Partial<BlockNode> = {}): BlockNode => ({ name, majMin, slaves: [], holders: [], ...extra });
  const mounts = parseMountinfo(
    [
      '1 0 253:0 / / rw - ext4 /dev/mapper/root rw',
      '2 1 8:1 / /boot rw - ext4 /dev/sda1 rw',
      '3 1 8:16 / /data rw - xfs /dev/sdb rw',
      '4 1 7:0 / /boot/efi rw - vfat /dev/loop0 rw',
    ].join('\n'),
  );
  const nodes = [
    node('sda', '8:0'),
    node('sda1', '8:1', { parent: 'sda' }),
    node('sda2', '8:2', { parent: 'sda', holders: ['dm-0'] }),
    node('dm-0', '253:0', { slaves: ['sda2'] }),
    node('sdb', '8:16'),
    node('sdc', '8:32'),
    node('loop0', '7:0', { backingFile: '/data/efi.img' }),
  ];
  const backing = devicesBacking(nodes, mounts);
  const uses = (names: string[]): string[] => rootBootUsesOf(backing, names).map((u) => `${u.mountpoint}:${u.chain.join('>')}`).sort();
  it('finds / through a dm device to its partition and the whole disk', () => {
    assert.deepEqual(uses(['sda']), ['/:sda>sda2>dm-0', '/boot:sda>sda1']);
    assert.deepEqual(uses(['sda2']), ['/:sda2>dm-0']);
  });
  it('follows a loop device to the disk holding its backing file', () => assert.deepEqual(uses(['sdb']), ['/boot/efi:sdb>loop0']));
  it('leaves an unrelated disk alone', () => assert.deepEqual(uses(['sdc']), []));
  it('leaves a spare partition of the root disk alone (the seed hands /dev/sda4 to LVM)', () => {
    const withSpare = devicesBacking([...nodes, node('sda4', '8:4', { parent: 'sda' })], mounts);
    assert.deepEqual(rootBootUsesOf(withSpare, ['sda4']), []);
  });
});

describe('checkImageGuards', () => {
  const base = { path: '/img/a.raw', dir: '/img', dirIsDirectory: true, freeBytes: 100, neededBytes: 50 };
  it('allows a new image that fits', () => assert.equal(checkImageGuards(base).allowed, true));
  it('refuses an existing image', () => assert.deepEqual(checkImageGuards({ ...base, existing: 'a file at /img/a.raw' }).trips.map((t) => t.guard), ['image-exists']));
  it('refuses what does not fit, naming both sizes', () => {
    const t = checkImageGuards({ ...base, neededBytes: 101 }).trips;
    assert.deepEqual(t.map((x) => x.guard), ['free-space']);
    assert.match(t[0]!.value, /needs 101 bytes .* has 100 bytes/);
  });
});
