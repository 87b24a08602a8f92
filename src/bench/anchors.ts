// The configurations other tools would give a new disk on this target, named so the
// summary can say how kvmio's choice compares with each (issue: "anchor configurations in
// every matrix"). Each is what that tool does by default, from its source:
// - virt-install (virtinst/devices/disk.py, storage.py): new images are qcow2 with
//   preallocation=metadata, no cache/io set, so libvirt leaves QEMU's defaults
//   (cache=writeback, aio=threads); block devices get cache=none, io=native.
// - Proxmox VE (qemu-server Drive.pm aio_cmdline_option, PVE::Storage defaults): qcow2 on
//   directory storage with preallocation=metadata, cache none, aio io_uring; LVM: native.
// - KubeVirt (converter SetDriverCacheMode/SetOptimalIOMode) and Nova (libvirt driver,
//   preallocate_images=none): a sparse raw disk.img (KubeVirt; Nova's qcow2 is sparse
//   too) with cache=none and aio=threads; native only for block devices and preallocated files.
// - the seed (seed §5): raw with preallocation=full, cache=none, aio=threads on ext4
//   ("for images on ext4 use aio=threads"), native on other filesystems; native on LVs.
// - kvmio: its own image default (raw, falloc: provision/image-plan.ts) and whatever
//   chooseDiskConfig picks for it, without bench evidence (filled in by the runner).
import type { DiskConfiguration } from './results-schema.js';

export const ANCHOR_IDS = ['virt-install', 'proxmox', 'kubevirt-nova', 'seed', 'kvmio'] as const;
export type AnchorId = (typeof ANCHOR_IDS)[number];

export interface AnchorDef {
  readonly id: AnchorId;
  readonly name: string;
  readonly why: string;
  readonly ref: string;
}

export const ANCHORS: Readonly<Record<AnchorId, AnchorDef>> = {
  'virt-install': {
    id: 'virt-install',
    name: 'virt-install default',
    why: 'new images are qcow2, sparse, metadata-preallocated; no cache/io set, so QEMU defaults apply (writeback, threads); block devices: cache=none, io=native',
    ref: 'virt-manager virtinst/storage.py, virtinst/devices/disk.py',
  },
  proxmox: {
    id: 'proxmox',
    name: 'Proxmox VE default',
    why: 'qcow2 with preallocation=metadata on directory storage, cache none, aio io_uring (native on LVM)',
    ref: 'pve-qemu-server src/PVE/QemuServer/Drive.pm aio_cmdline_option; pve-storage qcow2 preallocation default',
  },
  'kubevirt-nova': {
    id: 'kubevirt-nova',
    name: 'KubeVirt/Nova default',
    why: 'a sparse image with cache=none and aio=threads; native only for block devices and preallocated files',
    ref: 'kubevirt pkg/virt-launcher/virtwrap/converter SetOptimalIOMode; nova/virt/libvirt/driver.py (preallocate_images=none)',
  },
  seed: {
    id: 'seed',
    name: "the seed's choice",
    why: 'raw, preallocation=full, cache=none; aio=threads on ext4, native on other filesystems and on LVs',
    ref: 'seed §4, §5',
  },
  kvmio: {
    id: 'kvmio',
    name: "kvmio's choice (static table)",
    why: 'raw with preallocation=falloc (kvmio disk create) and the aio/cache chooseDiskConfig picks without bench evidence',
    ref: 'src/provision/image-plan.ts IMAGE_DEFAULTS; src/decide/choose-disk-config.ts',
  },
};

/** A configuration's id from its settings: "qcow2-64k-metadata-none-io_uring". */
export function configId(c: Omit<DiskConfiguration, 'id'>): string {
  const cluster = c.clusterSizeBytes === undefined ? '' : `-${c.clusterSizeBytes >= 1024 ** 2 ? `${c.clusterSizeBytes / 1024 ** 2}m` : `${c.clusterSizeBytes / 1024}k`}`;
  const l2 = c.extendedL2 ? '-xl2' : '';
  const pre = c.preallocation === undefined ? '' : `-${c.preallocation}`;
  return `${c.format}${cluster}${l2}${pre}-${c.cache}-${c.aio}`;
}

const cfg = (c: Omit<DiskConfiguration, 'id'>): DiskConfiguration => ({ id: configId(c), ...c });

/** The four fixed anchors for an image file on a filesystem of type fsType. */
export function fileAnchors(fsType: string | undefined): Readonly<Record<Exclude<AnchorId, 'kvmio'>, DiskConfiguration>> {
  return {
    'virt-install': cfg({ format: 'qcow2', clusterSizeBytes: 65536, preallocation: 'metadata', cache: 'writeback', aio: 'threads' }),
    proxmox: cfg({ format: 'qcow2', clusterSizeBytes: 65536, preallocation: 'metadata', cache: 'none', aio: 'io_uring' }),
    'kubevirt-nova': cfg({ format: 'raw', preallocation: 'off', cache: 'none', aio: 'threads' }),
    seed: cfg({ format: 'raw', preallocation: 'full', cache: 'none', aio: fsType === 'ext4' ? 'threads' : 'native' }),
  };
}

/** The four fixed anchors for a block device (raw on the device; no preallocation). */
export function deviceAnchors(): Readonly<Record<Exclude<AnchorId, 'kvmio'>, DiskConfiguration>> {
  const native = cfg({ format: 'raw', cache: 'none', aio: 'native' });
  return { 'virt-install': native, proxmox: native, 'kubevirt-nova': native, seed: native };
}

/** kvmio's image default for a file target (provision/image-plan.ts: raw, falloc). */
export const KVMIO_FILE_IMAGE = { format: 'raw', preallocation: 'falloc' } as const;
