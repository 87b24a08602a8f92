// Typed facts about a host, gathered read-only by the probe (probe-host.ts) through a
// Source. Anything that could not be read is a `Read` failure with its reason, so rules
// can say SKIP and why instead of guessing.
import type { Size } from '../size.js';
import type { OpenResult, Read } from './source.js';

/** zvol: a ZFS volume (zdN), e.g. a Proxmox VM disk on a zfspool storage. */
export type BlockKind = 'disk' | 'part' | 'loop' | 'dm' | 'md' | 'rom' | 'zram' | 'zvol' | 'other';
export type Transport = 'nvme' | 'sata' | 'sas' | 'scsi' | 'virtio' | 'usb' | 'mmc' | 'xen' | 'loop' | 'dm' | 'md' | 'zram' | 'zvol' | 'unknown';

export interface Scheduler {
  /** The bracketed one in queue/scheduler, e.g. "mq-deadline"; "none" when bracketed none. */
  readonly current: string;
  readonly available: readonly string[];
}

export interface BlockDevice {
  /** Kernel name: "sda", "nvme0n1", "sda4", "loop3". */
  readonly name: string;
  readonly kind: BlockKind;
  readonly transport: Transport;
  /** For partitions: the whole disk's name. */
  readonly parent?: string;
  /** For partitions: their disk's flag. */
  readonly rotational: Read<boolean>;
  readonly size: Read<Size>;
  readonly model?: string;
  readonly serial?: string;
  readonly wwid?: string;
  /** Queue facts (scheduler, hardware queues, nr_requests, read_ahead_kb): for partitions a failure naming the disk whose queue they use. */
  readonly scheduler: Read<Scheduler>;
  readonly nrHwQueues: Read<number>;
  readonly nrRequests: Read<number>;
  readonly readAheadKb: Read<number>;
  /** Devices stacked on this one (/sys/block/X/holders): dm, md, … */
  readonly holders: readonly string[];
  /** Devices this one is stacked on (/sys/block/X/slaves). */
  readonly slaves: readonly string[];
  readonly mountpoints: readonly string[];
  readonly fstype?: string;
  /** Carries / or /boot (or /boot/efi), directly, through a partition or through a holder. */
  readonly carriesRoot: boolean;
  readonly carriesBoot: boolean;
  /** PCI address of the controller the disk hangs off ("0000:00:1f.2"), when there is one. */
  readonly controller?: string;
  /** For loop devices: the backing file. */
  readonly backingFile?: string;
  /** Resolved sysfs directory, e.g. "/sys/devices/pci0000:00/0000:00:1f.2/ata1/…/block/sda". */
  readonly sysfsPath?: string;
  /** "major:minor" from the dev attribute. */
  readonly devNumber?: string;
  /** For whole disks: their partitions' names. */
  readonly partitions: readonly string[];
  /** For dm devices: the mapper name (dm/name). */
  readonly dmName?: string;
}

/** One mounted filesystem (/proc/self/mountinfo), or a swap area (/proc/swaps, mountpoint "[SWAP]"). */
export interface Mount {
  /** "major:minor" of the filesystem's device (for block-backed filesystems, the device's dev); "?" when read from /proc/mounts. */
  readonly devNumber: string;
  readonly mountpoint: string;
  readonly fstype: string;
  /** The mount source, e.g. "/dev/sda3", "tmpfs". */
  readonly source: string;
}

/** One `key = value` line of a sysctl.d file. */
export interface SysctlSetting {
  readonly key: string;
  readonly value: string;
  readonly file: string;
  readonly line: number;
}

/** A line in a udev rule or tmpfiles.d file that sets a block scheduler. */
export interface SchedulerRule {
  readonly kind: 'udev' | 'tmpfiles';
  readonly file: string;
  readonly line: number;
  readonly text: string;
  /** Kernel-name match: a device name or a udev glob ("sd[a-z]"); absent when the rule matches otherwise. */
  readonly kernel?: string;
  /** Other matches of a udev rule, e.g. {"ATTR{queue/rotational}": "0"}. */
  readonly matches: Readonly<Record<string, string>>;
  readonly scheduler: string;
}

