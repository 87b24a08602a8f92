// The VM-disk auditor plugged into `kvmio audit` (and `kvmio vm audit`): libvirt domains
// when auditing this machine, plus any --domain-xml files; findings per VM disk.
import type { Finding } from '../decide/finding.js';
import type { Source } from '../facts/source.js';

export interface VmAuditRequest {
  readonly source: Source;
  /** Read libvirt (the local machine only). */
  readonly libvirt: boolean;
  readonly domainXml: readonly string[];
  /** Only these libvirt domains (default: all). */
  readonly domains?: readonly string[];
}

export async function auditVms(req: VmAuditRequest): Promise<{ findings: Finding[]; warnings: readonly string[] }> {
  const [{ probeVmFacts }, { auditVmDisks }] = await Promise.all([import('../facts/probe-vm-disks.js'), import('../decide/audit-vm-disks.js')]);
  const facts = await probeVmFacts(req.source, {
    libvirt: req.libvirt,
    domainXml: req.domainXml,
    ...(req.domains && req.domains.length > 0 ? { only: req.domains } : {}),
  });
  return { findings: auditVmDisks(facts), warnings: facts.warnings };
}
