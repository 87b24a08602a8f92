// The VM-disk auditor plugged into `kvmio audit` (and `kvmio vm audit`): libvirt domains
// read through the Source (this machine's virsh, or a dump's recorded answers), plus any
// --domain-xml files; findings per VM disk.
import type { Finding } from '../model/finding.js';
import type { Source } from '../facts/source.js';

export interface VmAuditRequest {
  readonly source: Source;
  /** Read libvirt's domains (through `source`). */
  readonly libvirt: boolean;
  readonly domainXml: readonly string[];
  /** Only these libvirt domains (default: all). */
  readonly domains?: readonly string[];
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Proxmox VE configs (this host's when /etc/pve/qemu-server exists, and files). */
  readonly proxmox?: import('../proxmox/probe-vms.js').ProxmoxRequest;
  /** Where kvmio bench saved results (default /var/lib/kvmio). */
  readonly stateDir?: string;
}

export async function auditVms(req: VmAuditRequest): Promise<{ findings: Finding[]; warnings: readonly string[] }> {
  const { libvirtUri } = await import('../facts/commands.js');
  const uri = libvirtUri(req.env ?? process.env);
  // On this machine without a daemon socket, answer before starting virsh or loading the
  // XML and decision modules (audit startup time: bench/audit-time.ts). A dump says itself.
  // A Proxmox host (or dump of one) is seen by its config directory: one cheap read.
  const pve = (req.proxmox?.conf ?? []).length > 0 || (req.proxmox?.host === true && (await (await import('../proxmox/pve-present.js')).proxmoxPresent(req.source)));
  if (req.domainXml.length === 0 && !pve) {
    if (!req.libvirt) return { findings: [], warnings: [] };
    if (req.source.label === 'local') {
      const { libvirtDown } = await import('../facts/libvirt-socket.js');
      const down = libvirtDown(uri);
      if (down) return { findings: [{ id: 'vm.libvirt', subject: { kind: 'host' }, object: 'host', status: 'skip', why: `libvirt domains not read: ${down}` }], warnings: [] };
    }
  }
  const { vmFacts } = await import('./vm-facts.js');
  const { withAioEvidence } = await import('../bench/evidence.js');
  // Saved kvmio bench results (aio rule 2) from the state directory the command names; none for a dump unless --state-dir says where.
  const [{ auditVmDisks }, facts] = await Promise.all([import('../decide/audit-vm-disks.js'), vmFacts(req, uri).then((f) => (req.stateDir === undefined ? f : withAioEvidence(f, req.stateDir)))]);
  return { findings: auditVmDisks(facts), warnings: facts.warnings };
}
