// What `disk create` made (or would make), as the Backend the disk decision table takes,
// and its libvirt XML through the shared chooser and renderer (decide/, render/).
import { constants, promises as fs } from 'node:fs';
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

// Linux O_TMPFILE (__O_TMPFILE | O_DIRECTORY); Node does not export it.
const O_TMPFILE = 0o20000000 | constants.O_DIRECTORY;

/**
 * Does the file system of `dir` accept O_DIRECT? Nova and KubeVirt open a file with it;
 * before the image exists, an unnamed O_TMPFILE inode answers without leaving a name
 * behind (it vanishes on close), so even a dry run leaves the directory as it was
 * (facts/probe-disk.ts's probeDirectIoInDir creates and removes a named file).
 * undefined: could not tell (O_TMPFILE unsupported).
 */
export async function probeDirectIoDir(dir: string): Promise<boolean | undefined> {
  try {
    const fh = await fs.open(dir, O_TMPFILE | constants.O_RDWR | constants.O_DIRECT, 0o600);
    await fh.close();
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'EINVAL' ? false : undefined;
  }
}
