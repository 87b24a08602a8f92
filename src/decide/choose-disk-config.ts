// The disk decision table (docs/disk.md "The choice"), one pure function used by render, audit,
// provision and bench: first match wins for cache, then for aio; every choice carries
// its rule id, reason and reference so --explain can show it.
import { refused, usageError } from '../errors.js';
import { formatSize } from '../size.js';
import { DISK_DEFAULTS, IO_URING_MIN, REFS } from './disk-defaults.js';
import {
  isDirectCache,
  type AioBenchEvidence,
  CIFS_FS_TYPES,
  type AioMode,
  type Backend,
  type Bus,
  type CacheMode,
  type Choice,
  type DetectZeroes,
  type Discard,
  type DiskBackend,
  type DiskConfig,
  type DiskDeviceConfig,
  type DiskIntent,
  type Machine,
  type Platform,
} from '../model/disk-types.js';
import { atLeast, formatVersion } from './version.js';

const choice = <T>(value: T, rule: string, reason: string, ref: string): Choice<T> => ({ value, rule, reason, ref });

/** A short name of the backend for messages: the path or the PCI address. */
export const backendLabel = (b: Backend): string => (b.kind === 'pci' ? b.address : b.path);

/** The store a bench result must come from to decide aio for `b` (rule aio 2). */
export function storeOf(b: DiskBackend): string {
  if (b.kind !== 'file') return b.path;
  const i = b.path.lastIndexOf('/');
  return i <= 0 ? (i === 0 ? '/' : '.') : b.path.slice(0, i);
}

const benchFormatOf = (b: DiskBackend): AioBenchEvidence['format'] => (b.kind === 'file' ? b.format : 'block');

export const isSparseFile = (b: Backend): boolean => b.kind === 'file' && b.allocation === 'sparse';

/**
 * io_uring needs QEMU ≥ 5.0, kernel ≥ 5.1, a store that is not CIFS, and a configuration
 * layer that can name it: libvirt ≥ 6.3 for domain XML; Proxmox's qemu-server passes
 * `aio=io_uring` to QEMU itself (its default since PVE 7.0, PVE/QemuServer.pm
 * aio_cmdline_option), and QEMU's own argv needs nothing more.
 */
export function ioUringSupport(b: DiskBackend, p: Platform): { readonly ok: boolean; readonly why: string } {
  const cifs = p.storeIsCifs === true || (b.kind === 'file' && b.fsType !== undefined && CIFS_FS_TYPES.includes(b.fsType));
  const writer = p.writer ?? 'libvirt';
  const missing: string[] = [];
  if (!atLeast(p.qemu, IO_URING_MIN.qemu)) missing.push(`QEMU ${formatVersion(p.qemu)} (needs ≥ 5.0)`);
  if (writer === 'libvirt' && !atLeast(p.libvirt, IO_URING_MIN.libvirt)) missing.push(`libvirt ${formatVersion(p.libvirt)} (needs ≥ 6.3)`);
  if (!atLeast(p.kernel, IO_URING_MIN.kernel)) missing.push(`kernel ${formatVersion(p.kernel)} (needs ≥ 5.1)`);
  if (cifs) missing.push('the store is CIFS (io_uring hangs were reported there)');
  const layer = writer === 'libvirt' ? `libvirt ${formatVersion(p.libvirt)}` : writer === 'proxmox' ? "Proxmox VE's qemu-server" : "QEMU's own argv";
  return missing.length === 0
    ? { ok: true, why: `QEMU ${formatVersion(p.qemu)}, ${layer}, kernel ${formatVersion(p.kernel)} support it` }
    : { ok: false, why: missing.join(', ') };
}

export function chooseDiskConfig(backend: Backend, intent: DiskIntent = {}, platform: Platform = {}): DiskConfig {
  const machine: Choice<Machine> = intent.machine
    ? choice(intent.machine, 'disk.machine.explicit', 'asked for', DISK_DEFAULTS.machine.ref)
    : choice(DISK_DEFAULTS.machine.value, 'disk.machine.default', DISK_DEFAULTS.machine.reason, DISK_DEFAULTS.machine.ref);
  if (backend.kind === 'pci') {
    const warnings: string[] = [];
    if (intent.cache || (intent.aio && intent.aio !== 'auto') || intent.bus || intent.iothread !== undefined || intent.queues || intent.discard) {
      warnings.push(`${backend.address}: bus, cache, aio, iothread, queues and discard do not apply to PCI pass-through (the guest drives the controller itself)`);
    }
    if (backend.class !== undefined && !backend.class.startsWith('0x01')) {
      warnings.push(`${backend.address}: PCI class ${backend.class} is not a storage controller (expected 0x0108 NVMe, 0x0106 SATA, 0x0107 SAS or 0x0104 RAID)`);
    }
    return { kind: 'hostdev', backend, machine, warnings };
  }
  return chooseDevice(backend, intent, platform, machine);
}

