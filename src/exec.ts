// The one place that starts processes: argv arrays only (never a shell string), a
// timeout, LC_ALL=C, and errors that carry argv, exit code and the tail of stderr.
import { spawn } from 'node:child_process';
import { KvmioError } from './errors.js';

export interface ExecResult {
  readonly argv: readonly string[];
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
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
export function exec(argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
  const [cmd, ...args] = argv;
  if (cmd === undefined) return Promise.reject(new KvmioError('failed', 'exec: empty argv'));
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      env: { ...process.env, ...opts.env, LC_ALL: 'C' },
      stdio: ['pipe', 'pipe', 'pipe'],
      cwd: opts.cwd,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new KvmioError('failed', `${argv.join(' ')}: cannot start (${e.message})`, { cause: e }));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const stderr = Buffer.concat(err).toString('utf8');
      if (timedOut) {
        reject(new KvmioError('failed', `${argv.join(' ')}: timed out after ${opts.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms`));
        return;
      }
      resolve({ argv, code: code ?? (signal ? 128 : 1), stdout: Buffer.concat(out).toString('utf8'), stderr });
    });
    child.stdin.on('error', () => undefined); // the child may exit before reading its input
    child.stdin.end(opts.input ?? '');
  });
}

/** Like exec, but a non-zero exit is an error carrying argv, the code and the tail of stderr. */
export async function execOk(argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
  const r = await exec(argv, opts);
  if (r.code !== 0) throw execFailure(r);
  return r;
}

export function execFailure(r: ExecResult): KvmioError {
  const tail = r.stderr.trim().split('\n').slice(-3).join(' | ');
  return new KvmioError('failed', `${r.argv.join(' ')}: exit ${r.code}${tail ? `: ${tail}` : ''}`);
}

export interface ProcessExit {
  readonly argv: readonly string[];
  /** Exit code, or null when a signal ended the process. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly durationMs: number;
  /** The last few KiB of stderr (a long-running process must not fill memory). */
  readonly stderrTail: string;
}

export interface RunningProcess {
  readonly argv: readonly string[];
  readonly pid: number;
  /** Resolves when the process has exited (never rejects). */
  readonly exited: Promise<ProcessExit>;
  /** Sends a signal to this process only (by PID); false when it had already exited. */
  kill(signal?: NodeJS.Signals): boolean;
}

const STDERR_TAIL_BYTES = 4096;

/**
 * Starts a long-running process (e.g. a QEMU guest) and returns at once with its PID.
 * stdin and stdout are closed/ignored; stderr keeps a tail for error messages. The
 * caller owns the timeout and stops it by PID; rejects only when it cannot start.
 */
export function startProcess(argv: readonly string[], opts: Pick<ExecOptions, 'env' | 'cwd'> = {}): Promise<RunningProcess> {
  const [cmd, ...args] = argv;
  if (cmd === undefined) return Promise.reject(new KvmioError('failed', 'startProcess: empty argv'));
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const child = spawn(cmd, args, { env: { ...process.env, ...opts.env, LC_ALL: 'C' }, stdio: ['ignore', 'ignore', 'pipe'], cwd: opts.cwd });
    let tail = '';
    child.stderr.on('data', (b: Buffer) => {
      tail = (tail + b.toString('utf8')).slice(-STDERR_TAIL_BYTES);
    });
    let running = false;
    const exited = new Promise<ProcessExit>((done) => {
      child.on('close', (code, signal) => done({ argv, code, signal, durationMs: Date.now() - t0, stderrTail: tail }));
    });
    child.on('error', (e) => {
      if (!running) reject(new KvmioError('failed', `${argv.join(' ')}: cannot start (${e.message})`, { cause: e }));
    });
    child.on('spawn', () => {
      running = true;
      const pid = child.pid as number;
      resolve({
        argv, pid, exited,
        kill: (signal = 'SIGTERM') => child.exitCode === null && child.signalCode === null && child.kill(signal),
      });
    });
  });
}
