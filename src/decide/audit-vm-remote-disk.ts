// Disks whose data the host does not hold as a file or block device: network disks (rbd,
// iscsi, nbd, gluster, …: QEMU's own protocol drivers) and vhost-user disks (an external
// backend process, e.g. qemu-storage-daemon or SPDK, serves the virtqueues). What applies
// to them is judged (cache, iothread, queues); what needs the image is skipped with the
// reason. Pure, over the neutral model.
//
// Cache: libvirt src/qemu/qemu_migration.c qemuMigrationSrcIsSafe lets a disk migrate with
// cache none/directsync, or when it is rbd whatever its cache (librbd honours flushes and
// the RBD cache is per client); any other network disk with a host-side cache needs
// --unsafe. Ceph's documentation recommends cache=writeback for librbd (it enables the RBD
// cache). vhost-user: libvirt src/conf/domain_validate.c virDomainDiskVhostUserValidate
// refuses cache, io, iothread, discard, detect_zeroes, error_policy, copy_on_read,
// metadata_cache, <readonly/>, <shareable/>, <serial>, <blockio> on it.
import { fixText, withAction, type Finding } from '../model/finding.js';
import type { CacheMode } from '../model/disk-types.js';
import type { Vm, VmDisk } from '../model/vm.js';

const REF_CACHE = 'libvirt src/qemu/qemu_migration.c qemuMigrationSrcIsSafe (none/directsync, or rbd); Ceph docs "QEMU and block devices" (cache=writeback enables the RBD cache)';
const REF_VU = 'libvirt src/conf/domain_validate.c virDomainDiskVhostUserValidate; formatdomain <disk type=\'vhostuser\'> (since 7.1.0)';

type Base = Pick<Finding, 'subject' | 'object'>;

export type RemoteKind = 'network' | 'vhostuser';

export function remoteKind(disk: VmDisk): RemoteKind | undefined {
  if (disk.source.kind === 'network') return 'network';
  if (disk.source.kind === 'other' && disk.source.type === 'vhostuser') return 'vhostuser';
  return undefined;
}

/** "rbd rbd/vm-1 on 10.0.0.1:6789", "vhost-user socket /run/x.sock". */
export function remoteText(disk: VmDisk): string {
  const s = disk.source;
  if (s.kind === 'network') return `${s.protocol} ${s.name ?? '(no name)'}${s.hosts.length > 0 ? ` on ${s.hosts.join(', ')}` : ''}`;
  if (s.kind === 'other') return `vhost-user socket ${s.path ?? '(no path)'}`;
  return s.kind;
}

/** vm.remote-disk: why the image checks are not made (in place of vm.source-missing). */
export function auditRemoteSource(disk: VmDisk, kind: RemoteKind, base: Base): Finding {
  const why =
    kind === 'network'
      ? 'the image lives on the remote store and QEMU reaches it through its own protocol driver: allocation, format header, qcow2 clusters, O_DIRECT and discard are not judged from this host; cache, iothread and queues are'
      : 'a vhost-user backend process serves this disk: cache, io, discard and the image belong to that process; queues are judged';
  return { ...base, id: 'vm.remote-disk', status: 'skip', observed: remoteText(disk), why };
}

const isRbd = (disk: VmDisk): boolean => disk.source.kind === 'network' && disk.source.protocol === 'rbd';

const libvirtManaged = (vm: Vm): boolean => vm.ref.manager.kind === 'libvirt' || vm.ref.manager.kind === 'libvirt-xml';

/**
 * The cache `vm tune` writes on a network disk, or undefined to keep it (shared with the
 * audit). QEMU's protocol drivers never use the host page cache; only libvirt's migration
 * check makes none/directsync matter, and unsafe is wrong everywhere.
 */
export function wantedNetworkCache(vm: Vm, disk: VmDisk): CacheMode | undefined {
  if (disk.readOnly) return undefined;
  const c = disk.cache.value;
  if (c === 'unsafe') return isRbd(disk) ? 'writeback' : 'none';
  if (isRbd(disk) || !libvirtManaged(vm)) return undefined;
  return c === 'none' || c === 'directsync' ? undefined : 'none';
}

