// What a block device is and how it is attached, from its name and resolved sysfs path
// (e.g. /sys/devices/pci0000:00/0000:00:1f.2/ata1/host0/target0:0:0/0:0:0:0/block/sda).
// Partitions live inside their disk's directory, so they inherit its transport.
import type { BlockKind, Transport } from './host-facts.js';

export interface BlockIdentity {
  readonly name: string;
  /** Resolved sysfs directory; undefined when the link could not be read. */
  readonly sysfsPath?: string;
  readonly isPartition: boolean;
  /** device/driver's basename (virtio_blk, nvme, sd, …). */
  readonly driver?: string;
}

export function blockKind(id: BlockIdentity): BlockKind {
  if (id.isPartition) return 'part';
  const n = id.name;
  if (/^loop\d+$/.test(n)) return 'loop';
  if (/^dm-\d+$/.test(n)) return 'dm';
  if (/^md(\d+|_d\d+)$/.test(n)) return 'md';
  if (/^zram\d+$/.test(n)) return 'zram';
  if (/^sr\d+$/.test(n)) return 'rom';
  // OpenZFS names zvols zd0, zd16, … (module/os/linux/zfs/zvol_os.c ZVOL_DEV_NAME "zd").
  if (/^zd\d+$/.test(n)) return 'zvol';
  // nbd, ram, … are virtual; native-multipath NVMe namespaces live under virtual/nvme-subsystem but are disks
  if (id.sysfsPath?.includes('/devices/virtual/') && !id.sysfsPath.includes('/nvme-subsystem/')) return 'other';
  return 'disk';
}

export function blockTransport(id: BlockIdentity, kind: BlockKind = blockKind(id)): Transport {
  if (kind === 'loop' || kind === 'dm' || kind === 'md' || kind === 'zram' || kind === 'zvol') return kind;
  const p = id.sysfsPath ?? '';
  const n = id.name;
  const d = id.driver ?? '';
  if (/^loop\d+p\d+$/.test(n) || p.includes('/virtual/block/loop')) return 'loop';
  if (/\/nvme\//.test(p) || /\/nvme-subsys\d+\//.test(p) || /^nvme\d/.test(n)) return 'nvme';
  if (d.startsWith('virtio') || /\/virtio\d+\//.test(p) || /^vd[a-z]/.test(n)) return 'virtio';
  if (/\/xen\//.test(p) || /\/vbd-\d+\//.test(p) || /^xvd/.test(n)) return 'xen';
  if (/\/usb\d+\//.test(p)) return 'usb';
  if (/\/mmc_host\//.test(p) || /^mmcblk/.test(n)) return 'mmc';
  if (/\/ata\d+\//.test(p)) return 'sata';
  if (/\/(end_device-|expander-|sas_)/.test(p)) return 'sas';
  if (/\/host\d+\/(target|rport-|session)/.test(p) || /^s[dr][a-z]/.test(n)) return 'scsi';
  return 'unknown';
}
