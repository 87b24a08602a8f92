// Engine handlers for libvirt storage pools and their volumes (model/pool-action.ts),
// registered through the engine's `handlers` option. A pool's state is whether it is
// defined, active and autostarted; a volume's whether it exists. Rollback undoes only
// what kvmio did: pool-destroy/pool-undefine of a pool it defined (and rmdir of the
// empty directory pool-build made), vol-delete of a volume it created; a pool that
// existed before is put back to its old active/autostart state. virsh(1): pool-define,
// pool-build, pool-start, pool-autostart, pool-info, vol-create-as, vol-info, vol-delete.
import { existsSync, readdirSync, rmdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exec } from '../exec.js';
import { libvirtUri } from '../facts/commands.js';
import type { PoolCreate, VolumeCreate } from '../model/pool-action.js';
import { argvText } from '../render/argv-text.js';
import type { ActionHandler, HandlerMap } from './action-handler.js';

const virshArgv = (uri: string | undefined, args: readonly string[]): string[] => ['virsh', '-q', '-c', uri ?? libvirtUri(), ...args];

async function virsh(uri: string | undefined, args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const r = await exec(virshArgv(uri, args), { timeoutMs: 120_000 });
  return { code: r.code, stdout: r.stdout, stderr: r.stderr };
}

async function virshOk(uri: string | undefined, args: readonly string[]): Promise<string> {
  const r = await virsh(uri, args);
  if (r.code !== 0) throw new Error(`${argvText(virshArgv(uri, args))}: exit ${r.code}: ${r.stderr.trim().split('\n').slice(-2).join(' | ')}`);
  return r.stdout;
}

const POOL_NOT_FOUND = /failed to get pool|storage pool not found|no storage pool with matching/i;
const VOL_NOT_FOUND = /failed to get vol|storage volume not found|no storage vol with matching/i;

export type PoolSnapshot =
  | { readonly exists: false; readonly dirExisted?: boolean }
  | { readonly exists: true; readonly active: boolean; readonly autostart: boolean; readonly dirExisted?: boolean };

/** `virsh pool-info`: State running/inactive, Autostart yes/no; absent only on "not found". */
export async function snapshotPool(pool: string, uri: string | undefined, targetDir?: string): Promise<PoolSnapshot> {
  const dirExisted = targetDir === undefined ? undefined : existsSync(targetDir);
  const extra = dirExisted === undefined ? {} : { dirExisted };
  const r = await virsh(uri, ['pool-info', '--', pool]);
  if (r.code !== 0) {
    if (POOL_NOT_FOUND.test(r.stderr)) return { exists: false, ...extra };
    throw new Error(`virsh pool-info ${pool}: exit ${r.code}: ${r.stderr.trim()}`);
  }
  const field = (k: string): string => new RegExp(`^${k}:\\s*(.*)$`, 'm').exec(r.stdout)?.[1]?.trim() ?? '';
  return { exists: true, active: field('State') === 'running', autostart: field('Autostart') === 'yes', ...extra };
}

