// A tune plan for a libvirt domain as the engine action that applies it (DomainDefine:
// the engine journals the saved XML, defines, verifies, and rollback redefines).
import type { DomainDefine } from '../model/action.js';
import type { TunePlan } from '../decide/plan-vm-tune.js';

export function defineAction(plan: TunePlan, xml: string): DomainDefine {
  const m = plan.vm.manager;
  const changes = plan.disks.flatMap((d) => d.reasons.map((r) => `${d.label}: ${r}`));
  return {
    kind: 'libvirt-define',
    id: 'vm.tune',
    object: `vm:${plan.vm.name}`,
    reason: changes[0] === undefined ? 'disk settings as the decision table says' : `${changes.length} disk setting(s): ${changes.join('; ')}`,
    notes: ['effective at the next boot of the domain (shut it down and start it; a reboot inside the guest keeps the old definition)'],
    domain: plan.vm.name,
    ...(m.kind === 'libvirt' && m.uri !== undefined ? { uri: m.uri } : {}),
    xml,
  };
}
