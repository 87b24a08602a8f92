// Engine actions for libvirt storage management (apply/pool-handler.ts): a pool kvmio
// defines, builds, starts and marks autostart, and a volume it creates through a pool
// (`virsh vol-create-as`), so libvirt knows every disk, as the guide does.
import type { ActionBase } from './action.js';

/** `virsh pool-define` + `pool-build` (dir pools) + `pool-start` + `pool-autostart`; rollback destroys/undefines only a pool kvmio defined. */
export interface PoolCreate extends ActionBase {
  readonly kind: 'libvirt-pool-create';
  readonly pool: string;
  readonly uri?: string;
  /** Complete pool XML (render/pool-xml.ts). */
  readonly xml: string;
  /** Run pool-build (a dir pool's directory; never for logical pools: that would vgcreate). */
  readonly build: boolean;
  readonly autostart: boolean;
  /** A dir pool's directory (removed on rollback only when kvmio made it and it is empty). */
  readonly targetDir?: string;
}

/** `virsh vol-create-as POOL NAME BYTES [--format F] [--allocation A] [--prealloc-metadata]`; rollback vol-deletes a volume kvmio created. */
export interface VolumeCreate extends ActionBase {
  readonly kind: 'libvirt-vol-create';
  readonly pool: string;
  readonly volume: string;
  readonly uri?: string;
  /** The vol-create-as arguments after the pool and name: capacity and options. */
  readonly args: readonly string[];
}
