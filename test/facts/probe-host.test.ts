import assert from 'node:assert/strict';
import { closeSync, constants, cpSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DumpSource } from '../../src/facts/dump-source.js';
import type { BlockDevice, HostFacts } from '../../src/facts/host-facts.js';
import { LocalSource } from '../../src/facts/local-source.js';
import { winningSetting } from '../../src/facts/parse-sysctl.js';
import { probeHost } from '../../src/facts/probe-host.js';
import { RecordingSource } from '../../src/facts/recording-source.js';
import type { Read } from '../../src/facts/source.js';
import { DumpBuilder } from '../fixtures/hosts/dump-builder.js';
import { makeManyDisksHost } from '../fixtures/hosts/make-fixtures.js';
import { fixture, withTempDir } from '../helpers.js';

const v = <T>(r: Read<T>): T | string => (r.ok ? r.value : `!${r.reason}`);
const dev = (f: HostFacts, name: string): BlockDevice => {
  const d = f.blockDevices.ok ? f.blockDevices.value.find((b) => b.name === name) : undefined;
  assert.ok(d, `${name} not probed`);
  return d;
};
/** One line per device: the facts rules use, compact enough to read in a diff. */
const line = (d: BlockDevice): string =>
  [d.name, d.kind, d.transport, d.parent ?? '-', v(d.rotational), d.scheduler.ok ? d.scheduler.value.current : '!', d.nrHwQueues.ok ? d.nrHwQueues.value : '!',
    d.mountpoints.join(',') || '-', d.fstype ?? '-', d.carriesRoot ? 'root' : '-', d.carriesBoot ? 'boot' : '-', d.controller ?? '-', d.holders.join(',') || '-'].join(' ');

describe('probeHost on this machine', () => {
  it('gives the facts sysfs and procfs show when read independently', async () => {
    const facts = await probeHost(new LocalSource());
    assert.ok(facts.blockDevices.ok);
    const read = (p: string): string => readFileSync(p, 'utf8').trim();
    // loop devices come and go while other tests run: compare the rest exactly
    const names = readdirSync('/sys/block').filter((n) => !n.startsWith('loop')).sort();
    const probed = facts.blockDevices.value.filter((d) => d.kind !== 'part' && d.kind !== 'loop').map((d) => d.name).sort();
    assert.deepEqual(probed, names);
    for (const name of names) {
      const d = dev(facts, name);
      const q = (attr: string): string | undefined => {
        try {
          return read(`/sys/block/${name}/queue/${attr}`);
        } catch {
          return undefined;
        }
      };
      assert.deepEqual(d.rotational, { ok: true, value: q('rotational') === '1' }, name);
      assert.deepEqual(d.size, { ok: true, value: { bytes: Number(read(`/sys/block/${name}/size`)) * 512 } }, name);
      const sched = q('scheduler');
      if (sched === undefined) assert.equal(d.scheduler.ok, false, `${name} has no scheduler file`);
      else assert.equal(d.scheduler.ok && d.scheduler.value.current, /\[([^\]]+)\]/.exec(sched)?.[1] ?? 'none', name);
      let mq: number | undefined;
      try {
        mq = readdirSync(`/sys/block/${name}/mq`).length;
      } catch {
        mq = undefined;
      }
      assert.deepEqual(d.nrHwQueues.ok ? d.nrHwQueues.value : undefined, mq, name);
      const nr = q('nr_requests');
      assert.deepEqual(d.nrRequests.ok ? d.nrRequests.value : undefined, nr === undefined ? undefined : Number(nr), name);
    }
    const vda = dev(facts, 'vda');
    assert.equal(vda.transport, 'virtio');
    assert.equal(vda.carriesRoot, true);
    assert.equal(vda.fstype, 'ext4');
    assert.deepEqual(vda.mountpoints.includes('/'), true);
    const zram = facts.blockDevices.value.find((d) => d.name === 'zram0');
    if (zram) assert.deepEqual(zram.size, { ok: true, value: { bytes: Number(read('/sys/block/zram0/size')) * 512 } });

    // fs.aio-max-nr may be raised and restored by a concurrent test: accept the value before or after
    const maxBefore = Number(read('/proc/sys/fs/aio-max-nr'));
    assert.ok(facts.aio.ok);
    assert.ok([maxBefore, Number(read('/proc/sys/fs/aio-max-nr'))].includes(facts.aio.value.maxNr));
    assert.deepEqual(facts.hostname, { ok: true, value: read('/proc/sys/kernel/hostname') });
    assert.deepEqual(facts.kernelRelease, { ok: true, value: read('/proc/sys/kernel/osrelease') });

    let kvmOpens = false;
    try {
      closeSync(openSync('/dev/kvm', constants.O_RDWR));
      kvmOpens = true;
    } catch {
      kvmOpens = false;
    }
    const hypervisor = /^flags\s*:.*\bhypervisor\b/m.test(readFileSync('/proc/cpuinfo', 'utf8'));
    assert.equal(facts.roles.kvmHost, kvmOpens);
    assert.equal(facts.roles.guest, hypervisor || names.some((n) => n.startsWith('vd')));
    // FACTS.md: this machine is both, and its KVM comes without vmx/svm
    assert.equal(facts.roles.kvmHost, true);
    assert.equal(facts.roles.guest, true);
    assert.ok(facts.roles.evidence.some((e) => /without vmx\/svm/.test(e)));
  });
});

