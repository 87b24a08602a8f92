// One guest's QEMU command line. Pure. The disk under test is attached as the point says
// (QEMU docs: system/invocation, -blockdev; virtio-blk-pci num-queues and iothread;
// virtio-scsi-pci num_queues and iothread with a scsi-hd on its bus). The job reaches the
// guest by fw_cfg, the result leaves it by the second serial port.
import { FW_CFG_JOB, GUEST_ENV } from '../appliance/result-protocol.js';
import type { Accel, GuestDiskConfig, GuestScheduler, GuestTarget } from './guest-types.js';

export interface GuestArgvInputs {
  readonly qemu: string;
  readonly accel: Accel;
  readonly kernel: string;
  readonly initrd: string;
  readonly disk: string;
  readonly config: GuestDiskConfig;
  readonly scheduler: GuestScheduler;
  readonly target: GuestTarget;
  readonly jobFile: string;
  readonly consoleFile: string;
  readonly resultFile: string;
  /** Epoch second at which every guest of a point starts fio. */
  readonly startAtEpochS?: number;
  readonly cpus: number;
  readonly memoryMiB: number;
}

/** Values QEMU reads as option lists: a comma inside one must be doubled (QEMU docs, "Options and values"). */
const optValue = (s: string): string => s.replace(/,/g, ',,');

/** Device node the disk appears as inside the appliance (one disk, so the first name). */
export const guestDiskPath = (config: GuestDiskConfig): string => (config.bus === 'virtio-blk' ? '/dev/vda' : '/dev/sda');

export function accelArgs(accel: Accel): string[] {
  // KVM here needs arch-capabilities masked (QEMU otherwise exposes an MSR the host's
  // kvm module refuses); TCG with one host thread per vCPU.
  return accel === 'kvm' ? ['-accel', 'kvm', '-cpu', 'host,-arch-capabilities'] : ['-accel', 'tcg,thread=multi', '-cpu', 'max'];
}

export function renderGuestArgv(i: GuestArgvInputs): string[] {
  const c = i.config;
  const iothread = c.iothread ? ['-object', 'iothread,id=io0'] : [];
  const blockdev = [
    '-blockdev', `driver=file,node-name=f0,filename=${optValue(i.disk)},aio=${c.aio},cache.direct=on`,
    '-blockdev', 'driver=raw,node-name=d0,file=f0',
  ];
  const device = c.bus === 'virtio-blk'
    ? ['-device', `virtio-blk-pci,drive=d0,num-queues=${c.queues}${c.iothread ? ',iothread=io0' : ''}`]
    : ['-device', `virtio-scsi-pci,id=scsi0,num_queues=${c.queues}${c.iothread ? ',iothread=io0' : ''}`, '-device', 'scsi-hd,drive=d0,bus=scsi0.0'];
  const env = [
    `${GUEST_ENV.disk}=${guestDiskPath(c)}`,
    `${GUEST_ENV.scheduler}=${i.scheduler}`,
    `${GUEST_ENV.target}=${i.target}`,
    ...(i.startAtEpochS === undefined ? [] : [`${GUEST_ENV.startAt}=${i.startAtEpochS}`]),
  ];
  return [
    i.qemu,
    ...accelArgs(i.accel),
    '-machine', 'q35',
    '-m', String(i.memoryMiB),
    '-smp', String(i.cpus),
    '-nodefaults', '-display', 'none', '-no-reboot', '-no-user-config',
    '-kernel', i.kernel,
    '-initrd', i.initrd,
    // panic=-1 reboots at once on a panic, and -no-reboot turns that into an exit.
    '-append', ['console=ttyS0', 'quiet', 'panic=-1', ...env].join(' '),
    '-serial', `file:${i.consoleFile}`,
    '-serial', `file:${i.resultFile}`,
    '-fw_cfg', `name=${FW_CFG_JOB},file=${optValue(i.jobFile)}`,
    ...iothread,
    ...blockdev,
    ...device,
  ];
}
