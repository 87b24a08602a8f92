// Which block I/O scheduler a device should use, by role and media. One function for
// the audit rules (sched.*), the fix planner and verify (DESIGN.md: decide and verify
// share one function). Legacy names map to blk-mq ones (noop → none, deadline →
// mq-deadline, cfq → bfq): the single-queue schedulers were removed in Linux 5.0.
import type { BlockDevice, Roles } from '../facts/host-facts.js';

export interface SchedulerAdvice {
  /** Rule id: sched.stacked, sched.guest-virtio, sched.host-nvme, sched.host-ssd, sched.host-hdd. */
  readonly ruleId: string;
  /** What kvmio sets. */
  readonly want: string;
  /** Schedulers that pass the audit (want first). */
  readonly accept: readonly string[];
  readonly why: string;
  readonly ref: string;
}

export const LEGACY_SCHEDULERS: Readonly<Record<string, string>> = { noop: 'none', deadline: 'mq-deadline', cfq: 'bfq' };

/** blk-mq name for a possibly legacy one ("noop" → "none"). */
export const modernScheduler = (name: string): string => LEGACY_SCHEDULERS[name] ?? name;

const STACKED = new Set(['loop', 'dm', 'md', 'zram']);

/**
 * The advice for a whole device, or undefined when it has no queue of its own
 * (partitions) or its media is unknown. A host that is also a guest: a virtio/xen disk
 * is a virtual disk, so the guest rule (more specific) wins over host media rules.
 */
export function recommendedScheduler(dev: BlockDevice, roles: Roles): SchedulerAdvice | undefined {
  if (dev.kind === 'part' || dev.kind === 'rom') return undefined;
  if (STACKED.has(dev.kind) || STACKED.has(dev.transport)) {
    return {
      ruleId: 'sched.stacked',
      want: 'none',
      accept: ['none'],
      why: `${dev.kind} device: the device underneath schedules; a second elevator only adds latency`,
      ref: 'Documentation/block/blk-mq.rst; loop and dm default to none',
    };
  }
  if (dev.transport === 'virtio' || dev.transport === 'xen') {
    return {
      ruleId: 'sched.guest-virtio',
      want: 'none',
      accept: ['none'],
      why: `${roles.kvmHost ? 'guest (also a KVM host) ' : 'guest '}${dev.transport} disk: the host schedules the real device; none avoids double scheduling`,
      ref: 'RHEL "Disk schedulers in virtual machines"; kernel block/elevator.c',
    };
  }
  const hw = dev.nrHwQueues.ok ? dev.nrHwQueues.value : undefined;
  if (dev.transport === 'nvme' || (hw !== undefined && hw > 1)) {
    return {
      ruleId: 'sched.host-nvme',
      want: 'none',
      accept: ['none'],
      why: `${dev.transport === 'nvme' ? 'NVMe' : `multi-queue (${hw} hardware queues)`}: the device reorders in hardware; none has the lowest overhead`,
      ref: 'kernel block/elevator.c elevator_get_default (none when nr_hw_queues != 1)',
    };
  }
  if (!dev.rotational.ok) return undefined;
  if (dev.rotational.value) {
    return {
      ruleId: 'sched.host-hdd',
      want: 'mq-deadline',
      accept: ['mq-deadline', 'bfq'],
      why: 'rotational disk: seeks cost milliseconds, so requests should be sorted and merged (mq-deadline; bfq for fairness)',
      ref: 'Documentation/block/deadline-iosched.rst, bfq-iosched.rst',
    };
  }
  return {
    ruleId: 'sched.host-ssd',
    want: 'mq-deadline',
    accept: ['mq-deadline'],
    why: 'single-queue SSD (SATA/SAS): mq-deadline bounds latency under mixed VM load',
    ref: 'seed README §1; RHEL "Available disk schedulers"',
  };
}

/** What the kernel picks with no rule at boot (block/elevator.c elevator_get_default; loop opts out). */
export function kernelDefaultScheduler(dev: BlockDevice): string {
  if (STACKED.has(dev.kind) || STACKED.has(dev.transport)) return 'none';
  const hw = dev.nrHwQueues.ok ? dev.nrHwQueues.value : 1;
  return hw !== 1 ? 'none' : 'mq-deadline';
}
