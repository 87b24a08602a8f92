// What `kvmio plan apply` hands the journal engine, in plan show's order: host settings
// (the FileWrite/SysfsWrite actions `kvmio fix` takes), pvcreate/vgcreate/thin pools,
// libvirt pools, volumes through the pools (or lvcreate for an LV named by VG only),
// the PCI addresses to bind to vfio-pci (apply/apply-plan.ts turns them into the same
// guarded engine actions as `kvmio passthrough bind`), and `virsh define` of each domain:
// the complete XML of a new one, the saved XML edited in place (plan-domain-edit.ts) for
// an existing one. Pure.
import type { DomainDefine, HostAction, LvCreate, PvCreate, VgCreate } from '../model/action.js';
import type { PoolCreate, VolumeCreate } from '../model/pool-action.js';
import type { PlanChange } from './plan-changes.js';
import type { Plan } from './plan-schema.js';
import type { PlanFacts } from './plan-facts.js';
import { poolCreateAction, volumeCreateAction } from './plan-actions.js';
import { preallocationOf, sizeOf, vgOfDisk } from './plan-resolve.js';

export type PlanAction = HostAction | PvCreate | VgCreate | LvCreate | PoolCreate | VolumeCreate | DomainDefine;

export interface ApplyPlan {
  /** Host settings, LVM, pools and volumes, in order. */
  readonly actions: readonly PlanAction[];
  /** PCI addresses to hand to vfio-pci (after the volumes, before the domains). */
  readonly binds: readonly string[];
  /** virsh define of each new or edited domain (last). */
  readonly domains: readonly DomainDefine[];
  /** Changes apply does not make, and why. */
  readonly leftOut: readonly string[];
}

export function planApplyActions(plan: Plan, facts: PlanFacts, changes: readonly PlanChange[], uri?: string): ApplyPlan {
  const actions: PlanAction[] = [];
  const binds: string[] = [];
  const leftOut: string[] = [];
  const u = uri !== undefined ? { uri } : {};
  for (const c of changes) {
    for (const n of c.notApplied ?? []) leftOut.push(`${c.object}: ${n}`);
    if (c.status === 'ok') continue;
    if (c.hostAction) actions.push(c.hostAction);
    else if (c.section === 'vfio') binds.push(c.object);
    else if (c.section === 'domains' && c.status === 'change' && c.xml === undefined) leftOut.push(`${c.summary}; nothing defined`);
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
  const domains: DomainDefine[] = [];
  for (const c of changes) {
    if (c.section !== 'domains' || c.status === 'ok') continue;
    const xml = c.status === 'create' ? c.text : c.xml;
    if (xml === undefined) continue;
    domains.push({
      kind: 'libvirt-define', id: 'plan.domain', object: c.object, domain: c.object, xml, ...u,
      reason: c.status === 'create' ? `VM ${c.object} (plan)` : `VM ${c.object}: its disks as planned, edited in place (plan)`,
      ...(c.status === 'change' ? { notes: ['effective at the next boot of the domain (shut it down and start it; a reboot inside the guest keeps the old definition)'] } : {}),
    });
  }
  return { actions, binds, domains, leftOut };
}
