// The one place that starts processes: argv arrays only (never a shell string), a
// timeout, LC_ALL=C, and results that carry argv, exit code, signal, whether it timed
// out, the duration and the tail of stderr (the shape of execa's lib/return/result.js).
//
// Two ways in:
// - exec/execOk: run to completion and collect output (short tools: lsblk, qemu-img info).
// - start: a long-running process (a benchmark, qemu-storage-daemon) in its own process
//   group, with streaming output and a handle that stops it and everything it started.
//   Every live handle is registered so a SIGINT/SIGTERM handler can stop them all
//   (stopAllProcesses) and nothing is left behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { KvmioError } from './errors.js';

export interface ExecResult {
  readonly argv: readonly string[];
  /** Exit code; 128 + n is not computed: a signalled process has code 128 and `signal` set. */
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** The signal that ended it ("SIGKILL"), or null. */
  readonly signal?: NodeJS.Signals | null;
  readonly timedOut?: boolean;
  readonly durationMs?: number;
}

export interface ExecOptions {
  /** Kill the process after this many milliseconds (default 60 s). */
  readonly timeoutMs?: number;
  /** Written to stdin, then stdin is closed. */
  readonly input?: string;
  /** Extra environment; LC_ALL=C is always set. */
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
}

const DEFAULT_TIMEOUT_MS = 60_000;

/** Runs argv and resolves with its result whatever the exit code; rejects only when it cannot start or times out. */
export async function exec(argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
  const r = await start(argv, { ...opts, processGroup: false, timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS }).result;
  if (r.timedOut) throw new KvmioError('failed', `${argv.join(' ')}: timed out after ${opts.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms`);
  return r;
}

/** Like exec, but a non-zero exit is an error carrying argv, the code and the tail of stderr. */
export async function execOk(argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
  const r = await exec(argv, opts);
  if (r.code !== 0) throw execFailure(r);
  return r;
}

/** The last `lines` non-empty lines of stderr, joined with " | " (for one-line messages). */
export const stderrTail = (stderr: string, lines = 3): string => stderr.trim().split('\n').filter((l) => l.trim() !== '').slice(-lines).join(' | ');

/** One message for every failed process: argv, how it ended, the tail of stderr. */
export function execFailure(r: ExecResult): KvmioError {
  const tail = stderrTail(r.stderr);
  const how = r.timedOut ? `timed out after ${r.durationMs ?? '?'} ms` : r.signal ? `killed by ${r.signal}` : `exit ${r.code}`;
  return new KvmioError('failed', `${r.argv.join(' ')}: ${how}${tail ? `: ${tail}` : ''}`);
}

export interface ProcessResult extends ExecResult {
  readonly signal: NodeJS.Signals | null;
  readonly timedOut: boolean;
  readonly durationMs: number;
  /** Stopped through the handle (stop/stopAllProcesses), not by itself. */
  readonly stopped: boolean;
}

export interface StartOptions extends ExecOptions {
  /** Called with each chunk of output as it arrives (progress, readiness lines). */
  readonly onStdout?: (chunk: string) => void;
  readonly onStderr?: (chunk: string) => void;
  /**
   * Start it as the leader of a new process group (default true) so stop() reaches
   * what it forks too (fio's job processes). exec() uses false: short tools stay in ours.
   */
  readonly processGroup?: boolean;
  /** Keep at most this many bytes of each stream (default 16 MiB); older output is dropped. */
  readonly maxBufferBytes?: number;
  /** Leave stdin open as a pipe (default: write `input` and close it). */
  readonly keepStdin?: boolean;
  /**
   * The kernel kills it (SIGKILL) when kvmio dies, even by SIGKILL, when no handler can
   * run: started through DIE_WITH_PARENT. For daemons, benchmarks and VMs that would
   * otherwise outlive it. Its own children are not covered: run tools that fork (fio)
   * with their jobs as threads.
   */
  readonly dieWithParent?: boolean;
}

/**
 * util-linux setpriv sets PR_SET_PDEATHSIG, then execs the command: "the signal that the
 * calling process will get when its parent dies", kept across execve(2) except for
 * set-user-ID/set-group-ID binaries (prctl(2)). The parent is the thread that forked it,
 * Node's main thread (libuv spawns from the loop thread), which lives as long as kvmio.
 */
export const DIE_WITH_PARENT: readonly string[] = ['setpriv', '--pdeathsig', 'KILL', '--'];