describe('probeHost on the fixtures', () => {
  it('dl360-gen9: the seed\'s server', async () => {
    const f = await probeHost(new DumpSource(fixture('hosts', 'dl360-gen9')));
    assert.deepEqual(f.blockDevices.ok && f.blockDevices.value.map(line), [
      'dm-0 dm dm - false none ! - - - - - -',
      'dm-1 dm dm - false none ! - - - - - -',
      'nvme0n1 disk nvme - false none 32 - - - - 0000:04:00.0 -',
      'nvme1n1 disk nvme - false none 32 - - - - 0000:05:00.0 -',
      'nvme2n1 disk nvme - false none 32 - - - - 0000:06:00.0 -',
      'nvme3n1 disk nvme - false none 32 - - - - 0000:07:00.0 -',
      'sda disk sata - false mq-deadline 1 - - root boot 0000:00:1f.2 -',
      'sda1 part sata sda false ! ! /boot/efi vfat - boot 0000:00:1f.2 -',
      'sda2 part sata sda false ! ! /boot ext4 - boot 0000:00:1f.2 -',
      'sda3 part sata sda false ! ! / ext4 root - 0000:00:1f.2 -',
      'sda4 part sata sda false ! ! - - - - 0000:00:1f.2 dm-0,dm-1',
      'sdb disk sata - true mq-deadline 1 - - - - 0000:00:1f.2 -',
      'sdc disk sata - true mq-deadline 1 - - - - 0000:00:1f.2 -',
    ]);
    assert.deepEqual(dev(f, 'dm-0').dmName, 'vmdata-web01');
    assert.deepEqual(dev(f, 'sda').partitions, ['sda1', 'sda2', 'sda3', 'sda4']);
    assert.equal(dev(f, 'nvme0n1').wwid, 'eui.01000000000000005cd2e40f1a6c5151');
    assert.deepEqual(dev(f, 'sda').size, { ok: true, value: { bytes: 480e9 } });
    assert.deepEqual(f.cmdline.ok && [f.cmdline.value.elevator, f.cmdline.value.intelIommu], ['deadline', 'on']);
    assert.deepEqual(f.aio, { ok: true, value: { nr: 6144, maxNr: 65536 } });
    assert.equal(f.sysctl.ok && winningSetting(f.sysctl.value, 'fs.aio-max-nr'), undefined);
    assert.deepEqual(f.schedulerRules, { ok: true, value: [] });
    assert.deepEqual([f.roles.kvmHost, f.roles.guest], [true, false]);
    assert.deepEqual(f.roles.cpuFlags, { ok: true, value: ['vmx'] });
    assert.ok(f.iommu.ok);
    assert.deepEqual(f.iommu.value.units, ['dmar0', 'dmar1']);
    assert.deepEqual(f.iommu.value.groups[30], ['0000:00:1f.0', '0000:00:1f.2', '0000:00:1f.3']);
    assert.ok(f.pci.ok);
    const pci = Object.fromEntries(f.pci.value.map((p) => [p.address, `${p.classCode.toString(16).padStart(6, '0')} ${p.driver ?? '-'} g${p.iommuGroup ?? '-'} ${p.reasons.join('+')} ${p.disks.join(',') || '-'} ${p.upstream.join(',') || '-'}`]));
    assert.deepEqual(pci, {
      '0000:00:1f.0': '060100 lpc_ich g30 iommu-group - -',
      '0000:00:1f.2': '010601 ahci g30 storage-class+disk-controller sda,sdb,sdc -',
      '0000:00:1f.3': '0c0500 i801_smbus g30 iommu-group - -',
      '0000:03:00.0': '010400 hpsa g32 storage-class - 0000:00:01.0',
      '0000:04:00.0': '010802 nvme g20 storage-class+disk-controller nvme0n1 0000:00:02.0',
      '0000:05:00.0': '010802 nvme g21 storage-class+disk-controller nvme1n1 0000:00:02.1',
      '0000:06:00.0': '010802 nvme g22 storage-class+disk-controller nvme2n1 0000:00:02.2',
      '0000:07:00.0': '010802 nvme g23 storage-class+disk-controller nvme3n1 0000:00:02.3',
      '0000:08:00.0': '020000 ixgbe g40 sriov - 0000:00:03.0',
      '0000:08:00.1': '020000 ixgbe g40 sriov - 0000:00:03.0',
    });
    assert.deepEqual(f.pci.value.find((p) => p.address === '0000:08:00.0')?.sriov, { totalVfs: 63, numVfs: 0 });
  });

  it('guest-virtio: a guest with virtio disks on mq-deadline', async () => {
    const f = await probeHost(new DumpSource(fixture('hosts', 'guest-virtio')));
    assert.deepEqual(f.blockDevices.ok && f.blockDevices.value.map(line), [
      'vda disk virtio - true mq-deadline 1 - - root - 0000:00:04.0 -',
      'vda1 part virtio vda true ! ! / ext4 root - 0000:00:04.0 -',
      'vda2 part virtio vda true ! ! [SWAP] swap - - 0000:00:04.0 -',
      'vdb disk virtio - true mq-deadline 1 /srv xfs - - 0000:00:05.0 -',
    ]);
    assert.deepEqual([f.roles.kvmHost, f.roles.guest], [false, true]);
    assert.deepEqual(f.roles.kvm, { ok: true, value: { opened: false, error: 'ENOENT' } });
    assert.deepEqual(f.roles.evidence.filter((e) => e.startsWith('guest')), [
      'guest: CPU flag "hypervisor"',
      'guest: DMI "QEMU" / "Standard PC (Q35 + ICH9, 2009)" (QEMU)',
      'guest: paravirtual disks vda (virtio), vdb (virtio)',
    ]);
    assert.deepEqual(f.iommu, { ok: true, value: { units: [], groups: {} } });
    assert.equal(dev(f, 'vda').serial, 'QM00001');
  });

  it('nvme-bfq: bfq on NVMe, a stale tmpfiles.d entry, aio-max-nr set twice', async () => {
    const f = await probeHost(new DumpSource(fixture('hosts', 'nvme-bfq')));
    assert.deepEqual(f.blockDevices.ok && f.blockDevices.value.map(line), [
      'dm-0 dm dm - false none ! / ext4 root - - -',
      'nvme0n1 disk nvme - false bfq 64 - - root boot 0000:41:00.0 -',
      'nvme0n1p1 part nvme nvme0n1 false ! ! /boot/efi vfat - boot 0000:41:00.0 -',
      'nvme0n1p2 part nvme nvme0n1 false ! ! /boot ext4 - boot 0000:41:00.0 -',
      'nvme0n1p3 part nvme nvme0n1 false ! ! - - root - 0000:41:00.0 dm-0',
      'nvme1n1 disk nvme - false bfq 64 /var/lib/libvirt/images xfs - - 0000:42:00.0 -',
    ]);
    assert.deepEqual(f.schedulerRules.ok && f.schedulerRules.value.map((r) => `${r.kind} ${r.file}:${r.line} ${r.kernel ?? '*'} ${r.scheduler}`), [
      'udev /etc/udev/rules.d/60-ioschedulers.rules:2 nvme[0-9]* bfq',
      'tmpfiles /usr/lib/tmpfiles.d/IO_ioscheduler.conf:2 sda deadline',
    ]);
    assert.ok(f.sysctl.ok);
    assert.deepEqual(f.sysctl.value.filter((s) => s.key === 'fs.aio-max-nr').map((s) => `${s.file}:${s.line}=${s.value}`), [
      '/etc/sysctl.d/60-kvm-aio.conf:2=1048576',
      '/etc/sysctl.conf:6=262144',
    ]);
    assert.equal(winningSetting(f.sysctl.value, 'fs.aio-max-nr')?.value, '262144');
    assert.deepEqual(f.aio, { ok: true, value: { nr: 2048, maxNr: 1048576 } });
    assert.deepEqual(f.tunedProfile, { ok: true, value: 'virtual-host' });
    assert.deepEqual(f.cmdline.ok && f.cmdline.value.iommu, 'pt');
    assert.deepEqual([f.roles.kvmHost, f.roles.guest], [true, false]);
    assert.deepEqual(f.iommu.ok && f.iommu.value.units, ['ivhd0']);
  });

  it('this-machine: the recorded dump replays with its host name redacted', async () => {
    const dir = fixture('hosts', 'this-machine');
    const src = new DumpSource(dir);
    assert.equal(src.meta.redacted, true);
    const f = await probeHost(src);
    assert.match(f.hostname.ok ? f.hostname.value : '', /^redacted-[0-9a-f]{8}$/);
    assert.deepEqual([f.roles.kvmHost, f.roles.guest], [true, true]);
    const vda = dev(f, 'vda');
    assert.deepEqual([vda.transport, vda.carriesRoot, vda.scheduler.ok && vda.scheduler.value.current], ['virtio', true, 'mq-deadline']);
    assert.match(vda.serial ?? '', /^redacted-/);
  });

  it('without mountinfo, mounts come from /proc/mounts by source name', async () => {
    await withTempDir(async (dir) => {
      const copy = join(dir, 'guest');
      cpSync(fixture('hosts', 'guest-virtio'), copy, { recursive: true, verbatimSymlinks: true });
      rmSync(join(copy, 'fs/proc/self/mountinfo'));
      writeFileSync(join(copy, 'fs/proc/mounts'), '/dev/vda1 / ext4 rw,relatime 0 0\nproc /proc proc rw 0 0\n');
      const f = await probeHost(new DumpSource(copy));
      assert.deepEqual([dev(f, 'vda1').mountpoints, dev(f, 'vda').carriesRoot, dev(f, 'vdb').mountpoints], [['/'], true, []]);
    });
  });

  it('native NVMe multipath: the namespace head finds its PCI controller, hidden path disks are left out', async () => {
    await withTempDir(async (dir) => {
      const b = new DumpBuilder(join(dir, 'mp'));
      b.proc({ hostname: 'mp', release: '6.8.0', cmdline: 'ro', cpuFlags: 'vmx', aioNr: 0, aioMaxNr: 65536, mountinfo: '' });
      const ctrl = b.pci({ parent: '/sys/devices/pci0000:00/0000:00:02.0', address: '0000:04:00.0', classCode: 0x010802, vendor: 0x144d, device: 0xa824, driver: 'nvme', group: 20 });
      const nvme0 = `${ctrl}/nvme/nvme0`;
      const head = b.disk({ name: 'nvme0n1', parent: '/sys/devices/virtual/nvme-subsystem/nvme-subsys0', sizeSectors: 1000, rotational: false, scheduler: '[none] mq-deadline', hwQueues: 4, devNumber: '259:0' });
      // the hidden path disk: in /sys/class/block, under the controller
      b.file(`${nvme0}/nvme0c0n1/dev`, '242:0\n').link('/sys/class/block/nvme0c0n1', `${nvme0}/nvme0c0n1`);
      b.link(`${head}/multipath/nvme0c0n1`, `${nvme0}/nvme0c0n1`);
      b.finish('test');
      const f = await probeHost(new DumpSource(join(dir, 'mp')));
      assert.deepEqual(f.blockDevices.ok && f.blockDevices.value.map((d) => `${d.name} ${d.kind} ${d.transport} ${d.controller ?? '-'}`), ['nvme0n1 disk nvme 0000:04:00.0']);
      assert.deepEqual(f.pci.ok && f.pci.value.map((p) => `${p.address} ${p.disks.join(',')}`), ['0000:04:00.0 nvme0n1']);
    });
  });

  it('a generated host with many disks probes every one', async () => {
    await withTempDir(async (dir) => {
      makeManyDisksHost(join(dir, 'many'), 40);
      const f = await probeHost(new DumpSource(join(dir, 'many')));
      assert.ok(f.blockDevices.ok);
      assert.equal(f.blockDevices.value.length, 40);
      const sas = f.blockDevices.value.filter((d) => d.transport === 'sas');
      assert.equal(sas.length, 38);
      assert.ok(f.pci.ok);
      assert.equal(f.pci.value.find((p) => p.address === '0000:3b:00.0')?.disks.length, 38);
    });
  });
});

/** Failure reasons name where they came from; the facts themselves must match. */
const sameFacts = (a: HostFacts): unknown => JSON.parse(JSON.stringify({ ...a, source: '' }).replace(/ \(not in dump\)/g, ''));

describe('recording then replaying', () => {
  it('gives equal HostFacts', async () => {
    await withTempDir(async (dir) => {
      const rec = new RecordingSource(new LocalSource());
      const live = await probeHost(rec);
      await rec.save(join(dir, 'dump'), { redact: false });
      const replayed = await probeHost(new DumpSource(join(dir, 'dump')));
      assert.deepEqual(sameFacts(replayed), sameFacts(live));
    });
  });
});
