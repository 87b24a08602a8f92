// One kvmio run at a time per state dir: `lock` is created with O_EXCL and holds the
// owner's PID. A lock whose PID is no longer alive is stale (a killed run) and is taken
// over, as is an empty one or one without a PID older than 2 s (the PID is written right
// after the create). A live PID is refused naming its command line. A lock that is a
// directory, FIFO or symlink is refused, never waited on. `wait` polls instead of refusing.
import { closeSync, constants, fstatSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync, fsyncSync } from 'node:fs';
import { join } from 'node:path';
import { KvmioError } from '../errors.js';
import { checkStateDir } from './state-dir.js';

export interface Lock {
  readonly path: string;
  /** Set when a provably stale lock was taken over: what it was. */
  readonly tookOver?: string;
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

/** The lock file as it stands: its text and age, or why it is not a lock file kvmio writes. */
type Owner = { readonly kind: 'file'; readonly pid?: number; readonly text: string; readonly ageMs: number } | { readonly kind: 'gone' };

function readOwner(path: string): Owner {
  let fd: number;
  try {
    // Never follow a planted symlink, never block on a FIFO.
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { kind: 'gone' }; // vanished meanwhile
    if (code === 'ELOOP') throw notALock(path, 'a symbolic link');
    throw new KvmioError('failed', `cannot read lock ${path}: ${(e as Error).message}; nothing was changed`, { cause: e });
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw notALock(path, st.isDirectory() ? 'a directory' : st.isFIFO() ? 'a FIFO' : 'not a regular file');
    const text = readFileSync(fd, 'utf8').slice(0, 4096);
    const first = text.split('\n')[0] ?? '';
    const pid = Number(first);
    const ageMs = Date.now() - st.mtimeMs;
    return /^\d+$/.test(first) && Number.isSafeInteger(pid) && pid > 0 ? { kind: 'file', pid, text, ageMs } : { kind: 'file', text, ageMs };
  } finally {
    closeSync(fd);
  }
}

const notALock = (path: string, what: string): KvmioError =>
  new KvmioError('refused', `lock ${path} is ${what}; expected the regular file kvmio writes; nothing was changed`, { hint: `remove ${path} if no kvmio run is active` });

/** A live process's command line (/proc/PID/cmdline, NUL-separated: proc(5)), for the refusal. */
function commandLineOf(pid: number): string {
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    // eslint-disable-next-line no-control-regex -- control characters are what is replaced
    return raw.split('\0').filter((w) => w !== '').join(' ').replace(/[\u0000-\u001f\u007f]/g, '?').slice(0, 300) || '(no command line)';
  } catch {
    return '(command line unreadable)';
  }
}

/** An empty lock or one without a PID: kvmio writes the PID right after creating it, so one older than this is stale. */
const NO_PID_STALE_MS = 2000;

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
  checkStateDir(stateDir);
  try {
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw new KvmioError('failed', `cannot create state directory ${stateDir}: ${(e as Error).message}; nothing was changed`, { hint: 'run as root, or pass --state-dir DIR', cause: e });
  }
  checkStateDir(stateDir);
  const path = join(stateDir, 'lock');
  const purpose = opts.purpose ?? 'kvmio';
  const start = Date.now();
  const tookOver: string[] = [];
  for (;;) {
    if (tryCreate(path, purpose)) {
      return { path, ...(tookOver.length > 0 ? { tookOver: tookOver.join('; ') } : {}), release: () => rmSync(path, { force: true }) };
    }
    const owner = readOwner(path);
    if (owner.kind === 'file') {
      // the lock's text is input: control characters (a planted escape sequence) are replaced
      // eslint-disable-next-line no-control-regex -- control characters are what is replaced
      const who = owner.text.split('\n').filter((l) => l !== '').join(', ').replace(/[\u0000-\u001f\u007f]/g, '?').slice(0, 300);
      const stale =
        owner.pid !== undefined
          ? pidAlive(owner.pid) ? undefined : `held by PID ${owner.pid} (${who}), which is no longer running, ${Math.round(owner.ageMs / 1000)} s old`
          : owner.ageMs > NO_PID_STALE_MS ? `${owner.text.trim() === '' ? 'empty' : `without a PID (${JSON.stringify(owner.text.slice(0, 80))})`}, ${Math.round(owner.ageMs / 1000)} s old` : undefined;
      if (stale !== undefined) {
        // Move the stale file aside atomically; only one contender's rename succeeds.
        try {
          renameSync(path, `${path}.stale-${process.pid}`);
          rmSync(`${path}.stale-${process.pid}`, { force: true });
          tookOver.push(`took over stale lock ${path}: ${stale}`);
        } catch {
          /* another run took it over first */
        }
        continue;
      }
      if (owner.pid !== undefined && (!opts.wait || (opts.waitMs !== undefined && Date.now() - start > opts.waitMs))) {
        throw new KvmioError('locked', `${path}: held by another kvmio run (${who}; PID ${owner.pid} runs: ${commandLineOf(owner.pid)}); nothing was changed`, {
          hint: 'wait for it to finish, or pass --wait; a lock left by a dead process is taken over automatically; if that PID is no kvmio run, remove the lock',
        });
      }
    }
    await sleep(POLL_MS);
  }
}
