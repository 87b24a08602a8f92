// The hands-off checks on hand-built host facts (the probe and the real-tool path are in
// test/cli/vm-hands-off.test.ts): which host uses fail a VM disk, when a PV is the host's
// and when the guest's, LVM's filter semantics (filter-regex.c), devices file and
// scan_lvs, and the global_filter line the fix prints.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diskObject } from '../../src/decide/audit-vm-disks.js';
import { auditVmHandsOff } from '../../src/decide/audit-vm-hands-off.js';
import { filterAccepts, isAcceptAll, lvmScans } from '../../src/decide/lvm-scan.js';
import type { BlockDevice } from '../../src/facts/host-facts.js';
import type { HostLvmConfig, HostUseFacts } from '../../src/facts/host-use-facts.js';
import type { PhysicalVolume } from '../../src/facts/passthrough-facts.js';
import { missing, ok } from '../../src/facts/source.js';
import type { SourceFacts, VmFacts } from '../../src/facts/vm-disk-facts.js';
import { renderFix } from '../../src/render/shell-quote.js';
import { globalFilterLine } from '../../src/decide/lvm-filter-fix.js';
import { disk } from './fake-facts.js';
import { vmFromXml } from '../vm-fixtures.js';

const DEFAULT_LVM: HostLvmConfig = { installed: true, from: 'lvmconfig --type full devices', scan: { globalFilter: ['a|.*|'], filter: ['a|.*|'], useDevicesFile: false, devicesFile: 'system.devices', scanLvs: false } };

const part = (name: string, parent: string, o: Partial<BlockDevice> = {}): BlockDevice => disk(name, { kind: 'part', parent, ...o });

function domain(disks: { type: 'block' | 'file'; path: string; dev: string }[]): ReturnType<typeof vmFromXml> {
  return vmFromXml(`<domain type='kvm'><name>web</name><memory unit='MiB'>64</memory><os><type arch='x86_64' machine='q35'>hvm</type></os><devices>${disks
    .map((d) => `<disk type='${d.type}' device='disk'><driver name='qemu' type='raw' cache='none' io='native'/><source ${d.type === 'block' ? 'dev' : 'file'}='${d.path}'/><target dev='${d.dev}' bus='virtio'/></disk>`)
    .join('')}</devices></domain>`, { kind: 'libvirt-xml', file: 'web.xml' });
}

function facts(o: { disks: { type: 'block' | 'file'; path: string; dev: string; kind?: 'block' | 'lv' }[]; devs: BlockDevice[]; pvs?: PhysicalVolume[]; lvm?: HostLvmConfig; deviceOf?: Record<string, string> }): VmFacts {
  const sources = new Map<string, SourceFacts>(o.disks.map((d) => [d.path, {
    kind: 'present', path: d.path,
    backend: d.type === 'file'
      ? ok({ kind: 'file', path: d.path, format: 'raw', virtualSize: { bytes: 1 << 30 }, actualSize: { bytes: 1 << 30 }, allocation: 'preallocated' })
      : d.kind === 'lv' ? ok({ kind: 'lv', vg: 'vg0', lv: 'web', path: d.path, thin: false }) : ok({ kind: 'block', path: d.path, device: 'whole' }),
    image: missing('block device'),
  } satisfies SourceFacts]));
  const hostUse: HostUseFacts = {
    blockDevices: ok(o.devs),
    pvs: ok(o.pvs ?? []),
    lvm: ok(o.lvm ?? DEFAULT_LVM),
    deviceOf: new Map(Object.entries(o.deviceOf ?? Object.fromEntries(o.disks.filter((d) => d.type === 'block').map((d) => [d.path, d.path.slice(5)])))),
  };
  return { vms: [domain(o.disks)], managers: [], sources, platform: {}, aioNr: ok(0), aioMaxNr: ok(65536), hostUse };
}

const audit = (f: VmFacts) => auditVmHandsOff(f, diskObject);
const statusOf = (f: VmFacts, id: string, object = 'vm:web/vda') => audit(f).find((x) => x.id === id && x.object === object);

