// The recorded Proxmox node (test/fixtures/proxmox/pve-host, a dump) read through the
// real DumpSource, and a text rendering of the model for golden files.
import { DumpSource } from '../../src/facts/dump-source.js';
import { fixture } from '../helpers.js';
import { probeProxmox, type ProxmoxFacts } from '../../src/proxmox/probe-proxmox.js';
import type { ProxmoxVm } from '../../src/proxmox/read-proxmox-vm.js';
import type { Effective } from '../../src/model/vm.js';

export const PVE_HOST = fixture('proxmox', 'pve-host');

export async function pveHostFacts(): Promise<ProxmoxFacts> {
  return probeProxmox(new DumpSource(PVE_HOST));
}

const eff = (e: Effective<string>): string => (e.origin === 'explicit' ? e.value : `${e.value} [${e.note ?? 'default'}]`);

/** One block per VM: the model as decide/ sees it, plus the adapter's notes and problems. */
export function renderModel(vms: readonly ProxmoxVm[]): string {
  const out: string[] = [];
  for (const p of vms) {
    const vm = p.vm;
    const m = vm.ref.manager;
    out.push(`VM ${p.vmid} ${vm.ref.name}${m.kind === 'proxmox' && m.node ? ` on ${m.node}` : ''} (${m.kind === 'proxmox' ? m.file : '?'}) vcpus ${vm.vcpus ?? '?'} machine ${vm.machine ?? '(default)'} scsihw ${p.scsihw.value}${p.scsihw.explicit ? '' : ' (default)'} iothreads [${vm.iothreads.join(',')}]`);
    for (const c of vm.controllers) out.push(`  controller ${c.key} ${c.model}${c.iothread !== undefined ? ` iothread ${c.iothread}` : ''}${c.queues !== undefined ? ` queues ${c.queues}` : ''}`);
    for (const d of vm.disks) {
      const src = d.source;
      const s = src.kind === 'volume' ? `${src.pool}:${src.volume}` : src.kind === 'network' ? `${src.protocol}:${src.name ?? ''}@${src.hosts.join(',')}` : src.kind === 'file' || src.kind === 'block' ? `${src.kind}:${src.path}` : src.kind;
      const r = p.drives.find((x) => x.key === d.key)?.resolved;
      out.push(`  ${d.key} ${d.device} ${d.bus} (${d.busName}${d.controller ? ` on ${d.controller}` : ''}) ${s} format ${d.format ?? '?'}`);
      out.push(`    store ${r?.store ?? '?'}; path ${r ? (r.path.ok ? r.path.value : `(${r.path.reason})`) : '?'}; backend ${r ? (r.backend.ok ? `${r.backend.value.kind}${r.backend.value.kind === 'lv' ? (r.backend.value.thin ? ' thin' : ' thick') : ''}` : `(${r.backend.reason})`) : '?'}${r?.fsType ? `; fs ${r.fsType}` : ''}`);
      out.push(`    cache ${eff(d.cache)}; aio ${eff(d.aio)}; iothread ${d.iothread ?? '-'}; queues ${d.queues ?? '-'}; discard ${d.discard ?? '-'}; detect_zeroes ${d.detectZeroes ?? '-'}; ro ${d.readOnly}${d.serial ? `; serial ${d.serial}` : ''}`);
    }
    for (const h of vm.hostdevs) out.push(`  hostdev ${h.type} ${h.address ?? '?'}`);
    for (const n of vm.notes) out.push(`  note: ${n}`);
    for (const pr of p.problems) out.push(`  problem${pr.key ? ` ${pr.key}` : ''}: ${pr.message}`);
    out.push('');
  }
  return out.join('\n');
}