export interface Cmdline {
  readonly raw: string;
  /** elevator=VALUE (no effect since Linux 5.5). */
  readonly elevator?: string;
  readonly intelIommu?: string;
  readonly amdIommu?: string;
  /** iommu=VALUE, e.g. "pt". */
  readonly iommu?: string;
}

export interface Roles {
  /** /dev/kvm opens read-write (including nested/PVM hosts without vmx/svm). */
  readonly kvmHost: boolean;
  /** Hypervisor CPU flag, DMI vendor of a hypervisor, or virtio/xen disks. */
  readonly guest: boolean;
  /** Human-readable reasons for each role, e.g. "/dev/kvm opens read-write". */
  readonly evidence: readonly string[];
  readonly kvm: Read<OpenResult>;
  /** Which of vmx, svm, hypervisor the CPU flags carry (from /proc/cpuinfo). */
  readonly cpuFlags: Read<readonly string[]>;
  /** /sys/class/dmi/id/sys_vendor and product_name, when readable. */
  readonly dmi: Read<{ readonly sysVendor: string; readonly productName: string }>;
}

export interface PciDevice {
  /** "0000:00:1f.2" */
  readonly address: string;
  /** 24-bit class code, e.g. 0x010802 (NVMe). */
  readonly classCode: number;
  readonly vendor: string;
  readonly device: string;
  readonly driver?: string;
  readonly driverOverride?: string;
  readonly iommuGroup?: number;
  readonly sriov?: { readonly totalVfs: number; readonly numVfs: number };
  /** Block devices (whole disks) behind this device. */
  readonly disks: readonly string[];
  /** Resolved sysfs directory, e.g. "/sys/devices/pci0000:00/0000:00:03.0/0000:03:00.0". */
  readonly sysfsPath?: string;
  /** PCI addresses of the bridges above it, root port first (empty on the root bus). */
  readonly upstream: readonly string[];
  /** Why the probe lists it: a storage controller, a disk's controller, SR-IOV capable, or sharing an IOMMU group with one. */
  readonly reasons: readonly PciReason[];
}

export type PciReason = 'storage-class' | 'disk-controller' | 'sriov' | 'iommu-group';

export interface Iommu {
  /** /sys/class/iommu entries (dmar0, ivhd0 …): empty when firmware/kernel have it off. */
  readonly units: readonly string[];
  /** Group number → PCI addresses in it. */
  readonly groups: Readonly<Record<number, readonly string[]>>;
}

export interface HostFacts {
  readonly source: string;
  readonly hostname: Read<string>;
  /** `uname -r`-like release, e.g. "6.18.44" */
  readonly kernelRelease: Read<string>;
  readonly cmdline: Read<Cmdline>;
  readonly roles: Roles;
  /** Whether udev is installed (udevadm exists): udev rules only apply where it runs. Optional: unknown means "assume udev". */
  readonly udevPresent?: Read<boolean>;
  /** /proc/cpuinfo vendor_id ("GenuineIntel", "AuthenticAMD"); optional: rules fall back to IOMMU unit names and PCI vendors. */
  readonly cpuVendor?: Read<string>;
  /** fs.aio-nr and fs.aio-max-nr, live. */
  readonly aio: Read<{ readonly nr: number; readonly maxNr: number }>;
  /** sysctl.d settings in the order systemd-sysctl applies them: the last one for a key wins. */
  readonly sysctl: Read<readonly SysctlSetting[]>;
  readonly schedulerRules: Read<readonly SchedulerRule[]>;
  /** tuned's active profile, when tuned is installed. */
  readonly tunedProfile: Read<string>;
  readonly blockDevices: Read<readonly BlockDevice[]>;
  /** Mounted filesystems and active swap. */
  readonly mounts: Read<readonly Mount[]>;
  readonly iommu: Read<Iommu>;
  /** Storage controllers and SR-IOV capable devices (and everything sharing their IOMMU groups). */
  readonly pci: Read<readonly PciDevice[]>;
}
