// Findings for every disk of every VM definition (saved, live where it differs, XML
// files), against the decision table (chooseDiskConfig via recommendVmDisk), plus the
// host's fs.aio-max-nr headroom for native-AIO disks. Pure: facts in, findings out.
import { formatSize, type Size } from '../size.js';
import type { Finding, Status } from '../model/finding.js';
import { aioCharge, diskIothread } from './aio-cost.js';
import { isDirectCache, type CacheMode } from '../model/disk-types.js';
import { REFS } from './disk-defaults.js';
import { localPath, recommendVmDisk, virtioBus } from './recommend-vm-disk.js';
import { diskLabel, type DomainDisk } from '../facts/parse-domain.js';
import type { ImageInfo, SourceFacts, VmDefinition, VmFacts } from '../facts/vm-disk-facts.js';
import type { Read } from '../facts/source.js';

/** QEMU's default qcow2 L2 cache ceiling on Linux (block/qcow2.h DEFAULT_L2_CACHE_MAX_SIZE). */
export const L2_CACHE_MAX = { bytes: 32 * 1024 ** 2 } as const satisfies Size;
/** Buses QEMU emulates (a real controller model in the guest): slower than virtio. */
const EMULATED_BUSES = ['ide', 'sata', 'usb'];
/** fs.aio-max-nr use above this share is a warning. */
export const AIO_HEADROOM_WARN = 0.9;

const REF_BUS = 'seed §3 (para-virtualization: virtio-blk/virtio-scsi); libvirt formatdomain <target bus>';
const REF_L2 = 'QEMU docs/qcow2-cache.txt (L2 cache covers disk_size * 8 / cluster_size; default max 32 MiB); FACTS.md';
const REF_SHARED = 'libvirt formatdomain <shareable/>; qcow2 and non-cluster filesystems corrupt with two writers';
const REF_AIO_NR = 'fs/aio.c ioctx_alloc (io_setup charges nr_events to fs.aio-nr); QEMU block/linux-aio.c (1024 per context); FACTS.md';

const finding = (f: Finding): Finding => f;

/** The label of a definition in findings: "web", "web[live]", or the file's name. */
export function definitionName(def: VmDefinition): string {
  return def.origin === 'live' ? `${def.model.name}[live]` : def.model.name;
}

/** Effective cache: libvirt leaves it to QEMU when unset, and QEMU's default is writeback. */
const cacheOf = (d: DomainDisk): { mode: CacheMode | string; text: string } =>
  d.driver.cache === undefined ? { mode: 'writeback', text: 'unset (QEMU default: writeback)' } : { mode: d.driver.cache, text: d.driver.cache };
const ioOf = (d: DomainDisk): { mode: string; text: string } =>
  d.driver.io === undefined ? { mode: 'threads', text: 'unset (QEMU default: threads)' } : { mode: d.driver.io, text: d.driver.io };

const isDirect = (c: string): boolean => isDirectCache(c as CacheMode);

function sourceOf(disk: DomainDisk, facts: VmFacts): { path: Read<string>; src: SourceFacts | undefined } {
  const path = localPath(disk, facts);
  return { path, src: path.ok ? facts.sources.get(path.value) : undefined };
}

const imageOf = (src: SourceFacts | undefined): ImageInfo | undefined => (src?.kind === 'present' && src.image.ok ? src.image.value : undefined);

