// A plan seen without a host (kvmio export ansible: the playbook converges many hosts
// kvmio has not probed): disks chosen by the decision table from the plan alone (LVs,
// whole disks and partitions are block devices; images as the plan preallocates them).
import { chooseDiskConfig } from '../decide/choose-disk-config.js';
import type { AioDemand } from '../decide/recommend-aio.js';
import type { DiskConfig } from '../model/disk-types.js';
import { renderPlannedDomain } from '../render/domain-xml.js';
import type { Plan, PlanVm } from './plan-schema.js';
import { backendOf, firmwareOf, intentsOf, sizeOf } from './plan-resolve.js';

function configsOf(plan: Plan, vm: PlanVm): DiskConfig[] {
  const intents = intentsOf(vm);
  return vm.disks.flatMap((d, j) => {
    const b = backendOf(plan, undefined, d);
    return b ? [chooseDiskConfig(b, intents[j] ?? {})] : [];
  });
}

export const planVmDomains = (plan: Plan): { name: string; xml: string }[] =>
  plan.vms.map((vm) => ({ name: vm.name, xml: renderPlannedDomain({ name: vm.name, memoryMiB: Math.round(sizeOf(vm.memory).bytes / 2 ** 20), vcpus: vm.vcpus, firmware: firmwareOf(vm), type: 'kvm', disks: configsOf(plan, vm) }) }));

export function planAioDemandStatic(plan: Plan): AioDemand {
  let contexts = 0;
  for (const vm of plan.vms) {
    const native = configsOf(plan, vm).filter((c) => c.kind === 'disk' && c.aio.value === 'native');
    if (native.length > 0) contexts += 1 + new Set(native.flatMap((c) => (c.kind === 'disk' && c.iothread.value !== null ? [c.iothread.value] : []))).size;
  }
  return { contexts, explain: `the plan's VMs = ${contexts} AIO contexts` };
}
