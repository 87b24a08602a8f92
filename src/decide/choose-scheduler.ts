// Which block scheduler a device should run, by role and media. One place, so the live
// check, the persisted check and (later) `kvmio fix` agree on the value.
import type { BlockDevice, Roles } from '../facts/host-facts.js';
import { REF } from './host-defaults.js';

export type SchedClass = 'sched.stacked' | 'sched.not-scheduled' | 'sched.guest-virtual' | 'sched.multiqueue' | 'sched.host-hdd' | 'sched.host-ssd';

export type SchedChoice =
  | {
      readonly ok: true;
      readonly id: SchedClass;
      readonly expected: string;
      /** Also acceptable: PASS with a note. */
      readonly alsoOk: readonly string[];
      readonly why: string;
      readonly ref: string;
    }
  | { readonly ok: false; readonly id: SchedClass | 'sched.media'; readonly reason: string };

/** Emulated disks that report a SCSI/SATA transport inside a guest (virtio-scsi, IDE, AHCI of QEMU/VMware/VirtualBox/Hyper-V). */
const VIRTUAL_MODEL = /\b(QEMU|VBOX|VMware|Virtual disk|Virtual_disk|VIRTUAL-DISK|Msft Virtual)\b/i;

/** The kernel's own default (block/elevator.c): mq-deadline with one hw queue, none otherwise. */
export function kernelDefaultScheduler(dev: BlockDevice): string | undefined {
  if (dev.kind === 'loop' || dev.kind === 'dm' || dev.kind === 'md' || dev.kind === 'zvol') return 'none';
  if (!dev.nrHwQueues.ok) return dev.transport === 'nvme' ? 'none' : undefined;
  return dev.nrHwQueues.value === 1 ? 'mq-deadline' : 'none';
}

/** Legacy (pre-5.0) names mapped to their blk-mq counterparts. */
export const LEGACY_SCHEDULERS: Readonly<Record<string, string>> = { noop: 'none', deadline: 'mq-deadline', cfq: 'bfq' };

export function chooseScheduler(dev: BlockDevice, roles: Roles): SchedChoice {
  if (dev.kind === 'zram' || dev.kind === 'rom' || dev.kind === 'other') {
    return {
      ok: true, id: 'sched.not-scheduled', expected: 'any', alsoOk: [],
      why: dev.kind === 'zram'
        ? 'zram is RAM-backed and bio-based: it has no request queue, so there is nothing to schedule'
        : `${dev.kind} device: carries no VM or host storage I/O worth scheduling`,
      ref: REF.elevatorDefault,
    };
  }
  const stacked = dev.kind === 'loop' || dev.kind === 'dm' || dev.kind === 'md' || dev.kind === 'zvol' || ['loop', 'dm', 'md', 'zvol'].includes(dev.transport);
  if (stacked) {
    return {
      ok: true, id: 'sched.stacked', expected: 'none', alsoOk: [],
      why: dev.kind === 'zvol'
        ? 'a ZFS volume (VM disks on a Proxmox zfspool): ZFS queues and orders its I/O itself (the ZIO pipeline and vdev queues) before the pool\'s disks see it; a block scheduler on zdN only adds latency'
        : `${dev.kind} devices pass I/O to the devices underneath, which schedule it; a scheduler here only adds latency`,
      ref: REF.elevatorDefault,
    };
  }
  const virtualModel = dev.model !== undefined && VIRTUAL_MODEL.test(dev.model);
  if (dev.transport === 'virtio' || dev.transport === 'xen' || virtualModel) {
    const what = dev.transport === 'virtio' || dev.transport === 'xen' ? `a ${dev.transport} disk` : `an emulated disk (model "${dev.model ?? ''}")`;
    const conflict = roles.kvmHost
      ? `; this machine is also a KVM host, but ${what} is itself virtual, so the guest rule wins over the host rule`
      : '';
    return {
      ok: true, id: 'sched.guest-virtual', expected: 'none', alsoOk: [],
      why: `${what} is scheduled by the hypervisor's host; scheduling again in the guest only adds latency (seed: noop = none in guests)${conflict}`,
      ref: REF.elevatorDefault,
    };
  }
  // Roles conflict the other way: a guest that owns a physical (passed-through) disk schedules it itself.
  const asGuest = roles.guest
    ? `; this machine is a guest too, but ${dev.name} looks physical (${dev.transport}${dev.model ? `, model "${dev.model}"` : ''}: passed through), so the host rule applies`
    : '';
  const multi = dev.transport === 'nvme' || (dev.nrHwQueues.ok && dev.nrHwQueues.value > 1);
  if (multi) {
    const hw = dev.nrHwQueues.ok ? `${dev.nrHwQueues.value} hardware queues` : 'NVMe';
    return {
      ok: true, id: 'sched.multiqueue', expected: 'none', alsoOk: [],
      why: `${dev.transport === 'nvme' ? 'NVMe' : 'multi-queue device'} (${hw}): the device orders requests itself; none is the kernel default for nr_hw_queues != 1${asGuest}`,
      ref: REF.elevatorDefault,
    };
  }
  if (!dev.rotational.ok) return { ok: false, id: 'sched.media', reason: `media type unknown: ${dev.rotational.reason}` };
  if (dev.rotational.value) {
    return {
      ok: true, id: 'sched.host-hdd', expected: 'mq-deadline', alsoOk: ['bfq'],
      why: `rotational disk: mq-deadline bounds seek-induced latency (seed: deadline on hosts); bfq is also fine for fairness between VMs at some CPU cost${asGuest}`,
      ref: REF.elevatorDefault,
    };
  }
  return {
    ok: true, id: 'sched.host-ssd', expected: 'mq-deadline', alsoOk: [],
    why: `single-queue ${dev.transport === 'unknown' ? '' : dev.transport.toUpperCase() + ' '}SSD: mq-deadline keeps reads from starving behind VM writes (seed: deadline on hosts; legacy deadline = mq-deadline since Linux 5.0)${asGuest}`,
    ref: REF.elevatorDefault,
  };
}
