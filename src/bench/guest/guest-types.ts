// The guest tier's vocabulary: what one point of the matrix is, what one VM runs and what
// comes back. The results file maps these into the shared bench schema.

export const GUEST_BUSES = ['virtio-blk', 'virtio-scsi'] as const;
export type GuestBus = (typeof GUEST_BUSES)[number];
/** blk-mq schedulers a guest may use (the seed's noop/deadline are none/mq-deadline since Linux 5.0). */
export const GUEST_SCHEDULERS = ['none', 'mq-deadline'] as const;
export type GuestScheduler = (typeof GUEST_SCHEDULERS)[number];
/** Where fio runs inside the guest: the raw virtio disk, or a file on a filesystem made on it. */
export const GUEST_TARGETS = ['raw', 'xfs', 'ext4'] as const;
export type GuestTarget = (typeof GUEST_TARGETS)[number];
export const GUEST_AIO_MODES = ['threads', 'native', 'io_uring'] as const;
export type GuestAio = (typeof GUEST_AIO_MODES)[number];
export type Accel = 'kvm' | 'tcg';

/** How the host attaches the disk under test (QEMU -blockdev + -device). */
export interface GuestDiskConfig {
  readonly bus: GuestBus;
  readonly iothread: boolean;
  /** virtio-blk num-queues / virtio-scsi num_queues. */
  readonly queues: number;
  readonly aio: GuestAio;
}

export interface GuestWorkload {
  readonly name: string;
  readonly rw: Pattern;
  readonly bs: string;
  readonly iodepth: number;
  readonly runtimeS: number;
  /** Bytes fio touches (the same on the raw device and on a file), in MiB. */
  readonly sizeMiB: number;
}

/** One point of the guest matrix: N VMs, each with its own disk, all configured alike. */
export interface GuestPoint {
  readonly vms: number;
  readonly disk: GuestDiskConfig;
  readonly scheduler: GuestScheduler;
  readonly target: GuestTarget;
  readonly workload: GuestWorkload;
}

import type { FioOutput } from '../fio-json.js';
import type { Pattern } from '../results-schema.js';

/** What the guest's init reported besides fio's JSON. */
export interface GuestFacts {
  readonly scheduler?: string;
  readonly target?: string;
  readonly kernel?: string;
  readonly startEpochS?: number;
  readonly endEpochS?: number;
  /** Seconds from kernel start to fio start: the boot cost. */
  readonly uptimeAtStartS?: number;
}

export type GuestVmStatus = 'ok' | 'failed' | 'timeout' | 'interrupted';

export interface GuestVmResult {
  readonly name: string;
  readonly status: GuestVmStatus;
  /** Why it failed, in one line. */
  readonly reason?: string;
  readonly fio?: FioOutput;
  readonly facts: GuestFacts;
  /** QEMU start to exit (or kill). */
  readonly wallMs: number;
  readonly pid: number | undefined;
  /** The last lines of the guest console, kept for failed guests. */
  readonly consoleTail?: string;
}
