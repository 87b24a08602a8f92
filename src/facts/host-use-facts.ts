// What the host itself does with the block devices behind VM disks, for the hands-off
// audit (decide/audit-vm-hands-off.ts): the block device tree with mounts, swap and
// root/boot (the same facts pass-through reads), the LVM PVs the host's `pvs` sees, and
// the LVM settings that decide which devices the host scans. Read through the Source.
import type { BlockDevice } from './host-facts.js';
import type { LvmScanSettings } from './parse-lvm-conf.js';
import type { DevicesFileEntry } from './parse-lvm-devices-file.js';
import type { PhysicalVolume } from './passthrough-facts.js';
import type { Read } from './source.js';

/** The host's LVM scan settings, or that lvm2 is not installed (then nothing scans). */
export type HostLvmConfig =
  | { readonly installed: false }
  | {
      readonly installed: true;
      /** Where the settings came from: "lvmconfig --type full devices" or "/etc/lvm/lvm.conf". */
      readonly from: string;
      readonly scan: LvmScanSettings;
      /** With use_devicesfile: its entries, or "absent" (LVM then uses no devices file). */
      readonly devicesFile?: Read<readonly DevicesFileEntry[]> | 'absent';
    };

export interface HostUseFacts {
  readonly blockDevices: Read<readonly BlockDevice[]>;
  readonly pvs: Read<readonly PhysicalVolume[]>;
  readonly lvm: Read<HostLvmConfig>;
  /** A VM source path under /dev → the kernel name it resolves to ("/dev/vg0/web" → "dm-3"), or "device MAJ:MIN" when no listed device has that number. */
  readonly deviceOf: ReadonlyMap<string, string>;
}
