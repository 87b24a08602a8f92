// What a VM charges against fs.aio-max-nr, from its definition (the neutral model: any
// manager). `kvmio fix` (AIO demand) and the aio.vm-headroom check both size from aioCharge.
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
import type { Vm, VmDisk } from '../model/vm.js';

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

/** The iothread that runs a disk's I/O: its own (virtio-blk), its first vq-mapped one, or its virtio-scsi controller's. */
export function diskIothread(vm: Vm, disk: VmDisk): number | undefined {
  if (disk.iothread !== undefined) return disk.iothread;
  const mapped = disk.iothreadQueues?.[0]?.iothread;
  if (mapped !== undefined) return mapped;
  if (disk.bus === 'virtio-scsi') {
    const c = vm.controllers.find((k) => k.key === disk.controller);
    return c?.iothread ?? c?.iothreadQueues?.[0]?.iothread;
  }
  return undefined;
}

/** The iothreads serving a disk (several with iothread-vq-mapping). */
const diskIothreads = (vm: Vm, disk: VmDisk): number[] => {
  const mapped = disk.iothreadQueues?.map((q) => q.iothread) ?? [];
  if (mapped.length > 0) return mapped;
  // A virtio-scsi controller's own mapping (QEMU 10.0) spreads its disks over each of them.
  const ctl = disk.bus === 'virtio-scsi' && disk.iothread === undefined ? vm.controllers.find((c) => c.key === disk.controller) : undefined;
  if (ctl?.iothread === undefined && (ctl?.iothreadQueues ?? []).length > 0) return ctl?.iothreadQueues?.map((q) => q.iothread) ?? [];
  const t = diskIothread(vm, disk);
  return t === undefined ? [] : [t];
};

export function aioCharge(vm: Vm): AioCharge {
  const native = vm.disks.filter((d) => d.aio.value === 'native' && d.source.kind !== 'none');
  if (native.length === 0) return { nativeDisks: 0, contexts: 0, aioNr: 0 };
  const iothreads = new Set(native.flatMap((d) => diskIothreads(vm, d)));
  const contexts = 1 + iothreads.size;
  return { nativeDisks: native.length, contexts, aioNr: contexts * AIO_EVENTS_PER_CONTEXT };
}

/** One definition per VM for sizing: the saved one (what the next start uses), else the live one, else a file; running if any says so. */
export function chargeableVms(vms: readonly Vm[]): Vm[] {
  const byName = new Map<string, Vm>();
  const key = (v: Vm): string => `${v.ref.manager.kind === 'libvirt-xml' ? 'libvirt' : v.ref.manager.kind}\0${v.ref.name}`;
  const rank = (v: Vm): number => (v.ref.manager.kind === 'libvirt' && v.ref.manager.origin === 'live' ? 1 : v.ref.manager.kind === 'libvirt-xml' ? 2 : 0);
  for (const v of vms) {
    const prev = byName.get(key(v));
    const running = v.running || (prev?.running ?? false);
    if (!prev || rank(v) < rank(prev)) byName.set(key(v), { ...v, running });
    else if (running !== prev.running) byName.set(key(v), { ...prev, running });
  }
  return [...byName.values()];
}
