import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assessAll, assessDevice, diskUses, passthroughCandidates, type Assessment } from '../../src/decide/passthrough.js';
import { assessNamed } from '../../src/decide/passthrough-check.js';
import { checkReadiness } from '../../src/decide/passthrough-readiness.js';
import { planVfioBind, planVfioUnbind } from '../../src/decide/plan-vfio.js';
import type { BlockDevice } from '../../src/facts/host-facts.js';
import type { PassthroughFacts } from '../../src/facts/passthrough-facts.js';
import { loadPassthrough, type PassthroughInput } from '../../src/facts/probe-passthrough.js';
import { missing, ok } from '../../src/facts/source.js';
import { fixture } from '../helpers.js';

const load = (host: string, addrs: string[] = []): Promise<PassthroughInput> => loadPassthrough(fixture('hosts', host), {}, addrs);
const byAddr = (all: readonly Assessment[]): Map<string, Assessment> => new Map(all.map((a) => [a.address, a]));
const codes = (a: Assessment): string[] => [...new Set(a.verdict.refusals.map((r) => r.code))].sort();

describe('passthrough verdicts on recorded hosts', () => {
  it('DL360 Gen9: the SATA controller with the boot disk and the NVMe holding pool "vmpool" are refused; the other three NVMe are allowed', async () => {
    const f = await load('dl360-gen9');
    const all = byAddr(assessAll(f.host, f.pt));
    const status = Object.fromEntries([...all].map(([a, x]) => [a, x.verdict.status]));
    assert.deepEqual(status, {
      '0000:00:1f.2': 'refused',
      '0000:03:00.0': 'allowed',
      '0000:04:00.0': 'refused',
      '0000:05:00.0': 'allowed',
      '0000:06:00.0': 'allowed',
      '0000:07:00.0': 'allowed',
      '0000:08:00.0': 'refused',
      '0000:08:00.1': 'refused',
    });
    const sata = all.get('0000:00:1f.2') as Assessment;
    assert.deepEqual(codes(sata), ['boot', 'domain-disk', 'mount', 'pool', 'pv', 'root', 'unnamed-member']);
    assert.deepEqual(sata.members.map((m) => m.address), ['0000:00:1f.0', '0000:00:1f.2', '0000:00:1f.3']);
    const pool = all.get('0000:04:00.0') as Assessment;
    assert.deepEqual(codes(pool), ['domain-disk', 'pool', 'pv']);
    assert.match(pool.verdict.reason, /nvme0n1 is an LVM PV of volume group "vmpool"/);
    assert.ok(pool.verdict.refusals.some((r) => /storage pool "vmpool"/.test(r.message)));
    for (const a of ['0000:05:00.0', '0000:06:00.0', '0000:07:00.0']) {
      const x = all.get(a) as Assessment;
      assert.equal(x.viable, true, a);
      assert.deepEqual(x.members.map((m) => m.address), [a], `${a} is alone in its group`);
    }
    assert.deepEqual(all.get('0000:05:00.0')?.assignedTo, ['ceph1']);
  });

  it('a NIC sharing the NVMe\'s IOMMU group: refused with every member listed, bridges ignored; naming the NIC allows it', async () => {
    const f = await load('shared-group', ['0000:03:00.0']);
    const a = assessDevice('0000:03:00.0', f.host, f.pt);
    assert.equal(a.verdict.status, 'refused');
    assert.equal(a.iommuGroup, 9);
    assert.deepEqual(a.members.map((m) => [m.address, m.role, m.bridge]), [
      ['0000:00:1c.0', 'bridge', true],
      ['0000:00:1c.4', 'bridge', true],
      ['0000:02:00.0', 'network', false],
      ['0000:03:00.0', 'nvme', false],
    ]);
    assert.deepEqual(a.verdict.refusals.map((r) => [r.code, r.member]), [['unnamed-member', '0000:02:00.0']]);
    assert.match(a.verdict.reason, /0000:02:00\.0 \(network, 8086:1533, driver igb\).*--with 0000:02:00\.0/);
    const named = assessDevice('0000:03:00.0', f.host, f.pt, { named: ['0000:02:00.0'] });
    assert.equal(named.verdict.status, 'allowed');
    assert.equal(named.viable, true);
    assert.match(named.viability, /2 non-bridge member\(s\) of group 9.*0000:02:00\.0, 0000:03:00\.0/);
  });

  it('SR-IOV NVMe: the PF lists its VFs with their own groups, is refused while VFs are enabled, and a free VF is allowed', async () => {
    const f = await load('sriov-nvme', ['0000:41:00.2']);
    assert.deepEqual(passthroughCandidates(f.host, f.pt), ['0000:01:00.0', '0000:41:00.0'], 'VFs are listed under their PF, not on their own');
    const pf = assessDevice('0000:41:00.0', f.host, f.pt);
    assert.deepEqual(pf.sriov && { total: pf.sriov.totalVfs, enabled: pf.sriov.numVfs, vfs: pf.sriov.vfs.map((v) => [v.index, v.address, v.iommuGroup, v.driver ?? null]) }, {
      total: 4,
      enabled: 2,
      vfs: [[0, '0000:41:00.1', 31, 'vfio-pci'], [1, '0000:41:00.2', 32, null]],
    });
    assert.deepEqual(codes(pf), ['sriov-vfs-enabled']);
    assert.match(pf.verdict.reason, /0000:41:00\.1 is a <hostdev> of domain "db-vm"/);
    const vf = assessDevice('0000:41:00.2', f.host, f.pt);
    assert.equal(vf.verdict.status, 'allowed');
    assert.equal(vf.physfn, '0000:41:00.0');
    assert.equal(vf.iommuGroup, 32);
    const boot = assessDevice('0000:01:00.0', f.host, f.pt);
    assert.deepEqual(codes(boot), ['boot', 'mount', 'root']);
  });

  it('a dump without pvs/virsh outputs fails closed for devices with disks', async () => {
    const f = await load('nvme-bfq');
    const all = byAddr(assessAll(f.host, f.pt));
    for (const a of all.values()) {
      assert.equal(a.verdict.status, 'refused', a.address);
      assert.ok(codes(a).includes('unknown-use'), `${a.address}: ${codes(a).join(',')}`);
    }
  });

  it('modprobe.d ids= is flagged dangerous when an identical controller carries host data', async () => {
    const f = await load('dl360-gen9', ['0000:05:00.0']);
    const r = assessNamed(f, '0000:05:00.0', []);
    assert.deepEqual(r.sameId.map((s) => [s.address, s.hostUse !== undefined]), [['0000:04:00.0', true], ['0000:06:00.0', false], ['0000:07:00.0', false]]);
  });
});

