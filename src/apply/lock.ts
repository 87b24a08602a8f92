// One kvmio run at a time per state dir: `lock` is created with O_EXCL and holds the
// owner's PID. A lock whose PID is no longer alive is stale (a killed run) and is taken
// over. `wait` polls instead of refusing.
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync, fsyncSync } from 'node:fs';
import { join } from 'node:path';
import { KvmioError } from '../errors.js';

export interface Lock {
  readonly path: string;
  release(): void;
}

export interface LockOptions {
  /** Poll until the lock is free instead of refusing. */
  readonly wait?: boolean;
  /** Give up waiting after this many ms (default: forever). */
  readonly waitMs?: number;
  /** What this run is, for the refusal message ("fix --yes"). */
  readonly purpose?: string;
}

const POLL_MS = 200;

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOwner(path: string): { pid?: number; text: string } | undefined {
  try {
    const text = readFileSync(path, 'utf8');
    const pid = Number(text.split('\n')[0]);
    return Number.isSafeInteger(pid) && pid > 0 ? { pid, text } : { text };
  } catch {
    return undefined; // vanished meanwhile
  }
}

function tryCreate(path: string, purpose: string): boolean {
  try {
    const fd = openSync(path, 'wx', 0o644);
    try {
      writeSync(fd, `${process.pid}\n${purpose}\n${new Date().toISOString()}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new KvmioError('failed', `cannot create lock ${path}: ${(e as Error).message}`, { cause: e });
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Takes STATE_DIR/lock, or throws KvmioError('locked') naming the holder. */
export async function acquireLock(stateDir: string, opts: LockOptions = {}): Promise<Lock> {
  try {
    mkdirSync(stateDir, { recursive: true });
  } catch (e) {
    throw new KvmioError('failed', `cannot create state directory ${stateDir}: ${(e as Error).message}; nothing was changed`, { hint: 'run as root, or pass --state-dir DIR', cause: e });
  }
  const path = join(stateDir, 'lock');
  const purpose = opts.purpose ?? 'kvmio';
  const start = Date.now();
  let emptySince: number | undefined;
  for (;;) {
    if (tryCreate(path, purpose)) {
      return { path, release: () => rmSync(path, { force: true }) };
    }
    const owner = readOwner(path);
    if (owner !== undefined) {
      const stale = owner.pid !== undefined ? !pidAlive(owner.pid) : (emptySince ??= Date.now()) < Date.now() - 2000;
      if (stale) {
        // Move the stale file aside atomically; only one contender's rename succeeds.
        try {
          renameSync(path, `${path}.stale-${process.pid}`);
          rmSync(`${path}.stale-${process.pid}`, { force: true });
        } catch {
          /* another run took it over first */
        }
        continue;
      }
      if (!opts.wait || (opts.waitMs !== undefined && Date.now() - start > opts.waitMs)) {
        const who = owner.text.split('\n').filter((l) => l !== '').join(', ');
        throw new KvmioError('locked', `${path}: held by another kvmio run (${who || 'starting'}); nothing was changed`, {
          hint: 'wait for it to finish, or pass --wait; a lock left by a dead process is taken over automatically',
        });
      }
    }
    await sleep(POLL_MS);
  }
}
