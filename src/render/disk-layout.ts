// Where each chosen disk goes in a VM: its index, SCSI controller, PCIe root port and
// iothread. Shared by the libvirt and QEMU renderers so both describe the same VM.
import type { DiskConfig, DiskDeviceConfig, HostdevConfig, Machine } from '../model/disk-types.js';

export interface PlacedDisk {
  readonly kind: 'disk';
  readonly config: DiskDeviceConfig;
  /** disk0, disk1, … (QEMU drive ids). */
  readonly index: number;
  /** The virtio-scsi controller index for a virtio-scsi disk (one controller per disk, so each can have its own iothread). */
  readonly scsiController?: number;
  /** PCIe root port number (1-based) of the disk's PCI function on q35. */
  readonly rootPort?: number;
}

export interface PlacedHostdev {
  readonly kind: 'hostdev';
  readonly config: HostdevConfig;
  readonly index: number;
  readonly rootPort?: number;
}

export type Placed = PlacedDisk | PlacedHostdev;

export interface Layout {
  readonly machine: Machine;
  readonly items: readonly Placed[];
  /** Distinct iothread ids in use, ascending. */
  readonly iothreads: readonly number[];
  /** Number of PCIe root ports needed (q35 only; 0 on pc). */
  readonly rootPorts: number;
}

export function layoutDisks(configs: readonly DiskConfig[]): Layout {
  const machine: Machine = configs[0]?.machine.value ?? 'q35';
  const q35 = machine === 'q35';
  let port = 0;
  let scsi = 0;
  const items = configs.map((config, index): Placed => {
    const rootPort = q35 ? ++port : undefined;
    if (config.kind === 'hostdev') return { kind: 'hostdev', config, index, ...(rootPort === undefined ? {} : { rootPort }) };
    const scsiController = config.bus.value === 'virtio-scsi' ? scsi++ : undefined;
    return { kind: 'disk', config, index, ...(scsiController === undefined ? {} : { scsiController }), ...(rootPort === undefined ? {} : { rootPort }) };
  });
  const iothreads = [...new Set(configs.flatMap((c) => (c.kind === 'disk' && c.iothread.value !== null ? [c.iothread.value] : [])))].sort((a, b) => a - b);
  return { machine, items, iothreads, rootPorts: port };
}

/** "0000:03:00.0" → its parts as libvirt writes them. */
export function parsePciAddress(address: string): { domain: string; bus: string; slot: string; function: string } {
  const m = /^([0-9a-fA-F]{4}):([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\.([0-7])$/.exec(address);
  if (!m) throw new Error(`PCI address ${JSON.stringify(address)} is not DDDD:BB:SS.F`);
  return { domain: `0x${m[1]}`, bus: `0x${m[2]}`, slot: `0x${m[3]}`, function: `0x${m[4]}` };
}
