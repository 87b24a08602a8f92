// The VM-disk auditor plugged into `kvmio audit` (and `kvmio vm audit`): libvirt domains
// when auditing this machine, plus any --domain-xml files; findings per VM disk.
import type { Finding } from '../model/finding.js';
import type { Source } from '../facts/source.js';

export interface VmAuditRequest {
  readonly source: Source;
  /** Read libvirt (the local machine only). */
  readonly libvirt: boolean;
  readonly domainXml: readonly string[];
  /** Only these libvirt domains (default: all). */
  readonly domains?: readonly string[];
  /** Where kvmio bench saved results (default /var/lib/kvmio). */
  readonly stateDir?: string;
}

export async function auditVms(req: VmAuditRequest): Promise<{ findings: Finding[]; warnings: readonly string[] }> {
  // Nothing to read: answer before loading the XML and decision modules (audit startup time).
  if (req.domainXml.length === 0) {
    if (!req.libvirt) return { findings: [], warnings: [] };
    const [{ libvirtDown }, { libvirtUri }] = await Promise.all([import('../facts/libvirt-socket.js'), import('../facts/libvirt.js')]);
    const down = libvirtDown(libvirtUri());
    if (down) return { findings: [{ id: 'vm.libvirt', object: 'host', status: 'skip', why: `libvirt domains not read: ${down}` }], warnings: [] };
  }
  const [{ probeVmFacts }, { auditVmDisks }] = await Promise.all([import('../facts/probe-vm-disks.js'), import('../decide/audit-vm-disks.js')]);
  const { withAioEvidence } = await import('../bench/evidence.js');
  // Saved kvmio bench results (aio rule 2), read from the default state directory.
  const facts = withAioEvidence(await probeVmFacts(req.source, {
    libvirt: req.libvirt,
    domainXml: req.domainXml,
    ...(req.domains && req.domains.length > 0 ? { only: req.domains } : {}),
  }), req.stateDir ?? '/var/lib/kvmio');
  return { findings: auditVmDisks(facts), warnings: facts.warnings };
}
