// The guest tier of `kvmio bench`: for every point of the matrix, N appliance VMs on the
// same store (each with its own preallocated raw disk) run the same job over the same
// window; each VM becomes one point of the results file, with the bare line (the same job
// on the host) alongside. Disks are created in the store and removed after each point,
// whatever happened.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { execOk } from '../../exec.js';
import type { Appliance } from '../appliance/build-appliance.js';
import type { Figures, PointInput } from '../results-schema.js';
import { summarize } from '../stats.js';
import type { AccelDecision } from './choose-accel.js';
import { TCG_NOTE, type GuestDetails } from './guest-details.js';
import { expandGuestMatrix, guestConfigId, guestPointId, type GuestMatrix } from './guest-matrix.js';
import { configId } from '../anchors.js';
import { figuresFromFio } from '../fio-json.js';
import type { DiskConfiguration } from '../results-schema.js';
import type { GuestPoint, GuestVmResult, GuestWorkload } from './guest-types.js';
import { ownerTag } from '../scratch-owner.js';
import { renderFioJob } from './render-fio-job.js';
import { guestDiskPath } from './render-guest-argv.js';
import { runBareFio } from './run-bare-fio.js';
import { runGuests, type GuestRun } from './run-guests.js';

export interface GuestBenchOptions {
  readonly appliance: Pick<Appliance, 'kernel' | 'initrd' | 'key'>;
  readonly accel: AccelDecision;
  /** The store under test: each VM's disk is a file here. */
  readonly storeDir: string;
  /** Size of each VM's disk (MiB); larger than the job's size so a filesystem fits. */
  readonly diskMiB?: number;
  /** Per-VM timeout (seconds); default scales with the VM count and the runtime. */
  readonly timeoutS?: number;
  /** Measure the bare line (fio on the host, same job); default true. */
  readonly bare?: boolean;
  readonly signal?: AbortSignal;
  readonly scratchParent?: string;
  readonly onStart?: (name: string, pid: number) => void;
  readonly log?: (line: string) => void;
  /** Per-VM job override (tests: a job that never ends for one VM). */
  readonly jobFor?: (point: GuestPoint, vmIndex: number) => string | undefined;
  readonly cpus?: number;
  readonly memoryMiB?: number;
}

export interface GuestBenchResult {
  readonly points: PointInput[];
  readonly notes: string[];
  readonly interrupted: boolean;
}

/** Each VM's disk: the job's size plus room for a filesystem's metadata (XFS needs ≥ 300 MB). */
const diskMiBFor = (sizeMiB: number): number => Math.max(512, sizeMiB + 256);
const MACHINE = 'q35';

/** Seconds each guest waits so that all of a point's VMs start fio together: boots under TCG on a small host take several seconds each. */
export const startDelayFor = (vms: number, accel: AccelDecision['accel']): number => (vms <= 1 ? 0 : accel === 'tcg' ? 6 + 3 * vms : 5);

export const timeoutFor = (p: GuestPoint, accel: AccelDecision['accel']): number =>
  startDelayFor(p.vms, accel) + (accel === 'tcg' ? 60 + 10 * p.vms : 30) + 2 * p.workload.runtimeS + (p.target === 'raw' ? 0 : 30);

/** The host side of a guest point's disk, named as the backend tier names it (raw-falloc-none-native), so guest rows line up with backend rows. */
export function hostConfigOf(p: GuestPoint): Omit<DiskConfiguration, 'id'> {
  return { format: 'raw', preallocation: 'falloc', aio: p.disk.aio, cache: 'none', allocation: 'preallocated' };
}

const workloadOf = (w: GuestWorkload): PointInput['workload'] => {
  const m = /^(\d+)(k|m)$/.exec(w.bs);
  const bytes = m ? Number(m[1]) * (m[2] === 'm' ? 1048576 : 1024) : Number(w.bs);
  return { id: w.name, pattern: w.rw as PointInput['workload']['pattern'], blockSizeBytes: bytes, iodepth: w.iodepth };
};

