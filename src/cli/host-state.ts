// Options shared by fix, verify and rollback: where files go (--root) and where the
// journal and lock live (--state-dir; under --root when only --root is given, since
// --root redirects every file kvmio writes).
import { join } from 'node:path';
import { usageError } from '../errors.js';

/** Journal + lock: like tuned's /etc/tuned state, but ours is data, so /var/lib (FHS). */
export const DEFAULT_STATE_DIR = '/var/lib/kvmio';

export interface HostStateOptions {
  readonly root?: string;
  readonly stateDir?: string;
}

export function resolveHostState(opts: HostStateOptions, cwd: string): { root: string; stateDir: string } {
  const abs = (p: string): string => (p.startsWith('/') ? p : join(cwd, p));
  const root = opts.root === undefined ? '/' : abs(opts.root);
  if (root === '') throw usageError('--root: empty; expected a directory');
  const stateDir = opts.stateDir !== undefined ? abs(opts.stateDir) : root === '/' ? DEFAULT_STATE_DIR : join(root, DEFAULT_STATE_DIR);
  return { root, stateDir };
}

/** The KVMIO_FAULT_AFTER_STEP test hook (kill -9 self after N durable steps), or undefined. */
export function faultHook(env: Readonly<Record<string, string | undefined>>): number | undefined {
  const v = env.KVMIO_FAULT_AFTER_STEP;
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}
