// The engine handler for Proxmox config changes (engine.ts: handlers per action kind):
// one `qm set VMID --KEY VALUE …` per VM. The journal keeps the values of those keys
// before the change, read with `qm config VMID`; rollback sets them back with `qm set`
// (and `--delete` for keys that were absent). Proxmox validates and writes the config
// itself (under its own lock), so kvmio never edits /etc/pve by hand.
import type { ActionBase } from '../model/action.js';
import { exec, execFailure } from '../exec.js';
import { KvmioError } from '../errors.js';
import { parseDrive, type DriveString } from '../proxmox/parse-drive.js';
import { parseVmConfig } from '../proxmox/parse-vm-config.js';
import { displayArgv, qmSetArgv } from '../proxmox/plan-qm-set.js';
import type { ActionHandler } from './action-handler.js';

export interface ProxmoxSetAction extends ActionBase {
  readonly kind: 'proxmox-set';
  readonly vmid: number;
  /** Config keys and their complete new values, in `qm set` order ("scsihw" before drives). */
  readonly set: readonly (readonly [string, string])[];
}

export type ProxmoxSnapshot =
  | { readonly exists: false; readonly error: string }
  | { readonly exists: true; /** key → value, null when the key is absent */ readonly values: Readonly<Record<string, string | null>> };

// `qm config` prints the config with pending changes applied: what the next start uses,
// which is what `qm set` on a running VM changes.
async function readKeys(vmid: number, keys: readonly string[]): Promise<ProxmoxSnapshot> {
  let r;
  try {
    r = await exec(['qm', 'config', String(vmid)]);
  } catch (e) {
    return { exists: false, error: e instanceof Error ? e.message : String(e) };
  }
  if (r.code !== 0) return { exists: false, error: execFailure(r).message };
  const conf = parseVmConfig(r.stdout).current.values;
  return { exists: true, values: Object.fromEntries(keys.map((k) => [k, conf.get(k) ?? null])) };
}

/** Drive strings compare by volume and option set: Proxmox re-prints them in its own order. */
const driveOf = (v: string): DriveString | undefined => {
  const d = parseDrive(v);
  return d.ok ? d.value : undefined;
};
export function sameValue(a: string | null, b: string | null): boolean {
  if (a === null || b === null) return a === b;
  if (a === b) return true;
  const da = driveOf(a);
  const db = driveOf(b);
  if (!da || !db || da.file !== db.file || da.options.length !== db.options.length) return false;
  const mb = new Map(db.options);
  return da.options.every(([k, v]) => mb.get(k) === v);
}

const differences = (want: Readonly<Record<string, string | null>>, have: Readonly<Record<string, string | null>>): string[] =>
  Object.entries(want)
    .filter(([k, v]) => !sameValue(v, have[k] ?? null))
    .map(([k, v]) => `${k} is ${have[k] === null || have[k] === undefined ? '(absent)' : JSON.stringify(have[k])}, expected ${v === null ? '(absent)' : JSON.stringify(v)}`);

async function qm(argv: string[]): Promise<void> {
  const r = await exec(argv);
  if (r.code !== 0) throw new KvmioError('failed', execFailure(r).message, { hint: 'Proxmox refused the change; the config is as before' });
}

const keysOf = (a: ProxmoxSetAction): string[] => a.set.map(([k]) => k);
const wanted = (a: ProxmoxSetAction): Record<string, string> => Object.fromEntries(a.set);

export const proxmoxHandler: ActionHandler<ProxmoxSetAction, ProxmoxSnapshot> = {
  locate: (a) => a,
  key: (a) => `proxmox:${a.vmid}:${keysOf(a).join(',')}`,
  snapshot: (a) => readKeys(a.vmid, keysOf(a)),
  isDone: (a, s) => s.exists && differences(wanted(a), s.values).length === 0,
  check: (a, s) => (s.exists ? undefined : `VM ${a.vmid}: cannot read its config: ${s.error}`),
  describe: (a, s) =>
    [
      ...a.set.map(([k, v]) => `VM ${a.vmid} ${k}: ${s.exists && s.values[k] !== null ? s.values[k] : '(absent)'} → ${v}`),
      `  ${displayArgv(qmSetArgv(a.vmid, a.set))}`,
    ].join('\n'),
  apply: (a) => qm(qmSetArgv(a.vmid, a.set)),
  verify: (a, s) => (!s.exists ? `VM ${a.vmid} is gone: ${s.error}` : differences(wanted(a), s.values).join('; ') || undefined),
  restore: async (a, old) => {
    if (!old.exists) return;
    const back = Object.entries(old.values).filter((e): e is [string, string] => e[1] !== null);
    const gone = Object.entries(old.values).filter(([, v]) => v === null).map(([k]) => k);
    await qm([...qmSetArgv(a.vmid, back), ...(gone.length > 0 ? ['--delete', gone.join(',')] : [])]);
  },
  compare: (old, cur) => {
    if (!old.exists) return undefined;
    if (!cur.exists) return `the VM is gone: ${cur.error}`;
    return differences(old.values, cur.values).join('; ') || undefined;
  },
  describeRestore: (a, old, cur) =>
    old.exists
      ? Object.entries(old.values)
          .map(([k, v]) => `VM ${a.vmid} ${k}: ${cur.exists && cur.values[k] !== null ? cur.values[k] : '(absent)'} → ${v ?? '(absent)'}`)
          .join('\n')
      : `VM ${a.vmid}: nothing was read before the change`,
};

export const PROXMOX_HANDLERS = { 'proxmox-set': proxmoxHandler as ActionHandler };
