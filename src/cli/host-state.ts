// Options shared by fix, verify and rollback: where files go (--root) and where the
// journal and lock live (--state-dir; under --root when only --root is given, since
// --root redirects every file kvmio writes).
import { join, resolve } from 'node:path';
import { virtualFsOf } from '../apply/state-dir.js';
import { usageError } from '../errors.js';

/** Journal + lock: like tuned's /etc/tuned state, but ours is data, so /var/lib (FHS). */
export const DEFAULT_STATE_DIR = '/var/lib/kvmio';

/** The --state-dir flag as commands define it; `holds` says what this command reads or writes there. */
export const STATE_DIR_FLAG = '--state-dir <dir>';
export const stateDirHelp = (holds: string): string => `${holds} (default ${DEFAULT_STATE_DIR})`;

export interface HostStateOptions {
  readonly root?: string;
  readonly stateDir?: string;
}

export function resolveHostState(opts: HostStateOptions, cwd: string): { root: string; stateDir: string } {
  if (opts.root === '') throw usageError('--root: empty; expected a directory');
  if (opts.stateDir === '') throw usageError('--state-dir: empty; expected a directory');
  // normalize: "ROOT/" and "ROOT/./x" name the same root (journal paths compare by prefix)
  const abs = (p: string): string => resolve(cwd, p);
  const root = opts.root === undefined ? '/' : abs(opts.root);
  const stateDir = opts.stateDir !== undefined ? abs(opts.stateDir) : root === '/' ? DEFAULT_STATE_DIR : join(root, DEFAULT_STATE_DIR);
  const v = virtualFsOf(stateDir);
  if (v !== undefined) throw usageError(`--state-dir ${stateDir}: lies in ${v}, a virtual file system; expected a directory on a real file system`);
  const r = root === '/' ? undefined : virtualFsOf(root);
  if (r !== undefined) throw usageError(`--root ${root}: lies in ${r}, a virtual file system; expected a directory to write files under`);
  return { root, stateDir };
}

/** The KVMIO_FAULT_AFTER_STEP test hook (kill -9 self after N durable steps), or undefined. */
export function faultHook(env: Readonly<Record<string, string | undefined>>): number | undefined {
  const v = env.KVMIO_FAULT_AFTER_STEP;
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}
