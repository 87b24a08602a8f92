// `kvmio vg create VG DEVICE…`: PVs and a VG (and a Proxmox-sized thin pool) on devices
// that pass every guard. pvcreate is the destructive step: nothing runs unless all pass.
// Facts come from facts/ (probeDevice, LVM reports); the changes are engine actions
// (one run: pvcreate per device, vgcreate, lvcreate of the pool), so kvmio rollback
// undoes them.
import { applyActions, type EngineOptions } from '../apply/engine.js';
import { usageError } from '../errors.js';
import type { LvCreate, PvCreate, VgCreate } from '../model/action.js';
import { LocalSource } from '../facts/local-source.js';
import { probeDevice } from '../facts/probe-device.js';
import { localDomainUses } from '../libvirt/domain-uses.js';
import { probeBlockBytes, probeDeviceMapper, probeVgs } from '../facts/probe-disk-target.js';
import type { Source } from '../facts/source.js';
import { formatSize, type Size } from '../size.js';
import { outcomeError } from './disk-create.js';
import { checkDeviceGuards, refusalError, refuseBy, type GuardTrip } from './guards.js';
import { checkLvmName, defaultThinData, DM_MISSING_NOTE, LVM_EXTENT_BYTES, planVgCreate, thinMetadataSize } from './lvm-plan.js';
import type { Step } from './step.js';

export interface VgCreateRequest {
  readonly vg: string;
  readonly devices: readonly string[];
  readonly thinPool?: string;
  readonly thinSize?: Size;
  readonly force: boolean;
  /** Where facts are read (default: this machine). */
  readonly source?: Source;
  /**
   * Engine keys of what kvmio made and that still has the uuid it journaled (apply/engine.ts
   * ownedKeys): a rerun after a killed `vg create` finds its own PVs ("lvm-pv:DEV") and VG
   * ("lvm-vg:VG") and finishes the job instead of refusing them.
   */
  readonly owned?: ReadonlySet<string>;
}

export interface VgCreatePlan {
  readonly steps: readonly Step[];
  readonly actions: readonly (PvCreate | VgCreate | LvCreate)[];
  readonly overridden: readonly GuardTrip[];
  readonly thin?: { readonly name: string; readonly data: Size; readonly metadata: Size };
  readonly notes: readonly string[];
}

export async function prepareVgCreate(req: VgCreateRequest): Promise<VgCreatePlan> {
  checkLvmName('VG', req.vg);
  const twice = req.devices.find((d, i) => req.devices.indexOf(d) !== i);
  if (twice !== undefined) throw usageError(`DEVICE: "${twice}" is named twice; expected each device once`);
  if (req.thinPool !== undefined) checkLvmName('--thin-pool', req.thinPool);
  const src = req.source ?? new LocalSource();
  const vgs = await probeVgs(src);
  if (vgs.ok && vgs.value.some((v) => v.name === req.vg) && req.owned?.has(`lvm-vg:${req.vg}`) !== true) {
    throw refuseBy('vg-exists', req.vg, `volume group ${req.vg} already exists (vgs)`, 'pick another name, or add devices with vgextend');
  }
  const trips: GuardTrip[] = [];
  const overridden: GuardTrip[] = [];
  const sizes: number[] = [];
  for (const d of req.devices) {
    const facts = await probeDevice(src, d, { domainUses: localDomainUses });
    const v = checkDeviceGuards(facts, { force: req.force });
    // kvmio's own PV from an earlier, interrupted run of this command: its LVM label is no stranger's data.
    const mine = req.owned?.has(`lvm-pv:${d}`) === true && facts.pvs.ok && facts.pvs.value.every((p) => p.vgName === '' || p.vgName === req.vg);
    trips.push(...v.trips.filter((t) => !(mine && (t.guard === 'signature.lvm' || t.guard === 'active-pv'))));
    overridden.push(...v.overridden);
    const size = facts.name ? await probeBlockBytes(src, facts.name) : undefined;
    sizes.push(size?.ok ? size.value : 0);
  }
  if (trips.length > 0) throw refusalError({ allowed: false, trips, overridden });
  const notes: string[] = [];
  let thin: VgCreatePlan['thin'];
  if (req.thinPool !== undefined) {
    const data = req.thinSize ?? defaultThinData(sizes);
    const metadata = thinMetadataSize(data);
    const usable = sizes.reduce((s, b) => s + Math.floor((b - 1024 ** 2) / LVM_EXTENT_BYTES) * LVM_EXTENT_BYTES, 0);
    // The pool needs its data, its metadata, and a spare metadata copy for repairs.
    if (data.bytes <= 0 || data.bytes + 2 * metadata.bytes > usable) {
      const value = `thin pool ${req.thinPool} needs ${formatSize(data)} data + 2 x ${formatSize(metadata)} metadata (with its spare), but ${req.devices.join(', ')} give about ${formatSize({ bytes: usable })}`;
      throw refuseBy('vg-free', req.vg, value, 'pick a smaller --thin-size');
    }
    thin = { name: req.thinPool, data, metadata };
    if (!(await probeDeviceMapper(src))) notes.push(DM_MISSING_NOTE);
    if (req.thinSize === undefined) notes.push(`thin pool data ${formatSize(data)}: all the space left after the pool metadata and its spare`);
  }
  const wipeSignatures = overridden.length > 0;
  const steps = planVgCreate({ vg: req.vg, devices: req.devices, wipeSignatures, ...(thin ? { thinPool: { name: thin.name, data: thin.data } } : {}) });
  const actions: (PvCreate | VgCreate | LvCreate)[] = [
    ...req.devices.map((device): PvCreate => ({ kind: 'lvm-pv-create', id: 'vg.create', object: device, reason: `label ${device} as an LVM physical volume`, device, wipeSignatures })),
    { kind: 'lvm-vg-create', id: 'vg.create', object: req.vg, reason: `volume group ${req.vg}`, vg: req.vg, devices: req.devices },
  ];
  const pool = steps[2];
  if (thin && pool?.kind === 'exec') actions.push({ kind: 'lvm-lv-create', id: 'vg.create', object: `${req.vg}/${thin.name}`, reason: pool.why, vg: req.vg, lv: thin.name, argv: pool.argv });
  return { steps, actions, overridden, ...(thin ? { thin } : {}), notes };
}

/** Runs the plan through the engine: one journaled run that kvmio rollback undoes. */
export async function applyVgCreate(plan: VgCreatePlan, engine: EngineOptions): Promise<string | undefined> {
  const outcomes = await applyActions(plan.actions, { ...engine, purpose: 'vg create --yes' });
  const err = outcomeError(outcomes);
  if (err) throw err;
  return outcomes.find((o) => o.run !== undefined)?.run;
}
