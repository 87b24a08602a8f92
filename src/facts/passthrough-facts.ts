// Facts only pass-through needs, on top of HostFacts: the ACPI tables that announce an
// IOMMU, whether vfio-pci
// can be had, SR-IOV virtual functions, and what uses the disks (LVM PVs, libvirt
// pools and domains). Read through the same Source, so dumps replay them.
import type { Read } from './source.js';

export interface VirtualFunction {
  readonly address: string;
  /** N of the PF's virtfnN link. */
  readonly index: number;
  readonly iommuGroup?: number;
  readonly driver?: string;
  readonly classCode?: number;
  readonly vendor?: string;
  readonly device?: string;
}

export interface VfioAvailability {
  /** /sys/bus/pci/drivers/vfio-pci exists: the driver is registered now. */
  readonly loaded: boolean;
  /** The module file under /lib/modules/RELEASE, when found. */
  readonly moduleFile?: string;
  /** modules.builtin lists vfio-pci. */
  readonly builtin: boolean;
  /** Where we looked, for the message when nothing was found. */
  readonly looked: readonly string[];
}

export interface PhysicalVolume {
  /** "/dev/nvme0n1" */
  readonly pv: string;
  /** "" for an orphan PV (in no VG). */
  readonly vg: string;
}

export interface StoragePool {
  readonly name: string;
  /** logical, disk, dir, fs, … */
  readonly type: string;
  /** <source><device path=…/> */
  readonly sourceDevices: readonly string[];
  /** <source><name> (the VG of a logical pool). */
  readonly sourceName?: string;
  readonly targetPath?: string;
}

export interface DomainStorage {
  readonly name: string;
  /** Every <disk><source file|dev|volume…> path. */
  readonly diskSources: readonly string[];
  /** PCI addresses of <hostdev type='pci'> entries. */
  readonly hostdevs: readonly string[];
}

export interface PassthroughFacts {
  /** Names in /sys/firmware/acpi/tables (DMAR: Intel VT-d, IVRS: AMD-Vi). */
  readonly acpiTables: Read<readonly string[]>;
  readonly vfioPci: Read<VfioAvailability>;
  /** PF address → its virtual functions. */
  readonly virtualFunctions: Readonly<Record<string, readonly VirtualFunction[]>>;
  /** VF address → its PF. */
  readonly physicalFunction: Readonly<Record<string, string>>;
  readonly pvs: Read<readonly PhysicalVolume[]>;
  readonly pools: Read<readonly StoragePool[]>;
  readonly domains: Read<readonly DomainStorage[]>;
}
