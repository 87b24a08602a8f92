// Plain-text output of `kvmio passthrough list|check|bind|unbind`.
import { renderFix, shellCommand, shellComment, shellLine, shellQuote } from '../render/shell-quote.js';
import type { Finding } from '../model/finding.js';
import type { Assessment, MemberReport } from '../decide/passthrough.js';
import type { CheckResult } from '../decide/passthrough-check.js';
import { formatClass } from '../decide/pci-class.js';
import type { ActResult } from '../apply/apply-passthrough.js';
import type { HostFacts } from '../facts/host-facts.js';

const ROLE: Readonly<Record<string, string>> = { nvme: 'NVMe', sata: 'SATA', sas: 'SAS', raid: 'RAID', bridge: 'PCI bridge', network: 'network', display: 'display', 'storage-other': 'storage', other: 'other' };

const id = (m: { vendor?: string; device?: string }): string => (m.vendor && m.device ? ` ${m.vendor.replace(/^0x/, '')}:${m.device.replace(/^0x/, '')}` : '');

function member(m: MemberReport, self: string): string {
  const tags = [m.address === self ? 'this device' : '', m.bridge ? 'ignored: bridge' : '', m.named && m.address !== self ? 'named with --with' : ''].filter((t) => t !== '');
  return `${m.address}  ${ROLE[m.role] ?? m.role}${m.classCode !== undefined ? ` (${formatClass(m.classCode)})` : ''}${id(m)}  driver ${m.driver ?? '(none)'}${tags.length ? `  [${tags.join(', ')}]` : ''}`;
}

export function printAssessment(a: Assessment): string {
  const out: string[] = [];
  out.push(`${a.address}  ${ROLE[a.role] ?? a.role}${id(a)}  driver ${a.driver ?? '(none)'}  ${a.verdict.status.toUpperCase()}`);
  out.push(a.iommuGroup === undefined ? '  IOMMU group: none' : `  IOMMU group ${a.iommuGroup}: ${a.members.length} device(s)`);
  for (const m of a.members) {
    out.push(`    ${member(m, a.address)}`);
    for (const d of m.disks) {
      out.push(`      disk ${d.name}${d.model ? ` (${d.model})` : ''}: ${d.uses.length === 0 ? 'holds nothing the host uses' : d.uses.map((u) => u.detail).join('; ')}`);
      for (const n of d.notes) out.push(`        note: ${n}`);
    }
  }
  out.push(`  viable: ${a.viable ? 'yes' : 'no'} (${a.viability})`);
  if (a.sriov) {
    out.push(`  SR-IOV: ${a.sriov.numVfs} of ${a.sriov.totalVfs} virtual functions enabled`);
    for (const vf of a.sriov.vfs) out.push(`    VF ${vf.index}: ${vf.address}  IOMMU group ${vf.iommuGroup ?? 'none'}  driver ${vf.driver ?? '(none)'}`);
  }
  if (a.physfn) out.push(`  virtual function of ${a.physfn}`);
  if (a.assignedTo.length > 0) out.push(`  already a <hostdev> of domain(s): ${a.assignedTo.join(', ')}`);
  if (a.verdict.status === 'allowed') out.push(`  verdict: allowed: ${a.verdict.reason}`);
  else {
    out.push('  verdict: refused:');
    for (const r of a.verdict.refusals) out.push(`    - ${r.message}`);
  }
  return out.join('\n');
}

export function printList(all: readonly Assessment[], host: HostFacts): string {
  if (all.length === 0) {
    const why = host.pci.ok ? 'no NVMe, SATA, SAS or RAID controller and no SR-IOV capable device found' : `PCI devices unreadable: ${host.pci.reason}`;
    return `${why}\n`;
  }
  const allowed = all.filter((a) => a.verdict.status === 'allowed').length;
  return `${all.map(printAssessment).join('\n\n')}\n\n${all.length} device(s): ${allowed} allowed, ${all.length - allowed} refused\n`;
}

const finding = (f: Finding): string =>
  `${f.status.toUpperCase().padEnd(4)}  ${f.id.padEnd(22)} ${f.observed ?? ''}${f.status === 'pass' || f.status === 'skip' ? '' : `\n      expected: ${f.expected ?? ''}\n      why: ${f.why}${f.fix ? `\n      fix: ${renderFix(f.fix)}` : ''}`}`;

export function printCheck(r: CheckResult): string {
  const out = ['readiness:', ...r.readiness.map((f) => `  ${finding(f)}`), '', printAssessment(r.assessment), ''];
  const failing = r.readiness.filter((f) => f.status === 'fail');
  if (failing.length > 0) out.push(`not ready for VFIO: ${failing.map((f) => f.id).join(', ')} failed (${failing[0]?.observed ?? ''})`);
  out.push(r.ready && r.assessment.verdict.status === 'allowed' ? `${r.address}: can be passed through (${shellLine`kvmio passthrough bind ${r.address}`})` : `${r.address}: cannot be passed through`);
  return `${out.join('\n')}\n`;
}

export function printAct(r: ActResult): string {
  const out: string[] = [];
  if (r.refusal !== undefined) {
    out.push(printCheck(r.check));
    return out.join('\n');
  }
  const p = r.plan;
  out.push(`${r.direction} ${r.address}: IOMMU group ${p.iommuGroup ?? 'none'}; ${p.members.length === 0 ? 'nothing to do' : `moving ${p.members.join(', ')}`}`);
  for (const s of p.skipped) out.push(`  skip ${s.address}: ${s.why}`);
  for (const c of r.prepare) out.push(`${!r.yes ? 'would run' : 'ran (journaled)'}: ${shellCommand(c)}  (drivers_probe does not load modules)`);
  if (p.steps.length > 0) {
    const under = r.sysfsRoot === '/' || r.sysfsRoot === '' ? '' : ` (under ${r.sysfsRoot})`;
    out.push(r.yes ? `sysfs writes${under}:` : `would write${under} (run again with --yes):`);
    for (const s of p.steps) out.push(`  ${shellLine`echo ${s.write.value.trimEnd()}`} > ${shellQuote(s.write.path)}    ${shellComment(s.describe).replace(/\n/g, ' ')}`);
  }
  for (const o of r.outcomes) out.push(`  ${o.address}: ${o.status}${o.error ? `: ${o.error}` : ''}`);
  if (r.failed) out.push(r.rolledBack.length > 0 ? `failed; rolled back: ${r.rolledBack.join(', ')}` : 'failed');
  if (r.hostdevXml.length > 0) {
    out.push('', "libvirt (in <devices>; managed='no' because kvmio did the binding, managed='yes' lets libvirt bind at VM start instead):", ...r.hostdevXml);
    out.push('', `QEMU: ${r.qemuArgs.join(' ')}`);
  }
  if (r.persist.length > 0) {
    out.push('', 'This binding lasts until reboot. To make it persistent, pick one:');
    r.persist.forEach((o, i) => {
      out.push(`${i + 1}. ${o.kind === 'driver-override' ? 'per-address driver_override (driverctl-style)' : 'vfio-pci ids= in modprobe.d'}${o.dangerous ? '  [DANGEROUS here]' : ''}: ${o.file}`);
      out.push(...o.content.trimEnd().split('\n').map((l) => `     ${l}`));
      if (o.commands.length > 0) out.push(`   or run: ${o.commands.map((c) => shellCommand(c)).join('; ')}`);
      out.push(`   trade-off: ${o.tradeoff}`);
    });
  }
  return `${out.join('\n')}\n`;
}
