import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assembleBlockDevices, type RawBlock } from '../../src/facts/probe-block.js';
import { missing, ok } from '../../src/facts/source.js';

const none = missing('n/a');
function raw(name: string, over: Partial<RawBlock> = {}): RawBlock {
  return {
    name, isPartition: false, size: ok({ bytes: 1 }), rotational: ok(false), scheduler: none, nrHwQueues: none, nrRequests: none, readAheadKb: none,
    holders: [], slaves: [], ...over,
  };
}
const part = (name: string, parent: string, devNumber: string, over: Partial<RawBlock> = {}): RawBlock =>
  raw(name, { isPartition: true, parent, devNumber, sysfsPath: `/sys/devices/pci0000:00/0000:00:1f.2/ata1/host0/target0:0:0/0:0:0:0/block/${parent}/${name}`, ...over });

describe('assembleBlockDevices', () => {
  it('carries / and /boot through partitions, md RAID1 and device-mapper, and matches btrfs and swap by source', () => {
    const devices = assembleBlockDevices(
      [
        raw('sda', { sysfsPath: '/sys/devices/pci0000:00/0000:00:1f.2/ata1/host0/target0:0:0/0:0:0:0/block/sda', rotational: ok(true) }),
        part('sda1', 'sda', '8:1', { holders: ['md0'] }),
        part('sda2', 'sda', '8:2', { holders: ['dm-0'] }),
        part('sda3', 'sda', '8:3'),
        raw('sdb', { sysfsPath: '/sys/devices/pci0000:00/0000:00:1f.2/ata2/host1/target1:0:0/1:0:0:0/block/sdb' }),
        part('sdb1', 'sdb', '8:17', { holders: ['md0'] }),
        part('sdb2', 'sdb', '8:18'),
        raw('md0', { devNumber: '9:0', slaves: ['sda1', 'sdb1'], sysfsPath: '/sys/devices/virtual/block/md0' }),
        raw('dm-0', { devNumber: '253:0', dmName: 'vg-root', slaves: ['sda2'], sysfsPath: '/sys/devices/virtual/block/dm-0' }),
        raw('loop0', { devNumber: '7:0', backingFile: '/var/lib/images/x.img', sysfsPath: '/sys/devices/virtual/block/loop0' }),
      ],
      [
        { devNumber: '9:0', mountpoint: '/boot', fstype: 'ext4', source: '/dev/md0' },
        { devNumber: '0:31', mountpoint: '/', fstype: 'btrfs', source: '/dev/mapper/vg-root' },
        { devNumber: '0:31', mountpoint: '/home', fstype: 'btrfs', source: '/dev/mapper/vg-root' },
        { devNumber: '0:40', mountpoint: '/tmp', fstype: 'tmpfs', source: 'tmpfs' },
      ],
      ['/dev/sdb2'],
    );
    const view = Object.fromEntries(devices.map((d) => [d.name, `${d.kind}/${d.transport} ${d.mountpoints.join(',') || '-'} ${d.fstype ?? '-'} ${d.carriesRoot ? 'root' : '-'} ${d.carriesBoot ? 'boot' : '-'} ${d.controller ?? '-'} ${d.partitions.join(',') || '-'}`]));
    assert.deepEqual(view, {
      sda: 'disk/sata - - root boot 0000:00:1f.2 sda1,sda2,sda3',
      sda1: 'part/sata - - - boot 0000:00:1f.2 -',
      sda2: 'part/sata - - root - 0000:00:1f.2 -',
      sda3: 'part/sata - - - - 0000:00:1f.2 -',
      sdb: 'disk/sata - - - boot 0000:00:1f.2 sdb1,sdb2',
      sdb1: 'part/sata - - - boot 0000:00:1f.2 -',
      sdb2: 'part/sata [SWAP] swap - - 0000:00:1f.2 -',
      md0: 'md/md /boot ext4 - boot - -',
      'dm-0': 'dm/dm /,/home btrfs root - - -',
      loop0: 'loop/loop - - - - - -',
    });
    // partitions report their disk's rotational flag (they have no queue of their own)
    assert.deepEqual(devices.find((d) => d.name === 'sda3')?.rotational, ok(true));
  });

  it('survives a holder cycle in a damaged dump', () => {
    const devices = assembleBlockDevices([raw('dm-0', { holders: ['dm-1'] }), raw('dm-1', { holders: ['dm-0'] })], [], []);
    assert.deepEqual(devices.map((d) => d.carriesRoot), [false, false]);
  });
});
