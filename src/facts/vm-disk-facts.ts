// What kvmio knows about the VMs it audits: each domain definition (saved, live, or an
// XML file), and for every local disk source what the host says about it.
import type { AioBenchEvidence, Backend, Platform } from '../model/disk-types.js';
import type { Size } from '../size.js';
import type { DomainModel } from './parse-domain.js';
import type { Read } from './source.js';

export type DefinitionOrigin = 'saved' | 'live' | 'file';

export interface VmDefinition {
  readonly model: DomainModel;
  readonly origin: DefinitionOrigin;
  /** The domain is running (libvirt); files are never running. */
  readonly running: boolean;
  /** The XML file, for origin "file". */
  readonly file?: string;
}

/** `qemu-img info -U --output=json`, the fields kvmio uses. */
export interface ImageInfo {
  readonly format: string;
  readonly virtualSize: Size;
  readonly actualSize: Size;
  readonly clusterSize?: Size;
  /** qcow2 with extended L2 entries (sub-clusters): twice the L2 metadata. */
  readonly extendedL2?: boolean;
  readonly backingFile?: string;
}

/** A local disk source (file or block device), as probed on the host. */
export type SourceFacts =
  | { readonly kind: 'missing'; readonly path: string; readonly reason: string }
  | {
      readonly kind: 'present';
      readonly path: string;
      /** What the disk probe (facts/probe-disk.ts) made of it: file, block, LV; or why not. */
      readonly backend: Read<Backend>;
      /** Image files: `qemu-img info` (format, sizes, cluster, extended L2); block devices: a reason. */
      readonly image: Read<ImageInfo>;
    };

export interface VmFacts {
  readonly definitions: readonly VmDefinition[];
  /** Why libvirt could not be read, when it could not (the files still are audited); undefined: not asked. */
  readonly libvirt: Read<true> | undefined;
  /** By local path. */
  readonly sources: ReadonlyMap<string, SourceFacts>;
  /** libvirt storage volumes resolved to local paths: key "pool/volume". */
  readonly volumes: ReadonlyMap<string, Read<string>>;
  readonly platform: Platform;
  readonly aioNr: Read<number>;
  readonly aioMaxNr: Read<number>;
  /** Saved kvmio bench results for aio rule 2, by local path (src/bench/evidence.ts withAioEvidence). */
  readonly aioEvidence?: ReadonlyMap<string, AioBenchEvidence>;
}
