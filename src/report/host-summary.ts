// A short summary of HostFacts: the header of `kvmio audit` and the `facts` part of
// its JSON (pure).
import type { BlockDevice, HostFacts } from '../facts/host-facts.js';
import type { Read } from '../facts/source.js';

export interface DeviceSummary {
  readonly name: string;
  readonly kind: string;
  readonly transport: string;
  readonly parent?: string;
  readonly rotational: boolean | null;
  readonly sizeBytes: number | null;
  readonly scheduler: string | null;
  readonly available: readonly string[];
  readonly nrHwQueues: number | null;
}

export interface HostSummary {
  readonly source: string;
  readonly hostname: string | null;
  readonly kernel: string | null;
  readonly roles: { readonly kvmHost: boolean; readonly guest: boolean; readonly evidence: readonly string[] };
  readonly aio: { readonly nr: number; readonly maxNr: number } | null;
  readonly cmdline: string | null;
  readonly devices: readonly DeviceSummary[];
  /** Facts that could not be read, with the reason (each also yields SKIP findings). */
  readonly unreadable: Readonly<Record<string, string>>;
}

const v = <T>(r: Read<T>): T | null => (r.ok ? r.value : null);

const device = (d: BlockDevice): DeviceSummary => ({
  name: d.name,
  kind: d.kind,
  transport: d.transport,
  ...(d.parent === undefined ? {} : { parent: d.parent }),
  rotational: v(d.rotational),
  sizeBytes: d.size.ok ? d.size.value.bytes : null,
  scheduler: d.scheduler.ok ? d.scheduler.value.current : null,
  available: d.scheduler.ok ? d.scheduler.value.available : [],
  nrHwQueues: v(d.nrHwQueues),
});

export function summarizeHost(facts: HostFacts): HostSummary {
  const unreadable: Record<string, string> = {};
  const reads: Record<string, Read<unknown>> = {
    hostname: facts.hostname, kernelRelease: facts.kernelRelease, cmdline: facts.cmdline, aio: facts.aio,
    sysctl: facts.sysctl, schedulerRules: facts.schedulerRules, blockDevices: facts.blockDevices,
    iommu: facts.iommu, pci: facts.pci, kvm: facts.roles.kvm,
  };
  for (const [k, r] of Object.entries(reads)) if (!r.ok) unreadable[k] = r.reason;
  return {
    source: facts.source,
    hostname: v(facts.hostname),
    kernel: v(facts.kernelRelease),
    roles: { kvmHost: facts.roles.kvmHost, guest: facts.roles.guest, evidence: facts.roles.evidence },
    aio: v(facts.aio),
    cmdline: facts.cmdline.ok ? facts.cmdline.value.raw : null,
    devices: facts.blockDevices.ok ? facts.blockDevices.value.map(device) : [],
    unreadable,
  };
}

/** "1 disk, 8 loop, 1 zram" */
const kindCounts = (devices: readonly DeviceSummary[]): string => {
  const counts = new Map<string, number>();
  for (const d of devices) counts.set(d.kind, (counts.get(d.kind) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${n} ${k}`).join(', ');
};

export function renderHostSummaryText(s: HostSummary): string {
  const roles = [s.roles.kvmHost ? 'KVM host' : '', s.roles.guest ? 'guest' : ''].filter((r) => r !== '');
  const disks = s.devices.filter((d) => d.kind === 'disk').map((d) => `${d.name} (${d.transport}${d.rotational === true ? ' hdd' : d.rotational === false ? ' ssd' : ''}, ${d.scheduler ?? '?'})`);
  const lines = [
    `host ${s.hostname ?? '(unknown)'}  kernel ${s.kernel ?? '(unknown)'}  source ${s.source}`,
    `roles: ${roles.length > 0 ? roles.join(' + ') : 'neither KVM host nor guest'}${s.roles.evidence.length > 0 ? ` (${s.roles.evidence.join('; ')})` : ''}`,
    `aio: ${s.aio ? `${s.aio.nr} in use of ${s.aio.maxNr} (fs.aio-nr / fs.aio-max-nr)` : 'unreadable'}`,
    `block devices: ${s.devices.length}${s.devices.length > 0 ? ` (${kindCounts(s.devices)})` : ''}${disks.length > 0 && disks.length <= 12 ? `; disks: ${disks.join(', ')}` : ''}`,
  ];
  const bad = Object.entries(s.unreadable);
  if (bad.length > 0) lines.push(`unreadable: ${bad.map(([k, r]) => `${k} (${r})`).join('; ')}`);
  return `${lines.join('\n')}\n`;
}
