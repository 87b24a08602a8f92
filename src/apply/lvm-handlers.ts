// Engine handlers for LVM objects `disk create` and `vg create` make: LVs (lvcreate),
// PVs (pvcreate) and VGs (vgcreate). Every tool runs with LVM_SUPPRESS_FD_WARNINGS=1.
//
// Rollback removes only what kvmio created, and refuses when it was used since (or when
// no identity was journaled: a crash right after the tool ran). What the journal keeps
// right after creation, and what rollback compares (docs/engine.md); the same uuid lets
// a rerun after a kill adopt its own PV, VG or LV (engine.ts ownedKeys):
// - LV: lv_uuid (a different LV of the same name is not ours), open state (lv_attr "o"),
//   data_percent of a thin volume (grows on first writes), and on-disk signatures
//   (blkid -p on /dev/VG/LV: a guest's partition table or file system). Then
//   `lvremove -y VG/LV`.
// - VG: vg_uuid, lv_count (0: the LVs kvmio made were removed first, newest first; any
//   other LV refuses) and pv_count (vgextend since refuses). Then `vgremove VG` (no -f:
//   LVM itself refuses a VG that holds LVs).
// - PV: pv_uuid, and that it is in no VG. Then `pvremove DEVICE`.
import { existsSync } from 'node:fs';
import { exec } from '../exec.js';
import { parseBlkidExport } from '../facts/parse-signatures.js';
import { isOpen, parseLvs, parsePvs, parseVgIdentity } from '../facts/parse-lvm.js';
import type { LvCreate, PvCreate, VgCreate } from '../model/action.js';
import { argvText } from '../render/argv-text.js';
import type { ActionHandler } from './action-handler.js';

/** LVM warns about inherited descriptors otherwise (lvm.conf(5), LVM_SUPPRESS_FD_WARNINGS). */
const LVM_ENV: Readonly<Record<string, string>> = { LVM_SUPPRESS_FD_WARNINGS: '1' };
const tail = (s: string): string => s.trim().split('\n').slice(-2).join(' | ');

async function run(argv: readonly string[]): Promise<void> {
  const r = await exec(argv, { env: LVM_ENV, timeoutMs: 10 * 60_000 });
  if (r.code !== 0) throw new Error(`${argvText(argv)}: exit ${r.code}: ${tail(r.stderr)}`);
}

/** Runs an LVM report; undefined when LVM says the object does not exist (exit 5 "Failed to find"); any other failure throws. */
async function report(argv: readonly string[]): Promise<string | undefined> {
  const r = await exec(argv, { env: LVM_ENV, timeoutMs: 60_000 });
  if (r.code === 0) return r.stdout;
  if (/Failed to find|not found|Cannot process volume group/i.test(r.stderr)) return undefined;
  throw new Error(`${argvText(argv)}: exit ${r.code}: ${tail(r.stderr)}`);
}

// ---- LV ---------------------------------------------------------------------------

export type LvSnapshot =
  | { readonly exists: false }
  | { readonly exists: true; readonly uuid: string; readonly attr: string; readonly sizeBytes: number; readonly dataPercent?: number; readonly signatures: readonly string[] };

