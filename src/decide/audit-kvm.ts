// kvm.device: can this host run accelerated VMs? Decided by /dev/kvm opening
// read-write, not by vmx/svm CPU flags (nested and PVM hosts have KVM without them).
import { fixLiteral } from './fix-words.js';
import type { HostFacts } from '../facts/host-facts.js';
import type { Finding } from '../model/finding.js';
import { REF } from './host-defaults.js';

export function auditKvm(facts: HostFacts): Finding[] {
  const base = { id: 'kvm.device', object: 'host', expected: '/dev/kvm opens read-write', ref: REF.kvm };
  const k = facts.roles.kvm;
  if (!k.ok) return [{ ...base, status: 'skip', why: `/dev/kvm not probed: ${k.reason}` }];
  if (k.value.opened) {
    return [{ ...base, status: 'pass', observed: '/dev/kvm opens read-write', why: 'KVM is usable; vmx/svm CPU flags are not required (nested or PVM hypervisors provide KVM without them)' }];
  }
  const err = k.value.error ?? 'unknown error';
  const absent = /ENOENT/.test(err);
  if (facts.roles.guest && absent) {
    return [{ ...base, status: 'pass', observed: `/dev/kvm: ${err}`, expected: '/dev/kvm only on a KVM host', why: 'a guest without nested virtualisation: no VMs run here, so host-side checks only matter for the guest role' }];
  }
  return [{
    ...base, status: 'warn', observed: `/dev/kvm: ${err}`,
    why: absent
      ? 'no /dev/kvm: VMs would run under TCG emulation (10-100x slower); enable VT-x/AMD-V in firmware and load kvm_intel or kvm_amd'
      : 'KVM exists but this user cannot open it read-write: QEMU falls back to TCG or fails with -accel kvm',
    fix: fixLiteral(absent ? 'modprobe kvm_intel || modprobe kvm_amd' : 'chmod 0660 /dev/kvm && chgrp kvm /dev/kvm   # or add the user to the kvm group'),
  }];
}
