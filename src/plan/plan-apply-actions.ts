// What `kvmio plan apply` hands the journal engine, in plan show's order: host settings
// (the FileWrite/SysfsWrite actions `kvmio fix` takes), pvcreate/vgcreate/thin pools,
// libvirt pools, volumes through the pools (or lvcreate for an LV named by VG only),
// and `virsh define` of each new domain. Existing domains are left to `kvmio vm tune`;
// VFIO binds are left to `kvmio passthrough bind` (its own guarded run). Pure.
import type { DomainDefine, HostAction, LvCreate, PvCreate, VgCreate } from '../model/action.js';
import type { PoolCreate, VolumeCreate } from '../model/pool-action.js';
import type { PlanChange } from './plan-changes.js';
import type { Plan } from './plan-schema.js';
import type { PlanFacts } from './plan-facts.js';
import { poolCreateAction, volumeCreateAction } from './plan-actions.js';
import { preallocationOf, sizeOf, vgOfDisk } from './plan-resolve.js';
import { shellLine } from '../render/shell-quote.js';

export type PlanAction = HostAction | PvCreate | VgCreate | LvCreate | PoolCreate | VolumeCreate | DomainDefine;

export interface ApplyPlan {
  readonly actions: readonly PlanAction[];
  /** Changes apply does not make, with the command that does. */
  readonly leftOut: readonly string[];
}

/**
 * `covers(domain, xml)`: the saved definition already holds everything the planned XML
 * asks for (libvirt adds uuid, addresses and defaults), so a domain kvmio defined counts
 * as matching on the next apply.
 */
export function planApplyActions(plan: Plan, facts: PlanFacts, changes: readonly PlanChange[], uri?: string, covers: (domain: string, xml: string) => boolean = () => false): ApplyPlan & { readonly matching: readonly string[] } {
  const matching: string[] = [];
  const actions: PlanAction[] = [];
  const leftOut: string[] = [];
  const u = uri !== undefined ? { uri } : {};
  for (const c of changes) {
    if (c.status === 'ok') continue;
    if (c.hostAction) actions.push(c.hostAction);
    else if (c.section === 'vfio') leftOut.push(`${c.summary}: run ${shellLine`kvmio passthrough bind ${c.object} --yes`}`);
    else if (c.section === 'domains' && c.status === 'change' && c.xml !== undefined && covers(c.object, c.xml)) matching.push(c.object);
    else if (c.section === 'domains' && c.status === 'change') leftOut.push(`${c.object}: an existing domain; ${shellLine`kvmio vm tune ${c.object}`} edits its disks in place`);
  }
  const pvs = new Set(facts.pt.pvs.ok ? facts.pt.pvs.value.map((p) => p.pv) : []);
  const vgs = new Set(facts.vgs.ok ? facts.vgs.value.map((v) => v.name) : []);
  const lvs = facts.lvs.ok ? facts.lvs.value : [];
  for (const vg of plan.volumeGroups) {
    for (const pv of vg.pvs) if (!pvs.has(pv)) actions.push({ kind: 'lvm-pv-create', id: 'plan.pv', object: pv, reason: `PV of volume group ${vg.name} (plan)`, device: pv, wipeSignatures: false } satisfies PvCreate);
    if (!vgs.has(vg.name)) actions.push({ kind: 'lvm-vg-create', id: 'plan.vg', object: vg.name, reason: `volume group ${vg.name} (plan)`, vg: vg.name, devices: vg.pvs } satisfies VgCreate);
    for (const tp of vg.thinPools) {
      if (lvs.some((l) => l.vg === vg.name && l.name === tp.name)) continue;
      actions.push({ kind: 'lvm-lv-create', id: 'plan.thin-pool', object: `${vg.name}/${tp.name}`, reason: `thin pool ${tp.name} (plan)`, vg: vg.name, lv: tp.name, argv: ['lvcreate', '--type', 'thin-pool', '-L', `${sizeOf(tp.size).bytes}b`, '-n', tp.name, vg.name] } satisfies LvCreate);
    }
  }
  for (const p of plan.pools) {
    if (changes.some((c) => c.section === 'pools' && c.object === p.name && c.status === 'ok')) continue;
    actions.push(poolCreateAction(p.type === 'logical' ? { type: 'logical', name: p.name, vg: p.vg } : { type: 'dir', name: p.name, path: p.path }, p.autostart, uri));
  }
  for (const vm of plan.vms) {
    for (const d of vm.disks) {
      if (d.type === 'lv') {
        const vg = vgOfDisk(plan, facts, d);
        if (vg === undefined || lvs.some((l) => l.vg === vg && l.name === d.name)) continue;
        const bytes = sizeOf(d.size).bytes;
        if (d.thin !== undefined) actions.push({ kind: 'lvm-lv-create', id: 'plan.lv', object: `${vg}/${d.name}`, reason: `thin LV for ${vm.name} (plan)`, vg, lv: d.name, argv: ['lvcreate', '-V', `${bytes}b`, '-T', `${vg}/${d.thin}`, '-n', d.name] } satisfies LvCreate);
        else if (d.pool !== undefined) actions.push(volumeCreateAction({ pool: d.pool, name: d.name, bytes, preallocate: 'full' }, uri));
        else actions.push({ kind: 'lvm-lv-create', id: 'plan.lv', object: `${vg}/${d.name}`, reason: `LV for ${vm.name} (plan)`, vg, lv: d.name, argv: ['lvcreate', '-n', d.name, '-L', `${bytes}b`, vg] } satisfies LvCreate);
      } else if (d.type === 'image') {
        const pre = preallocationOf(d);
        actions.push(volumeCreateAction({ pool: d.pool, name: d.name, bytes: sizeOf(d.size).bytes, format: d.format as 'raw' | 'qcow2', preallocate: pre === 'falloc' || pre === 'full' ? 'full' : pre === 'metadata' ? 'metadata' : 'none' }, uri));
      }
    }
  }
  for (const c of changes) {
    if (c.section !== 'domains' || c.status !== 'create' || c.text === undefined) continue;
    const define: DomainDefine = { kind: 'libvirt-define', id: 'plan.domain', object: c.object, reason: `VM ${c.object} (plan)`, domain: c.object, xml: c.text, ...u };
    actions.push(define);
  }
  return { actions, leftOut, matching };
}
