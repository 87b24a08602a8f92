// Hand-built HostFacts for rule tests: a plain host with sane defaults, overridden per case.
import type { BlockDevice, HostFacts, Roles, SchedulerRule, SysctlSetting } from '../../src/facts/host-facts.js';
import { missing, ok } from '../../src/facts/source.js';

export const roles = (r: Partial<Roles> = {}): Roles => ({
  kvmHost: true, guest: false, evidence: [], kvm: ok({ opened: true }), cpuFlags: ok(['vmx']), dmi: missing('n/a'), ...r,
});

export function disk(name: string, o: Partial<BlockDevice> & { sched?: string; hw?: number; rot?: boolean; avail?: string[] } = {}): BlockDevice {
  const { sched, hw, rot, avail, ...rest } = o;
  const current = sched ?? 'mq-deadline';
  return {
    name, kind: 'disk', transport: 'sata', rotational: ok(rot ?? false), size: ok({ bytes: 1e12 }),
    scheduler: ok({ current, available: avail ?? ['none', 'mq-deadline', 'kyber', 'bfq'] }),
    nrHwQueues: ok(hw ?? 1), nrRequests: ok(64), readAheadKb: ok(128), holders: [], slaves: [], mountpoints: [],
    carriesRoot: false, carriesBoot: false, partitions: [],
    ...rest,
  };
}

export const tmpfiles = (dev: string, sched: string, line = 1, file = '/usr/lib/tmpfiles.d/IO_ioscheduler.conf'): SchedulerRule => ({
  kind: 'tmpfiles', file, line, text: `w /sys/block/${dev}/queue/scheduler - - - - ${sched}`, kernel: dev, matches: {}, scheduler: sched,
});

export const udev = (kernel: string | undefined, sched: string, matches: Record<string, string> = {}, line = 1, file = '/etc/udev/rules.d/60-sched.rules'): SchedulerRule => ({
  kind: 'udev', file, line, text: '…', ...(kernel === undefined ? {} : { kernel }), matches: { ACTION: 'add|change', SUBSYSTEM: 'block', ...matches }, scheduler: sched,
});

export const sysctl = (value: string, file = '/etc/sysctl.d/99-sysctl.conf', line = 1): SysctlSetting => ({ key: 'fs.aio-max-nr', value, file, line });

export function host(o: Partial<HostFacts> = {}): HostFacts {
  return {
    source: 'test', hostname: ok('h1'), kernelRelease: ok('6.1.0-18-amd64'),
    cmdline: ok({ raw: 'ro quiet' }), roles: roles(), cpuVendor: ok('GenuineIntel'),
    aio: ok({ nr: 0, maxNr: 1048576 }), sysctl: ok([sysctl('1048576')]), schedulerRules: ok([]),
    tunedProfile: missing('/etc/tuned/active_profile: ENOENT'), blockDevices: ok([]), mounts: ok([]),
    iommu: ok({ units: [], groups: {} }), pci: ok([]),
    ...o,
  };
}