export interface ProcessHandle {
  readonly argv: readonly string[];
  readonly pid: number | undefined;
  /** Settles when the process has exited (never rejects once started; start errors reject). */
  readonly result: Promise<ProcessResult>;
  /** Signals the process (its group when it leads one), then SIGKILL after graceMs; resolves with the result. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<ProcessResult>;
  /** Still running. */
  readonly running: boolean;
}

const live = new Set<ProcessHandle>();

/** Handles of processes started by `start` that have not exited. */
export const liveProcesses = (): readonly ProcessHandle[] => [...live];

/** Stops every live process (SIGTERM, then SIGKILL after graceMs). For signal handlers and cleanup. */
export async function stopAllProcesses(graceMs = 2000): Promise<void> {
  await Promise.all([...live].map((h) => h.stop('SIGTERM', graceMs)));
}

/** Starts argv; see ProcessHandle. */
export function start(argv: readonly string[], opts: StartOptions = {}): ProcessHandle {
  // The handle and the result keep the command's own argv; only the spawn goes through setpriv.
  const [cmd, ...args] = opts.dieWithParent && argv.length > 0 ? [...DIE_WITH_PARENT, ...argv] : argv;
  const group = opts.processGroup ?? true;
  if (cmd === undefined) {
    const result = Promise.reject(new KvmioError('failed', 'exec: empty argv'));
    return { argv, pid: undefined, result, stop: () => result, running: false };
  }
  const began = Date.now();
  const child: ChildProcess = spawn(cmd, args, {
    env: { ...process.env, ...opts.env, LC_ALL: 'C' },
    stdio: ['pipe', 'pipe', 'pipe'],
    cwd: opts.cwd,
    detached: group,
  });
  const max = opts.maxBufferBytes ?? 16 * 1024 ** 2;
  const out = new Capped(max);
  const err = new Capped(max);
  let timedOut = false;
  let stopped = false;
  let exited = false;

  const kill = (signal: NodeJS.Signals): void => {
    if (exited || child.pid === undefined) return;
    try {
      // A negative pid signals the whole process group (kill(2)).
      if (group) process.kill(-child.pid, signal);
      else child.kill(signal);
    } catch {
      // ESRCH: it is already gone.
    }
  };

  const timer = opts.timeoutMs === undefined ? undefined : setTimeout(() => {
    timedOut = true;
    kill('SIGKILL');
  }, opts.timeoutMs);

  const result = new Promise<ProcessResult>((resolve, reject) => {
    child.stdout?.on('data', (b: Buffer) => {
      out.push(b);
      opts.onStdout?.(b.toString('utf8'));
    });
    child.stderr?.on('data', (b: Buffer) => {
      err.push(b);
      opts.onStderr?.(b.toString('utf8'));
    });
    child.on('error', (e) => {
      exited = true;
      if (timer) clearTimeout(timer);
      live.delete(handle);
      reject(new KvmioError('failed', `${argv.join(' ')}: cannot start (${e.message})`, { cause: e }));
    });
    child.on('close', (code, signal) => {
      exited = true;
      if (timer) clearTimeout(timer);
      live.delete(handle);
      // The leader is gone; make sure nothing it forked outlives it in our group.
      if (group && child.pid !== undefined && (stopped || timedOut)) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // ESRCH: the group is empty.
        }
      }
      resolve({
        argv,
        code: code ?? (signal ? 128 : 1),
        stdout: out.text(),
        stderr: err.text(),
        signal: signal ?? null,
        timedOut,
        durationMs: Date.now() - began,
        stopped,
      });
    });
  });
  child.stdin?.on('error', () => undefined); // the child may exit before reading its input
  if (!opts.keepStdin) child.stdin?.end(opts.input ?? '');
  else if (opts.input !== undefined) child.stdin?.write(opts.input);

  const handle: ProcessHandle = {
    argv,
    pid: child.pid,
    result,
    get running() {
      return !exited;
    },
    async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 2000) {
      if (!exited) {
        stopped = true;
        kill(signal);
        const t = setTimeout(() => kill('SIGKILL'), graceMs);
        try {
          return await result;
        } finally {
          clearTimeout(t);
        }
      }
      return result;
    },
  };
  if (child.pid !== undefined) live.add(handle);
  return handle;
}

/** A byte buffer that keeps the last `max` bytes. */
class Capped {
  private chunks: Buffer[] = [];
  private size = 0;
  constructor(private readonly max: number) {}
  push(b: Buffer): void {
    this.chunks.push(b);
    this.size += b.length;
    while (this.size > this.max && this.chunks.length > 1) this.size -= (this.chunks.shift() as Buffer).length;
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}
