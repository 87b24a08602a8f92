// `kvmio plan apply`: the plan's actions (plan/plan-apply-actions.ts) behind the guards
// of the commands they stand for, then one engine run, so `kvmio rollback` undoes all of
// it:
// - a new PV passes `vg create`'s device guards (provision/guards.ts over
//   facts/probe-device.ts: signatures by wipefs -n and blkid -p, mounts, swap, holders,
//   root/boot, open): any signature refuses unless the VG says `wipeSignatures: true`
//   (then pvcreate --yes), and a use (mounted, root/boot, …) always refuses;
// - each PCI device is bound as `kvmio passthrough bind` binds it
//   (apply-passthrough.ts preparePassthrough: the whole IOMMU group, never the boot
//   disk's controller; modprobe vfio-pci first, journaled), and a run that fails part-way
//   puts the group back at once.
// Any refusal and nothing runs.
import type { EngineOptions, Outcome } from './engine.js';
import { applyActions, previewActions } from './engine.js';
import { LocalSource } from '../facts/local-source.js';
import { probeDevice } from '../facts/probe-device.js';
import { localDomainUses } from '../libvirt/domain-uses.js';
import type { Source } from '../facts/source.js';
import type { PvCreate } from '../model/action.js';
import { checkDeviceGuards, formatTrip } from '../provision/guards.js';
import type { ApplyPlan } from '../plan/plan-apply-actions.js';
import type { PlanFacts } from '../plan/plan-facts.js';
import type { Plan } from '../plan/plan-schema.js';
import { preparePassthrough, statesBefore, undoPartialBind } from './apply-passthrough.js';
import type { HandlerMap } from './action-handler.js';
import type { EngineAction } from './journal.js';

export interface PlanApplyOptions {
  readonly yes: boolean;
  readonly stateDir: string;
  /** --root: every file kvmio writes goes under it. */
  readonly root: string;
  /** "/" for the live host; a copy of a recorded tree (tests): VFIO writes go under it and live sysfs values are left out. */
  readonly sysfsRoot: string;
  readonly handlers?: HandlerMap;
  readonly wait?: boolean;
  /** Engine keys of what kvmio made and still owns (engine.ts ownedKeys): its own PV from an interrupted run is no stranger's data. */
  readonly owned?: ReadonlySet<string>;
  /** Where device facts for the PV guards are read (default: this machine). */
  readonly source?: Source;
  readonly faultAfterStep?: number;
  /** Told when the engine takes over a stale lock (the CLI warns). */
  readonly onNote?: (note: string) => void;
}

export interface PlanApplyResult {
  /** One line per guard that refused; nothing ran when there is any. */
  readonly refusals: readonly string[];
  /** Signature guards the plan's wipeSignatures overrode (warnings). */
  readonly overridden: readonly string[];
  readonly outcomes: readonly Outcome[];
  /** Members (and the module) put back after a failure part-way. */
  readonly rolledBack: readonly string[];
  /** What was not done under --sysfs-root (live sysfs values). */
  readonly leftOut: readonly string[];
}

/** The PV guards: every device apply would pvcreate, or hand to a new vgcreate. */
async function guardPvs(plan: Plan, ap: ApplyPlan, opts: PlanApplyOptions): Promise<{ refusals: string[]; overridden: string[]; wipe: Set<string> }> {
  const src = opts.source ?? new LocalSource();
  const refusals: string[] = [];
  const overridden: string[] = [];
  const wipe = new Set<string>();
  const creates = new Set(ap.actions.filter((a) => a.kind === 'lvm-pv-create').map((a) => (a as PvCreate).device));
  const newVgs = new Set(ap.actions.filter((a) => a.kind === 'lvm-vg-create').map((a) => a.object));
  for (const vg of plan.volumeGroups) {
    for (const pv of vg.pvs) {
      if (!creates.has(pv) && !newVgs.has(vg.name)) continue;
      const f = await probeDevice(src, pv, { domainUses: localDomainUses });
      const v = checkDeviceGuards(f, { force: vg.wipeSignatures });
      // kvmio's own PV from an interrupted run (its uuid as journaled), in no VG or in this one
      const mine = opts.owned?.has(`lvm-pv:${pv}`) === true && f.pvs.ok && f.pvs.value.every((p) => p.vgName === '' || p.vgName === vg.name);
      const trips = v.trips.filter((t) => !(mine && (t.guard === 'signature.lvm' || t.guard === 'active-pv')));
      refusals.push(...trips.map((t) => `volume group ${vg.name}: ${formatTrip(t)}${t.overridable ? ' (or set wipeSignatures: true on the volume group)' : ''}`));
      overridden.push(...v.overridden.map((t) => `volume group ${vg.name}: wipeSignatures overrides: ${t.object}: ${t.value}`));
      if (v.overridden.length > 0) wipe.add(pv);
    }
  }
  return { refusals, overridden, wipe };
}

export async function applyPlan(plan: Plan, facts: PlanFacts, ap: ApplyPlan, opts: PlanApplyOptions): Promise<PlanApplyResult> {
  const live = opts.sysfsRoot === '/' || opts.sysfsRoot === '';
  const { refusals, overridden, wipe } = await guardPvs(plan, ap, opts);
  const leftOut: string[] = [];
  const vfio: EngineAction[] = [];
  const seen = new Set<string>();
  for (const address of ap.binds) {
    const p = preparePassthrough('bind', { host: facts.host, pt: facts.pt }, address, [], opts.sysfsRoot);
    if (p.refusal !== undefined) refusals.push(p.refusal.replace(/\n\s*-\s*/g, ' - ').replace(/:\s+-\s+/, ': '));
    for (const a of p.actions) {
      const key = a.kind === 'vfio' ? `vfio:${a.address}` : `module:${a.module}`;
      if (seen.has(key)) continue; // two planned devices of one IOMMU group move once
      seen.add(key);
      vfio.push(a);
    }
  }
  const host = ap.actions.flatMap((a): EngineAction[] => {
    if (a.kind === 'sysfs' && !live) {
      leftOut.push(`${a.path} → ${a.value} (${a.id}): a live value; --sysfs-root ${opts.sysfsRoot} writes only VFIO binds under the tree`);
      return [];
    }
    return [a.kind === 'lvm-pv-create' && wipe.has(a.device) ? { ...a, wipeSignatures: true } : a];
  });
  if (refusals.length > 0) return { refusals, overridden, outcomes: [], rolledBack: [], leftOut };
  const actions = [...host, ...vfio, ...ap.domains];
  const engine: Omit<EngineOptions, 'stateDir'> = { root: opts.root, ...(opts.handlers ? { handlers: opts.handlers } : {}) };
  if (!opts.yes) return { refusals, overridden, outcomes: await previewActions(actions, engine), rolledBack: [], leftOut };
  const before = statesBefore(vfio);
  const outcomes = await applyActions(actions, {
    ...engine, stateDir: opts.stateDir, wait: opts.wait ?? false, purpose: 'plan apply --yes',
    ...(opts.onNote ? { onNote: opts.onNote } : {}),
    ...(opts.faultAfterStep === undefined ? {} : { faultAfterStep: opts.faultAfterStep }),
  });
  const failed = outcomes.some((o) => o.status === 'failed' || o.status === 'refused');
  return { refusals, overridden, outcomes, rolledBack: failed ? await undoPartialBind(outcomes, before) : [], leftOut };
}
