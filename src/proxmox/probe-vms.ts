// Proxmox's VMs for the VM audit and vm tune: this host's (and its cluster's) configs,
// picked up automatically when /etc/pve/qemu-server exists, plus --proxmox-conf files;
// each as a model Vm, with the manager's own finding (vm.proxmox) saying what was read.
import type { ManagerRead } from '../facts/vm-disk-facts.js';
import type { Source } from '../facts/source.js';
import type { Vm } from '../model/vm.js';
import { probeProxmox, probeProxmoxFiles } from './probe-proxmox.js';
import type { ProxmoxProblem, ProxmoxVm } from './read-proxmox-vm.js';

export interface ProxmoxRequest {
  /** Read this host's configs (through the source) when it is a Proxmox host. */
  readonly host: boolean;
  readonly conf?: readonly string[];
  /** storage.cfg for --proxmox-conf files (default /etc/pve/storage.cfg). */
  readonly storage?: string;
}

export interface ProxmoxVms {
  readonly vms: readonly Vm[];
  readonly proxmox: readonly ProxmoxVm[];
  readonly managers: readonly ManagerRead[];
}

/** One line per config problem, for the audit: Proxmox warns about them and ignores the line or the disk. */
export const problemText = (p: ProxmoxVm, pr: ProxmoxProblem): string => `VM ${p.vmid} (${p.vm.ref.manager.kind === 'proxmox' ? p.vm.ref.manager.file : '?'}): ${pr.message}`;

export async function probeProxmoxVms(src: Source, req: ProxmoxRequest): Promise<ProxmoxVms> {
  const managers: ManagerRead[] = [];
  const proxmox: ProxmoxVm[] = [];
  if (req.host) {
    const f = await probeProxmox(src);
    if (f.present) {
      proxmox.push(...f.vms);
      const nodes = new Set(f.vms.map((v) => (v.vm.ref.manager.kind === 'proxmox' ? v.vm.ref.manager.node : undefined)).filter((n) => n !== undefined));
      const how = [
        f.storage.ok ? 'storage.cfg read' : `storage.cfg not read (${f.storage.reason}): volumes unresolved`,
        f.version.ok ? `pve-manager ${f.version.value.manager.major}.${f.version.value.manager.minor}.${f.version.value.manager.patch}` : `pveversion: ${f.version.reason} (io_uring assumed the default, as since PVE 7.0)`,
        ...f.unreadable.map((u) => `${u.file} unreadable: ${u.reason}`),
      ].join('; ');
      managers.push({ id: 'vm.proxmox', what: 'Proxmox VE VM configs', read: { ok: true, value: { observed: `${f.vms.length} VM config(s)${nodes.size > 1 ? ` on ${nodes.size} nodes` : ''}`, how } } });
    }
  }
  if (req.conf && req.conf.length > 0) {
    const f = await probeProxmoxFiles(src, req.conf, req.storage);
    proxmox.push(...f.vms);
  }
  return { vms: proxmox.map((p) => p.vm), proxmox, managers };
}
