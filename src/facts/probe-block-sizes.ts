// The logical and physical block sizes of the host device under each local disk source:
// the block device itself (a partition's are its disk's), or the device of the filesystem
// that holds an image file. Read through the Source port from sysfs
// (Documentation/ABI/stable/sysfs-block: queue/logical_block_size, queue/physical_block_size);
// the VM audit compares them with the disk's <blockio>. A size that cannot be read is left
// out (the audit then says it did not compare).
import { bytes } from '../size.js';
import { mountOf, parseMountinfo } from './parse-mounts.js';
import type { Source } from './source.js';
import type { HostBlockSizes } from './vm-disk-facts.js';


async function sizeAt(src: Source, path: string): Promise<number | undefined> {
  const r = await src.readText(path);
  const n = r.ok ? Number(r.value.trim()) : NaN;
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/** queue/ of the device MAJ:MIN, or of its disk when it is a partition (partitions have no queue/). */
async function sizesOf(src: Source, devNumber: string, device: string): Promise<HostBlockSizes | undefined> {
  const sys = `/sys/dev/block/${devNumber}`;
  const queue = (await src.readText(`${sys}/partition`)).ok ? `${sys}/../queue` : `${sys}/queue`;
  const logical = await sizeAt(src, `${queue}/logical_block_size`);
  const physical = await sizeAt(src, `${queue}/physical_block_size`);
  return logical === undefined || physical === undefined ? undefined : { device, logical: bytes(logical), physical: bytes(physical) };
}

/** What the source probe's stat said of a path (facts/probe-vm-disks.ts parseStatLine). */
export interface StatKind {
  readonly type: string;
  /** Block devices: "MAJ:MIN". */
  readonly devNumber?: string;
}

/** By local path, for each source path the VM probe stat'ed (`stat` answers from that probe; undefined: missing). */
export async function probeBlockSizes(src: Source, paths: readonly string[], stat: (path: string) => Promise<StatKind | undefined>): Promise<ReadonlyMap<string, HostBlockSizes>> {
  const out = new Map<string, HostBlockSizes>();
  if (paths.length === 0) return out;
  const m = await src.readText('/proc/self/mountinfo');
  const mounts = m.ok ? parseMountinfo(m.value) : undefined;
  for (const path of paths) {
    const st = await stat(path);
    if (st === undefined) continue;
    let sizes: HostBlockSizes | undefined;
    if (st.devNumber !== undefined) sizes = await sizesOf(src, st.devNumber, path);
    else if (st.type === 'regular file' && mounts?.ok) {
      const mount = mountOf(mounts.value, path);
      // Only a block-backed filesystem has a device (major 0 is tmpfs, overlay, NFS …).
      if (mount && /^[1-9]\d*:\d+$/.test(mount.devNumber)) sizes = await sizesOf(src, mount.devNumber, `${mount.source} (holds ${mount.mountpoint})`);
    }
    if (sizes) out.set(path, sizes);
  }
  return out;
}