function chooseDevice(b: DiskBackend, intent: DiskIntent, p: Platform, machine: Choice<Machine>): DiskDeviceConfig {
  const warnings: string[] = [];
  const name = b.path;
  const shareable = intent.shareable === true;
  const readOnly = intent.readOnly === true;

  const bus: Choice<Bus> = intent.bus
    ? choice(intent.bus, 'disk.bus.explicit', 'asked for', DISK_DEFAULTS.bus.ref)
    : choice(DISK_DEFAULTS.bus.value, 'disk.bus.default', DISK_DEFAULTS.bus.reason, DISK_DEFAULTS.bus.ref);

  const cache = chooseCache(b, intent, warnings);
  const aio = chooseAio(b, intent, p, cache.value);
  if (aio.rule === 'disk.aio.explicit' && aio.value === 'io_uring') {
    const u = ioUringSupport(b, p);
    if (!u.ok) warnings.push(`${name}: aio=io_uring as asked, but ${u.why}`);
  }

  // Iothreads: on for virtio disks (both buses here are virtio).
  if (intent.iothread === false && intent.iothreadId !== undefined) {
    throw usageError(`--iothread-id ${intent.iothreadId} conflicts with --no-iothread; expected one of them`);
  }
  const iothread: Choice<number | null> =
    intent.iothread === false
      ? choice(null, 'disk.iothread.explicit', 'turned off as asked: I/O runs in QEMU\'s main loop', REFS.iothread)
      : intent.iothreadId !== undefined
        ? choice(intent.iothreadId, 'disk.iothread.explicit', `iothread ${intent.iothreadId} as asked`, REFS.iothread)
        : choice(DISK_DEFAULTS.iothreadId.value, 'disk.iothread.virtio', DISK_DEFAULTS.iothreadId.reason, REFS.iothread);

  const queues: Choice<number | null> =
    intent.queues !== undefined
      ? choice(intent.queues, 'disk.queues.explicit', `${intent.queues} queues as asked`, bus.value === 'virtio-scsi' ? 'QEMU virtio-scsi-pci num_queues' : 'QEMU virtio-blk-pci num-queues')
      : choice(DISK_DEFAULTS.queues.value, 'disk.queues.default', DISK_DEFAULTS.queues.reason, DISK_DEFAULTS.queues.ref);

  const { discard, detectZeroes } = chooseDiscard(b, intent, aio.value, warnings);

  const target: Choice<string> = intent.target
    ? choice(intent.target, 'disk.target.explicit', 'asked for', DISK_DEFAULTS.target.ref)
    : choice(DISK_DEFAULTS.target.value[bus.value], 'disk.target.default', DISK_DEFAULTS.target.reason, DISK_DEFAULTS.target.ref);
  const targetOk = bus.value === 'virtio-blk' ? /^vd[a-z]+$/ : /^sd[a-z]+$/;
  if (!targetOk.test(target.value)) {
    throw usageError(`--target: "${target.value}" does not fit ${bus.value}; expected ${bus.value === 'virtio-blk' ? 'vdX (vda, vdb, …)' : 'sdX (sda, sdb, …)'}`);
  }
  if (intent.serial !== undefined && !/^[A-Za-z0-9_.+-]{1,20}$/.test(intent.serial)) {
    throw usageError(`--serial: "${intent.serial}" is not valid; expected 1-20 characters from A-Z a-z 0-9 _ . + - (virtio-blk keeps 20 bytes)`);
  }
  if (shareable && b.kind === 'file' && b.format === 'qcow2') {
    throw refused(`${name}: a shareable disk cannot be qcow2 (two writers corrupt its metadata); expected a raw image or a block device`);
  }
  if (shareable && !readOnly) warnings.push(`${name}: shareable and writable: the guests need a cluster filesystem, or they will corrupt the disk`);

  return {
    kind: 'disk',
    backend: b,
    format: b.kind === 'file' ? b.format : 'raw',
    machine,
    bus,
    cache,
    aio,
    iothread,
    queues,
    discard,
    detectZeroes,
    target,
    readOnly,
    shareable,
    ...(intent.serial === undefined ? {} : { serial: intent.serial }),
    warnings,
  };
}

