// A drive's `file` resolved through storage.cfg to where QEMU's data lives: a file on
// a filesystem (dir, nfs, cifs, btrfs), an LV or thin LV (lvm, lvmthin), a zvol
// (zfspool: /dev/zvol/POOL/NAME), a block device (iscsi by-id, krbd), or a network
// store QEMU talks to itself (librbd, iscsidirect). Pure: storage.cfg in, paths out.
//
// Paths as the storage plugins build them (pve-storage src/PVE/Storage/*Plugin.pm):
// Plugin.pm filesystem_path "$path/images/$vmid/$name" (dir, nfs, cifs, default mount
// /mnt/pve/ID), LVMPlugin/LvmThinPlugin "/dev/$vg/$name", ZFSPoolPlugin
// "/dev/zvol/$pool/$name", ISCSIPlugin "/dev/disk/by-id/$name" (volname
// "0.0.LUN.NAME"), RBDPlugin "rbd:POOL/NAME" (librbd) or a mapped /dev/rbd device (krbd).
import type { Backend } from '../model/disk-types.js';
import type { DiskSource } from '../model/vm.js';
import { missing, ok, type Read } from '../facts/source.js';
import type { StorageCfg, StorageConfig } from './parse-storage-cfg.js';

export interface ResolvedVolume {
  /** The source as Proxmox names it (storage:volume, or the path written in the config). */
  readonly source: DiskSource;
  /** The storage the volume lives on, when it is a storage:volume id. */
  readonly storage?: StorageConfig;
  /** The local path QEMU opens, when there is one. */
  readonly path: Read<string>;
  /** What storage.cfg alone tells (LV, thin LV, zvol, block); image files need a probe for allocation. */
  readonly backend: Read<Backend>;
  /** Image format: the volume's extension on file storages, raw on block storages. */
  readonly format: string | undefined;
  /** Host filesystem when the storage type says it (nfs, cifs, btrfs). */
  readonly fsType?: string;
  /** One line for messages: "lvmthin local-lvm (VG pve, thin pool data)". */
  readonly store: string;
}

const FILE_STORAGES = new Set(['dir', 'nfs', 'cifs', 'btrfs', 'glusterfs', 'cephfs']);

const extFormat = (name: string): string | undefined => /\.(raw|qcow2|vmdk|qed|qcow|cloop|iso|img)$/.exec(name)?.[1];

function describe(s: StorageConfig): string {
  const p = s.props;
  switch (s.type) {
    case 'lvm':
      return `lvm ${s.id} (VG ${p.get('vgname') ?? '?'})`;
    case 'lvmthin':
      return `lvmthin ${s.id} (VG ${p.get('vgname') ?? '?'}, thin pool ${p.get('thinpool') ?? '?'})`;
    case 'zfspool':
      return `zfspool ${s.id} (pool ${p.get('pool') ?? '?'})`;
    case 'rbd':
      return `rbd ${s.id} (pool ${p.get('pool') ?? 'rbd'}, ${p.get('krbd') === '1' ? 'krbd' : 'librbd'})`;
    default:
      return `${s.type} ${s.id}${p.get('path') ? ` (${p.get('path')})` : ''}`;
  }
}

/** Resolves FILE (a drive's volume) against storage.cfg; a volume source carries the path (or why there is none). */
export function resolveVolume(file: string, cfg: StorageCfg | undefined, opts: { cdrom?: boolean } = {}): ResolvedVolume {
  const r = resolveRaw(file, cfg, opts);
  if (r.source.kind !== 'volume') return r;
  return { ...r, source: { ...r.source, ...(r.path.ok ? { path: r.path.value } : { unresolved: r.path.reason }) } };
}