describe('vm.host-hands-off', () => {
  const cases: { name: string; f: VmFacts; status: 'pass' | 'fail'; observed?: RegExp }[] = [
    { name: 'a partition the host mounts', f: facts({ disks: [{ type: 'block', path: '/dev/sdb1', dev: 'vda' }], devs: [disk('sdb', { partitions: ['sdb1'] }), part('sdb1', 'sdb', { mountpoints: ['/srv/data'] })] }), status: 'fail', observed: /sdb1 is mounted on \/srv\/data/ },
    { name: 'a whole disk whose partition the host mounts', f: facts({ disks: [{ type: 'block', path: '/dev/sdb', dev: 'vda' }], devs: [disk('sdb', { partitions: ['sdb1', 'sdb2'] }), part('sdb1', 'sdb'), part('sdb2', 'sdb', { mountpoints: ['/backup'] })] }), status: 'fail', observed: /sdb2 is mounted on \/backup/ },
    { name: 'a partition that is active swap', f: facts({ disks: [{ type: 'block', path: '/dev/sdb2', dev: 'vda' }], devs: [disk('sdb'), part('sdb2', 'sdb', { mountpoints: ['[SWAP]'] })] }), status: 'fail', observed: /sdb2 is active swap/ },
    { name: "the disk that carries the host's root", f: facts({ disks: [{ type: 'block', path: '/dev/sda', dev: 'vda' }], devs: [disk('sda', { carriesRoot: true, carriesBoot: true })] }), status: 'fail', observed: /root filesystem.*\/boot/ },
    { name: 'a PV of a host VG that spans another disk', f: facts({ disks: [{ type: 'block', path: '/dev/sdc', dev: 'vda' }], devs: [disk('sdc'), disk('sdd')], pvs: [{ pv: '/dev/sdc', vg: 'data' }, { pv: '/dev/sdd', vg: 'data' }] }), status: 'fail', observed: /volume group "data" also has \/dev\/sdd, outside this VM's disks/ },
    { name: 'a PV of a VG with an LV active on the host', f: facts({ disks: [{ type: 'block', path: '/dev/sdc', dev: 'vda' }], devs: [disk('sdc', { holders: ['dm-0'] }), disk('dm-0', { kind: 'dm', dmName: 'my--vg-lv1' })], pvs: [{ pv: '/dev/sdc', vg: 'my-vg' }] }), status: 'fail', observed: /LVs active on the host \(dm-0 = \/dev\/mapper\/my--vg-lv1\)/ },
    { name: "a partition of the root disk that the host does not use (the seed's /dev/sda4)", f: facts({ disks: [{ type: 'block', path: '/dev/sda4', dev: 'vda' }], devs: [disk('sda', { carriesRoot: true, partitions: ['sda2', 'sda4'] }), part('sda2', 'sda', { mountpoints: ['/'], carriesRoot: true }), part('sda4', 'sda')] }), status: 'pass' },
    { name: 'a guest-made VG only on this VM\'s two disks', f: facts({ disks: [{ type: 'block', path: '/dev/sdc', dev: 'vda' }, { type: 'block', path: '/dev/sdd', dev: 'vdb' }], devs: [disk('sdc'), disk('sdd')], pvs: [{ pv: '/dev/sdc', vg: 'guestvg' }, { pv: '/dev/sdd', vg: 'guestvg' }] }), status: 'pass' },
  ];
  for (const c of cases) {
    it(`${c.status}: ${c.name}`, () => {
      const f = statusOf(c.f, 'vm.host-hands-off');
      assert.equal(f?.status, c.status, JSON.stringify(f));
      if (c.observed) assert.match(f?.observed ?? '', c.observed);
    });
  }
  it('the fix names the commands, each value quoted', () => {
    const f = statusOf(facts({ disks: [{ type: 'block', path: '/dev/sdb', dev: 'vda' }], devs: [disk('sdb', { partitions: ['sdb1', 'sdb2'] }), part('sdb1', 'sdb', { mountpoints: ["/mnt/it's"] }), part('sdb2', 'sdb', { mountpoints: ['[SWAP]'] })] }), 'vm.host-hands-off');
    assert.equal(renderFix(f?.fix ?? { parts: [] }), `stop the host's use before the VM starts: umount '/mnt/it'\\''s'; swapoff /dev/sdb2; or remove the disk from the VM`);
  });
  it('an image file: the loop device the host attached to it counts, no loop device means no finding', () => {
    const f = facts({ disks: [{ type: 'file', path: '/var/lib/img/web.raw', dev: 'vda' }], devs: [disk('loop7', { kind: 'loop', backingFile: '/var/lib/img/web.raw', partitions: ['loop7p1'] }), part('loop7p1', 'loop7', { mountpoints: ['/mnt/peek'] })] });
    assert.match(statusOf(f, 'vm.host-hands-off')?.observed ?? '', /loop7p1 is mounted on \/mnt\/peek/);
    assert.deepEqual(audit(facts({ disks: [{ type: 'file', path: '/var/lib/img/web.raw', dev: 'vda' }], devs: [disk('vda')] })), []);
  });
  it('a block source the kernel does not list, and unknown block devices: SKIP with the reason', () => {
    const f = facts({ disks: [{ type: 'block', path: '/dev/sdz', dev: 'vda' }], devs: [disk('sda')] });
    assert.match(statusOf(f, 'vm.host-hands-off')?.why ?? '', /\/dev\/sdz \(sdz\) is not in the host's block device list \(\/sys\/class\/block\)/);
    const g = { ...f, hostUse: { ...(f.hostUse as HostUseFacts), blockDevices: missing('sysfs unreadable') } };
    assert.deepEqual(audit(g).map((x) => [x.id, x.status]), [['vm.host-hands-off', 'skip'], ['vm.host-lvm-scan', 'skip']]);
  });
});

describe('vm.host-lvm-scan', () => {
  it('WARNs on a guest PV in the host\'s pvs, with the global_filter that rejects the disk and its partitions', () => {
    const f = statusOf(facts({ disks: [{ type: 'block', path: '/dev/sdc', dev: 'vda' }], devs: [disk('sdc', { partitions: ['sdc1'] }), part('sdc1', 'sdc')], pvs: [{ pv: '/dev/sdc1', vg: 'ubuntu-vg' }], lvm: { ...DEFAULT_LVM, scan: { ...DEFAULT_LVM.scan, globalFilter: ['r|/dev/zd.*|', 'a|.*|'] } } }), 'vm.host-lvm-scan');
    assert.equal(f?.status, 'warn');
    assert.match(f?.observed ?? '', /the host's pvs shows sdc1 \(VG "ubuntu-vg", only on this VM's disks/);
    assert.match(renderFix(f?.fix ?? { parts: [] }), /global_filter = \[ "r\|\^\/dev\/sdc\[0-9\]\*\$\|", "r\|\/dev\/zd\.\*\|" \], then update-initramfs -u/);
  });
  it('PASSes when global_filter rejects it, an LV with scan_lvs=0, a devices file that does not list it, no lvm2', () => {
    const rejected = { ...DEFAULT_LVM, scan: { ...DEFAULT_LVM.scan, globalFilter: ['r|^/dev/sdc[0-9]*$|', 'a|.*|'] } };
    assert.equal(statusOf(facts({ disks: [{ type: 'block', path: '/dev/sdc', dev: 'vda' }], devs: [disk('sdc')], lvm: rejected }), 'vm.host-lvm-scan')?.status, 'pass');
    assert.match(statusOf(facts({ disks: [{ type: 'block', path: '/dev/vg0/web', dev: 'vda', kind: 'lv' }], devs: [disk('dm-3', { kind: 'dm', dmName: 'vg0-web' })], deviceOf: { '/dev/vg0/web': 'dm-3' } }), 'vm.host-lvm-scan')?.observed ?? '', /dm-3: it is an LV and scan_lvs=0/);
    const devfile: HostLvmConfig = { ...DEFAULT_LVM, scan: { ...DEFAULT_LVM.scan, useDevicesFile: true }, devicesFile: ok([{ idType: 'devname', idName: '/dev/sda3', devName: '/dev/sda3' }]) };
    assert.equal(statusOf(facts({ disks: [{ type: 'block', path: '/dev/sdc', dev: 'vda' }], devs: [disk('sdc')], lvm: devfile }), 'vm.host-lvm-scan')?.status, 'pass');
    assert.match(statusOf(facts({ disks: [{ type: 'block', path: '/dev/sdc', dev: 'vda' }], devs: [disk('sdc')], lvm: { installed: false } }), 'vm.host-lvm-scan')?.observed ?? '', /lvm2 is not installed/);
  });
  it('WARNs with the defaults (accept all) even before any PV shows; SKIPs when the settings are unknown', () => {
    const f = facts({ disks: [{ type: 'block', path: '/dev/sdc', dev: 'vda' }], devs: [disk('sdc')] });
    assert.match(statusOf(f, 'vm.host-lvm-scan')?.observed ?? '', /sdc is scanned: global_filter accepts \/dev\/sdc \(a\|\.\*\|\)/);
    const g = { ...f, hostUse: { ...(f.hostUse as HostUseFacts), lvm: missing('lvmconfig: exit 5') } };
    assert.equal(statusOf(g, 'vm.host-lvm-scan')?.status, 'skip');
  });
});

describe('LVM filter semantics (lvm2 lib/filters/filter-regex.c _accept_p)', () => {
  const table: [string[], string[], boolean][] = [
    [[], ['/dev/sdb'], true],
    [['a|.*|'], ['/dev/sdb'], true],
    [['r|^/dev/sdb$|'], ['/dev/sdb', '/dev/disk/by-id/wwn-1'], false],
    // a name the reject misses and the catch-all accepts: LVM uses the device
    [['r|^/dev/sdb$|', 'a|.*|'], ['/dev/sdb', '/dev/disk/by-id/wwn-1'], true],
    // first matching pattern per name decides
    [['a|/dev/sd|', 'r|.*|'], ['/dev/sdb'], true],
    [['r|/dev/zd.*|', 'r|/dev/rbd.*|'], ['/dev/sdb'], true],
    [['r/loop/'], ['/dev/loop3p1'], false],
  ];
  for (const [patterns, names, accepted] of table) {
    it(`${JSON.stringify(patterns)} on ${names.join(',')} → ${accepted ? 'scanned' : 'skipped'}`, () => assert.equal(filterAccepts(patterns, names).accepted, accepted));
  }
  it('knows catch-all accepts', () => assert.deepEqual(['a|.*|', 'a/.*/', 'a|^.*$|', 'a|/dev/sd.*|', 'r|.*|'].map(isAcceptAll), [true, true, true, false, false]));
  it('a devices file entry matched by wwid', () => {
    const lvm: HostLvmConfig = { ...DEFAULT_LVM, scan: { ...DEFAULT_LVM.scan, useDevicesFile: true }, devicesFile: ok([{ idType: 'sys_wwid', idName: 'naa.5000', devName: '/dev/sdq' }]) };
    assert.equal(lvmScans(lvm, disk('sdc', { wwid: 'naa.5000' }), { names: ['/dev/sdc'], isLv: false }).scanned, true);
    assert.match(lvmScans({ ...lvm, devicesFile: 'absent' }, disk('sdc'), { names: ['/dev/sdc'], isLv: false }).why, /system.devices does not exist, so LVM uses every device/);
  });
});

describe('globalFilterLine', () => {
  it('anchors and escapes each name, rejects partitions of whole devices, keeps rejects, drops catch-all accepts', () => {
    assert.equal(
      globalFilterLine(['r|/dev/zd.*|', 'a|.*|'], [{ name: '/dev/loop3', whole: true }, { name: '/dev/disk/by-id/ata-X_1.0', whole: true }, { name: '/dev/sdb', whole: true }, { name: '/dev/vg0/web+1', whole: false }]),
      'global_filter = [ "r|^/dev/loop3(p[0-9]+)?$|", "r|^/dev/disk/by-id/ata-X_1\\\\.0(-part[0-9]+)?$|", "r|^/dev/sdb[0-9]*$|", "r|^/dev/vg0/web\\\\+1$|", "r|/dev/zd.*|" ]',
    );
  });
  it('a partition is rejected alone (never its siblings: loop0p1 must not match loop0p11)', () => {
    assert.equal(globalFilterLine([], [{ name: '/dev/loop0p1', whole: false }]), 'global_filter = [ "r|^/dev/loop0p1$|" ]');
    assert.equal(filterAccepts(['r|^/dev/loop0p1$|'], ['/dev/loop0p11']).accepted, true);
  });
});