describe('passthrough readiness', () => {
  const cases: [string, string, Record<string, string>][] = [
    ['dl360-gen9', 'Intel, intel_iommu=on, no iommu=pt, vfio-pci built in', { 'pt.iommu': 'pass', 'pt.iommu-groups': 'pass', 'pt.cmdline.iommu': 'pass', 'pt.cmdline.iommu-pt': 'warn', 'pt.vfio-pci': 'pass' }],
    ['shared-group', 'Intel with both parameters, vfio-pci a module', { 'pt.iommu': 'pass', 'pt.iommu-groups': 'pass', 'pt.cmdline.iommu': 'pass', 'pt.cmdline.iommu-pt': 'pass', 'pt.vfio-pci': 'pass' }],
    ['sriov-nvme', 'AMD: on by default', { 'pt.iommu': 'pass', 'pt.iommu-groups': 'pass', 'pt.cmdline.iommu': 'pass', 'pt.cmdline.iommu-pt': 'pass', 'pt.vfio-pci': 'pass' }],
    ['guest-virtio', 'a guest: no IOMMU, no intel_iommu=on, no vfio-pci', { 'pt.iommu': 'fail', 'pt.iommu-groups': 'fail', 'pt.cmdline.iommu': 'fail', 'pt.cmdline.iommu-pt': 'warn', 'pt.vfio-pci': 'fail' }],
  ];
  for (const [host, name, want] of cases) {
    it(`${host}: ${name}`, async () => {
      const f = await load(host);
      const got = Object.fromEntries(checkReadiness(f.host, f.pt).map((x) => [x.id, x.status]));
      assert.deepEqual(got, want);
    });
  }
  it('says which switch is off: kernel parameter on Intel, firmware when no DMAR/IVRS table', async () => {
    const f = await load('guest-virtio');
    const iommu = checkReadiness(f.host, f.pt).find((x) => x.id === 'pt.iommu');
    assert.match(iommu?.why ?? '', /intel_iommu=on/);
    const noTable: PassthroughFacts = { ...f.pt, acpiTables: ok(['APIC', 'FACP']) };
    assert.match(checkReadiness(f.host, noTable).find((x) => x.id === 'pt.iommu')?.why ?? '', /no DMAR table.*VT-d/);
  });
});

