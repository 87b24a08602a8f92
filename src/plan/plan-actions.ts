// Engine actions for libvirt pools and volumes (model/pool-action.ts), built in one
// place for `pool create`, `disk create --pool` and `plan apply`. Pure.
import type { PoolCreate, VolumeCreate } from '../model/pool-action.js';
import { renderPoolXml, type PoolSpec } from '../render/pool-xml.js';

export function poolCreateAction(p: PoolSpec, autostart: boolean, uri?: string): PoolCreate {
  return {
    kind: 'libvirt-pool-create', id: 'pool.create', object: p.name, pool: p.name,
    reason: p.type === 'logical' ? `libvirt logical pool on volume group ${p.vg}` : `libvirt dir pool at ${p.path}`,
    xml: renderPoolXml(p), build: p.type === 'dir', autostart,
    ...(p.type === 'dir' ? { targetDir: p.path } : {}),
    ...(uri !== undefined ? { uri } : {}),
  };
}

/** vol-create-as: --allocation is what libvirt allocates up front (all of it for a preallocated raw image, 0 for sparse); qcow2 metadata with --prealloc-metadata. */
export function volumeCreateAction(v: { pool: string; name: string; bytes: number; format?: 'raw' | 'qcow2'; preallocate: 'full' | 'metadata' | 'none' }, uri?: string): VolumeCreate {
  const args = [
    String(v.bytes),
    ...(v.format !== undefined ? ['--format', v.format] : []),
    ...(v.format !== undefined ? ['--allocation', v.preallocate === 'full' ? String(v.bytes) : '0'] : []),
    ...(v.format === 'qcow2' && v.preallocate === 'metadata' ? ['--prealloc-metadata'] : []),
  ];
  return {
    kind: 'libvirt-vol-create', id: 'volume.create', object: `${v.pool}/${v.name}`, pool: v.pool, volume: v.name,
    reason: `volume ${v.name} in pool ${v.pool}, through libvirt's storage management`, args, ...(uri !== undefined ? { uri } : {}),
  };
}