async function definePool(a: PoolCreate): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'kvmio-pool-'));
  try {
    const file = join(dir, 'pool.xml');
    await writeFile(file, a.xml, { mode: 0o600 });
    await virshOk(a.uri, ['pool-define', file]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const poolState = (s: PoolSnapshot): string => (!s.exists ? 'not defined' : `defined, ${s.active ? 'active' : 'inactive'}, autostart ${s.autostart ? 'on' : 'off'}`);

export const poolCreateHandler: ActionHandler<PoolCreate, PoolSnapshot> = {
  locate: (a) => a,
  key: (a) => `libvirt-pool:${a.uri ?? libvirtUri()}:${a.pool}`,
  snapshot: (a) => snapshotPool(a.pool, a.uri, a.targetDir),
  isDone: (a, s) => s.exists && s.active && (!a.autostart || s.autostart),
  check: () => undefined,
  describe: (a, s) => `pool ${a.pool}: ${poolState(s)} → defined, active${a.autostart ? ', autostart on' : ''}\n`,
  async apply(a) {
    const s = await snapshotPool(a.pool, a.uri);
    if (!s.exists) await definePool(a);
    // pool-build makes a dir pool's directory; it is never run on a logical pool, where it would vgcreate.
    if (a.build && (a.targetDir === undefined || !existsSync(a.targetDir))) await virshOk(a.uri, ['pool-build', '--', a.pool]);
    if (!s.exists || !s.active) await virshOk(a.uri, ['pool-start', '--', a.pool]);
    if (a.autostart && (!s.exists || !s.autostart)) await virshOk(a.uri, ['pool-autostart', '--', a.pool]);
  },
  verify: (a, s) => (!s.exists ? `pool ${a.pool} is not defined` : !s.active ? `pool ${a.pool} is not active` : a.autostart && !s.autostart ? `pool ${a.pool} does not autostart` : undefined),
  async restore(a, old) {
    const cur = await snapshotPool(a.pool, a.uri);
    if (!old.exists) {
      if (cur.exists && cur.active) await virshOk(a.uri, ['pool-destroy', '--', a.pool]);
      if (cur.exists) await virshOk(a.uri, ['pool-undefine', '--', a.pool]);
      // the directory pool-build made, when it is still empty
      if (old.dirExisted === false && a.targetDir !== undefined && existsSync(a.targetDir) && readdirSync(a.targetDir).length === 0) rmdirSync(a.targetDir);
      return;
    }
    if (!cur.exists) throw new Error(`pool ${a.pool} was undefined since; kvmio does not redefine it`);
    if (cur.autostart !== old.autostart) await virshOk(a.uri, ['pool-autostart', ...(old.autostart ? [] : ['--disable']), '--', a.pool]);
    if (cur.active && !old.active) await virshOk(a.uri, ['pool-destroy', '--', a.pool]);
    if (!cur.active && old.active) await virshOk(a.uri, ['pool-start', '--', a.pool]);
  },
  compare: (old, cur) => {
    if (!old.exists) return cur.exists ? 'defined, originally absent' : undefined;
    if (!cur.exists) return 'undefined, originally defined';
    return old.active === cur.active && old.autostart === cur.autostart ? undefined : `${poolState(cur)}, originally ${poolState(old)}`;
  },
  describeRestore: (a, old, cur) => `pool ${a.pool}: ${poolState(cur)} → ${poolState(old)}${!old.exists ? ' (pool-destroy, pool-undefine)' : ''}\n`,
};

export type VolumeSnapshot = { readonly exists: false } | { readonly exists: true; readonly path: string };

export async function snapshotVolume(pool: string, volume: string, uri: string | undefined): Promise<VolumeSnapshot> {
  const r = await virsh(uri, ['vol-path', '--pool', pool, '--', volume]);
  if (r.code !== 0) {
    if (VOL_NOT_FOUND.test(r.stderr) || POOL_NOT_FOUND.test(r.stderr)) return { exists: false };
    throw new Error(`virsh vol-path --pool ${pool} ${volume}: exit ${r.code}: ${r.stderr.trim()}`);
  }
  return { exists: true, path: r.stdout.trim() };
}

export const volumeCreateHandler: ActionHandler<VolumeCreate, VolumeSnapshot> = {
  locate: (a) => a,
  key: (a) => `libvirt-vol:${a.uri ?? libvirtUri()}:${a.pool}/${a.volume}`,
  snapshot: (a) => snapshotVolume(a.pool, a.volume, a.uri),
  isDone: (_a, s) => s.exists,
  check: () => undefined,
  describe: (a) => `volume ${a.pool}/${a.volume}: ${argvText(['virsh', 'vol-create-as', a.pool, a.volume, ...a.args])}\n`,
  apply: async (a) => {
    // refresh first: a volume made outside libvirt since the pool started would collide
    await virshOk(a.uri, ['pool-refresh', '--', a.pool]);
    await virshOk(a.uri, ['vol-create-as', a.pool, a.volume, ...a.args]);
  },
  verify: (a, s) => (s.exists ? undefined : `volume ${a.pool}/${a.volume} does not exist`),
  async restore(a, old) {
    if (old.exists) return;
    if ((await snapshotVolume(a.pool, a.volume, a.uri)).exists) await virshOk(a.uri, ['vol-delete', '--pool', a.pool, '--', a.volume]);
  },
  compare: (old, cur) => (old.exists === cur.exists ? undefined : cur.exists ? 'created, originally absent' : 'deleted, originally present'),
  describeRestore: (a, old, cur) => (!old.exists && cur.exists ? `volume ${a.pool}/${a.volume}: vol-delete (kvmio created it)\n` : `volume ${a.pool}/${a.volume}: unchanged\n`),
};

/** Pass to the engine's `handlers` option. */
export const POOL_HANDLERS: HandlerMap = {
  'libvirt-pool-create': poolCreateHandler as unknown as HandlerMap[string],
  'libvirt-vol-create': volumeCreateHandler as unknown as HandlerMap[string],
};