function resolveRaw(file: string, cfg: StorageCfg | undefined, opts: { cdrom?: boolean }): ResolvedVolume {
  if (file === 'none') return { source: { kind: 'none' }, path: missing('no medium (file=none)'), backend: missing('no medium'), format: undefined, store: 'none' };
  if (file === 'cdrom') return { source: { kind: 'block', path: '/dev/cdrom' }, path: ok('/dev/cdrom'), backend: missing('the host CD-ROM drive'), format: undefined, store: 'host CD-ROM' };
  if (file.startsWith('/')) {
    const isDev = file.startsWith('/dev/');
    return {
      source: isDev ? { kind: 'block', path: file } : { kind: 'file', path: file },
      path: ok(file),
      backend: isDev ? ok({ kind: 'block', path: file, device: /\d$/.test(file) && !/\/(nbd|loop|zd|rbd)\d+$/.test(file) ? 'partition' : 'whole' }) : missing(`${file}: an image file; its allocation needs qemu-img info`),
      format: isDev ? 'raw' : extFormat(file),
      store: isDev ? 'a host block device' : 'a path outside any storage',
    };
  }
  const m = /^([a-zA-Z][a-zA-Z0-9_.-]*):(.+)$/.exec(file);
  if (!m) {
    return { source: { kind: 'other', type: file }, path: missing(`"${file}" is neither STORAGE:VOLUME nor an absolute path`), backend: missing('unknown volume'), format: undefined, store: '?' };
  }
  const [, id, volname] = m as unknown as [string, string, string];
  const source: DiskSource = { kind: 'volume', pool: id, volume: volname };
  if (cfg === undefined) {
    return { source, path: missing('storage.cfg was not read'), backend: missing('storage.cfg was not read'), format: undefined, store: id };
  }
  const s = cfg.storages.get(id);
  if (!s) {
    return { source, path: missing(`storage "${id}" is not defined in storage.cfg`), backend: missing(`storage "${id}" is not defined in storage.cfg`), format: undefined, store: id };
  }
  const base = { source, storage: s, store: describe(s) };
  const p = s.props;
  if (FILE_STORAGES.has(s.type)) {
    const root = p.get('path') ?? `/mnt/pve/${id}`;
    const isIso = volname.startsWith('iso/') || opts.cdrom === true;
    const path = isIso ? `${root}/template/iso/${volname.replace(/^iso\//, '')}` : s.type === 'btrfs' ? btrfsPath(root, volname) : `${root}/images/${volname}`;
    const fsType = s.type === 'dir' ? undefined : s.type === 'cephfs' ? 'ceph' : s.type === 'glusterfs' ? 'fuse.glusterfs' : s.type;
    return {
      ...base,
      path: ok(path),
      backend: missing(`${path}: an image file on ${describe(s)}; its allocation needs qemu-img info`),
      format: s.type === 'btrfs' ? 'raw' : extFormat(volname),
      ...(fsType ? { fsType } : {}),
    };
  }
  switch (s.type) {
    case 'lvm':
    case 'lvmthin': {
      const vg = p.get('vgname');
      if (!vg) return { ...base, path: missing(`storage ${id} has no vgname`), backend: missing(`storage ${id} has no vgname`), format: 'raw' };
      const path = `/dev/${vg}/${volname}`;
      return { ...base, path: ok(path), backend: ok({ kind: 'lv', vg, lv: volname, path, thin: s.type === 'lvmthin' }), format: 'raw' };
    }
    case 'zfspool': {
      const pool = p.get('pool');
      if (!pool) return { ...base, path: missing(`storage ${id} has no pool`), backend: missing(`storage ${id} has no pool`), format: 'raw' };
      // subvol-/basevol- are container datasets (a directory), not zvols.
      if (/^(subvol|basevol)-/.test(volname)) return { ...base, path: ok(`${p.get('mountpoint') ?? `/${pool}`}/${volname}`), backend: missing('a ZFS dataset (container volume), not a VM disk'), format: 'subvol', fsType: 'zfs' };
      const path = `/dev/zvol/${pool}/${volname}`;
      return { ...base, path: ok(path), backend: ok({ kind: 'block', path, device: 'whole' }), format: 'raw' };
    }
    case 'iscsi': {
      const lun = /^\d+\.\d+\.\d+\.([^/\s]+)$/.exec(volname);
      if (!lun) return { ...base, path: missing(`iscsi volume "${volname}" is not CH.ID.LUN.NAME`), backend: missing('unparsable iscsi volume'), format: 'raw' };
      const path = `/dev/disk/by-id/${lun[1]}`;
      return { ...base, path: ok(path), backend: ok({ kind: 'block', path, device: 'whole' }), format: 'raw' };
    }
    case 'rbd': {
      const pool = p.get('pool') ?? 'rbd';
      if (p.get('krbd') === '1') {
        // ceph-common's udev rule links mapped images as /dev/rbd/POOL/NAME.
        const path = `/dev/rbd/${pool}/${volname}`;
        return { ...base, path: ok(path), backend: ok({ kind: 'block', path, device: 'whole' }), format: 'raw' };
      }
      const hosts = (p.get('monhost') ?? '').split(/[\s,;]+/).filter((h) => h !== '');
      return {
        ...base,
        source: { kind: 'network', protocol: 'rbd', name: `${pool}/${volname}`, hosts },
        path: missing(`librbd: QEMU talks to Ceph itself (rbd:${pool}/${volname}); there is no local path to probe`),
        backend: missing('a network store (librbd)'),
        format: 'raw',
      };
    }
    case 'iscsidirect': {
      const portal = p.get('portal');
      return {
        ...base,
        source: { kind: 'network', protocol: 'iscsi', name: `${p.get('target') ?? '?'}/${volname}`, hosts: portal ? [portal] : [] },
        path: missing('iscsidirect: QEMU\'s libiscsi talks to the target itself; there is no local path to probe'),
        backend: missing('a network store (libiscsi)'),
        format: 'raw',
      };
    }
    default:
      return { ...base, path: missing(`storage type "${s.type}" (${id}) is not resolved by kvmio`), backend: missing(`storage type "${s.type}" is not resolved by kvmio`), format: undefined };
  }
}

// BTRFSPlugin keeps each raw image in its own subvolume: images/VMID/NAME/disk.raw.
function btrfsPath(root: string, volname: string): string {
  const m = /^(\d+)\/(.+)\.raw$/.exec(volname);
  return m ? `${root}/images/${m[1]}/${m[2]}/disk.raw` : `${root}/images/${volname}`;
}