function thin<T>(xs: readonly T[], max: number): T[] {
  if (xs.length <= max) return [...xs];
  const step = xs.length / max;
  return Array.from({ length: max }, (_, i) => xs[Math.floor(i * step)] as T);
}

async function runPointOnce(p: GuestPoint, tag: string, opts: GuestBenchOptions): Promise<GuestRun> {
  const disks = Array.from({ length: p.vms }, (_, i) => join(opts.storeDir, `kvmio-guest-${tag}-vm${i}.raw`));
  try {
    for (const d of disks) {
      // falloc: allocated, so aio=native does not block on allocation (kubevirt/kubevirt#4077).
      await execOk(['qemu-img', 'create', '-q', '-f', 'raw', '-o', 'preallocation=falloc', d, `${opts.diskMiB ?? diskMiBFor(p.workload.sizeMiB)}M`]);
    }
    const job = renderFioJob(p.workload);
    const timeoutMs = (opts.timeoutS ?? timeoutFor(p, opts.accel.accel)) * 1000;
    return await runGuests(disks.map((disk, i) => ({
      name: `vm${i}`, disk, config: p.disk, scheduler: p.scheduler, target: p.target, job: opts.jobFor?.(p, i) ?? job, timeoutMs,
    })), {
      kernel: opts.appliance.kernel, initrd: opts.appliance.initrd, accel: opts.accel.accel, startDelayS: startDelayFor(p.vms, opts.accel.accel),
      ...(opts.signal ? { signal: opts.signal } : {}), ...(opts.scratchParent ? { scratchParent: opts.scratchParent } : {}),
      ...(opts.onStart ? { onStart: opts.onStart } : {}), ...(opts.cpus ? { cpus: opts.cpus } : {}), ...(opts.memoryMiB ? { memoryMiB: opts.memoryMiB } : {}),
    });
  } finally {
    for (const d of disks) rmSync(d, { force: true });
  }
}

