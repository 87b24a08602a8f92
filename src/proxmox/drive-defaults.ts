// What QEMU will really use for a Proxmox drive, per Proxmox's own rules, with the
// origin of each value (written in the config, or Proxmox's default) for findings.
//
// pve-qemu-server src/PVE/QemuServer/Drive.pm (commit 3cc4d826):
//   drive_uses_cache_direct: an explicit cache counts as direct when it is none or
//     directsync (or the legacy "off"); an unset cache is direct, except on CD-ROMs and
//     on btrfs storages without nocow. Blockdev.pm then passes cache=none for it.
//   storage_allows_io_uring_default: no for krbd without a direct cache ("will hang"),
//     for every `lvm` storage ("will hang, without cache only sometimes") and for cifs
//     ("problems … since kernel 5.15"); yes otherwise (lvmthin included).
//   aio_cmdline_option: an explicit aio wins; else io_uring where allowed; else native
//     with a direct cache, threads without. Blockdev.pm sets aio only for the file,
//     host_device and host_cdrom drivers: librbd and libiscsi disks have none.
//   detect_zeroes_cmdline_option: detect_zeroes=0 → off; discard=on → unmap; else on.
// io_uring became the default in PVE 7.0 (pve-qemu-server 7.0-3 changelog); before it
// the same rule without the io_uring branch applied.
import type { AioMode, CacheMode } from '../model/disk-types.js';
import type { Effective } from '../model/vm.js';
import type { Version } from '../model/version.js';
import { driveOption, parseBool, type DriveInterface, type DriveString } from './parse-drive.js';
import type { StorageConfig } from './parse-storage-cfg.js';

const PVE_IO_URING_DEFAULT: Version = { major: 7, minor: 0, patch: 0 };
const atLeast = (v: Version, min: Version): boolean => (v.major - min.major || v.minor - min.minor || v.patch - min.patch) >= 0;

export const isCdrom = (d: DriveString): boolean => driveOption(d, 'media') === 'cdrom';

/** Drive.pm drive_uses_cache_direct. */
export function driveUsesCacheDirect(d: DriveString, scfg: StorageConfig | undefined): boolean {
  const cache = driveOption(d, 'cache');
  if (cache) return /^(?:off|none|directsync)$/.test(cache);
  return !isCdrom(d) && !(scfg?.type === 'btrfs' && scfg.props.get('nocow') !== '1');
}

/** Drive.pm storage_allows_io_uring_default. */
export function storageAllowsIoUringDefault(scfg: StorageConfig | undefined, cacheDirect: boolean): { allowed: boolean; why?: string } {
  if (scfg?.type === 'rbd' && scfg.props.get('krbd') === '1' && !cacheDirect) return { allowed: false, why: 'krbd without a direct cache (io_uring hangs there)' };
  if (scfg?.type === 'lvm') return { allowed: false, why: 'an lvm storage (io_uring hangs there)' };
  if (scfg?.type === 'cifs') return { allowed: false, why: 'a cifs storage (io_uring problems since kernel 5.15)' };
  return { allowed: true };
}

/** The QEMU block driver Proxmox uses: only file-like drivers take an aio mode. */
export function usesAio(scfg: StorageConfig | undefined, file: string): boolean {
  if (scfg?.type === 'rbd' && scfg.props.get('krbd') !== '1') return false;
  if (scfg?.type === 'iscsidirect' || /^(rbd|iscsi|nbd):/.test(file)) return false;
  return true;
}

export function effectiveCache(d: DriveString, scfg: StorageConfig | undefined): Effective<CacheMode | string> {
  const cache = driveOption(d, 'cache');
  if (cache) return { value: cache === 'off' ? 'none' : cache, origin: 'explicit' };
  if (driveUsesCacheDirect(d, scfg)) return { value: 'none', origin: 'default', note: 'Proxmox default' };
  const why = isCdrom(d) ? 'a CD-ROM' : 'btrfs without nocow';
  return { value: 'writeback', origin: 'default', note: `Proxmox default on ${why}: not direct, so QEMU's` };
}

export function effectiveAio(d: DriveString, scfg: StorageConfig | undefined, pve: Version | undefined): Effective<AioMode | string> {
  const aio = driveOption(d, 'aio');
  if (!usesAio(scfg, d.file)) {
    return { value: aio ?? 'threads', origin: aio ? 'explicit' : 'default', note: `${scfg?.type === 'iscsidirect' ? 'libiscsi' : 'librbd'}, which has no aio option; Proxmox passes none` };
  }
  if (aio) return { value: aio, origin: 'explicit' };
  const direct = driveUsesCacheDirect(d, scfg);
  const uring = storageAllowsIoUringDefault(scfg, direct);
  if (pve !== undefined && !atLeast(pve, PVE_IO_URING_DEFAULT)) {
    return { value: direct ? 'native' : 'threads', origin: 'default', note: `Proxmox ${pve.major}.${pve.minor} default (no io_uring before 7.0) with${direct ? '' : 'out'} a direct cache` };
  }
  if (uring.allowed) return { value: 'io_uring', origin: 'default', note: 'Proxmox default' };
  return { value: direct ? 'native' : 'threads', origin: 'default', note: `Proxmox default on ${uring.why}, with${direct ? '' : 'out'} a direct cache` };
}

/** Drive.pm detect_zeroes_cmdline_option (CD-ROMs: none). */
export function effectiveDetectZeroes(d: DriveString): Effective<string> | undefined {
  if (isCdrom(d)) return undefined;
  const dz = driveOption(d, 'detect_zeroes');
  const discard = driveOption(d, 'discard');
  if (dz !== undefined && parseBool(dz) === false) return { value: 'off', origin: 'explicit' };
  if (discard) return { value: discard === 'on' ? 'unmap' : 'on', origin: dz !== undefined ? 'explicit' : 'default', note: `Proxmox default with discard=${discard}` };
  return { value: 'on', origin: dz !== undefined ? 'explicit' : 'default', note: 'Proxmox default' };
}

/** Blockdev.pm: discard=on → unmap; anything else → ignore. In QEMU's words. */
export function effectiveDiscard(d: DriveString): string {
  return driveOption(d, 'discard') === 'on' ? 'unmap' : 'ignore';
}

/**
 * Whether iothread=1 takes effect: on virtio-blk always, on SCSI only with scsihw
 * virtio-scsi-single (QemuServer.pm print_drive_device / the controller loop: "iothread
 * is only valid with virtio disk or virtio-scsi-single controller, ignoring").
 */
export function iothreadActive(iface: DriveInterface, d: DriveString, scsihw: string): { on: boolean; ignored?: string } {
  const want = parseBool(driveOption(d, 'iothread') ?? '0') === true;
  if (!want) return { on: false };
  if (iface === 'virtio') return { on: true };
  if (iface === 'scsi' && scsihw === 'virtio-scsi-single') return { on: true };
  return { on: false, ignored: iface === 'scsi' ? `iothread=1 is ignored: scsihw is ${scsihw}, not virtio-scsi-single` : `iothread=1 is ignored on ${iface}` };
}

/** The API default of scsihw (QemuServer.pm $confdesc scsihw: default lsi). */
export const SCSIHW_DEFAULT = 'lsi';
