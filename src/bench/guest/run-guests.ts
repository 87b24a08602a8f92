// Boots a set of appliance VMs together, each with its own disk and job, waits for each
// to power off or reach its timeout, and collects what each reported. A guest that does
// not finish in time is killed by its PID and recorded as timed out; the others keep
// their results. An abort (SIGINT in the CLI) kills every guest this run started.
// Everything it creates (job, console and result files) lives in one scratch directory
// that is removed before it returns, whatever happened.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { start, stderrTail, type ProcessHandle, type ProcessResult } from '../../exec.js';
import type { Accel, GuestDiskConfig, GuestScheduler, GuestTarget, GuestVmResult, GuestVmStatus } from './guest-types.js';
import { parseGuestResult } from './parse-guest-result.js';
import { renderGuestArgv } from './render-guest-argv.js';
import { sampleAioNr, type AioNrSamples } from './sample-aio-nr.js';
import { ownerTag } from '../scratch-owner.js';

/** Names of the guest tier's scratch: the run directory under the temp directory, VM disks in the store. */
export const GUEST_SCRATCH_PREFIX = 'kvmio-guest-';

export interface GuestVmSpec {
  readonly name: string;
  /** Host path of this VM's disk (the caller creates and removes it). */
  readonly disk: string;
  readonly config: GuestDiskConfig;
  readonly scheduler: GuestScheduler;
  readonly target: GuestTarget;
  readonly job: string;
  /** From QEMU's start to the guest's power-off. */
  readonly timeoutMs: number;
}

export interface RunGuestsOptions {
  readonly kernel: string;
  readonly initrd: string;
  readonly accel: Accel;
  readonly qemu?: string;
  readonly cpus?: number;
  readonly memoryMiB?: number;
  /** Parent of the scratch directory (default the OS temp directory). */
  readonly scratchParent?: string;
  /** Guests wait until this many seconds after the start so that all measure over the same window (0: no wait). */
  readonly startDelayS?: number;
  readonly signal?: AbortSignal;
  /** Called once each QEMU runs (tests use the PIDs). */
  readonly onStart?: (name: string, pid: number) => void;
}

export interface GuestRun {
  readonly vms: readonly GuestVmResult[];
  readonly aioNr: AioNrSamples;
  /** The window every successful guest measured over, from the guests' own clocks (seconds). */
  readonly window: { readonly startEpochS: number; readonly endEpochS: number } | undefined;
  readonly interrupted: boolean;
}

const KILL_GRACE_MS = 2000;
const CONSOLE_TAIL_LINES = 15;

const readText = (path: string): string => (existsSync(path) ? readFileSync(path, 'utf8') : '');
const tailLines = (text: string, n: number): string => text.replace(/\r/g, '').trimEnd().split('\n').slice(-n).join('\n');

/** SIGTERM (QEMU exits cleanly), then SIGKILL after a grace period; resolves once it has exited. */
const stop = (p: ProcessHandle): Promise<ProcessResult | undefined> => p.stop('SIGTERM', KILL_GRACE_MS).catch(() => undefined);

