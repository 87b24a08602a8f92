// The guest tier as `kvmio bench --guest` runs it: build (or reuse) the appliance, choose
// the accelerator, run the matrix on the store, and hand back points and notes for the
// same results file as the backend tier.
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execOk, exec } from '../../exec.js';
import { buildAppliance, type Appliance, type ApplianceOptions } from '../appliance/build-appliance.js';
import type { PointInput } from '../results-schema.js';
import { chooseAccel, type AccelChoice, type AccelDecision } from './choose-accel.js';
import type { GuestMatrix } from './guest-matrix.js';
import { NULL_WORKLOAD, renderFioJob } from './render-fio-job.js';
import { runGuestBench } from './run-guest-bench.js';
import { GUEST_SCRATCH_PREFIX, runGuests } from './run-guests.js';
import { ownerTag, removeStaleScratch } from '../scratch-owner.js';

export interface GuestTierOptions {
  readonly matrix: GuestMatrix;
  readonly storeDir: string;
  readonly stateDir: string;
  readonly cacheDir?: string;
  readonly kernel?: ApplianceOptions['kernel'];
  readonly accel: AccelChoice;
  readonly timeoutS?: number;
  readonly signal?: AbortSignal;
  readonly log?: (line: string) => void;
  readonly onStart?: (name: string, pid: number) => void;
  readonly jobFor?: Parameters<typeof runGuestBench>[1]['jobFor'];
}

export interface GuestTierResult {
  readonly appliance: Appliance;
  readonly accel: AccelDecision;
  readonly points: PointInput[];
  readonly notes: string[];
  readonly tools: Record<string, string>;
  readonly interrupted: boolean;
}

/** Seconds a null job may take under KVM before KVM counts as not working (a TCG boot takes ~5 s; KVM well under that). */
const KVM_PROBE_TIMEOUT_S = 20;

/** Boots the appliance once under KVM with a null job; undefined when it reported, else why not. */
export async function probeKvmBoot(appliance: Pick<Appliance, 'kernel' | 'initrd'>, storeDir: string, signal?: AbortSignal): Promise<string | undefined> {
  const disk = join(storeDir, `${GUEST_SCRATCH_PREFIX}${ownerTag()}-kvm-probe.raw`);
  try {
    await execOk(['qemu-img', 'create', '-q', '-f', 'raw', '-o', 'preallocation=falloc', disk, '64M']);
    const run = await runGuests([{
      name: 'kvm-probe', disk, config: { bus: 'virtio-blk', iothread: false, queues: 1, aio: 'threads' }, scheduler: 'none', target: 'raw',
      job: renderFioJob(NULL_WORKLOAD), timeoutMs: KVM_PROBE_TIMEOUT_S * 1000,
    }], { kernel: appliance.kernel, initrd: appliance.initrd, accel: 'kvm', ...(signal ? { signal } : {}) });
    const vm = run.vms[0];
    return vm?.status === 'ok' ? undefined : (vm?.reason ?? 'no result');
  } finally {
    rmSync(disk, { force: true });
  }
}

export async function runGuestTier(o: GuestTierOptions): Promise<GuestTierResult> {
  const log = o.log ?? ((): void => undefined);
  // VM disks and run directories a SIGKILLed run left (its QEMUs died with it: dieWithParent).
  for (const p of [...removeStaleScratch(o.storeDir, GUEST_SCRATCH_PREFIX), ...removeStaleScratch(tmpdir(), GUEST_SCRATCH_PREFIX)]) log(`removed ${p}, left by a run that was killed`);
  const appliance = await buildAppliance({ stateDir: o.stateDir, ...(o.cacheDir ? { cacheDir: o.cacheDir } : {}), ...(o.kernel ? { kernel: o.kernel } : {}) });
  log(`appliance ${appliance.key} (${appliance.kernelSource}${appliance.built ? ', built' : ', cached'})`);
  const accel = await chooseAccel(o.accel, { applianceDir: appliance.dir, probe: () => probeKvmBoot(appliance, o.storeDir, o.signal) });
  log(`accelerator ${accel.accel}: ${accel.reason}`);
  const qemu = await exec(['qemu-system-x86_64', '--version'], { timeoutMs: 15_000 }).catch(() => undefined);
  const tools: Record<string, string> = { appliance: `${appliance.key} ${appliance.kernelSource}` };
  if (qemu?.code === 0) tools['qemu-system-x86_64'] = (qemu.stdout.split('\n')[0] ?? '').trim();
  const r = await runGuestBench(o.matrix, {
    appliance, accel, storeDir: o.storeDir, log,
    ...(o.timeoutS ? { timeoutS: o.timeoutS } : {}), ...(o.signal ? { signal: o.signal } : {}),
    ...(o.onStart ? { onStart: o.onStart } : {}), ...(o.jobFor ? { jobFor: o.jobFor } : {}),
  });
  return { appliance, accel, points: r.points, notes: [`guest accelerator ${accel.accel}: ${accel.reason}`, ...r.notes], tools, interrupted: r.interrupted };
}