export async function runGuestBench(matrix: GuestMatrix, opts: GuestBenchOptions): Promise<GuestBenchResult> {
  const log = opts.log ?? ((): void => undefined);
  // The owner tag lets a later run remove the disks of a SIGKILLed one (scratch-owner.ts, guest-tier.ts).
  const tag = `${ownerTag()}-${Date.now().toString(36)}`;
  const points: PointInput[] = [];
  const notes: string[] = [];
  if (opts.accel.functionalOnly) notes.push(`guest tier under TCG (${opts.accel.reason}): ${TCG_NOTE}`);
  const cpus = opts.cpus ?? 2;
  const memoryMiB = opts.memoryMiB ?? 512;
  const bareDone = new Set<string>();
  for (const p of expandGuestMatrix(matrix)) {
    if (opts.signal?.aborted) break;
    const runs: GuestRun[] = [];
    for (let r = 0; r < matrix.repeat && !opts.signal?.aborted; r++) {
      log(`guest ${guestConfigId(p)} ${p.workload.name} ${p.scheduler}/${p.target} × ${p.vms} VM(s), repeat ${r + 1}/${matrix.repeat} (${opts.accel.accel})`);
      runs.push(await runPointOnce(p, `${tag}-${points.length}-${r}`, opts));
    }
    // The bare line after the guests of its workload: the same store, right after them.
    if (opts.bare !== false && !bareDone.has(p.workload.name) && !opts.signal?.aborted) {
      bareDone.add(p.workload.name);
      log(`bare ${p.workload.name}: fio on the host, ${opts.storeDir}`);
      const repeats: Figures[] = [];
      let error: string | undefined;
      let argv: readonly string[] | undefined;
      for (let r = 0; r < matrix.repeat && !opts.signal?.aborted; r++) {
        try {
          const b = await runBareFio(p.workload, { storeDir: opts.storeDir, tag: `${tag}-${r}`, diskMiB: opts.diskMiB ?? diskMiBFor(p.workload.sizeMiB), ...(opts.signal ? { signal: opts.signal } : {}) });
          argv ??= b.argv;
          repeats.push(figuresFromFio(b.fio, p.workload.rw));
        } catch (e) {
          if (opts.signal?.aborted) return { points, notes, interrupted: true };
          error = (e as Error).message;
        }
      }
      const summary = summarize(repeats);
      points.push({
        id: `guest-bare:${p.workload.name}`, tier: 'bare', runner: 'fio', transport: 'none', workload: workloadOf(p.workload),
        engine: 'libaio', repeats, ...(argv ? { argv: [...argv] } : {}), ...(summary ? { summary } : {}), ...(error ? { error } : {}),
      });
    }
    if (runs.length === 0 || runs.some((r) => r.interrupted)) {
      if (runs.some((r) => r.interrupted)) return { points, notes, interrupted: true };
      break;
    }
    for (let i = 0; i < p.vms; i++) {
      const mine = runs.map((r) => r.vms[i] as GuestVmResult);
      const failures = mine.filter((v) => v.status !== 'ok');
      const repeats: Figures[] = [];
      for (const v of mine) {
        if (v.status !== 'ok' || !v.fio) continue;
        try {
          repeats.push(figuresFromFio(v.fio, p.workload.rw));
        } catch (e) {
          failures.push({ ...v, status: 'failed', reason: (e as Error).message });
        }
      }
      const summary = summarize(repeats);
      const last = runs[runs.length - 1] as GuestRun;
      const seen = mine.find((v) => v.facts.scheduler !== undefined)?.facts;
      const details: GuestDetails = {
        accel: opts.accel.accel, accelReason: opts.accel.reason, ...(opts.accel.functionalOnly ? { note: TCG_NOTE } : {}),
        machine: MACHINE, vcpus: cpus, memoryMiB, vmCount: p.vms, vmIndex: i, scheduler: p.scheduler,
        ...(seen?.scheduler ? { schedulerSeen: seen.scheduler } : {}), target: p.target,
        ...(seen?.kernel ? { guestKernel: seen.kernel } : {}),
        bootS: mine.flatMap((v) => (v.facts.uptimeAtStartS === undefined ? [] : [v.facts.uptimeAtStartS])),
        outcomes: mine.map((v) => ({ status: v.status, ...(v.reason ? { reason: v.reason } : {}) })),
        aioNr: {
          ...(last.aioNr.baseline !== undefined ? { baseline: last.aioNr.baseline } : {}),
          ...(last.aioNr.max !== undefined ? { max: last.aioNr.max } : {}),
          ...(last.aioNr.limit !== undefined ? { limit: last.aioNr.limit } : {}),
          ...(last.aioNr.max !== undefined && last.aioNr.baseline !== undefined ? { perVm: (last.aioNr.max - last.aioNr.baseline) / p.vms } : {}),
          samples: thin(last.aioNr.samples, 60).map((s) => [s.tMs, s.value] as [number, number]),
        },
        ...(last.window ? { window: last.window } : {}),
        applianceKey: opts.appliance.key,
      };
      points.push({
        id: guestPointId(p, i), tier: 'guest', runner: 'appliance-fio', transport: p.disk.bus, workload: workloadOf(p.workload),
        config: { id: `${configId(hostConfigOf(p))}.${guestConfigId(p)}`, ...hostConfigOf(p), bus: p.disk.bus, iothread: p.disk.iothread, queues: p.disk.queues },
        engine: 'libaio', repeats, ...(summary ? { summary } : {}),
        ...(failures.length > 0 ? { error: failures.map((f) => `${f.name} ${f.status}: ${f.reason ?? ''}`).join('; ') } : {}),
        functionalOnly: opts.accel.functionalOnly,
        guest: { ...details, disk: guestDiskPath(p.disk) } satisfies GuestDetails,
      });
      for (const f of failures) if (f.consoleTail) log(`${guestPointId(p, i)}: ${f.status}: ${f.reason ?? ''}\n  console: ${f.consoleTail.split('\n').slice(-3).join('\n  console: ')}`);
    }
  }
  return { points, notes, interrupted: opts.signal?.aborted ?? false };
}