function chooseCache(b: DiskBackend, intent: DiskIntent, warnings: string[]): Choice<CacheMode> {
  // 1. The user's explicit choice.
  if (intent.cache) {
    if (isDirectCache(intent.cache) && b.directIo === false) {
      warnings.push(`${b.path}: cache=${intent.cache} needs O_DIRECT, which this store refused; QEMU will fail to open it`);
    }
    return choice(intent.cache, 'disk.cache.explicit', `cache=${intent.cache} as asked`, REFS.cacheExplicit);
  }
  // 2. A shareable disk: no host page cache may hold data another host cannot see.
  if (intent.shareable) {
    return choice('none', 'disk.cache.shareable', 'a shareable disk must bypass the host page cache, or guests sharing it see stale data', REFS.cacheShareable);
  }
  // 3. The store accepts O_DIRECT. Block devices and LVs accept it when not probed.
  const direct = b.directIo ?? (b.kind !== 'file' ? true : undefined);
  if (direct === true) {
    const how = b.directIo === undefined ? 'block devices accept O_DIRECT' : 'opening it with O_DIRECT worked';
    return choice('none', 'disk.cache.direct-io', `${how}: cache=none bypasses the host page cache (no double caching, data reaches the disk on guest flush)`, REFS.cacheDirect);
  }
  // 4. Otherwise the host page cache stays in the path.
  const why = direct === false ? 'the store refused O_DIRECT' : 'O_DIRECT support was not probed';
  warnings.push(`${b.path}: ${why}; cache=writethrough keeps the host page cache in the path (double caching, memory pressure)`);
  return choice('writethrough', 'disk.cache.no-direct-io', `${why}: writethrough is the safe buffered mode (every write reaches the store before it completes)`, REFS.cacheFallback);
}

function chooseAio(b: DiskBackend, intent: DiskIntent, p: Platform, cache: CacheMode): Choice<AioMode> {
  const direct = isDirectCache(cache);
  const sparse = isSparseFile(b);
  const uring = ioUringSupport(b, p);

  // 1. The user's explicit choice (refuse what QEMU or the table forbids).
  if (intent.aio && intent.aio !== 'auto') {
    if (intent.aio === 'native' && !direct) {
      throw refused(
        `${b.path}: aio=native needs a direct cache (none or directsync), cache is ${cache}; use --cache none, or --aio threads`,
        'QEMU refuses it: "aio=native was specified, but it requires cache.direct=on"',
      );
    }
    if (intent.aio === 'native' && sparse) {
      throw refused(
        `${b.path}: aio=native on a sparse file blocks the VM while the host filesystem allocates; use --aio io_uring or threads, or preallocate the image (qemu-img create -o preallocation=falloc)`,
        REFS.aioSparse,
      );
    }
    return choice(intent.aio, 'disk.aio.explicit', `aio=${intent.aio} as asked`, REFS.aioExplicit);
  }

  // 2. A bench result for this store and format with a clear winner.
  const bench = intent.bench ? benchWinner(b, intent.bench, { direct, sparse, uring: uring.ok }) : undefined;
  if (bench) return bench;

  // 3. Block devices with a direct cache.
  if (b.kind !== 'file' && direct) {
    const what = b.kind === 'lv' ? `logical volume ${b.vg}/${b.lv}${b.thin ? ' (thin)' : ''}` : b.device === 'partition' ? 'partition' : 'whole disk';
    return choice('native', 'disk.aio.block-native', `a ${what} with cache=${cache}: Linux native AIO submits straight to the device (seed, Nova, KubeVirt, virt-install agree); the seed's "one VM on SSD → threads, many → native" is left to kvmio bench`, REFS.aioBlock);
  }

  // 4. Fully allocated files with a direct cache.
  if (b.kind === 'file' && !sparse && direct) {
    const sizes = b.actualSize && b.virtualSize ? ` (actual ${formatSize(b.actualSize)} >= virtual ${formatSize(b.virtualSize)})` : '';
    return choice('native', 'disk.aio.preallocated-native', `a fully allocated ${b.format} file${sizes} with cache=${cache}: native AIO never waits for block allocation; the seed's "ext4 → threads" and "one VM on SSD → threads" claims are left to kvmio bench`, REFS.aioPrealloc);
  }

  // 5. Sparse files: never native.
  if (sparse) {
    return uring.ok
      ? choice('io_uring', 'disk.aio.sparse-io-uring', `a sparse ${b.kind === 'file' ? b.format : ''} file: never native (it blocks while the file allocates); io_uring is asynchronous without that stall: ${uring.why}`, `${REFS.aioSparse}; ${REFS.aioIoUring}`)
      : choice('threads', 'disk.aio.sparse-threads', `a sparse file: never native (it blocks while the file allocates); io_uring not used: ${uring.why}`, `${REFS.aioSparse}; ${REFS.aioThreads}`);
  }

  // 6. No direct cache.
  return uring.ok
    ? choice('io_uring', 'disk.aio.buffered-io-uring', `cache=${cache} is not direct, so native is impossible; io_uring: ${uring.why}`, `${REFS.aioExplicit}; ${REFS.aioIoUring}`)
    : choice('threads', 'disk.aio.buffered-threads', `cache=${cache} is not direct, so native is impossible; io_uring not used: ${uring.why}`, `${REFS.aioExplicit}; ${REFS.aioThreads}`);
}

