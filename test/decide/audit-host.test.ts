import assert from 'node:assert/strict';
import { renderFix } from '../../src/render/shell-quote.js';
import { describe, it } from 'node:test';
import { auditHost } from '../../src/decide/audit-host.js';
import type { Finding, Status } from '../../src/model/finding.js';
import type { HostFacts } from '../../src/facts/host-facts.js';
import { missing, ok } from '../../src/facts/source.js';
import { disk, host, roles, sysctl, tmpfiles, udev } from './host-facts-builder.js';

interface Case {
  readonly name: string;
  readonly facts: HostFacts;
  readonly id: string;
  readonly object: string;
  readonly status: Status;
  /** Matched against why + fix + observed + expected. */
  readonly text?: RegExp;
  readonly fix?: string | RegExp;
}

const find = (fs: readonly Finding[], id: string, object: string): Finding[] => fs.filter((f) => f.id === id && f.object === object);
const guest = roles({ kvmHost: false, guest: true, kvm: ok({ opened: false, error: 'ENOENT' }) });
const both = roles({ kvmHost: true, guest: true });
const devs = (...d: ReturnType<typeof disk>[]) => ok(d);
const intelCtl = { address: '0000:00:1f.2', classCode: 0x010601, vendor: '0x8086', device: '0x8d02', disks: ['sda'], upstream: [], reasons: ['storage-class' as const] };
const amdNvme = { address: '0000:41:00.0', classCode: 0x010802, vendor: '0x144d', device: '0xa808', disks: ['nvme0n1'], upstream: [], reasons: ['storage-class' as const] };

