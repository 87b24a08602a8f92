// Why kvmio does not recommend an anchor's configuration that measured faster than its own
// beyond the spread (bench/bench-quick.ts prints it under the figures, docs/bench.md):
// the figure is not hidden, the reason is said. Pure.
import type { DiskConfiguration } from './results-schema.js';

const direct = (c: DiskConfiguration): boolean => c.cache === 'none' || c.cache === 'directsync';

/** One sentence: what makes the anchor faster here and why kvmio's table still does not choose it. */
export function explainAnchorWin(anchor: DiskConfiguration, kvmio: DiskConfiguration): string {
  if (!direct(anchor) && direct(kvmio)) {
    return `cache=${anchor.cache} reads and writes through the host page cache, so on an image that fits in host RAM it can beat even bare O_DIRECT; ` +
      'kvmio does not recommend it: guest data is cached twice (guest and host page cache) and competes with the host for memory, ' +
      'acknowledged writes sit in host RAM until the guest flushes, and a live migration is safe only where the destination can drop its stale page cache ' +
      '(libvirt qemu_migration.c qemuMigrationSrcIsSafe otherwise refuses: "Migration may lead to data corruption if disks use cache other than none or directsync")';
  }
  if (anchor.format === kvmio.format && anchor.preallocation !== kvmio.preallocation && (anchor.preallocation === 'full' || kvmio.preallocation === 'full')) {
    return `preallocation=${anchor.preallocation} vs ${kvmio.preallocation}: a fully written image pays for every block at creation, a falloc one on the guest's first write of each block (unwritten-extent conversion); ` +
      'kvmio keeps the choice docs/disk.md explains ("Raw image preallocation"), measured with bench/prealloc-aio.ts';
  }
  if (anchor.format === kvmio.format && anchor.preallocation === 'off' && kvmio.preallocation !== 'off') {
    return `a sparse image (preallocation=off, aio=${anchor.aio}): kvmio preallocates so a guest never meets a full host filesystem mid-write (QEMU's default werror=enospc then pauses the VM) and so native AIO never waits for block allocation (kubevirt/kubevirt#4077); ` +
      `the ${anchor.format}-${kvmio.preallocation}-${anchor.cache}-${anchor.aio} row shows whether the aio mode alone makes the difference (aio rule 2 follows it beyond the spread)`;
  }
  if (anchor.format === kvmio.format && anchor.preallocation === kvmio.preallocation && anchor.cache === kvmio.cache && anchor.aio !== kvmio.aio) {
    return `the same image under aio=${anchor.aio}: aio rule 2 takes a measured winner only beyond the spread on the workload that decides (4k random write QD32 through the export first), so this workload alone does not move it; if it wins on that workload too, the rule follows it`;
  }
  return `not explained by kvmio's table (${anchor.format}${anchor.preallocation ? ` ${anchor.preallocation}` : ''} ${anchor.cache} ${anchor.aio} vs ${kvmio.id}): worth a report with the results file`;
}
