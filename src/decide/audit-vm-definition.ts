// What an adapter noticed about a VM definition beyond its disks: problems (parts its
// manager rejects or ignores, so the VM runs without them: WARN) and notes (a pending
// change, snapshots, a setting the manager ignores: noted as PASS, so nothing is a
// silent gap). Manager-neutral: the words come from the adapter. Pure.
import { fixText, type Finding, type Subject } from '../model/finding.js';
import type { Vm } from '../model/vm.js';

export function auditVmDefinition(vm: Vm): Finding[] {
  const subject: Subject = { kind: 'vm', vm: vm.ref };
  const object = `vm:${vm.ref.manager.kind === 'libvirt' && vm.ref.manager.origin === 'live' ? `${vm.ref.name}[live]` : vm.ref.name}`;
  return [
    ...(vm.problems ?? []).map(
      (p): Finding => ({
        id: 'vm.definition',
        subject,
        object,
        status: 'warn',
        observed: p,
        expected: 'a definition its manager reads whole',
        why: 'the manager ignores this part of the definition: the VM runs without it (a disk left out, a setting not applied)',
        fix: fixText`correct it: ${{ vmEdit: vm.ref }}`,
      }),
    ),
    ...vm.notes.map((n): Finding => ({ id: 'vm.notes', subject, object, status: 'pass', observed: n, why: 'noted while reading the definition' })),
  ];
}