export function auditVmDisk(def: VmDefinition, disk: DomainDisk, facts: VmFacts): Finding[] {
  const vm = def.model;
  const object = diskLabel(definitionName(def), disk);
  const out: Finding[] = [];
  const push = (f: Omit<Finding, 'object'>): void => void out.push(finding({ object, ...f }));

  if (disk.device === 'cdrom' || disk.device === 'floppy') {
    push({ id: 'vm.device', status: 'skip', observed: disk.device, why: `a ${disk.device}: read-only removable media, the disk checks do not apply` });
    return out;
  }

  const { path, src } = sourceOf(disk, facts);
  // Source: does it exist (SKIP with the reason, never a crash).
  if (!path.ok) {
    push({ id: 'vm.source-missing', status: 'skip', observed: disk.source.kind === 'none' ? 'no <source>' : disk.source.kind, why: path.reason });
  } else if (src === undefined) {
    push({ id: 'vm.source-missing', status: 'skip', observed: path.value, why: 'the source was not probed' });
  } else if (src.kind === 'missing') {
    push({ id: 'vm.source-missing', status: 'skip', observed: path.value, why: `source does not exist or cannot be read: ${src.reason}; checks that need the image are skipped`, fix: `restore ${path.value}, or point the disk at the right source (virsh edit ${vm.name})` });
  } else {
    push({ id: 'vm.source-missing', status: 'pass', observed: path.value, why: 'the source exists' });
  }

  const rec = recommendVmDisk(vm, disk, facts, facts.platform);
  const cache = cacheOf(disk);
  const io = ioOf(disk);

  // Bus: emulated controllers where virtio fits.
  const bus = disk.target.bus;
  const vbus = virtioBus(vm, disk);
  if (bus === undefined) {
    push({ id: 'vm.bus-emulated', status: 'skip', why: 'the disk has no <target bus>' });
  } else if (vbus) {
    push({ id: 'vm.bus-emulated', status: 'pass', observed: vbus, why: 'paravirtual bus', ref: REF_BUS });
  } else if (EMULATED_BUSES.includes(bus) || bus === 'scsi') {
    const observed =
      bus === 'scsi'
        ? `scsi on ${vm.controllers.find((c) => c.type === 'scsi' && (c.index ?? 0) === (disk.controllerIndex ?? 0))?.model ?? 'an unset controller model (libvirt picks lsilogic)'}`
        : bus;
    push({
      id: 'vm.bus-emulated',
      status: 'warn',
      observed,
      expected: 'virtio (virtio-blk) or scsi on a virtio-scsi controller',
      why: 'QEMU emulates a real controller here: every request traps into device emulation; virtio is the paravirtual path (the guest needs virtio drivers: Linux has them, Windows needs virtio-win)',
      fix: `kvmio vm tune ${vm.name} --bus --yes (guest device names change: ${disk.target.dev ?? '?'} becomes vdX; mount by UUID/LABEL first)`,
      ref: REF_BUS,
    });
  } else {
    push({ id: 'vm.bus-emulated', status: 'skip', observed: bus, why: `bus ${bus} is not judged by kvmio` });
  }

  // Native AIO without a direct cache: QEMU refuses to start it.
  if (io.mode === 'native') {
    push(
      isDirect(cache.mode)
        ? { id: 'vm.aio-native-no-direct', status: 'pass', observed: `io=native cache=${cache.text}`, why: 'native AIO has the direct cache it needs' }
        : {
            id: 'vm.aio-native-no-direct',
            status: 'fail',
            observed: `io=native cache=${cache.text}`,
            expected: 'cache=none or directsync with io=native',
            why: 'QEMU refuses aio=native without cache.direct=on ("aio=native was specified, but it requires cache.direct=on"); libvirt refuses to define it',
            fix: `set cache='none' (or io='threads'): kvmio vm tune ${vm.name} --yes`,
            ref: REFS.aioExplicit,
          },
    );
  }

  // Native AIO on a sparse file.
  const image = imageOf(src);
  const isFile = src?.kind === 'present' && (src.backend.ok ? src.backend.value.kind === 'file' : src.image.ok);
  if (io.mode === 'native' && src?.kind === 'present' && isFile) {
    if (!image) {
      push({ id: 'vm.aio-native-sparse', status: 'skip', observed: 'io=native', why: `allocation unknown: ${src.image.ok ? '' : src.image.reason}` });
    } else {
      const sparse = image.actualSize.bytes < image.virtualSize.bytes;
      push({
        id: 'vm.aio-native-sparse',
        status: sparse ? 'fail' : 'pass',
        observed: `io=native, ${image.format} actual ${formatSize(image.actualSize)} of virtual ${formatSize(image.virtualSize)}`,
        expected: sparse ? 'io=io_uring or threads on a sparse file, or a fully allocated image' : 'a fully allocated image',
        why: sparse ? 'native AIO blocks the whole VM while the host filesystem allocates blocks of a sparse file' : 'fully allocated: native AIO never waits for allocation',
        ...(sparse ? { fix: `kvmio vm tune ${vm.name} --yes (or preallocate: qemu-img convert -O ${image.format} -o preallocation=falloc)` } : {}),
        ref: REFS.aioSparse,
      });
    }
  }

  // Cache and aio as the table says.
  if (disk.readonly) {
    push({ id: 'vm.cache', status: 'skip', observed: cache.text, why: 'read-only disk: cache mode does not risk data' });
  } else if (!rec.ok) {
    // Without a local store the table cannot decide, but unsafe is wrong anywhere.
    push(
      cache.mode === 'unsafe'
        ? { id: 'vm.cache', status: 'fail', observed: cache.text, expected: 'none (or writethrough without O_DIRECT)', why: 'cache=unsafe ignores guest flushes: a host crash loses data the guest was told is safe', fix: `set cache='none' in virsh edit ${vm.name}`, ref: REFS.cacheExplicit }
        : { id: 'vm.cache', status: 'skip', observed: cache.text, why: `the table cannot decide: ${rec.reason}` },
    );
  } else {
    const want = rec.value.cache;
    const same = cache.mode === want.value || (want.value === 'none' && cache.mode === 'directsync');
    // A direct cache on a store that refused O_DIRECT: QEMU cannot even open the image.
    const noDirect = isDirect(cache.mode) && rec.value.backend.directIo === false;
    const status: Status = same ? 'pass' : cache.mode === 'unsafe' || noDirect ? 'fail' : 'warn';
    const extra = cache.mode === 'unsafe' ? '; unsafe ignores guest flushes (data loss on host crash)' : cache.mode === 'writeback' ? '; writeback keeps dirty data in the host page cache' : noDirect ? `; cache=${cache.mode} needs O_DIRECT, which this store refused: QEMU fails to open the image` : '';
    push({
      id: 'vm.cache',
      status,
      observed: cache.text,
      expected: want.value,
      why: same ? want.reason : `${want.reason}${extra}`,
      ...(same ? {} : { fix: `kvmio vm tune ${vm.name} --yes` }),
      ref: want.ref,
    });
    const wantIo = rec.value.aio;
    const nativeFail = io.mode === 'native' && (!isDirect(cache.mode) || (image !== undefined && image.actualSize.bytes < image.virtualSize.bytes));
    if (!nativeFail) {
      const sameIo = io.mode === wantIo.value;
      push({ id: 'vm.aio', status: sameIo ? 'pass' : 'warn', observed: io.text, expected: wantIo.value, why: wantIo.reason, ...(sameIo ? {} : { fix: `kvmio vm tune ${vm.name} --yes` }), ref: wantIo.ref });
    }
  }

  // Iothread for virtio disks.
  if (vbus) {
    const t = diskIothread(vm, disk);
    push(
      t !== undefined
        ? { id: 'vm.iothread', status: 'pass', observed: `iothread ${t}`, why: 'I/O runs off the main loop', ref: REFS.iothread }
        : {
            id: 'vm.iothread',
            status: 'warn',
            observed: vbus === 'virtio-scsi' ? 'virtio-scsi controller without iothread' : 'no iothread',
            expected: 'an iothread',
            why: "the disk's I/O runs in QEMU's main loop (under the big lock), competing with device emulation",
            fix: `kvmio vm tune ${vm.name} --yes`,
            ref: REFS.iothread,
          },
    );
  }

  // qcow2 clusters vs the default L2 cache.
  if (image?.format === 'qcow2' && image.clusterSize) {
    const factor = image.extendedL2 ? 16 : 8;
    const coverage = (L2_CACHE_MAX.bytes * image.clusterSize.bytes) / factor;
    const ok = image.virtualSize.bytes <= coverage;
    const needed = nextPow2(Math.ceil((image.virtualSize.bytes * factor) / L2_CACHE_MAX.bytes));
    const cluster = Math.min(2 * 1024 ** 2, Math.max(64 * 1024, needed));
    push({
      id: 'vm.qcow2-cluster',
      status: ok ? 'pass' : 'warn',
      observed: `cluster ${formatSize(image.clusterSize)}${image.extendedL2 ? ' (extended L2)' : ''} for ${formatSize(image.virtualSize)}: the 32 MiB L2 cache covers ${formatSize({ bytes: coverage })}`,
      expected: ok ? `≥ ${formatSize(image.virtualSize)} covered` : `cluster_size ≥ ${formatSize({ bytes: cluster })}`,
      why: ok ? 'every cluster lookup hits the L2 cache' : 'random I/O beyond the cached range reads L2 tables from the image first (an extra read per miss)',
      ...(ok
        ? {}
        : {
            fix: `qemu-img convert -O qcow2 -o cluster_size=${cluster / 1024}k SRC DST (with the VM off), or raise the cache: <driver …><metadata_cache><max_size unit='MiB'>${Math.ceil((image.virtualSize.bytes * factor) / image.clusterSize.bytes / 1024 ** 2)}</max_size></metadata_cache></driver>`,
          }),
      ref: REF_L2,
    });
  }

  // discard=unmap on thin/sparse stores (and not on preallocated native files).
  if (rec.ok && !disk.readonly) {
    const want = rec.value.discard.value ?? 'ignore';
    const have = disk.driver.discard ?? 'ignore';
    // unmap is only wrong where TRIM would make a preallocated file sparse; elsewhere
    // (a thick block device) it frees nothing but harms nothing either.
    const same = want === 'unmap' ? have === 'unmap' : have !== 'unmap' || rec.value.backend.kind !== 'file';
    push({
      id: 'vm.discard',
      status: same ? 'pass' : 'warn',
      observed: disk.driver.discard ?? 'unset (ignore)',
      expected: want === 'unmap' ? 'unmap' : rec.value.backend.kind === 'file' ? 'ignore' : 'ignore (unmap harmless)',
      why: rec.value.discard.reason,
      ...(same ? {} : { fix: `kvmio vm tune ${vm.name} --yes` }),
      ref: rec.value.discard.ref,
    });
  }
  return out;
}

