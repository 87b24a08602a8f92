// What kvmio knows about the VMs it audits: each VM as the neutral model (whatever
// manager it came from; the adapters in src/libvirt/ and src/proxmox/ read them), and
// for every local disk source what the host says about it (facts/probe-vm-disks.ts).
import type { AioBenchEvidence, Backend, Platform } from '../model/disk-types.js';
import type { Vm } from '../model/vm.js';
import type { Size } from '../size.js';
import type { BackingChain } from './parse-qemu-img.js';
import type { Read } from './source.js';

/** `qemu-img info -U --output=json` (facts/parse-qemu-img.ts) without -f, so `format` is what the header says; the fields the VM checks use; actual-size known. */
export interface ImageInfo {
  readonly format: string;
  readonly virtualSize: Size;
  readonly actualSize: Size;
  readonly clusterSize?: Size;
  /** qcow2 with extended L2 entries (sub-clusters): twice the L2 metadata. */
  readonly extendedL2?: boolean;
  readonly backingFile?: string;
  /** The backing file's format as the image records it; absent: QEMU probes it. */
  readonly backingFormat?: string;
  /** The layers below (probe-image-chain.ts); absent when the image has no backing file. */
  readonly backing?: BackingChain;
}

/** The block sizes of the host device under a disk source (facts/probe-block-sizes.ts). */
export interface HostBlockSizes {
  /** For messages: "/dev/vg0/data", or "/dev/vda (holds /)". */
  readonly device: string;
  readonly logical: Size;
  readonly physical: Size;
}

/** A local disk source (file or block device), as probed on the host. */
export type SourceFacts =
  | { readonly kind: 'missing'; readonly path: string; readonly reason: string }
  | {
      readonly kind: 'present';
      readonly path: string;
      /** What the probe made of it: file, block, LV; or why not. */
      readonly backend: Read<Backend>;
      /** Image files: `qemu-img info` (format, sizes, cluster, extended L2); block devices: a reason. */
      readonly image: Read<ImageInfo>;
    };

/** How reading one manager went (libvirt's domains, Proxmox's configs), for its own finding. */
export interface ManagerRead {
  /** The check id of this manager's finding: "vm.libvirt". */
  readonly id: string;
  /** What was read, for messages: "libvirt domains". */
  readonly what: string;
  /** On success: what was found ("3 domain(s)") and how it was read. */
  readonly read: Read<{ readonly observed: string; readonly how: string }>;
}

export interface VmFacts {
  /** Every VM definition to audit: saved, live where it differs, files, other managers' configs. */
  readonly vms: readonly Vm[];
  /** One entry per manager that was asked. */
  readonly managers: readonly ManagerRead[];
  /** By local path. */
  readonly sources: ReadonlyMap<string, SourceFacts>;
  readonly platform: Platform;
  readonly aioNr: Read<number>;
  readonly aioMaxNr: Read<number>;
  /** The host device's block sizes under each local source, by path (facts/probe-block-sizes.ts). */
  readonly blockSizes?: ReadonlyMap<string, HostBlockSizes>;
  /** Saved kvmio bench results for aio rule 2, by local path (src/bench/evidence.ts withAioEvidence). */
  readonly aioEvidence?: ReadonlyMap<string, AioBenchEvidence>;
  /** What the host does with the block devices behind the disks (facts/probe-host-use.ts), for the hands-off checks. */
  readonly hostUse?: import('./host-use-facts.js').HostUseFacts;
}
