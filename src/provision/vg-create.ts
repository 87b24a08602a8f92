// `kvmio vg create VG DEVICE…`: PVs and a VG (and a Proxmox-sized thin pool) on devices
// that pass every guard. pvcreate is the destructive step: nothing runs unless all pass.
import { promises as fs } from 'node:fs';
import { exec } from '../exec.js';
import { usageError } from '../errors.js';
import { LocalSource } from '../facts/local-source.js';
import { formatSize, type Size } from '../size.js';
import { checkDeviceGuards, refusalError, refuseBy, type GuardTrip } from './guards.js';
import { checkLvmName, defaultThinData, DM_MISSING_NOTE, hasDeviceMapper, LVM_ENV, LVM_EXTENT_BYTES, planVgCreate, thinMetadataSize } from './lvm-plan.js';
import { parseVgsJson } from './parse-block.js';
import { probeDevice } from './probe-device.js';
import { applySteps, type Step } from './steps.js';

export interface VgCreateRequest {
  readonly vg: string;
  readonly devices: readonly string[];
  readonly thinPool?: string;
  readonly thinSize?: Size;
  readonly force: boolean;
}

export interface VgCreatePlan {
  readonly steps: readonly Step[];
  readonly overridden: readonly GuardTrip[];
  readonly thin?: { readonly name: string; readonly data: Size; readonly metadata: Size };
  readonly notes: readonly string[];
}

export async function prepareVgCreate(req: VgCreateRequest): Promise<VgCreatePlan> {
  checkLvmName('VG', req.vg);
  const twice = req.devices.find((d, i) => req.devices.indexOf(d) !== i);
  if (twice !== undefined) throw usageError(`DEVICE: "${twice}" is named twice; expected each device once`);
  if (req.thinPool !== undefined) checkLvmName('--thin-pool', req.thinPool);
  const vgs = await exec(['vgs', '--reportformat', 'json', '--units', 'b', '--nosuffix', '-o', 'vg_name,vg_size,vg_free,vg_extent_size'], { env: LVM_ENV }).catch(() => undefined);
  if (vgs && vgs.code === 0 && parseVgsJson(vgs.stdout).some((v) => v.name === req.vg)) {
    throw refuseBy('vg-exists', req.vg, `volume group ${req.vg} already exists (vgs)`, 'pick another name, or add devices with vgextend');
  }
  const src = new LocalSource();
  const trips: GuardTrip[] = [];
  const overridden: GuardTrip[] = [];
  const sizes: number[] = [];
  for (const d of req.devices) {
    const facts = await probeDevice(src, d);
    const v = checkDeviceGuards(facts, { force: req.force });
    trips.push(...v.trips);
    overridden.push(...v.overridden);
    const sectors = facts.name ? await fs.readFile(`/sys/class/block/${facts.name}/size`, 'utf8').catch(() => '0') : '0';
    sizes.push(Number(sectors.trim()) * 512);
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
    if (!hasDeviceMapper(await fs.readFile('/proc/misc', 'utf8').catch(() => ''))) notes.push(DM_MISSING_NOTE);
    if (req.thinSize === undefined) notes.push(`thin pool data ${formatSize(data)}: all the space left after the pool metadata and its spare`);
  }
  const steps = planVgCreate({ vg: req.vg, devices: req.devices, wipeSignatures: overridden.length > 0, ...(thin ? { thinPool: { name: thin.name, data: thin.data } } : {}) });
  return { steps, overridden, ...(thin ? { thin } : {}), notes };
}

export const applyVgCreate = (plan: VgCreatePlan): Promise<unknown> => applySteps(plan.steps, LVM_ENV);