/**
 * Rule aio 2: the bench winner, when it was measured on this store and format and beats
 * the runner-up by more than the spread (the mean ± spread ranges do not overlap).
 * Modes the table forbids here (native without a direct cache or on a sparse file,
 * io_uring where unsupported) are dropped before ranking.
 */
function benchWinner(b: DiskBackend, e: AioBenchEvidence, ctx: { direct: boolean; sparse: boolean; uring: boolean }): Choice<AioMode> | undefined {
  if (e.store !== storeOf(b) || e.format !== benchFormatOf(b)) return undefined;
  const allowed = e.results
    .filter((r) => r.aio !== 'native' || (ctx.direct && !ctx.sparse))
    .filter((r) => r.aio !== 'io_uring' || ctx.uring)
    .slice()
    .sort((x, y) => y.mean - x.mean);
  const [win, next] = allowed;
  if (!win || !next) return undefined;
  if (win.mean - win.spread <= next.mean + next.spread) return undefined;
  return choice(win.aio, 'disk.aio.bench', `measured on ${e.store} (${e.format}, ${e.source}): ${win.aio} ${fmt(win.mean)} ± ${fmt(win.spread)} beats ${next.aio} ${fmt(next.mean)} ± ${fmt(next.spread)}`, REFS.aioBench);
}

const fmt = (n: number): string => (Number.isInteger(n) ? String(n) : n.toFixed(1));

function chooseDiscard(b: DiskBackend, intent: DiskIntent, aio: AioMode, warnings: string[]): { discard: Choice<Discard | null>; detectZeroes: Choice<DetectZeroes | null> } {
  if (intent.discard) {
    if (intent.discard === 'unmap' && b.kind === 'file' && b.allocation === 'preallocated' && aio === 'native') {
      warnings.push(`${b.path}: discard=unmap on a preallocated file with aio=native: guest TRIM punches holes and makes it sparse, where native AIO stalls`);
    }
    const dz: DetectZeroes | null = intent.discard === 'unmap' ? 'unmap' : null;
    return {
      discard: choice(intent.discard, 'disk.discard.explicit', `discard=${intent.discard} as asked`, REFS.discard),
      detectZeroes: choice(dz, 'disk.discard.explicit', dz ? 'detect_zeroes=unmap turns guest zero writes into unmaps (needs discard=unmap)' : 'left off with discard=ignore', REFS.discard),
    };
  }
  const thin = b.kind === 'lv' && b.thin;
  if (thin || isSparseFile(b)) {
    const what = thin ? 'a thin logical volume' : 'a sparse file';
    return {
      discard: choice('unmap', 'disk.discard.thin', `${what}: guest TRIM gives freed blocks back to the store`, REFS.discard),
      detectZeroes: choice('unmap', 'disk.discard.thin', `${what}: guest zero writes become unmaps instead of allocations`, REFS.discard),
    };
  }
  const why =
    b.kind === 'file'
      ? aio === 'native'
        ? 'a preallocated file with aio=native: guest TRIM would punch holes and make it sparse again'
        : 'a preallocated file: it was preallocated to stay allocated'
      : 'not thin: unmapping a thick volume or disk frees nothing (the guest still may use --discard unmap)';
  const ref = b.kind === 'file' ? REFS.discardPrealloc : REFS.discard;
  return { discard: choice(null, 'disk.discard.thick', why, ref), detectZeroes: choice(null, 'disk.discard.thick', why, ref) };
}
