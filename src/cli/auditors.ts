// The seam between `kvmio audit` and what it audits: each auditor turns the probed host
// (and the Source, for auditors that read more, e.g. VM disks) into findings. To add
// VM-disk findings (issue 4), append one auditor here; the command merges, filters,
// sorts and renders all of them the same way.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { CheckInfo } from '../decide/host-checks.js';
import type { Finding } from '../model/finding.js';
import type { HostFacts } from '../facts/host-facts.js';
import type { Source } from '../facts/source.js';
import { HOST_CHECKS } from '../decide/host-checks.js';
import { VM_CHECKS } from '../decide/vm-checks.js';

export interface AuditInput {
  readonly source: Source;
  readonly facts: HostFacts;
  /** True for the local machine, false for a dump. */
  readonly local: boolean;
  /** Domain XML files to audit (`--domain-xml`), besides libvirt's domains. */
  readonly domainXml?: readonly string[];
  /** Where kvmio bench saved its results (aio and guest-scheduler evidence); none: no evidence is read. */
  readonly stateDir?: string;
}

export interface Auditor {
  readonly name: string;
  /** Check ids this auditor can emit (for --help and --only validation). */
  readonly checks: readonly CheckInfo[];
  run(input: AuditInput): Promise<readonly Finding[]>;
  /** Starts loading the auditor's modules while the probe runs (startup time matters: bench/audit-time.ts). */
  preload?(): Promise<unknown>;
}

const hostRules = (): Promise<typeof import('../decide/audit-host.js')> => import('../decide/audit-host.js');

/** The guest tier's scheduler answer saved under STATE/bench (loaded only when results exist: audit startup time). */
async function hostEvidence(stateDir: string | undefined): Promise<import('../decide/audit-host.js').HostEvidence> {
  if (stateDir === undefined || !existsSync(join(stateDir, 'bench'))) return {};
  const ev = (await import('../bench/guest/guest-sched-evidence.js')).loadGuestSchedulerEvidence(stateDir);
  return ev ? { guestScheduler: ev } : {};
}

export const AUDITORS: readonly Auditor[] = [
  {
    name: 'host',
    checks: HOST_CHECKS,
    run: async ({ facts, stateDir }) => (await hostRules()).auditHost(facts, await hostEvidence(stateDir)),
    preload: hostRules,
  },
  {
    name: 'vm-disks',
    checks: VM_CHECKS,
    // libvirt's domains: virsh here, or what `kvmio collect` recorded (a dump made before
    // VM facts has no virsh-list: then libvirt is not judged, as before).
    run: async ({ source, local, domainXml, stateDir }) => {
      const libvirt = local || !(source instanceof (await import('../facts/dump-source.js')).DumpSource) || source.hasCommand('virsh-list');
      return (await (await import('./vm-auditor.js')).auditVms({ source, libvirt, domainXml: domainXml ?? [], proxmox: { host: true }, ...(stateDir === undefined ? {} : { stateDir }) })).findings;
    },
  },
];
