// Roles are a set: a KVM host is one whose /dev/kvm opens read-write (nested and PVM
// hosts have no vmx/svm flag, FACTS.md); a guest has the hypervisor CPU flag, a
// hypervisor's DMI strings, or paravirtual (virtio, xen) disks. One host can be both.
import { dmiHypervisor } from './classify-guest.js';
import type { BlockDevice, Roles } from './host-facts.js';
import type { OpenResult, Read } from './source.js';

export interface RoleInputs {
  readonly kvm: Read<OpenResult>;
  readonly cpuFlags: Read<readonly string[]>;
  readonly dmi: Read<{ readonly sysVendor: string; readonly productName: string }>;
  readonly disks: readonly BlockDevice[];
}

export function classifyRoles(i: RoleInputs): Roles {
  const evidence: string[] = [];
  const kvmHost = i.kvm.ok && i.kvm.value.opened;
  if (kvmHost) evidence.push('kvm host: /dev/kvm opens read-write');
  else if (!i.kvm.ok) evidence.push(`not a kvm host: /dev/kvm was not probed (${i.kvm.reason})`);
  else {
    const err = i.kvm.value.error ?? 'failed';
    // without root (or the kvm group) the device exists but refuses: say so rather than "no KVM"
    const hint = /EACCES|EPERM/.test(err) ? '; run as root or as a member of the kvm group' : '';
    evidence.push(`not a kvm host: /dev/kvm does not open read-write (${err}${hint})`);
  }
  const flags = i.cpuFlags.ok ? i.cpuFlags.value : [];
  const hw = flags.filter((f) => f === 'vmx' || f === 'svm');
  if (kvmHost && i.cpuFlags.ok && hw.length === 0) evidence.push('kvm host without vmx/svm CPU flags (nested or PVM KVM)');
  let guest = false;
  if (flags.includes('hypervisor')) {
    guest = true;
    evidence.push('guest: CPU flag "hypervisor"');
  }
  if (i.dmi.ok) {
    const hv = dmiHypervisor(i.dmi.value.sysVendor, i.dmi.value.productName);
    if (hv) {
      guest = true;
      evidence.push(`guest: DMI "${i.dmi.value.sysVendor}" / "${i.dmi.value.productName}" (${hv})`);
    }
  }
  const pv = i.disks.filter((d) => d.kind === 'disk' && (d.transport === 'virtio' || d.transport === 'xen'));
  if (pv.length > 0) {
    guest = true;
    evidence.push(`guest: paravirtual disks ${pv.map((d) => `${d.name} (${d.transport})`).join(', ')}`);
  }
  return { kvmHost, guest, evidence, kvm: i.kvm, cpuFlags: i.cpuFlags, dmi: i.dmi };
}
