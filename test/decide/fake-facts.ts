// Hand-built HostFacts for planner tests (the probe is tested on real hosts elsewhere).
import type { BlockDevice, HostFacts } from '../../src/facts/host-facts.js';
import { missing, ok } from '../../src/facts/source.js';

export function disk(name: string, over: Partial<BlockDevice> & { sched?: string; avail?: string[]; rot?: boolean; hw?: number } = {}): BlockDevice {
  const { sched, avail, rot, hw, ...rest } = over;
  return {
    name,
    kind: 'disk',
    transport: 'sata',
    rotational: ok(rot ?? false),
    size: ok({ bytes: 1 << 30 }),
    scheduler: ok({ current: sched ?? 'mq-deadline', available: avail ?? ['none', 'mq-deadline', 'kyber', 'bfq'] }),
    nrHwQueues: ok(hw ?? 1),
    nrRequests: ok(64),
    readAheadKb: ok(128),
    holders: [],
    slaves: [],
    mountpoints: [],
    carriesRoot: false,
    carriesBoot: false,
    partitions: [],
    ...rest,
  };
}

export function host(devices: BlockDevice[], over: Partial<HostFacts> = {}): HostFacts {
  return {
    source: 'test',
    hostname: ok('h'),
    kernelRelease: ok('6.18.0'),
    cmdline: ok({ raw: 'quiet' }),
    roles: { kvmHost: true, guest: false, evidence: [], kvm: ok({ opened: true }), cpuFlags: ok([]), dmi: missing('none') },
    mounts: ok([]),
    aio: ok({ nr: 0, maxNr: 65536 }),
    sysctl: ok([]),
    schedulerRules: ok([]),
    tunedProfile: missing('no tuned'),
    blockDevices: ok(devices),
    iommu: ok({ units: [], groups: {} }),
    pci: ok([]),
    ...over,
  };
}