const nextPow2 = (n: number): number => 2 ** Math.ceil(Math.log2(Math.max(1, n)));

/** Disks whose image (local path or network name) is used by more than one domain. */
function sharedImageFindings(defs: readonly VmDefinition[], facts: VmFacts): Finding[] {
  const keyOf = (d: DomainDisk): string | undefined => {
    const p = localPath(d, facts);
    if (p.ok) return p.value;
    return d.source.kind === 'network' && d.source.name ? `${d.source.protocol}:${d.source.name}` : undefined;
  };
  const users = new Map<string, { domain: string; disk: DomainDisk }[]>();
  for (const def of defs) {
    if (def.origin === 'live') continue; // the saved definition of the same domain counts once
    for (const disk of def.model.disks) {
      if (disk.device === 'cdrom' || disk.device === 'floppy') continue;
      const key = keyOf(disk);
      if (key === undefined) continue;
      const list = users.get(key) ?? [];
      list.push({ domain: def.model.name, disk });
      users.set(key, list);
    }
  }
  const out: Finding[] = [];
  for (const def of defs) {
    if (def.origin === 'live') continue;
    for (const disk of def.model.disks) {
      if (disk.device === 'cdrom' || disk.device === 'floppy') continue;
      const key = keyOf(disk);
      if (key === undefined) continue;
      const list = users.get(key) ?? [];
      const others = [...new Set(list.map((u) => u.domain).filter((n) => n !== def.model.name))];
      const object = diskLabel(definitionName(def), disk);
      if (others.length === 0) {
        out.push({ id: 'vm.shared-image', object, status: 'pass', observed: key, why: 'no other domain uses this image' });
        continue;
      }
      const safe = list.every((u) => u.disk.readonly) || list.every((u) => u.disk.shareable);
      out.push({
        id: 'vm.shared-image',
        object,
        status: safe ? 'pass' : 'fail',
        observed: `${key} is also used by ${others.join(', ')}`,
        expected: safe ? 'readonly or shareable everywhere' : 'one image per domain, or <shareable/> (raw, cluster filesystem) on every user',
        why: safe ? 'every user marks it readonly or shareable' : 'two domains writing one image corrupt it (qcow2 metadata, or a non-cluster guest filesystem); libvirt only blocks it while both run with locking',
        ...(safe ? {} : { fix: `give each domain its own image (qemu-img create -f qcow2 -b ${key} -F raw|qcow2 overlay), or remove the disk from ${others.join(', ')}` }),
        ref: REF_SHARED,
      });
    }
  }
  return out;
}

