// Starts real QEMU paused (-S, TCG, no defaults) with rendered disk arguments, talks
// QMP over a unix socket, and reads the aio mode from the process (FACTS.md: QEMU 7.2's
// QMP shows cache.direct but not aio): native maps an [aio] ring, io_uring holds an
// anon_inode:[io_uring] fd, threads neither. Killed by PID in stop().
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { join } from 'node:path';

export interface Qmp {
  execute(command: string, args?: Record<string, unknown>): Promise<unknown>;
  close(): void;
}

async function connectQmp(path: string): Promise<Qmp> {
  const sock: Socket = await new Promise((resolve, reject) => {
    const s = createConnection(path);
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
  let buf = '';
  const waiting: { resolve: (msg: Record<string, unknown>) => void; reject: (e: Error) => void }[] = [];
  // QEMU listens before it opens the drives: if it then exits, fail the waiters.
  sock.on('close', () => waiting.splice(0).forEach((w) => w.reject(new Error('QMP connection closed'))));
  sock.on('error', () => undefined);
  sock.on('data', (d: Buffer) => {
    buf += d.toString('utf8');
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i).trim();
      buf = buf.slice(i + 1);
      if (!line) continue;
      const msg = JSON.parse(line) as Record<string, unknown>;
      if ('event' in msg) continue;
      waiting.shift()?.resolve(msg);
    }
  });
  const next = (): Promise<Record<string, unknown>> =>
    sock.destroyed ? Promise.reject(new Error('QMP connection closed')) : new Promise((resolve, reject) => waiting.push({ resolve, reject }));
  await next(); // greeting
  const execute = async (command: string, args?: Record<string, unknown>): Promise<unknown> => {
    const reply = next();
    sock.write(`${JSON.stringify(args ? { execute: command, arguments: args } : { execute: command })}\n`);
    const r = await reply;
    if ('error' in r) throw new Error(`QMP ${command}: ${JSON.stringify(r.error)}`);
    return r.return;
  };
  await execute('qmp_capabilities');
  return { execute, close: () => sock.destroy() };
}

export interface PausedQemu {
  readonly pid: number;
  readonly qmp: Qmp;
  stop(): Promise<void>;
}

export interface QemuExit {
  readonly code: number | null;
  readonly stderr: string;
}

/** Starts QEMU paused; resolves when QMP answers, or rejects with QEMU's stderr if it exits first. */
export async function startPausedQemu(diskArgs: readonly string[], dir: string, name: string): Promise<PausedQemu> {
  const sockPath = join(dir, `${name}.qmp`);
  const child: ChildProcess = spawn(
    'qemu-system-x86_64',
    ['-S', '-accel', 'tcg', '-nodefaults', '-display', 'none', '-m', '64', '-qmp', `unix:${sockPath},server=on,wait=off`, ...diskArgs],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const exited = new Promise<QemuExit>((resolve) => child.once('exit', (code) => resolve({ code, stderr })));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
    await exited;
  };
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      const e = await exited;
      throw new QemuFailed(e.code, e.stderr.trim());
    }
    try {
      const qmp = await connectQmp(sockPath);
      return { pid: child.pid as number, qmp, stop: async () => (qmp.close(), stop()) };
    } catch {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`QEMU did not answer QMP within 20 s: ${stderr.trim()}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

export class QemuFailed extends Error {
  constructor(readonly code: number | null, readonly stderr: string) {
    super(`QEMU exited ${code}: ${stderr}`);
  }
}

export type AioSeen = 'native' | 'io_uring' | 'threads';

/** What aio modes the process shows: an [aio] ring mapping and/or io_uring fds. */
export function aioOfProcess(pid: number): { readonly aioRings: number; readonly ioUrings: number } {
  const aioRings = readFileSync(`/proc/${pid}/maps`, 'utf8').split('\n').filter((l) => l.includes('[aio]')).length;
  let ioUrings = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`) === 'anon_inode:[io_uring]') ioUrings++;
    } catch {
      // the fd closed meanwhile
    }
  }
  return { aioRings, ioUrings };
}

/** query-block: each device's node, and whether it was opened with O_DIRECT. */
export interface BlockSeen {
  readonly device: string;
  readonly file: string;
  readonly direct: boolean;
  readonly noFlush: boolean;
  readonly writeback: boolean;
  readonly readOnly: boolean;
  readonly detectZeroes: string;
}

export async function queryBlock(qmp: Qmp): Promise<BlockSeen[]> {
  const r = (await qmp.execute('query-block')) as { device: string; inserted?: { file: string; ro: boolean; detect_zeroes: string; cache: { direct: boolean; 'no-flush': boolean; writeback: boolean } } }[];
  return r
    .filter((b) => b.inserted)
    .map((b) => {
      const i = b.inserted as NonNullable<typeof b.inserted>;
      return { device: b.device, file: i.file, direct: i.cache.direct, noFlush: i.cache['no-flush'], writeback: i.cache.writeback, readOnly: i.ro, detectZeroes: i.detect_zeroes };
    });
}
