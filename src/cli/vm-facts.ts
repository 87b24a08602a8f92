// VM facts for the audit and vm tune: the adapters read the VMs (libvirt through the
// Source, --domain-xml files), then facts probes their disk sources through the same Source.
import type { Source } from '../facts/source.js';
import type { ManagerRead, VmFacts } from '../facts/vm-disk-facts.js';
import type { Vm } from '../model/vm.js';

export async function vmFacts(
  req: {
    readonly source: Source;
    readonly libvirt: boolean;
    readonly domainXml: readonly string[];
    readonly domains?: readonly string[];
    /** Proxmox VE configs: this host's (when it is one) and --proxmox-conf files. */
    readonly proxmox?: import('../proxmox/probe-vms.js').ProxmoxRequest;
  },
  uri: string,
): Promise<VmFacts & { warnings: readonly string[]; savedXml: ReadonlyMap<string, string> }> {
  const [{ probeLibvirtDomains }, { readDomainFiles }, { probeVmFacts }, { libvirtDown }] = await Promise.all([
    import('../libvirt/probe-domains.js'), import('../libvirt/read-files.js'), import('../facts/probe-vm-disks.js'), import('../facts/libvirt-socket.js'),
  ]);
  const files = await readDomainFiles(req.domainXml);
  const managers: ManagerRead[] = [];
  let vms: Vm[] = [];
  let warnings: readonly string[] = [];
  let savedXml: ReadonlyMap<string, string> = new Map();
  if (req.libvirt) {
    const down = req.source.label === 'local' ? libvirtDown(uri) : undefined;
    if (down) managers.push({ id: 'vm.libvirt', what: 'libvirt domains', read: { ok: false, reason: down } });
    else {
      const lv = await probeLibvirtDomains(req.source, { uri, ...(req.domains && req.domains.length > 0 ? { only: req.domains } : {}) });
      managers.push(lv.status);
      vms = [...lv.vms];
      warnings = lv.warnings;
      savedXml = lv.savedXml;
    }
  }
  if (req.proxmox && (req.proxmox.host || (req.proxmox.conf ?? []).length > 0)) {
    const pve = await (await import('../proxmox/probe-vms.js')).probeProxmoxVms(req.source, req.proxmox);
    managers.push(...pve.managers);
    vms = [...vms, ...pve.vms];
  }
  const facts = await probeVmFacts(req.source, [...vms, ...files.vms], managers);
  const hostUse = facts.sources.size > 0 ? await (await import('../facts/probe-host-use.js')).probeHostUse(req.source, [...facts.sources.keys()]) : undefined;
  return { ...facts, ...(hostUse ? { hostUse } : {}), warnings, savedXml };
}