/** fs.aio-max-nr against what running and defined VMs with native-AIO disks charge. */
export function auditAioHeadroom(defs: readonly VmDefinition[], facts: Pick<VmFacts, 'aioNr' | 'aioMaxNr'>): Finding {
  const id = 'aio.vm-headroom';
  if (!facts.aioMaxNr.ok) return { id, object: 'host', status: 'skip', why: `fs.aio-max-nr unreadable: ${facts.aioMaxNr.reason}` };
  const max = facts.aioMaxNr.value;
  // One charge per domain: the saved definition (what the next start uses), else the live one, else a file.
  const byName = new Map<string, VmDefinition>();
  for (const d of defs) {
    const prev = byName.get(d.model.name);
    if (!prev || (d.origin === 'saved' && prev.origin !== 'saved')) byName.set(d.model.name, { ...d, running: d.running || (prev?.running ?? false) });
  }
  let running = 0;
  let stopped = 0;
  const stoppedNames: string[] = [];
  for (const d of byName.values()) {
    const c = aioCharge(d.model).aioNr;
    if (c === 0) continue;
    if (d.running) running += c;
    else {
      stopped += c;
      stoppedNames.push(d.model.name);
    }
  }
  // Running VMs are already in fs.aio-nr; stopped ones add their charge when started.
  const now = facts.aioNr.ok ? facts.aioNr.value : running;
  const projected = now + stopped;
  const status: Status = projected > max ? 'fail' : projected > AIO_HEADROOM_WARN * max ? 'warn' : 'pass';
  const wanted = nextPow2(Math.max(projected * 2, 65536));
  return {
    id,
    object: 'host',
    status,
    observed: `fs.aio-nr ${facts.aioNr.ok ? now : `unreadable, running VMs charge ~${running}`} + ${stopped} for ${stoppedNames.length} defined VM(s) with native AIO not running = ${projected} of fs.aio-max-nr ${max}`,
    expected: `≤ ${Math.floor(AIO_HEADROOM_WARN * max)} (90% of fs.aio-max-nr)`,
    why: 'each VM with io=native takes 1024 × (1 + iothreads serving native disks) AIO events; past fs.aio-max-nr QEMU fails with "Unable to use native AIO: … Resource temporarily unavailable"',
    ...(status === 'pass' ? {} : { fix: `sysctl -w fs.aio-max-nr=${wanted} and persist it in /etc/sysctl.d/90-kvmio-aio.conf` }),
    ref: REF_AIO_NR,
  };
}

export function auditVmDisks(facts: VmFacts): Finding[] {
  const out: Finding[] = [];
  if (facts.libvirt && !facts.libvirt.ok) out.push({ id: 'vm.libvirt', object: 'host', status: 'skip', why: `libvirt domains not read: ${facts.libvirt.reason}` });
  if (facts.libvirt?.ok) {
    const names = new Set(facts.definitions.filter((d) => d.origin !== 'file').map((d) => d.model.name));
    out.push({ id: 'vm.libvirt', object: 'host', status: 'pass', observed: `${names.size} domain(s)`, why: 'libvirt domains read through virsh (saved definitions, and live ones where they differ)' });
  }
  for (const def of facts.definitions) {
    if (def.model.disks.length === 0) {
      out.push({ id: 'vm.disks', object: `vm:${definitionName(def)}`, status: 'skip', why: 'the domain has no <disk>' });
    }
    for (const disk of def.model.disks) out.push(...auditVmDisk(def, disk, facts));
  }
  out.push(...sharedImageFindings(facts.definitions, facts));
  if (facts.definitions.length > 0) out.push(auditAioHeadroom(facts.definitions, facts));
  return out;
}