export async function runGuests(specs: readonly GuestVmSpec[], opts: RunGuestsOptions): Promise<GuestRun> {
  const scratch = mkdtempSync(join(opts.scratchParent ?? tmpdir(), `${GUEST_SCRATCH_PREFIX}${ownerTag()}-`));
  const running = new Map<string, ProcessHandle>();
  const sampler = sampleAioNr();
  let aioNr: AioNrSamples | undefined;
  try {
    const startAt = opts.startDelayS ? Math.ceil(Date.now() / 1000) + opts.startDelayS : undefined;
    const outcome = new Map<string, GuestVmStatus>();
    const files = specs.map((s, i) => {
      const base = join(scratch, `vm${i}`);
      const f = { job: `${base}.fio`, console: `${base}.console`, result: `${base}.result` };
      writeFileSync(f.job, s.job);
      return f;
    });
    const onAbort = (): void => {
      for (const [name, p] of running) {
        if (!outcome.has(name)) outcome.set(name, 'interrupted');
        void stop(p);
      }
    };
    if (opts.signal?.aborted) onAbort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });

    const runOne = async (spec: GuestVmSpec, i: number): Promise<GuestVmResult> => {
      const f = files[i] as { job: string; console: string; result: string };
      const argv = renderGuestArgv({
        qemu: opts.qemu ?? 'qemu-system-x86_64', accel: opts.accel, kernel: opts.kernel, initrd: opts.initrd,
        disk: spec.disk, config: spec.config, scheduler: spec.scheduler, target: spec.target,
        jobFile: f.job, consoleFile: f.console, resultFile: f.result,
        cpus: opts.cpus ?? 2, memoryMiB: opts.memoryMiB ?? 512, ...(startAt === undefined ? {} : { startAtEpochS: startAt }),
      });
      const t0 = Date.now();
      if (opts.signal?.aborted) return { name: spec.name, status: 'interrupted', reason: 'interrupted before start', facts: {}, wallMs: 0, pid: undefined };
      // Its own process group: stop() reaches QEMU and anything it forked.
      // dieWithParent: a SIGKILLed kvmio takes its VMs with it.
      const p = start(argv, { maxBufferBytes: 64 * 1024, dieWithParent: true });
      if (p.pid === undefined) {
        const why = await p.result.then(() => 'did not start', (e: unknown) => (e as Error).message);
        return { name: spec.name, status: 'failed', reason: why, facts: {}, wallMs: Date.now() - t0, pid: undefined };
      }
      const pid = p.pid;
      running.set(spec.name, p);
      if (opts.signal?.aborted) onAbort();
      opts.onStart?.(spec.name, pid);
      const timer = setTimeout(() => {
        if (!outcome.has(spec.name)) outcome.set(spec.name, 'timeout');
        void stop(p);
      }, spec.timeoutMs);
      const exit = await p.result.catch((e: unknown) => ({ code: 1, signal: null, stderr: (e as Error).message }));
      clearTimeout(timer);
      running.delete(spec.name);
      const wallMs = Date.now() - t0;
      const report = parseGuestResult(readText(f.result));
      const forced = outcome.get(spec.name);
      const consoleTail = tailLines(readText(f.console), CONSOLE_TAIL_LINES);
      const base = { name: spec.name, wallMs, pid };
      if (forced === 'timeout' || forced === 'interrupted') {
        const reason = forced === 'timeout' ? `no result within ${spec.timeoutMs} ms; killed (pid ${pid})` : `interrupted; killed (pid ${pid})`;
        return { ...base, status: forced, reason, facts: report?.facts ?? {}, consoleTail };
      }
      if (report?.kind === 'ok') return { ...base, status: 'ok', fio: report.fio, facts: report.facts };
      const why = report?.kind === 'error'
        ? report.reason
        : `QEMU exited ${exit.code ?? exit.signal ?? '?'} without a complete result${exit.stderr.trim() ? `: ${stderrTail(exit.stderr, 2)}` : ''}`;
      return { ...base, status: 'failed', reason: why, facts: report?.facts ?? {}, consoleTail };
    };

    const vms = await Promise.all(specs.map((s, i) => runOne(s, i)));
    opts.signal?.removeEventListener('abort', onAbort);
    aioNr = sampler.stop();
    const ok = vms.filter((v) => v.status === 'ok' && v.facts.startEpochS !== undefined && v.facts.endEpochS !== undefined);
    const window = ok.length === 0 ? undefined : {
      startEpochS: Math.max(...ok.map((v) => v.facts.startEpochS as number)),
      endEpochS: Math.min(...ok.map((v) => v.facts.endEpochS as number)),
    };
    return { vms, aioNr, window, interrupted: opts.signal?.aborted ?? false };
  } finally {
    // Whatever threw: no guest outlives the run, no scratch file stays.
    await Promise.all([...running.values()].map((p) => stop(p)));
    aioNr ??= sampler.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}
