// What `disk create` made (or would make), as the Backend the disk decision table takes,
// and its libvirt XML through the shared chooser and renderer (decide/, render/).
import { chooseDiskConfig } from '../decide/choose-disk-config.js';
import type { DiskBackend, DiskDeviceConfig, DiskIntent, Platform } from '../model/disk-types.js';
import { libvirtDevices, renderLibvirtFragment } from '../render/libvirt-disk.js';
import { renderXml } from '../render/xml-text.js';

export interface CreatedDisk {
  readonly backend: DiskBackend;
  readonly config: DiskDeviceConfig;
  /** `kvmio disk xml`-style fragment (with the <iothreads> and root-port hints). */
  readonly fragment: string;
  /** The <disk> element alone: what `virsh attach-device` takes. */
  readonly diskElement: string;
  /** Highest iothread id the disk uses (0: none); the domain needs at least that many. */
  readonly iothreads: number;
}

export function describeCreatedDisk(backend: DiskBackend, intent: DiskIntent, platform: Platform): CreatedDisk {
  const config = chooseDiskConfig(backend, intent, platform);
  if (config.kind !== 'disk') throw new Error('a created disk is never a PCI device');
  const devices = libvirtDevices([config]);
  const disk = devices.devices.find((e) => e.name === 'disk');
  if (disk === undefined) throw new Error('renderer produced no <disk>');
  return { backend, config, fragment: renderLibvirtFragment([config]), diskElement: `${renderXml(disk)}\n`, iothreads: devices.iothreads };
}
