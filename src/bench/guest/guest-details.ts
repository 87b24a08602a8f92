// What a guest point carries in the results file's open `guest` field (results-schema.ts
// leaves its content to this tier). Validated here with zod when a report reads it, so a
// hand-edited file fails with one line instead of a wrong table.
import { z } from 'zod';
import { GUEST_SCHEDULERS, GUEST_TARGETS } from './guest-types.js';

const nonNeg = z.number().finite().nonnegative();

/** What every TCG guest figure says of itself (JSON, summary, report). */
export const TCG_NOTE = 'functional only, not a performance figure (TCG: the emulated CPU is the limit)';

export const GuestDetailsSchema = z.object({
  accel: z.enum(['kvm', 'tcg']),
  /** Why this accelerator (e.g. "the appliance did not boot under KVM on this host"). */
  accelReason: z.string(),
  /** Present for TCG: the figure shows the path works, not how fast. */
  note: z.string().optional(),
  machine: z.string(),
  vcpus: z.number().int().positive(),
  memoryMiB: z.number().int().positive(),
  /** VMs running this configuration at once on the same store, and which one this is. */
  vmCount: z.number().int().positive(),
  vmIndex: z.number().int().nonnegative(),
  scheduler: z.enum(GUEST_SCHEDULERS),
  /** The scheduler the guest's sysfs showed active after setting it. */
  schedulerSeen: z.string().optional(),
  target: z.enum(GUEST_TARGETS),
  guestKernel: z.string().optional(),
  /** Kernel start to fio start, per repeat (boot cost). */
  bootS: z.array(nonNeg).default([]),
  /** Each repeat's outcome: ok, failed, timeout, interrupted (with the reason). */
  outcomes: z.array(z.object({ status: z.enum(['ok', 'failed', 'timeout', 'interrupted']), reason: z.string().optional() })).default([]),
  /** fs.aio-nr during the run: before start, the highest seen, the limit, and (max − baseline) / vmCount. */
  aioNr: z.object({
    baseline: nonNeg.optional(),
    max: nonNeg.optional(),
    limit: nonNeg.optional(),
    perVm: nonNeg.optional(),
    samples: z.array(z.tuple([nonNeg, nonNeg])).default([]),
  }).optional(),
  /** The window all VMs of the point measured over (guest clocks, epoch seconds). */
  window: z.object({ startEpochS: nonNeg, endEpochS: nonNeg }).optional(),
  applianceKey: z.string().optional(),
  /** The device node the guest saw its disk as (/dev/vda, /dev/sda). */
  disk: z.string().optional(),
});
export type GuestDetails = z.infer<typeof GuestDetailsSchema>;
