// Options shared by fix, verify and rollback: where files go (--root) and where the
// journal and lock live (--state-dir; under --root when only --root is given, since
// --root redirects every file kvmio writes).
import { join, resolve } from 'node:path';
import { virtualFsOf } from '../apply/state-dir.js';
import { usageError } from '../errors.js';

/** Journal + lock: like tuned's /etc/tuned state, but ours is data, so /var/lib (FHS). */
export const DEFAULT_STATE_DIR = '/var/lib/kvmio';

/**
 * The state dir when no flag names one: KVMIO_STATE_DIR (root's environment, trusted like
 * the flags; the test runner sets it so no test can reach the host's journal), else
 * DEFAULT_STATE_DIR. Empty counts as unset: an empty value never means "here".
 */
export function defaultStateDir(env: Readonly<Record<string, string | undefined>>, cwd: string): string {
  const v = env.KVMIO_STATE_DIR;
  return v === undefined || v === '' ? DEFAULT_STATE_DIR : resolve(cwd, v);
}

/** Where a command runs: its working directory and environment (the CLI's Ctx). */
export interface Where {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}

export interface HostStateOptions {
  readonly root?: string;
  readonly stateDir?: string;
}

export function resolveHostState(opts: HostStateOptions, where: Where): { root: string; stateDir: string } {
  const { cwd } = where;
  if (opts.root === '') throw usageError('--root: empty; expected a directory');
  if (opts.stateDir === '') throw usageError('--state-dir: empty; expected a directory');
  // normalize: "ROOT/" and "ROOT/./x" name the same root (journal paths compare by prefix)
  const abs = (p: string): string => resolve(cwd, p);
  const root = opts.root === undefined ? '/' : abs(opts.root);
  const stateDir = opts.stateDir !== undefined ? abs(opts.stateDir) : root === '/' ? defaultStateDir(where.env, cwd) : join(root, DEFAULT_STATE_DIR);
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