const cases: Case[] = [
  // sched.* live, by role and media
  { name: 'host SATA SSD on mq-deadline passes', facts: host({ blockDevices: devs(disk('sda')) }), id: 'sched.host-ssd', object: 'sda', status: 'pass' },
  { name: 'host SATA SSD on none warns', facts: host({ blockDevices: devs(disk('sda', { sched: 'none' })) }), id: 'sched.host-ssd', object: 'sda', status: 'warn', fix: 'echo mq-deadline > /sys/block/sda/queue/scheduler' },
  { name: 'NVMe on none passes', facts: host({ blockDevices: devs(disk('nvme0n1', { transport: 'nvme', sched: 'none', hw: 2 })) }), id: 'sched.multiqueue', object: 'nvme0n1', status: 'pass' },
  { name: 'NVMe on bfq warns', facts: host({ blockDevices: devs(disk('nvme0n1', { transport: 'nvme', sched: 'bfq', hw: 2 })) }), id: 'sched.multiqueue', object: 'nvme0n1', status: 'warn', fix: 'echo none > /sys/block/nvme0n1/queue/scheduler' },
  { name: 'SAS disk with 8 hw queues is multi-queue', facts: host({ blockDevices: devs(disk('sdb', { transport: 'sas', hw: 8 })) }), id: 'sched.multiqueue', object: 'sdb', status: 'warn', text: /8 hardware queues/ },
  { name: 'HDD on mq-deadline passes', facts: host({ blockDevices: devs(disk('sdb', { rot: true })) }), id: 'sched.host-hdd', object: 'sdb', status: 'pass' },
  { name: 'HDD on bfq passes with a note', facts: host({ blockDevices: devs(disk('sdb', { rot: true, sched: 'bfq' })) }), id: 'sched.host-hdd', object: 'sdb', status: 'pass', text: /acceptable/ },
  { name: 'HDD on none warns', facts: host({ blockDevices: devs(disk('sdb', { rot: true, sched: 'none' })) }), id: 'sched.host-hdd', object: 'sdb', status: 'warn' },
  { name: 'guest virtio on mq-deadline warns', facts: host({ roles: guest, blockDevices: devs(disk('vda', { transport: 'virtio', rot: true })) }), id: 'sched.guest-virtual', object: 'vda', status: 'warn', fix: 'echo none > /sys/block/vda/queue/scheduler' },
  { name: 'host+guest: virtio disk takes the guest rule and says why', facts: host({ roles: both, blockDevices: devs(disk('vda', { transport: 'virtio', rot: true })) }), id: 'sched.guest-virtual', object: 'vda', status: 'warn', text: /also a KVM host.*guest rule wins/ },
  { name: 'guest with a passed-through NVMe takes the host rule and says why', facts: host({ roles: guest, blockDevices: devs(disk('nvme0n1', { transport: 'nvme', sched: 'none', hw: 2, model: 'Samsung SSD 980' })) }), id: 'sched.multiqueue', object: 'nvme0n1', status: 'pass', text: /guest too, but nvme0n1 looks physical .*host rule applies/ },
  { name: 'xen disk on none passes', facts: host({ roles: guest, blockDevices: devs(disk('xvda', { transport: 'xen', sched: 'none' })) }), id: 'sched.guest-virtual', object: 'xvda', status: 'pass' },
  { name: 'emulated QEMU HARDDISK counts as virtual', facts: host({ roles: guest, blockDevices: devs(disk('sda', { transport: 'scsi', model: 'QEMU HARDDISK' })) }), id: 'sched.guest-virtual', object: 'sda', status: 'warn', text: /emulated disk/ },
  { name: 'loop on none passes', facts: host({ blockDevices: devs(disk('loop0', { kind: 'loop', transport: 'loop', sched: 'none' })) }), id: 'sched.stacked', object: 'loop0', status: 'pass' },
  { name: 'loop on mq-deadline warns', facts: host({ blockDevices: devs(disk('loop0', { kind: 'loop', transport: 'loop' })) }), id: 'sched.stacked', object: 'loop0', status: 'warn' },
  { name: 'bio-based dm without a scheduler passes', facts: host({ blockDevices: devs(disk('dm-0', { kind: 'dm', transport: 'dm', scheduler: missing('ENOENT') })) }), id: 'sched.stacked', object: 'dm-0', status: 'pass' },
  { name: 'md on bfq warns', facts: host({ blockDevices: devs(disk('md0', { kind: 'md', transport: 'md', sched: 'bfq' })) }), id: 'sched.stacked', object: 'md0', status: 'warn' },
  { name: 'zram is noted, not judged', facts: host({ blockDevices: devs(disk('zram0', { kind: 'zram', transport: 'zram', scheduler: missing('ENOENT') })) }), id: 'sched.not-scheduled', object: 'zram0', status: 'pass' },
  { name: 'unknown media skips with the reason', facts: host({ blockDevices: devs(disk('sda', { rotational: missing('queue/rotational: EACCES') })) }), id: 'sched.media', object: 'sda', status: 'skip', text: /EACCES/ },
  { name: 'unreadable scheduler skips', facts: host({ blockDevices: devs(disk('sda', { scheduler: missing('queue/scheduler: garbled') })) }), id: 'sched.host-ssd', object: 'sda', status: 'skip', text: /garbled/ },
  { name: 'unreadable block devices skip once', facts: host({ blockDevices: missing('/sys/block: EACCES') }), id: 'sched.live', object: 'host', status: 'skip' },
  { name: 'missing scheduler module is loaded by the fix', facts: host({ blockDevices: devs(disk('sda', { sched: 'none', avail: ['none'] })) }), id: 'sched.host-ssd', object: 'sda', status: 'warn', fix: 'modprobe mq-deadline && echo mq-deadline > /sys/block/sda/queue/scheduler' },
  // sched.legacy-name
  { name: 'no legacy names pass', facts: host({ schedulerRules: ok([tmpfiles('sda', 'mq-deadline')]), blockDevices: devs(disk('sda')) }), id: 'sched.legacy-name', object: 'host', status: 'pass' },
  { name: 'tmpfiles "deadline" warns (alias of mq-deadline)', facts: host({ schedulerRules: ok([tmpfiles('sda', 'deadline')]), blockDevices: devs(disk('sda')) }), id: 'sched.legacy-name', object: 'sda', status: 'warn', text: /alias/, fix: "sed -i '1s/\\bdeadline\\b/mq-deadline/' /usr/lib/tmpfiles.d/IO_ioscheduler.conf" },
  { name: 'tmpfiles "noop" fails (EINVAL, does nothing)', facts: host({ schedulerRules: ok([tmpfiles('sdb', 'noop', 2)]), blockDevices: devs(disk('sdb')) }), id: 'sched.legacy-name', object: 'sdb', status: 'fail', text: /EINVAL.*Linux 5\.0|Linux 5\.0.*EINVAL/ },
  { name: 'udev glob "cfq" fails, object host', facts: host({ schedulerRules: ok([udev('sd[a-z]', 'cfq')]) }), id: 'sched.legacy-name', object: 'host', status: 'fail' },
  { name: 'unreadable rules skip', facts: host({ schedulerRules: missing('no rules dirs') }), id: 'sched.legacy-name', object: 'host', status: 'skip' },
  // boot.elevator
  { name: 'no elevator= passes', facts: host(), id: 'boot.elevator', object: 'host', status: 'pass' },
  { name: 'elevator=deadline on 6.1 warns with the fix', facts: host({ cmdline: ok({ raw: 'elevator=deadline', elevator: 'deadline' }) }), id: 'boot.elevator', object: 'host', status: 'warn', text: /does not have any effect anymore.*mq-deadline/, fix: /sed -i -E 's\/\[\[:space:\]\]\*elevator=deadline\/\/' \/etc\/default\/grub && update-grub/ },
  { name: 'elevator= on 4.19 still works', facts: host({ kernelRelease: ok('4.19.0-27-amd64'), cmdline: ok({ raw: 'elevator=noop', elevator: 'noop' }) }), id: 'boot.elevator', object: 'host', status: 'pass' },
  { name: 'elevator= on 5.4 is still read', facts: host({ kernelRelease: ok('5.4.0-150-generic'), cmdline: ok({ raw: 'elevator=deadline', elevator: 'deadline' }) }), id: 'boot.elevator', object: 'host', status: 'pass' },
  { name: 'elevator= on 5.5 has no effect', facts: host({ kernelRelease: ok('5.5.0'), cmdline: ok({ raw: 'elevator=deadline', elevator: 'deadline' }) }), id: 'boot.elevator', object: 'host', status: 'warn' },
  { name: 'unreadable cmdline skips', facts: host({ cmdline: missing('/proc/cmdline: EACCES') }), id: 'boot.elevator', object: 'host', status: 'skip' },
  // sched.persisted
  { name: 'nvme bfq from tmpfiles warns', facts: host({ schedulerRules: ok([tmpfiles('nvme0n1', 'bfq')]), blockDevices: devs(disk('nvme0n1', { transport: 'nvme', hw: 4, sched: 'bfq' })) }), id: 'sched.persisted', object: 'nvme0n1', status: 'warn', fix: "sed -i '1s/\\bbfq\\b/none/' /usr/lib/tmpfiles.d/IO_ioscheduler.conf" },
  { name: 'stale tmpfiles line for a missing disk warns on host', facts: host({ schedulerRules: ok([tmpfiles('sdd', 'mq-deadline', 4)]), blockDevices: devs(disk('sda')) }), id: 'sched.persisted', object: 'host', status: 'warn', text: /stale.*sdd|sdd.*does not exist/, fix: 'sed -i 4d /usr/lib/tmpfiles.d/IO_ioscheduler.conf' },
  { name: 'no rule where the kernel default is wrong warns with a udev rule by serial', facts: host({ roles: guest, blockDevices: devs(disk('vda', { transport: 'virtio', serial: 'disk-1' })) }), id: 'sched.persisted', object: 'vda', status: 'warn', fix: /ATTR\{serial\}=="disk-1", ATTR\{queue\/scheduler\}="none"' >> \/etc\/udev\/rules\.d\/60-kvmio-scheduler\.rules/ },
  { name: 'without udev the persist fix is a tmpfiles.d line', facts: host({ roles: guest, udevPresent: ok(false), blockDevices: devs(disk('vda', { transport: 'virtio', serial: 'disk-1' })) }), id: 'sched.persisted', object: 'vda', status: 'warn', text: /udev is not installed/, fix: "printf '%s\\n' 'w /sys/block/vda/queue/scheduler - - - - none' >> /etc/tmpfiles.d/kvmio-scheduler.conf" },
  { name: 'no rule where the kernel default is right passes', facts: host({ blockDevices: devs(disk('sda')) }), id: 'sched.persisted', object: 'sda', status: 'pass' },
  { name: 'runtime change that a reboot undoes is noted', facts: host({ blockDevices: devs(disk('nvme0n1', { transport: 'nvme', hw: 2, sched: 'bfq' })) }), id: 'sched.persisted', object: 'nvme0n1', status: 'pass', text: /set at runtime/ },
  { name: 'tmpfiles line with the right value passes with the hot-plug note', facts: host({ schedulerRules: ok([tmpfiles('sda', 'mq-deadline')]), blockDevices: devs(disk('sda')) }), id: 'sched.persisted', object: 'sda', status: 'pass', text: /hot-plugged/ },
  { name: 'udev rotational==0 rule applies to the SSD', facts: host({ schedulerRules: ok([udev('sd[a-z]', 'mq-deadline', { 'ATTR{queue/rotational}': '0' })]), blockDevices: devs(disk('sda')) }), id: 'sched.persisted', object: 'sda', status: 'pass', text: /udev/ },
  { name: 'udev rotational==0 rule does not apply to an HDD', facts: host({ schedulerRules: ok([udev('sd[a-z]', 'none', { 'ATTR{queue/rotational}': '0' })]), blockDevices: devs(disk('sdb', { rot: true })) }), id: 'sched.persisted', object: 'sdb', status: 'pass', text: /kernel default/ },
  { name: 'udev by wwid that matches another disk does not apply', facts: host({ schedulerRules: ok([udev(undefined, 'none', { 'ATTR{wwid}': 'eui.1' })]), blockDevices: devs(disk('sda', { wwid: 'eui.2' })) }), id: 'sched.persisted', object: 'sda', status: 'pass', text: /kernel default/ },
  { name: 'udev != match is negated', facts: host({ schedulerRules: ok([udev('sd*', 'none', { 'ATTR{queue/rotational}!': '1' })]), blockDevices: devs(disk('sdb', { rot: true })) }), id: 'sched.persisted', object: 'sdb', status: 'pass', text: /kernel default/ },
  { name: 'udev and tmpfiles disagree: warns', facts: host({ schedulerRules: ok([udev('sda', 'mq-deadline'), tmpfiles('sda', 'none')]), blockDevices: devs(disk('sda')) }), id: 'sched.persisted', object: 'sda', status: 'warn', text: /order at boot is not guaranteed/ },
  { name: 'a later udev file overrides an earlier one', facts: host({ schedulerRules: ok([udev('sda', 'mq-deadline', {}, 1, '/etc/udev/rules.d/60-a.rules'), udev('sda', 'kyber', {}, 1, '/usr/lib/udev/rules.d/70-b.rules')]), blockDevices: devs(disk('sda')) }), id: 'sched.persisted', object: 'sda', status: 'warn', text: /overrides \/etc\/udev\/rules\.d\/60-a\.rules:1.*70-b\.rules:1/ },
  { name: 'a match kvmio cannot evaluate is assumed and said', facts: host({ schedulerRules: ok([udev(undefined, 'mq-deadline', { 'ENV{ID_SERIAL}': 'Samsung*' })]), blockDevices: devs(disk('sda')) }), id: 'sched.persisted', object: 'sda', status: 'pass', text: /assumed to apply: ENV\{ID_SERIAL\}/ },
  { name: 'persisted noop does nothing: warns', facts: host({ schedulerRules: ok([tmpfiles('vda', 'noop')]), roles: guest, blockDevices: devs(disk('vda', { transport: 'virtio' })) }), id: 'sched.persisted', object: 'vda', status: 'warn', text: /EINVAL/ },
  { name: 'unreadable rules skip per device', facts: host({ schedulerRules: missing('no dirs'), blockDevices: devs(disk('sda')) }), id: 'sched.persisted', object: 'sda', status: 'skip' },
  // aio.max-nr
  { name: 'aio near the limit fails', facts: host({ sysctl: ok([]), aio: ok({ nr: 63488, maxNr: 65536 }) }), id: 'aio.max-nr', object: 'host', status: 'fail', fix: 'kvmio fix --only aio --vms 512 --yes (fs.aio-max-nr ≥ 1048576, set live and persisted in /etc/sysctl.d/90-kvmio.conf)' },
  { name: 'aio default on a KVM host warns with the arithmetic', facts: host({ aio: ok({ nr: 2048, maxNr: 65536 }) }), id: 'aio.max-nr', object: 'host', status: 'warn', text: /1024 × \(1 \+ iothreads.*63488 free fits 31 more VMs with one iothread \(62 without\)/ },
  { name: 'aio fix edits the file that wins at boot', facts: host({ aio: ok({ nr: 64000, maxNr: 65536 }), sysctl: ok([sysctl('65536', '/etc/sysctl.d/10-a.conf'), sysctl('65536', '/etc/sysctl.conf', 9)]) }), id: 'aio.max-nr', object: 'host', status: 'fail', fix: "kvmio fix --only aio --vms 512 --yes (fs.aio-max-nr ≥ 1048576, set live and persisted in /etc/sysctl.d/90-kvmio.conf) && sed -i '9s/.*/fs.aio-max-nr = 1048576/' /etc/sysctl.conf" },
  { name: 'aio 1048576 passes', facts: host(), id: 'aio.max-nr', object: 'host', status: 'pass' },
  { name: 'aio default on a guest passes', facts: host({ roles: guest, aio: ok({ nr: 0, maxNr: 65536 }) }), id: 'aio.max-nr', object: 'host', status: 'pass', text: /not a KVM host/ },
  { name: 'aio unreadable skips', facts: host({ aio: missing('/proc/sys/fs/aio-nr: ENOENT') }), id: 'aio.max-nr', object: 'host', status: 'skip' },
  // aio.persisted
  { name: 'live equals boot passes', facts: host(), id: 'aio.persisted', object: 'host', status: 'pass' },
  { name: 'no setting and default live passes', facts: host({ sysctl: ok([]), aio: ok({ nr: 0, maxNr: 65536 }) }), id: 'aio.persisted', object: 'host', status: 'pass', text: /kernel default 65536/ },
  { name: 'raised live but not persisted warns', facts: host({ sysctl: ok([]), aio: ok({ nr: 0, maxNr: 1048576 }) }), id: 'aio.persisted', object: 'host', status: 'warn', fix: "printf 'fs.aio-max-nr = 1048576\\n' > /etc/sysctl.d/90-kvmio.conf" },
  { name: 'a later file overrides ours', facts: host({ sysctl: ok([sysctl('1048576', '/etc/sysctl.d/90-kvmio.conf'), sysctl('65536', '/etc/sysctl.conf', 7)]), aio: ok({ nr: 0, maxNr: 1048576 }) }), id: 'aio.persisted', object: 'host', status: 'warn', text: /next boot sets 65536.*\/etc\/sysctl\.conf:7 sorts later and overrides \/etc\/sysctl\.d\/90-kvmio\.conf:1/ },
  { name: 'override with equal live value still warns', facts: host({ sysctl: ok([sysctl('1048576', '/etc/sysctl.d/90-kvmio.conf'), sysctl('2097152', '/etc/sysctl.conf', 7)]), aio: ok({ nr: 0, maxNr: 2097152 }) }), id: 'aio.persisted', object: 'host', status: 'warn', fix: 'sed -i -e 1d /etc/sysctl.d/90-kvmio.conf' },
  { name: 'garbage value warns', facts: host({ sysctl: ok([sysctl('lots')]) }), id: 'aio.persisted', object: 'host', status: 'warn', text: /rejects/ },
  { name: 'unreadable sysctl.d skips', facts: host({ sysctl: missing('EACCES') }), id: 'aio.persisted', object: 'host', status: 'skip' },
  // iommu.*
  { name: 'iommu: not a KVM host passes with the reason', facts: host({ roles: guest, pci: ok([intelCtl]) }), id: 'iommu.enabled', object: 'host', status: 'pass', text: /not a KVM host/ },
  { name: 'iommu: /dev/kvm not probed skips with the reason', facts: host({ roles: roles({ kvmHost: false, kvm: missing('open rw /dev/kvm: not in dump') }), pci: ok([intelCtl]) }), id: 'iommu.enabled', object: 'host', status: 'skip', text: /not in dump/ },
  { name: 'iommu: no storage controllers passes', facts: host(), id: 'iommu.enabled', object: 'host', status: 'pass', text: /no PCI storage controllers/ },
  { name: 'iommu: Intel controllers, IOMMU off warns', facts: host({ pci: ok([intelCtl]) }), id: 'iommu.enabled', object: 'host', status: 'warn', text: /0000:00:1f\.2/ },
  { name: 'iommu: Intel without intel_iommu=on warns with the grub fix', facts: host({ pci: ok([intelCtl]) }), id: 'iommu.intel-cmdline', object: 'host', status: 'warn', fix: /intel_iommu=on.*update-grub/ },
  { name: 'iommu: Intel found from PCI vendor when cpu vendor is unknown', facts: host({ cpuVendor: missing('x'), pci: ok([intelCtl]) }), id: 'iommu.intel-cmdline', object: 'host', status: 'warn' },
  { name: 'iommu: intel_iommu=on passes', facts: host({ pci: ok([intelCtl]), iommu: ok({ units: ['dmar0'], groups: {} }), cmdline: ok({ raw: 'intel_iommu=on iommu=pt', intelIommu: 'on', iommu: 'pt' }) }), id: 'iommu.intel-cmdline', object: 'host', status: 'pass' },
  { name: 'iommu=pt passes', facts: host({ pci: ok([intelCtl]), iommu: ok({ units: ['dmar0'], groups: {} }), cmdline: ok({ raw: 'intel_iommu=on iommu=pt', intelIommu: 'on', iommu: 'pt' }) }), id: 'iommu.passthrough-mode', object: 'host', status: 'pass' },
  { name: 'IOMMU on without iommu=pt warns', facts: host({ pci: ok([intelCtl]), iommu: ok({ units: ['dmar0'], groups: {} }), cmdline: ok({ raw: 'intel_iommu=on', intelIommu: 'on' }) }), id: 'iommu.passthrough-mode', object: 'host', status: 'warn', fix: /iommu=pt/ },
  { name: 'AMD needs no intel_iommu', facts: host({ cpuVendor: ok('AuthenticAMD'), pci: ok([amdNvme]) }), id: 'iommu.intel-cmdline', object: 'host', status: 'pass', text: /AMD/ },
  { name: 'AMD with IOMMU off warns to enable it in firmware', facts: host({ cpuVendor: ok('AuthenticAMD'), pci: ok([amdNvme]) }), id: 'iommu.enabled', object: 'host', status: 'warn', fix: /firmware/ },
  { name: 'iommu: unreadable PCI skips', facts: host({ pci: missing('/sys/bus/pci: EACCES') }), id: 'iommu.enabled', object: 'host', status: 'skip' },
  // kvm.device
  { name: '/dev/kvm usable passes and explains vmx/svm', facts: host(), id: 'kvm.device', object: 'host', status: 'pass', text: /vmx\/svm CPU flags are not required/ },
  { name: '/dev/kvm EACCES warns', facts: host({ roles: roles({ kvmHost: false, kvm: ok({ opened: false, error: 'EACCES' }) }) }), id: 'kvm.device', object: 'host', status: 'warn' },
  { name: 'no /dev/kvm on a host warns', facts: host({ roles: roles({ kvmHost: false, kvm: ok({ opened: false, error: 'ENOENT' }) }) }), id: 'kvm.device', object: 'host', status: 'warn', fix: /modprobe/ },
  { name: 'no /dev/kvm in a plain guest passes', facts: host({ roles: guest }), id: 'kvm.device', object: 'host', status: 'pass' },
  { name: '/dev/kvm not probed skips', facts: host({ roles: roles({ kvm: missing('open rw /dev/kvm: not in dump') }) }), id: 'kvm.device', object: 'host', status: 'skip' },
  // tuned.profile
  { name: 'tuned absent passes', facts: host(), id: 'tuned.profile', object: 'host', status: 'pass', text: /not installed/ },
  { name: 'tuned virtual-host is noted', facts: host({ tunedProfile: ok('virtual-host') }), id: 'tuned.profile', object: 'host', status: 'pass', text: /virtual-host sets no scheduler.*tuned-adm verify/ },
  { name: 'tuned unreadable skips', facts: host({ tunedProfile: missing('/etc/tuned/active_profile: EACCES') }), id: 'tuned.profile', object: 'host', status: 'skip' },
];

describe('auditHost rules', () => {
  for (const c of cases) {
    it(c.name, () => {
      const got = find(auditHost(c.facts), c.id, c.object);
      assert.equal(got.length >= 1, true, `no ${c.id} finding for ${c.object}`);
      const f = got[0] as Finding;
      assert.equal(f.status, c.status, JSON.stringify(f));
      const fix = f.fix ? renderFix(f.fix) : undefined;
      const text = [f.why, fix, f.observed, f.expected].join(' | ');
      if (c.text) assert.match(text, c.text);
      if (typeof c.fix === 'string') assert.equal(fix, c.fix);
      else if (c.fix) assert.match(fix ?? '', c.fix);
      if (f.status === 'warn' || f.status === 'fail') assert.ok(f.fix, 'a warn/fail carries a fix');
      assert.ok(f.why.length > 0);
    });
  }
});

describe('auditHost shape', () => {
  it('skips partitions (the disk holds the queue)', () => {
    const part = disk('sda1', { kind: 'part', parent: 'sda', scheduler: missing('no queue') });
    const fs = auditHost(host({ blockDevices: devs(disk('sda'), part) }));
    assert.deepEqual(fs.filter((f) => f.object === 'sda1'), []);
  });

  it('orders host first, then disks in kernel order (sdb before sdaa, nvme2 before nvme10), then id', () => {
    const fs = auditHost(host({ blockDevices: devs(disk('sdaa'), disk('nvme10n1', { transport: 'nvme' }), disk('sdb'), disk('nvme2n1', { transport: 'nvme' })) }));
    const objects = [...new Set(fs.map((f) => f.object))];
    assert.deepEqual(objects, ['host', 'nvme2n1', 'nvme10n1', 'sdb', 'sdaa']);
    const hostIds = fs.filter((f) => f.object === 'host').map((f) => f.id);
    assert.deepEqual(hostIds, [...hostIds].sort());
  });

  it('puts qualified objects (VM disks) after block devices', async () => {
    const { sortFindings } = await import('../../src/decide/sort-findings.js');
    const f = (object: string): Finding => ({ id: 'x.y', object, status: 'pass', why: '.' });
    assert.deepEqual(sortFindings([f('vm:web/vda'), f('vda'), f('host'), f('sda')]).map((x) => x.object), ['host', 'sda', 'vda', 'vm:web/vda']);
  });

  it('is deterministic whatever the input order', () => {
    const a = [disk('sda'), disk('nvme0n1', { transport: 'nvme' }), disk('loop0', { kind: 'loop', transport: 'loop' })];
    assert.deepEqual(auditHost(host({ blockDevices: ok(a) })), auditHost(host({ blockDevices: ok([...a].reverse()) })));
  });

  it('emits one scheduler and one persisted finding per whole disk, PASS included', () => {
    const fs = auditHost(host({ blockDevices: devs(disk('sda'), disk('sdb', { rot: true })) }));
    for (const d of ['sda', 'sdb']) assert.equal(fs.filter((f) => f.object === d).length, 2, d);
  });

  it('every fact unreadable: only SKIPs and reasoned PASSes, no exception', () => {
    const why = (w: string) => missing(`${w}: garbled`);
    const facts = host({
      hostname: why('hostname'), kernelRelease: why('osrelease'), cmdline: why('cmdline'), aio: why('aio'), sysctl: why('sysctl'),
      schedulerRules: why('rules'), tunedProfile: why('tuned'), blockDevices: why('block'), iommu: why('iommu'), pci: why('pci'),
      roles: roles({ kvm: why('kvm') }), cpuVendor: why('cpuinfo'),
    });
    const fs = auditHost(facts);
    assert.ok(fs.length >= 8);
    for (const f of fs) assert.equal(f.status, 'skip', JSON.stringify(f));
  });

  it('every finding has a dotted id from the catalogue', async () => {
    const { HOST_CHECKS } = await import('../../src/decide/host-checks.js');
    const ids = new Set(HOST_CHECKS.map((c) => c.id));
    const facts = host({ pci: ok([intelCtl]), schedulerRules: ok([tmpfiles('sdz', 'noop')]), blockDevices: devs(disk('sda'), disk('zram0', { kind: 'zram' }), disk('sdb', { rotational: missing('x') })) });
    for (const f of auditHost(facts)) assert.ok(ids.has(f.id), f.id);
  });
});
