// What a VM charges against fs.aio-max-nr, from its domain definition.
//
// QEMU's linux-aio opens one Linux AIO context per AioContext that does native I/O, each
// with io_setup(1024) (block/linux-aio.c MAX_EVENTS), and the kernel charges the requested
// events to fs.aio-nr (fs/aio.c ioctx_alloc). The main loop always opens one when any
// disk uses aio=native (at open, even paused); each iothread that serves a native disk
// opens its own at its first I/O. aio=threads and aio=io_uring charge nothing.
//
// Measured 2026-11-25 on the kvmio CI machine (QEMU 7.2.22 Debian 1:7.2+dfsg-7+deb12u18,
// libvirt 9.0.0, Linux 6.18, TCG guests whose SeaBIOS read every disk; fs.aio-nr before
// and after, and the [aio] mappings in /proc/PID/maps):
//   qemu-system-x86_64 -blockdev …aio=native,cache.direct=on:
//     1 native disk, no iothread       → 1024   (1 context)
//     2 native disks, no iothread      → 1024   (1)
//     1 native disk on 1 iothread      → 2048   (2)
//     2 native disks on 2 iothreads    → 3072   (3)
//     2 native disks on 1 iothread     → 2048   (2)
//     aio=threads / aio=io_uring       → 0
//   libvirt-started (virsh start, io='native' cache='none'):
//     1 disk → 1024, 1 disk with iothread → 2048, 2 disks → 1024.
// test/decide/aio-cost.test.ts re-measures one case with real QEMU.
import type { DomainDisk, DomainModel } from '../facts/parse-domain.js';

/** io_setup nr_events per AIO context in QEMU's linux-aio (MAX_EVENTS). */
export const AIO_EVENTS_PER_CONTEXT = 1024;

export interface AioCharge {
  /** Disks with io='native' and a source. */
  readonly nativeDisks: number;
  /** AIO contexts: the main loop plus each iothread serving a native disk. */
  readonly contexts: number;
  /** What the VM adds to fs.aio-nr once each of those contexts has done I/O. */
  readonly aioNr: number;
}

/** The iothread that runs a disk's I/O: its own (virtio-blk) or its virtio-scsi controller's. */
export function diskIothread(vm: DomainModel, disk: DomainDisk): number | undefined {
  if (disk.driver.iothread !== undefined) return disk.driver.iothread;
  if (disk.target.bus === 'scsi') {
    const ctl = vm.controllers.find((c) => c.type === 'scsi' && (c.index ?? 0) === (disk.controllerIndex ?? 0));
    if (ctl?.model === 'virtio-scsi') return ctl.iothread;
  }
  return undefined;
}

export function aioCharge(vm: DomainModel): AioCharge {
  const native = vm.disks.filter((d) => d.driver.io === 'native' && d.source.kind !== 'none');
  if (native.length === 0) return { nativeDisks: 0, contexts: 0, aioNr: 0 };
  const iothreads = new Set(native.map((d) => diskIothread(vm, d)).filter((t): t is number => t !== undefined));
  const contexts = 1 + iothreads.size;
  return { nativeDisks: native.length, contexts, aioNr: contexts * AIO_EVENTS_PER_CONTEXT };
}
