// <blockio logical_block_size physical_block_size> against QEMU's limits and the host
// device under the image. Pure, over the neutral model plus the host's block sizes.
//
// QEMU hw/core/qdev-properties-system.c DEFINE_PROP_BLOCKSIZE: a power of 2 from 512
// (MIN_BLOCK_SIZE) to 2 MiB (MAX_BLOCK_SIZE); hw/block/block.c blkconf_blocksizes refuses
// "logical_block_size > physical_block_size", and without <blockio> a guest sees 512-byte
// sectors (the host is probed only for DASD and zoned devices, block/file-posix.c
// hdev_probe_blocksizes). With O_DIRECT, QEMU aligns every request to the host's logical
// block size (request_alignment) and read-modify-writes smaller guest writes. Changing
// logical_block_size on a disk that holds data moves every LBA (partition tables are in
// sectors): never a blind fix. physical_block_size is a hint only.
import { fixText, type Finding } from '../model/finding.js';
import type { Vm, VmDisk } from '../model/vm.js';
import { formatSize, type Size } from '../size.js';
import type { HostBlockSizes } from '../facts/vm-disk-facts.js';

const REF = 'libvirt formatdomain <blockio> (since 0.10.2); QEMU hw/block/block.c blkconf_blocksizes, DEFINE_PROP_BLOCKSIZE (512 B to 2 MiB, power of 2)';
const MIN = 512;
const MAX = 2 * 1024 ** 2;


const bad = (s: Size | undefined): boolean => s !== undefined && (s.bytes < MIN || s.bytes > MAX || (s.bytes & (s.bytes - 1)) !== 0);

export function auditBlockio(vm: Vm, disk: VmDisk, host: HostBlockSizes | undefined, base: Pick<Finding, 'subject' | 'object'>): Finding[] {
  const b = disk.blockio;
  if (b === undefined && host === undefined) return [];
  const id = 'vm.blockio';
  const text = (s: Size | undefined): string => (s === undefined ? 'unset' : `${s.bytes}`);
  const observed = `logical ${text(b?.logical)}, physical ${text(b?.physical)}${host ? `; host ${host.device} logical ${host.logical.bytes}, physical ${host.physical.bytes}` : ''}`;
  if (b !== undefined && disk.source.kind === 'other' && disk.source.type === 'vhostuser') {
    return [{ ...base, id, status: 'fail', observed, expected: 'no <blockio> on a vhostuser disk', why: 'libvirt refuses <blockio> on a vhostuser disk: the vhost-user backend reports the block sizes', fix: fixText`remove <blockio> (${{ vmEdit: vm.ref }})`, ref: REF }];
  }
  const problems: string[] = [];
  if (bad(b?.logical)) problems.push(`logical_block_size ${b?.logical?.bytes} is not a power of 2 from 512 to 2 MiB`);
  if (bad(b?.physical)) problems.push(`physical_block_size ${b?.physical?.bytes} is not a power of 2 from 512 to 2 MiB`);
  if (b?.logical && b.physical && b.logical.bytes > b.physical.bytes) problems.push('logical_block_size is larger than physical_block_size');
  if (problems.length > 0) return [{ ...base, id, status: 'fail', observed, expected: 'powers of 2 from 512 to 2 MiB, logical ≤ physical', why: `QEMU refuses the device: ${problems.join('; ')}`, fix: fixText`correct <blockio> (${{ vmEdit: vm.ref }})`, ref: REF }];
  const logical = b?.logical?.bytes ?? MIN;
  const physical = b?.physical?.bytes ?? logical;
  if (host === undefined) return [{ ...base, id, status: 'skip', observed, why: 'noted: declared sizes are valid; the host device under the image is not known, so they were not compared', ref: REF }];
  if (logical < host.logical.bytes) {
    return [{
      ...base,
      id,
      status: 'warn',
      observed,
      expected: `logical ≥ ${host.logical.bytes} (the host's)`,
      why: `the guest writes ${logical}-byte sectors to a device that takes ${formatSize(host.logical)} units: with a direct cache QEMU bounces and read-modify-writes every smaller write (slower, and a torn write can damage neighbouring sectors on a crash)`,
      fix: fixText`for a new disk: <blockio logical_block_size='${host.logical.bytes}' physical_block_size='${host.physical.bytes}'/>; an existing disk keeps its sectors (changing them moves every LBA, partition tables included)`,
      ref: REF,
    }];
  }
  // Without <blockio> only a host that cannot take 512-byte writes is worth a line (a 512e disk under a 512-byte guest is the common case).
  if (b === undefined) return [];
  if (physical < host.physical.bytes) {
    return [{ ...base, id, status: 'skip', observed, why: `noted: the guest is not told the device writes ${formatSize(host.physical)} units, so it may not align partitions and I/O to them; physical_block_size='${host.physical.bytes}' is a safe hint to add`, ref: REF }];
  }
  return [{ ...base, id, status: 'pass', observed, why: "the guest's sectors are at least the host device's", ref: REF }];
}