describe('disk uses', () => {
  const disk = (name: string, extra: Partial<BlockDevice> = {}): BlockDevice => ({
    name, kind: 'disk', transport: 'nvme', rotational: ok(false), size: missing('-'), scheduler: missing('-'), nrHwQueues: missing('-'), nrRequests: missing('-'), readAheadKb: missing('-'),
    holders: [], slaves: [], mountpoints: [], carriesRoot: false, carriesBoot: false, partitions: [], ...extra,
  });
  const pt = (over: Partial<PassthroughFacts>): PassthroughFacts => ({
    acpiTables: ok([]), vfioPci: ok({ loaded: true, builtin: false, looked: [] }), virtualFunctions: {}, physicalFunction: {},
    pvs: ok([]), pools: ok([]), domains: ok([]), ...over,
  });
  const devs = [
    disk('nvme1n1', { partitions: ['nvme1n1p1'] }),
    disk('nvme1n1p1', { kind: 'part', parent: 'nvme1n1', holders: ['dm-3'] }),
    disk('dm-3', { kind: 'dm', dmName: 'data-vols', mountpoints: ['/srv/images'] }),
  ];
  const cases: [string, Partial<PassthroughFacts>, string[]][] = [
    ['a mount on a dm device stacked on a partition', {}, ['mount:dm-3']],
    ['a domain disk as /dev/mapper/VG-LV on a PV partition', { pvs: ok([{ pv: '/dev/nvme1n1p1', vg: 'data' }]), domains: ok([{ name: 'vm1', diskSources: ['/dev/mapper/data-vm1--root'], hostdevs: [] }]) }, ['mount:dm-3', 'pv:nvme1n1p1', 'domain-disk:nvme1n1']],
    ['a file of a domain inside a mounted filesystem, and a dir pool there', { pools: ok([{ name: 'images', type: 'dir', sourceDevices: [], targetPath: '/srv/images' }]), domains: ok([{ name: 'vm2', diskSources: ['/srv/images/vm2.qcow2'], hostdevs: [] }]) }, ['mount:dm-3', 'pool:nvme1n1', 'domain-disk:nvme1n1']],
    ['a pool volume reference', { pvs: ok([{ pv: '/dev/nvme1n1p1', vg: 'vg1' }]), pools: ok([{ name: 'vg1', type: 'logical', sourceDevices: [], sourceName: 'vg1' }]), domains: ok([{ name: 'vm3', diskSources: ['pool:vg1/vm3'], hostdevs: [] }]) }, ['mount:dm-3', 'pv:nvme1n1p1', 'pool:nvme1n1', 'domain-disk:nvme1n1']],
    ['an orphan PV is a note, not a use', { pvs: ok([{ pv: '/dev/nvme1n1p1', vg: '' }]) }, ['mount:dm-3']],
    ['an unrelated path does not match', { domains: ok([{ name: 'vm4', diskSources: ['/srv/imagesX/a.raw', '/dev/nvme10n1'], hostdevs: [] }]) }, ['mount:dm-3']],
  ];
  for (const [name, over, want] of cases) {
    it(name, () => {
      const r = diskUses(devs[0] as BlockDevice, devs, pt(over));
      assert.deepEqual(r.uses.map((u) => `${u.kind}:${u.device}`), want);
    });
  }
});

describe('vfio plans', () => {
  const members = [
    { address: '0000:00:1c.4', bridge: true, driver: 'pcieport' },
    { address: '0000:03:00.0', bridge: false, driver: 'nvme' },
    { address: '0000:02:00.0', bridge: false, driver: 'igb', driverOverride: '(null)' },
    { address: '0000:04:00.0', bridge: false, driver: 'vfio-pci', driverOverride: 'vfio-pci' },
  ];
  it('bind: per member in address order, override → unbind → drivers_probe; bridges and vfio-pci members skipped', () => {
    const p = planVfioBind({ address: '0000:03:00.0', iommuGroup: 9 }, members);
    assert.deepEqual(p.members, ['0000:02:00.0', '0000:03:00.0']);
    assert.deepEqual(p.skipped.map((s) => s.address), ['0000:00:1c.4', '0000:04:00.0']);
    assert.deepEqual(p.steps.map((s) => [s.write.path, s.write.value]), [
      ['/sys/bus/pci/devices/0000:02:00.0/driver_override', 'vfio-pci\n'],
      ['/sys/bus/pci/devices/0000:02:00.0/driver/unbind', '0000:02:00.0'],
      ['/sys/bus/pci/drivers_probe', '0000:02:00.0'],
      ['/sys/bus/pci/devices/0000:03:00.0/driver_override', 'vfio-pci\n'],
      ['/sys/bus/pci/devices/0000:03:00.0/driver/unbind', '0000:03:00.0'],
      ['/sys/bus/pci/drivers_probe', '0000:03:00.0'],
    ]);
    // the unbind step's undo clears the override before binding the original driver (the kernel refuses it otherwise)
    assert.deepEqual(p.steps[1]?.undo.map((w) => [w.path, w.value]), [
      ['/sys/bus/pci/devices/0000:02:00.0/driver_override', '\n'],
      ['/sys/bus/pci/drivers/igb/bind', '0000:02:00.0'],
    ]);
  });
  it('unbind: only vfio-pci members, override cleared first, probe lets the kernel pick the driver', () => {
    const p = planVfioUnbind({ address: '0000:04:00.0', iommuGroup: 9 }, members);
    assert.deepEqual(p.members, ['0000:04:00.0']);
    assert.deepEqual(p.steps.map((s) => [s.write.path, s.write.value]), [
      ['/sys/bus/pci/devices/0000:04:00.0/driver_override', '\n'],
      ['/sys/bus/pci/devices/0000:04:00.0/driver/unbind', '0000:04:00.0'],
      ['/sys/bus/pci/drivers_probe', '0000:04:00.0'],
    ]);
    assert.deepEqual(p.steps[1]?.undo.map((w) => w.path), ['/sys/bus/pci/devices/0000:04:00.0/driver_override', '/sys/bus/pci/drivers/vfio-pci/bind']);
  });
});