/** vm.cache on a network disk. */
export function auditNetworkCache(vm: Vm, disk: VmDisk, base: Base): Finding {
  const c = disk.cache;
  const observed = c.origin === 'default' ? `unset (${c.note ?? 'default'}: ${c.value})` : c.value;
  const want = wantedNetworkCache(vm, disk);
  const fix = withAction(fixText(['', ''], { vmTune: vm.ref }), { kind: 'vm-tune', vm: vm.ref });
  if (c.value === 'unsafe') {
    return { ...base, id: 'vm.cache', status: 'fail', observed, expected: isRbd(disk) ? 'writeback (the RBD cache) or none' : 'none', why: 'cache=unsafe ignores guest flushes: a crash of QEMU or the host loses data the guest was told is safe', fix, ref: REF_CACHE };
  }
  if (isRbd(disk)) {
    return { ...base, id: 'vm.cache', status: 'pass', observed, why: `${c.value === 'writeback' ? 'writeback enables the RBD cache, which honours guest flushes' : 'writeback would enable the RBD cache'}; the cache is per client, so live migration is safe (libvirt's qemuMigrationSrcIsSafe accepts rbd whatever its cache)`, ref: REF_CACHE };
  }
  if (want === undefined) {
    const why = c.value === 'none' || c.value === 'directsync' ? 'no host-side cache: guest flushes reach the remote store and libvirt can live-migrate the disk' : "QEMU's protocol driver does not use the host page cache: the cache mode only decides whether the guest sees a write cache it must flush";
    return { ...base, id: 'vm.cache', status: 'pass', observed, why, ref: REF_CACHE };
  }
  return {
    ...base,
    id: 'vm.cache',
    status: 'warn',
    observed,
    expected: 'none',
    why: `libvirt refuses to live-migrate a ${disk.source.kind === 'network' ? disk.source.protocol : 'network'} disk with cache=${c.value} without --unsafe (qemuMigrationSrcIsSafe accepts only none/directsync here); none keeps no host-side copy of the guest's writes`,
    fix,
    ref: REF_CACHE,
  };
}

/** The driver settings libvirt refuses on a vhostuser disk, as written. */
export function vhostUserRefused(disk: VmDisk): string[] {
  const out: string[] = [];
  if (disk.cache.origin === 'explicit') out.push(`cache='${disk.cache.value}'`);
  if (disk.aio.origin === 'explicit') out.push(`io='${disk.aio.value}'`);
  if (disk.iothread !== undefined || (disk.iothreadQueues ?? []).length > 0) out.push('iothread');
  if (disk.discard !== undefined) out.push(`discard='${disk.discard}'`);
  if (disk.detectZeroes !== undefined) out.push(`detect_zeroes='${disk.detectZeroes}'`);
  if (disk.errorPolicy !== undefined || disk.readErrorPolicy !== undefined) out.push('error_policy');
  if (disk.copyOnRead !== undefined) out.push('copy_on_read');
  if (disk.metadataCacheMax !== undefined) out.push('<metadata_cache>');
  if (disk.readOnly) out.push('<readonly/>');
  if (disk.shareable) out.push('<shareable/>');
  if (disk.serial !== undefined) out.push('<serial>');
  return out;
}

/** vm.vhostuser: the disk carries nothing libvirt refuses on vhost-user. */
export function auditVhostUser(vm: Vm, disk: VmDisk, base: Base): Finding {
  const refused = vhostUserRefused(disk);
  const bus = disk.bus === 'virtio-blk' ? [] : [`bus ${disk.busName ?? disk.bus} (vhost-user disks are virtio only)`];
  const all = [...bus, ...refused];
  return all.length === 0
    ? { ...base, id: 'vm.vhostuser', status: 'pass', observed: remoteText(disk), why: 'virtio bus, and no driver setting libvirt refuses on vhost-user', ref: REF_VU }
    : { ...base, id: 'vm.vhostuser', status: 'fail', observed: `${remoteText(disk)} with ${all.join(', ')}`, expected: 'virtio bus; no cache, io, iothread, discard, detect_zeroes, error_policy, copy_on_read, metadata_cache, readonly, shareable or serial', why: 'libvirt refuses the definition: the vhost-user backend process, not QEMU, owns these', fix: fixText`remove ${all.join(', ')} from the disk (${{ vmEdit: vm.ref }})`, ref: REF_VU };
}
