// `kvmio bench --guest` flag values → the guest matrix. Every value is checked before
// anything runs; a bad one is a usage error naming the flag, the value and what is expected.
import { usageError } from '../../errors.js';
import { workloadById } from '../workloads.js';
import type { Workload } from '../results-schema.js';
import { DEFAULT_GUEST_MATRIX, parseWorkloadId, type GuestMatrix } from './guest-matrix.js';
import { GUEST_AIO_MODES, GUEST_BUSES, GUEST_SCHEDULERS, GUEST_TARGETS } from './guest-types.js';

export interface GuestFlags {
  readonly vms?: readonly string[];
  readonly bus?: readonly string[];
  readonly iothread?: readonly string[];
  readonly queues?: readonly string[];
  readonly guestAio?: readonly string[];
  readonly guestSched?: readonly string[];
  readonly guestTarget?: readonly string[];
  readonly guestWorkload?: readonly string[];
}

/** The most VMs one point boots: each takes 512 MiB and, under TCG, a host thread per vCPU. */
export const MAX_VMS = 64;
const MAX_QUEUES = 64;

function oneOfList<T extends string>(flag: string, values: readonly string[] | undefined, allowed: readonly T[], dflt: readonly T[]): T[] {
  if (values === undefined || values.length === 0) return [...dflt];
  return [...new Set(values.map((v) => {
    if (!(allowed as readonly string[]).includes(v)) throw usageError(`${flag}: "${v}" is not valid; expected one of ${allowed.join(', ')}`);
    return v as T;
  }))];
}

function intList(flag: string, values: readonly string[] | undefined, max: number, dflt: readonly number[]): number[] {
  if (values === undefined || values.length === 0) return [...dflt];
  return [...new Set(values.map((v) => {
    const n = Number(v);
    if (!/^\d+$/.test(v) || n < 1 || n > max) throw usageError(`${flag}: "${v}" is not valid; expected a whole number from 1 to ${max}`);
    return n;
  }))];
}

export function guestMatrixFromFlags(f: GuestFlags, o: { readonly runtimeS?: number; readonly sizeMiB?: number; readonly repeat: number }): GuestMatrix {
  const iothreads = oneOfList('--iothread', f.iothread, ['on', 'off'] as const, ['on']).map((v) => v === 'on');
  const workloads: Workload[] = (f.guestWorkload ?? []).map((id) => {
    const w = workloadById(id) ?? parseWorkloadId(id);
    if (!w) throw usageError(`--guest-workload: "${id}" is not valid; expected PATTERN-SIZE-qdN such as randread-4k-qd32 or write-1m-qd8 (PATTERN: randread, randwrite, read, write)`);
    return w;
  });
  return {
    vms: intList('--vms', f.vms, MAX_VMS, DEFAULT_GUEST_MATRIX.vms),
    buses: oneOfList('--bus', f.bus, GUEST_BUSES, DEFAULT_GUEST_MATRIX.buses),
    iothreads,
    queues: intList('--queues', f.queues, MAX_QUEUES, DEFAULT_GUEST_MATRIX.queues),
    aio: oneOfList('--guest-aio', f.guestAio, GUEST_AIO_MODES, DEFAULT_GUEST_MATRIX.aio),
    schedulers: oneOfList('--guest-sched', f.guestSched, GUEST_SCHEDULERS, DEFAULT_GUEST_MATRIX.schedulers),
    targets: oneOfList('--guest-target', f.guestTarget, GUEST_TARGETS, DEFAULT_GUEST_MATRIX.targets),
    workloads: workloads.length > 0 ? workloads : DEFAULT_GUEST_MATRIX.workloads,
    runtimeS: o.runtimeS ?? DEFAULT_GUEST_MATRIX.runtimeS,
    sizeMiB: o.sizeMiB ?? DEFAULT_GUEST_MATRIX.sizeMiB,
    repeat: o.repeat,
  };
}
