import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { planHost, type HostPolicy } from '../../src/decide/plan-host.js';
import { aioDemandFromCounts, aioDemandFromVms, recommendedAioMaxNr } from '../../src/decide/recommend-aio.js';
import { vmFromXml } from '../vm-fixtures.js';
import { ok } from '../../src/facts/source.js';
import { checkUdevRules } from '../../src/render/udev-grammar.js';
import { disk, host } from './fake-facts.js';

const policy = (over: Partial<HostPolicy> = {}): HostPolicy => ({ only: [], devices: [], persist: 'udev', passthrough: false, ...over });

describe('recommendedAioMaxNr', () => {
  it('sizes 100 VMs with one iothread each: 100 × 2 × 1024 × 2 → 524288', () => {
    const a = recommendedAioMaxNr(aioDemandFromCounts(100, 1), 65536);
    assert.equal(a.target, 524288);
    assert.match(a.explain.join('\n'), /200 × 1024 .* = 204800; × 2 headroom = 409600 → 524288/);
  });
  it('never goes below the kernel default', () => assert.equal(recommendedAioMaxNr(aioDemandFromCounts(1, 0), 0).target, 65536));
  it('never lowers the current value', () => assert.equal(recommendedAioMaxNr(aioDemandFromCounts(1, 0), 1048576).target, 1048576));
  it('counts only domains with native AIO', () => {
    const disk = (dev: string, io: string, t: number) => `<disk type='file'><driver name='qemu' type='raw' cache='none' io='${io}' iothread='${t}'/><source file='/i/${dev}'/><target dev='${dev}' bus='virtio'/></disk>`;
    const d = aioDemandFromVms([
      vmFromXml(`<domain><name>a</name><iothreads>2</iothreads><devices>${disk('vda', 'native', 1)}${disk('vdb', 'native', 2)}</devices></domain>`),
      vmFromXml(`<domain><name>b</name><iothreads>1</iothreads><devices>${disk('vda', 'threads', 1)}</devices></domain>`),
    ]);
    assert.equal(d.contexts, 3);
  });
});

