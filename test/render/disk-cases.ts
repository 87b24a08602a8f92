// The golden cases: each backend × bus × aio outcome of the decision table, plus the
// seed's two QEMU examples rebuilt from explicit options. Shared by the golden test and
// the virt-xml-validate test.
import { chooseDiskConfig } from '../../src/decide/choose-disk-config.js';
import type { Backend, DiskConfig, DiskIntent, FileBackend, Platform } from '../../src/model/disk-types.js';
import { version } from '../../src/decide/version.js';
import { gib, kib } from '../../src/size.js';

export const MODERN: Platform = { qemu: version(7, 2, 22), libvirt: version(9, 0), kernel: version(6, 18, 44) };
export const OLD: Platform = { qemu: version(4, 2), libvirt: version(6, 0), kernel: version(4, 19) };

const sparseRaw: FileBackend = { kind: 'file', path: '/var/lib/libvirt/images/vm1.img', format: 'raw', virtualSize: gib(20), actualSize: gib(2), allocation: 'sparse', fsType: 'xfs', directIo: true };
const preRaw: FileBackend = { ...sparseRaw, path: '/var/lib/libvirt/images/vm1-full.img', actualSize: gib(20), allocation: 'preallocated' };
const sparseQcow: FileBackend = { ...sparseRaw, path: '/var/lib/libvirt/images/vm1.qcow2', format: 'qcow2', clusterSize: kib(64) };
const noDirect: FileBackend = { ...sparseRaw, path: '/tank/images/vm1.img', fsType: 'zfs', directIo: false, actualSize: gib(20), allocation: 'preallocated' };
const part: Backend = { kind: 'block', path: '/dev/sdb1', device: 'partition', directIo: true };
const whole: Backend = { kind: 'block', path: '/dev/sdc', device: 'whole', directIo: true };
const thick: Backend = { kind: 'lv', vg: 'vmvg', lv: 'web', path: '/dev/vmvg/web', thin: false };
const thin: Backend = { kind: 'lv', vg: 'vmvg', lv: 'db', path: '/dev/vmvg/db', thin: true };
const nvme: Backend = { kind: 'pci', address: '0000:03:00.0', class: '0x010802' };
const sata: Backend = { kind: 'pci', address: '0000:00:1f.2', class: '0x010601' };

export interface GoldenCase {
  readonly name: string;
  readonly disks: readonly [Backend, DiskIntent][];
  readonly platform?: Platform;
  /** Expected aio of the first disk (checks the case shows the outcome its name says). */
  readonly aio?: string;
}

export const CASES: readonly GoldenCase[] = [
  { name: 'file-raw-sparse-blk-io_uring', disks: [[sparseRaw, {}]], aio: 'io_uring' },
  { name: 'file-raw-sparse-scsi-io_uring', disks: [[sparseRaw, { bus: 'virtio-scsi' }]], aio: 'io_uring' },
  { name: 'file-raw-sparse-blk-threads-old-host', disks: [[sparseRaw, {}]], platform: OLD, aio: 'threads' },
  { name: 'file-raw-prealloc-blk-native', disks: [[preRaw, {}]], aio: 'native' },
  { name: 'file-raw-prealloc-scsi-native', disks: [[preRaw, { bus: 'virtio-scsi' }]], aio: 'native' },
  { name: 'file-qcow2-sparse-blk-io_uring', disks: [[sparseQcow, {}]], aio: 'io_uring' },
  { name: 'file-qcow2-sparse-scsi-threads-old-host', disks: [[sparseQcow, { bus: 'virtio-scsi' }]], platform: OLD, aio: 'threads' },
  { name: 'file-raw-no-odirect-blk-writethrough-io_uring', disks: [[noDirect, {}]], aio: 'io_uring' },
  { name: 'file-raw-no-odirect-scsi-writethrough-threads', disks: [[noDirect, { bus: 'virtio-scsi' }]], platform: OLD, aio: 'threads' },
  { name: 'partition-blk-native', disks: [[part, {}]], aio: 'native' },
  { name: 'partition-scsi-native', disks: [[part, { bus: 'virtio-scsi' }]], aio: 'native' },
  { name: 'whole-blk-native', disks: [[whole, {}]], aio: 'native' },
  { name: 'whole-scsi-io_uring-explicit', disks: [[whole, { bus: 'virtio-scsi', aio: 'io_uring', queues: 2 }]], aio: 'io_uring' },
  { name: 'lv-thick-blk-native', disks: [[thick, {}]], aio: 'native' },
  { name: 'lv-thin-scsi-native-discard', disks: [[thin, { bus: 'virtio-scsi' }]], aio: 'native' },
  { name: 'lv-thin-blk-threads-explicit-pc', disks: [[thin, { aio: 'threads', machine: 'pc', iothread: false }]], aio: 'threads' },
  { name: 'whole-scsi-native', disks: [[whole, { bus: 'virtio-scsi' }]], aio: 'native' },
  { name: 'lv-thick-scsi-native', disks: [[thick, { bus: 'virtio-scsi' }]], aio: 'native' },
  { name: 'file-qcow2-prealloc-blk-native', disks: [[{ ...sparseQcow, actualSize: gib(21), allocation: 'preallocated' }, {}]], aio: 'native' },
  { name: 'file-raw-sparse-cifs-blk-threads', disks: [[{ ...sparseRaw, path: '/mnt/nas/vm1.img', fsType: 'cifs' }, {}]], aio: 'threads' },
  {
    name: 'file-raw-prealloc-blk-threads-bench',
    disks: [[preRaw, { bench: { store: '/var/lib/libvirt/images', format: 'raw', source: 'bench run 2026-11-25', results: [{ aio: 'threads', mean: 41000, spread: 900 }, { aio: 'native', mean: 36000, spread: 1100 }, { aio: 'io_uring', mean: 35500, spread: 1500 }] } }]],
    aio: 'threads',
  },
  { name: 'pci-nvme-q35', disks: [[nvme, {}]] },
  { name: 'pci-sata-pc', disks: [[sata, { machine: 'pc' }]] },
  { name: 'file-raw-shareable-readonly-serial', disks: [[preRaw, { shareable: true, readOnly: true, serial: 'KVMIO-0001', target: 'vdb' }]], aio: 'native' },
  { name: 'vm-three-disks-and-nvme', disks: [[part, {}], [thin, { bus: 'virtio-scsi', iothreadId: 2, queues: 4 }], [sparseQcow, { target: 'vdb' }], [nvme, {}]], aio: 'native' },
  // The seed's §5 examples, from explicit options.
  { name: 'seed-virtio-blk-partition-threads', disks: [[part, { bus: 'virtio-blk', iothreadId: 1, cache: 'none', aio: 'threads', machine: 'pc' }]], aio: 'threads' },
  { name: 'seed-virtio-blk-partition-threads-q35', disks: [[part, { bus: 'virtio-blk', iothreadId: 1, cache: 'none', aio: 'threads', machine: 'q35' }]], aio: 'threads' },
  { name: 'seed-virtio-scsi-queues4-q35', disks: [[part, { bus: 'virtio-scsi', iothreadId: 1, queues: 4, cache: 'none', aio: 'threads', machine: 'q35' }]], aio: 'threads' },
];

export const configsOf = (c: GoldenCase): DiskConfig[] => c.disks.map(([b, i]) => chooseDiskConfig(b, i, c.platform ?? MODERN));