async function signaturesOf(dev: string): Promise<string[]> {
  if (!existsSync(dev)) return []; // no device node (no device-mapper): nothing can have written to it
  const r = await exec(['blkid', '-p', '-o', 'export', dev], { timeoutMs: 60_000 });
  if (r.code === 2 && r.stderr.trim() === '') return [];
  if (r.code !== 0) throw new Error(`blkid -p ${dev}: exit ${r.code}: ${tail(r.stderr)}`);
  return parseBlkidExport(r.stdout, dev.replace(/^\/dev\//, '')).map((s) => s.type);
}

export async function snapshotLv(vg: string, lv: string): Promise<LvSnapshot> {
  const out = await report(['lvs', '--reportformat', 'json', '--units', 'b', '--nosuffix', '-o', 'lv_name,vg_name,lv_uuid,lv_attr,lv_size,data_percent', vg]);
  const row = out === undefined ? undefined : parseLvs(out).find((l) => l.name === lv && l.vg === vg);
  if (row === undefined) return { exists: false };
  return { exists: true, uuid: row.uuid ?? '', attr: row.attr, sizeBytes: row.sizeBytes, ...(row.dataPercent !== undefined ? { dataPercent: row.dataPercent } : {}), signatures: await signaturesOf(`/dev/${vg}/${lv}`) };
}

export const lvCreateHandler: ActionHandler<LvCreate, LvSnapshot> = {
  locate: (a) => a,
  key: (a) => `lvm-lv:${a.vg}/${a.lv}`,
  snapshot: (a) => snapshotLv(a.vg, a.lv),
  isDone: (_a, s) => s.exists,
  check: (a, s) => {
    if (a.argv[0] !== 'lvcreate' || !a.argv.includes(a.lv)) return `not an lvcreate of ${a.vg}/${a.lv}: ${argvText(a.argv)}`;
    return s.exists ? `logical volume ${a.vg}/${a.lv} already exists; kvmio never reuses a volume` : undefined;
  },
  describe: (a) => `${a.vg}/${a.lv}: create (${argvText(a.argv)})`,
  apply: (a) => run(a.argv),
  verify: (a, s) => (s.exists ? undefined : `logical volume ${a.vg}/${a.lv} is not there (lvs)`),
  restore: async (a, old) => {
    if (!old.exists && (await snapshotLv(a.vg, a.lv)).exists) await run(['lvremove', '-y', `${a.vg}/${a.lv}`]);
  },
  compare: (old, cur) => (old.exists ? undefined : cur.exists ? 'exists, created by kvmio' : undefined),
  owns: (_a, cur, after) => cur.exists && after.exists && cur.uuid !== '' && cur.uuid === after.uuid,
  describeRestore: (a, old, cur) => (old.exists ? `${a.vg}/${a.lv}: existed before kvmio, left alone\n` : cur.exists ? `${a.vg}/${a.lv}: lvremove -y ${a.vg}/${a.lv} (kvmio created it; unused since)\n` : `${a.vg}/${a.lv}: already absent\n`),
  keepsAfter: true,
  refuseRestore: (a, old, cur, after) => {
    if (old.exists || !cur.exists) return undefined;
    const keep = 'kvmio removes only a volume it created and nobody used; remove it yourself (lvremove) if its data is not needed';
    const why: string[] = [];
    if (isOpen({ name: a.lv, vg: a.vg, attr: cur.attr, sizeBytes: cur.sizeBytes })) why.push(`it is open (lv_attr ${cur.attr})`);
    if (cur.signatures.length > 0) why.push(`it holds ${cur.signatures.join(', ')} signatures (blkid)`);
    if (after === undefined || !after.exists) why.push('its run was killed before kvmio recorded its lv_uuid, so kvmio cannot tell it is its own');
    else {
      if (after.uuid !== cur.uuid) why.push(`lv_uuid ${cur.uuid} is not the ${after.uuid} kvmio created`);
      if (cur.dataPercent !== undefined && (after.dataPercent ?? 0) < cur.dataPercent) why.push(`thin data grew ${after.dataPercent ?? 0}% → ${cur.dataPercent}%`);
    }
    return why.length === 0 ? undefined : `${a.vg}/${a.lv} was used since kvmio created it (${why.join('; ')}); ${keep}`;
  },
};

// ---- PV ---------------------------------------------------------------------------

export type PvSnapshot = { readonly exists: false } | { readonly exists: true; readonly uuid: string; readonly vg: string };

export async function snapshotPv(device: string): Promise<PvSnapshot> {
  const out = await report(['pvs', '--reportformat', 'json', '-o', 'pv_name,vg_name,pv_uuid', device]);
  const row = out === undefined ? undefined : parsePvs(out)[0];
  return row === undefined ? { exists: false } : { exists: true, uuid: row.uuid ?? '', vg: row.vgName };
}

export const pvCreateHandler: ActionHandler<PvCreate, PvSnapshot> = {
  locate: (a) => a,
  key: (a) => `lvm-pv:${a.device}`,
  snapshot: (a) => snapshotPv(a.device),
  isDone: (_a, s) => s.exists,
  check: (a, s) => (s.exists ? `${a.device} is already a physical volume${s.vg ? ` of ${s.vg}` : ''}` : undefined),
  describe: (a) => `${a.device}: ${argvText(['pvcreate', ...(a.wipeSignatures ? ['--yes'] : []), a.device])}`,
  apply: (a) => run(['pvcreate', ...(a.wipeSignatures ? ['--yes'] : []), a.device]),
  verify: (a, s) => (s.exists ? undefined : `${a.device} is not a physical volume (pvs)`),
  restore: async (a, old) => {
    if (!old.exists && (await snapshotPv(a.device)).exists) await run(['pvremove', a.device]);
  },
  compare: (old, cur) => (old.exists ? undefined : cur.exists ? 'a physical volume, made by kvmio' : undefined),
  owns: (_a, cur, after) => cur.exists && after.exists && cur.uuid !== '' && cur.uuid === after.uuid,
  describeRestore: (a, old, cur) => (old.exists ? `${a.device}: was a PV before kvmio, left alone\n` : cur.exists ? `${a.device}: pvremove ${a.device} (kvmio made it a PV)\n` : `${a.device}: not a PV\n`),
  keepsAfter: true,
  refuseRestore: (a, old, cur, after) => {
    if (old.exists || !cur.exists) return undefined;
    const why: string[] = [];
    if (cur.vg !== '') why.push(`it is in volume group ${cur.vg}`);
    if (after === undefined || !after.exists) why.push('its run was killed before kvmio recorded its pv_uuid, so kvmio cannot tell it is its own');
    else if (after.uuid !== cur.uuid) why.push(`pv_uuid ${cur.uuid} is not the ${after.uuid} kvmio created`);
    return why.length === 0 ? undefined : `${a.device} was used since kvmio made it a PV (${why.join('; ')}); kvmio removes only an unused PV it created`;
  },
};

// ---- VG ---------------------------------------------------------------------------

export type VgSnapshot = { readonly exists: false } | { readonly exists: true; readonly uuid: string; readonly lvCount: number; readonly pvCount: number };

export async function snapshotVg(vg: string): Promise<VgSnapshot> {
  const out = await report(['vgs', '--reportformat', 'json', '-o', 'vg_name,vg_uuid,lv_count,pv_count', vg]);
  const row = out === undefined ? undefined : parseVgIdentity(out).find((v) => v.name === vg);
  return row === undefined ? { exists: false } : { exists: true, uuid: row.uuid, lvCount: row.lvCount, pvCount: row.pvCount };
}

export const vgCreateHandler: ActionHandler<VgCreate, VgSnapshot> = {
  locate: (a) => a,
  key: (a) => `lvm-vg:${a.vg}`,
  snapshot: (a) => snapshotVg(a.vg),
  isDone: (_a, s) => s.exists,
  check: (a, s) => (s.exists ? `volume group ${a.vg} already exists` : undefined),
  describe: (a) => `${a.vg}: ${argvText(['vgcreate', a.vg, ...a.devices])}`,
  apply: (a) => run(['vgcreate', a.vg, ...a.devices]),
  verify: (a, s) => (s.exists ? undefined : `volume group ${a.vg} is not there (vgs)`),
  restore: async (a, old) => {
    if (!old.exists && (await snapshotVg(a.vg)).exists) await run(['vgremove', a.vg]);
  },
  compare: (old, cur) => (old.exists ? undefined : cur.exists ? 'exists, created by kvmio' : undefined),
  owns: (_a, cur, after) => cur.exists && after.exists && cur.uuid !== '' && cur.uuid === after.uuid,
  describeRestore: (a, old, cur) => (old.exists ? `${a.vg}: existed before kvmio, left alone\n` : cur.exists ? `${a.vg}: vgremove ${a.vg} (kvmio created it)\n` : `${a.vg}: already absent\n`),
  keepsAfter: true,
  refuseRestore: (a, old, cur, after) => {
    if (old.exists || !cur.exists) return undefined;
    const why: string[] = [];
    if (cur.lvCount > 0) why.push(`it holds ${cur.lvCount} logical volume(s) kvmio did not create or did not remove`);
    if (after === undefined || !after.exists) why.push('its run was killed before kvmio recorded its vg_uuid, so kvmio cannot tell it is its own');
    else {
      if (after.uuid !== cur.uuid) why.push(`vg_uuid ${cur.uuid} is not the ${after.uuid} kvmio created`);
      if (after.pvCount !== cur.pvCount) why.push(`it has ${cur.pvCount} physical volumes, kvmio created it with ${after.pvCount}`);
    }
    return why.length === 0 ? undefined : `volume group ${a.vg} was used since kvmio created it (${why.join('; ')}); kvmio removes only an unused VG it created`;
  },
};