describe('planHost', () => {
  it('fixes a SATA SSD on bfq: udev rule on its wwid first, then the live value', () => {
    const plan = planHost(host([disk('sda', { sched: 'bfq', wwid: 'naa.5000c500a1b2c3d4' })]), policy());
    assert.deepEqual(plan.actions.map((a) => [a.kind, a.id, a.object]), [
      ['file', 'sched.persisted', '/etc/udev/rules.d/60-kvmio-scheduler.rules'],
      ['sysfs', 'sched.host-ssd', 'sda'],
    ]);
    const file = plan.actions[0]!;
    assert.ok(file.kind === 'file');
    assert.match(file.content, /^ACTION=="add\|change", SUBSYSTEM=="block", ENV\{DEVTYPE\}=="disk", ATTRS\{wwid\}=="naa.5000c500a1b2c3d4", ATTR\{queue\/scheduler\}="mq-deadline"$/m);
    assert.deepEqual(checkUdevRules(file.content), []);
  });

  it('changes nothing on a host that already matches and whose kernel default is right', () => {
    const plan = planHost(host([disk('sda'), disk('nvme0n1', { transport: 'nvme', sched: 'none', hw: 2 }), disk('sdb', { rot: true, sched: 'bfq' })]), policy());
    assert.deepEqual(plan.actions, []);
  });

  it('persists an HDD-less NVMe host that something set to mq-deadline, matched on ATTR{wwid}', () => {
    const plan = planHost(host([disk('nvme0n1', { transport: 'nvme', wwid: 'eui.0025388b71b1f0a1', hw: 4 })]), policy());
    const file = plan.actions[0]!;
    assert.ok(file.kind === 'file');
    assert.match(file.content, /KERNEL=="nvme\*", ATTR\{wwid\}=="eui.0025388b71b1f0a1", ATTR\{queue\/scheduler\}="none"/);
  });

  it('limits to --device and uses tmpfiles with --persist tmpfiles', () => {
    const plan = planHost(host([disk('sda', { sched: 'none' }), disk('sdb', { sched: 'none' })]), policy({ devices: ['sdb'], persist: 'tmpfiles' }));
    assert.deepEqual(plan.actions.map((a) => a.object), ['/etc/tmpfiles.d/kvmio-scheduler.conf', 'sdb']);
    const f = plan.actions[0]!;
    assert.ok(f.kind === 'file');
    assert.match(f.content, /^w \/sys\/block\/sdb\/queue\/scheduler - - - - mq-deadline$/m);
    assert.doesNotMatch(f.content, /sda/);
  });

  it('keeps entries of other devices already in kvmio\'s file', () => {
    const first = planHost(host([disk('sda', { sched: 'none' })]), policy({ persist: 'tmpfiles' })).actions[0]!;
    assert.ok(first.kind === 'file');
    const second = planHost(host([disk('sdb', { sched: 'none' })]), policy({ persist: 'tmpfiles' }), { tmpfiles: first.content }).actions[0]!;
    assert.ok(second.kind === 'file');
    assert.match(second.content, /sda\/queue/);
    assert.match(second.content, /sdb\/queue/);
  });

  it('--only filters by rule id prefix', () => {
    const facts = host([disk('sda', { sched: 'bfq' }), disk('vda', { transport: 'virtio', sched: 'mq-deadline' })], { cmdline: ok({ raw: 'elevator=deadline', elevator: 'deadline' }) });
    assert.deepEqual(planHost(facts, policy({ only: ['sched.guest-virtual'] })).actions.filter((a) => a.kind === 'sysfs').map((a) => a.object), ['vda']);
    assert.deepEqual(planHost(facts, policy({ only: ['boot'] })).actions.map((a) => a.id), ['boot.elevator']);
  });

  it('raises fs.aio-max-nr from the VM count, file before the live value', () => {
    const plan = planHost(host([]), policy({ aio: aioDemandFromCounts(100, 1) }));
    assert.deepEqual(plan.actions.map((a) => [a.kind, a.id]), [['file', 'aio.max-nr'], ['sysfs', 'aio.max-nr']]);
    const live = plan.actions[1]!;
    assert.ok(live.kind === 'sysfs');
    assert.equal(live.path, '/proc/sys/fs/aio-max-nr');
    assert.equal(live.value, '524288');
  });

  it('skips aio without a VM count, saying how to give one', () => {
    const plan = planHost(host([]), policy());
    assert.match(plan.skipped.find((s) => s.id === 'aio.max-nr')?.why ?? '', /--vms/);
  });

  it('adds the IOMMU drop-in only with passthrough, and not when the cmdline has it', () => {
    assert.deepEqual(planHost(host([]), policy({ passthrough: true })).actions.map((a) => a.id), ['iommu.intel-cmdline']);
    const on = host([], { cmdline: ok({ raw: 'intel_iommu=on iommu=pt', intelIommu: 'on', iommu: 'pt' }) });
    assert.deepEqual(planHost(on, policy({ passthrough: true })).actions, []);
    const a = planHost(host([]), policy({ passthrough: true })).actions[0]!;
    assert.match(a.notes?.join(' ') ?? '', /update-grub.*reboot/);
  });
});

describe('planHost edge cases', () => {
  it('skips partitions (they use the disk queue)', () => {
    const plan = planHost(host([disk('loop1p1', { kind: 'part', transport: 'loop', scheduler: { ok: false, reason: 'partition' } })]), { only: [], devices: [], persist: 'udev', passthrough: false });
    assert.deepEqual(plan.actions, []);
    assert.deepEqual(plan.skipped.filter((s) => s.id.startsWith('sched')), []);
  });
  it('persists nothing for aio when the sized target is the kernel default and nothing is set', () => {
    const plan = planHost(host([]), { only: [], devices: [], persist: 'udev', passthrough: false, aio: aioDemandFromCounts(1, 0) });
    assert.deepEqual(plan.actions, []);
  });
  it('persists a live aio-max-nr raised by hand that no sysctl.d file keeps', () => {
    const plan = planHost(host([], { aio: ok({ nr: 0, maxNr: 1048576 }) }), { only: [], devices: [], persist: 'udev', passthrough: false, aio: aioDemandFromCounts(1, 0) });
    assert.deepEqual(plan.actions.map((a) => [a.kind, a.id]), [['file', 'aio.max-nr']]);
    const f = plan.actions[0]!;
    assert.ok(f.kind === 'file');
    assert.match(f.content, /^fs\.aio-max-nr = 1048576$/m);
  });
});

describe('planHost --only persisted ids', () => {
  const p = (only: string[], aio = false): HostPolicy => ({ only, devices: [], persist: 'udev', passthrough: false, ...(aio ? { aio: aioDemandFromCounts(100, 1) } : {}) });
  it('sched.persisted writes the rules file without touching live values', () => {
    assert.deepEqual(planHost(host([disk('sda', { sched: 'bfq' })]), p(['sched.persisted'])).actions.map((a) => a.kind), ['file']);
  });
  it('aio.persisted writes the sysctl.d file only', () => {
    assert.deepEqual(planHost(host([]), p(['aio.persisted'], true)).actions.map((a) => a.kind), ['file']);
  });
});
