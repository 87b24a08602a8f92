// A FileBackend for an image that is about to be created (provision, vmdisks): the
// choice needs its allocation before qemu-img has run. falloc/full allocate every
// block (actual-size >= virtual-size); off and qcow2's metadata leave data sparse.
import type { Size } from '../size.js';
import type { FileBackend, ImageFormat } from '../model/disk-types.js';

export type Preallocation = 'off' | 'metadata' | 'falloc' | 'full';

export interface PlannedImage {
  readonly path: string;
  readonly format: ImageFormat;
  readonly virtualSize: Size;
  readonly preallocation: Preallocation;
  readonly fsType?: string;
  /** From probeDirectIoInDir on the target directory. */
  readonly directIo?: boolean;
  readonly clusterSize?: Size;
}

export const isFullyAllocating = (p: Preallocation): boolean => p === 'falloc' || p === 'full';

export function plannedFileBackend(img: PlannedImage): FileBackend {
  return {
    kind: 'file',
    path: img.path,
    format: img.format,
    virtualSize: img.virtualSize,
    allocation: isFullyAllocating(img.preallocation) ? 'preallocated' : 'sparse',
    ...(img.fsType === undefined ? {} : { fsType: img.fsType }),
    ...(img.directIo === undefined ? {} : { directIo: img.directIo }),
    ...(img.clusterSize === undefined ? {} : { clusterSize: img.clusterSize }),
  };
}
