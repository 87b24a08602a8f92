// Findings for every disk of every VM definition (saved, live where it differs, XML
// files, other managers' configs), against the decision table (chooseDiskConfig via
// recommendVmDisk), plus the host's fs.aio-max-nr headroom for native-AIO disks. Pure,
// over the neutral model only: facts in, findings out; fixes name the VM, and the
// renderer spells the command for its manager.
import { formatSize, type Size } from '../size.js';
import { fixAnd, fixText, withAction, type Finding, type Fix, type Status, type Subject } from '../model/finding.js';
import type { Vm, VmDisk } from '../model/vm.js';
import { aioCharge, chargeableVms, diskIothread } from './aio-cost.js';
import { isDirectCache, type CacheMode } from '../model/disk-types.js';
import { REFS } from './disk-defaults.js';
import { controllerOf, localPath, platformFor, recommendVmDisk, virtioBus } from './recommend-vm-disk.js';
import type { ImageInfo, SourceFacts, VmFacts } from '../facts/vm-disk-facts.js';
import type { Read } from '../facts/source.js';
import { auditVmDefinition } from './audit-vm-definition.js';
import { auditIothreadIds, auditIothreadMapping } from './audit-vm-iothreads.js';
import { auditErrorPolicy } from './audit-vm-error-policy.js';

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

/** The label of a definition in findings: "web", or "web[live]" for a running definition that differs from the saved one. */
export function definitionName(vm: Vm): string {
  return vm.ref.manager.kind === 'libvirt' && vm.ref.manager.origin === 'live' ? `${vm.ref.name}[live]` : vm.ref.name;
}

/** A VM disk's label in findings: "vm:web/vda", "vm:web[live]/vda". */
export const diskObject = (vm: Vm, disk: VmDisk): string => `vm:${definitionName(vm)}/${disk.label}`;

const vmSubject = (vm: Vm, disk?: VmDisk): Subject => ({ kind: 'vm', vm: vm.ref, ...(disk ? { disk: disk.label } : {}) });

/** "kvmio vm tune …" for this VM's manager, as the action kvmio can run. */
const tune = (vm: Vm, before = '', after = '', bus = false): Fix => withAction(fixText([before, after], { vmTune: vm.ref, ...(bus ? { bus } : {}) }), { kind: 'vm-tune', vm: vm.ref, ...(bus ? { bus } : {}) });

/** Effective values as the adapter gave them: "none", or "unset (QEMU default: writeback)". */
const effectiveText = (e: VmDisk['cache']): string => (e.origin === 'default' ? `unset (${e.note ?? 'default'}: ${e.value})` : e.value);
const cacheOf = (d: VmDisk): { mode: CacheMode | string; text: string } => ({ mode: d.cache.value, text: effectiveText(d.cache) });
const ioOf = (d: VmDisk): { mode: string; text: string } => ({ mode: d.aio.value, text: effectiveText(d.aio) });

const isDirect = (c: string): boolean => isDirectCache(c as CacheMode);

function sourceOf(disk: VmDisk, facts: VmFacts): { path: Read<string>; src: SourceFacts | undefined } {
  const path = localPath(disk);
  return { path, src: path.ok ? facts.sources.get(path.value) : undefined };
}

const imageOf = (src: SourceFacts | undefined): ImageInfo | undefined => (src?.kind === 'present' && src.image.ok ? src.image.value : undefined);

export function auditVmDisk(vm: Vm, disk: VmDisk, facts: VmFacts): Finding[] {
  const object = diskObject(vm, disk);
  const subject = vmSubject(vm, disk);
  const out: Finding[] = [];
  const push = (f: Omit<Finding, 'object'>): void => void out.push(finding({ subject, object, ...f }));

  if (disk.device === 'cdrom' || disk.device === 'floppy') {
    push({ id: 'vm.device', status: 'skip', observed: disk.device, why: `a ${disk.device}: read-only removable media, the disk checks do not apply` });
    return out;
  }

  const { path, src } = sourceOf(disk, facts);
  // Source: does it exist (SKIP with the reason, never a crash).
  if (!path.ok) {
    push({ id: 'vm.source-missing', status: 'skip', observed: disk.source.kind === 'none' ? 'no source' : disk.source.kind, why: path.reason });
  } else if (src === undefined) {
    push({ id: 'vm.source-missing', status: 'skip', observed: path.value, why: 'the source was not probed' });
  } else if (src.kind === 'missing') {
    push({ id: 'vm.source-missing', status: 'skip', observed: path.value, why: `source does not exist or cannot be read: ${src.reason}; checks that need the image are skipped`, fix: fixText`restore ${path.value}, or point the disk at the right source (${{ vmEdit: vm.ref }})` });
  } else {
    push({ id: 'vm.source-missing', status: 'pass', observed: path.value, why: 'the source exists' });
  }

  const rec = recommendVmDisk(disk, facts, platformFor(vm, facts.platform));
  const cache = cacheOf(disk);
  const io = ioOf(disk);

  // Bus: emulated controllers where virtio fits.
  const bus = disk.busName;
  const vbus = virtioBus(disk);
  if (bus === undefined) {
    push({ id: 'vm.bus-emulated', status: 'skip', why: 'the disk names no bus' });
  } else if (vbus) {
    push({ id: 'vm.bus-emulated', status: 'pass', observed: vbus, why: 'paravirtual bus', ref: REF_BUS });
  } else if (EMULATED_BUSES.includes(disk.bus) || disk.bus === 'scsi-emulated') {
    const observed = disk.bus === 'scsi-emulated' ? `${bus} on ${controllerOf(vm, disk)?.model ?? 'an unset controller model (the manager picks an emulated HBA)'}` : bus;
    push({
      id: 'vm.bus-emulated',
      status: 'warn',
      observed,
      expected: 'virtio (virtio-blk) or scsi on a virtio-scsi controller',
      why: 'QEMU emulates a real controller here: every request traps into device emulation; virtio is the paravirtual path (the guest needs virtio drivers: Linux has them, Windows needs virtio-win)',
      fix: fixAnd(tune(vm, '', '', true), fixText` (guest device names change: ${disk.label} becomes vdX; mount by UUID/LABEL first)`, ''),
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
            fix: tune(vm, "set cache='none' (or io='threads'): "),
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
        ...(sparse ? { fix: fixAnd(tune(vm), fixText` (or preallocate: qemu-img convert -O ${image.format} -o preallocation=falloc)`, '') } : {}),
        ref: REFS.aioSparse,
      });
    }
  }

  // Cache and aio as the table says.
  if (disk.readOnly) {
    push({ id: 'vm.cache', status: 'skip', observed: cache.text, why: 'read-only disk: cache mode does not risk data' });
  } else if (!rec.ok) {
    // Without a local store the table cannot decide, but unsafe is wrong anywhere.
    push(
      cache.mode === 'unsafe'
        ? { id: 'vm.cache', status: 'fail', observed: cache.text, expected: 'none (or writethrough without O_DIRECT)', why: 'cache=unsafe ignores guest flushes: a host crash loses data the guest was told is safe', fix: fixText`set cache='none' in ${{ vmEdit: vm.ref }}`, ref: REFS.cacheExplicit }
        : cache.mode === 'writeback' && ['file', 'block', 'volume'].includes(disk.source.kind) && !disk.shareable
          ? {
              id: 'vm.cache',
              status: 'warn',
              observed: cache.text,
              expected: 'none or directsync (writethrough where the store refuses O_DIRECT)',
              why: `writeback keeps the guest's dirty data in the host page cache (a second cache, host memory pressure) and libvirt refuses to live-migrate it from local storage without --unsafe (qemuMigrationSrcIsSafe wants none/directsync); the store was not judged: ${rec.reason}`,
              fix: fixText`${{ vmEdit: vm.ref }}: set cache='none' (writethrough if the store refuses O_DIRECT)`,
              ref: REFS.cacheExplicit,
            }
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
      ...(same ? {} : { fix: tune(vm) }),
      ref: want.ref,
    });
    const wantIo = rec.value.aio;
    const nativeFail = io.mode === 'native' && (!isDirect(cache.mode) || (image !== undefined && image.actualSize.bytes < image.virtualSize.bytes));
    if (!nativeFail) {
      const sameIo = io.mode === wantIo.value;
      push({ id: 'vm.aio', status: sameIo ? 'pass' : 'warn', observed: io.text, expected: wantIo.value, why: wantIo.reason, ...(sameIo ? {} : { fix: tune(vm) }), ref: wantIo.ref });
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
            fix: tune(vm),
            ref: REFS.iothread,
          },
    );
  }

  out.push(...auditIothreadMapping(vm, disk, { subject, object }));
  out.push(...auditErrorPolicy(disk, { subject, object }));

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
            fix: fixText([`qemu-img convert -O qcow2 -o cluster_size=${cluster / 1024}k SRC DST (with the VM off), or raise the cache: <driver …><metadata_cache><max_size unit='MiB'>${Math.ceil((image.virtualSize.bytes * factor) / image.clusterSize.bytes / 1024 ** 2)}</max_size></metadata_cache></driver>`]),
          }),
      ref: REF_L2,
    });
  }

  // discard=unmap on thin/sparse stores (and not on preallocated native files).
  if (rec.ok && !disk.readOnly) {
    const want = rec.value.discard.value ?? 'ignore';
    const have = disk.discard ?? 'ignore';
    // unmap is only wrong where TRIM would make a preallocated file sparse; elsewhere
    // (a thick block device) it frees nothing but harms nothing either.
    const same = want === 'unmap' ? have === 'unmap' : have !== 'unmap' || rec.value.backend.kind !== 'file';
    push({
      id: 'vm.discard',
      status: same ? 'pass' : 'warn',
      observed: disk.discard ?? 'unset (ignore)',
      expected: want === 'unmap' ? 'unmap' : rec.value.backend.kind === 'file' ? 'ignore' : 'ignore (unmap harmless)',
      why: rec.value.discard.reason,
      ...(same ? {} : { fix: tune(vm) }),
      ref: rec.value.discard.ref,
    });
  }
  return out;
}

const nextPow2 = (n: number): number => 2 ** Math.ceil(Math.log2(Math.max(1, n)));

/** Disks whose image (local path or network name) is used by more than one VM. */
function sharedImageFindings(vms: readonly Vm[]): Finding[] {
  const keyOf = (d: VmDisk): string | undefined => {
    const p = localPath(d);
    if (p.ok) return p.value;
    return d.source.kind === 'network' && d.source.name ? `${d.source.protocol}:${d.source.name}` : undefined;
  };
  // The saved definition of a running VM counts once: its live one is left out.
  const counted = vms.filter((v) => !(v.ref.manager.kind === 'libvirt' && v.ref.manager.origin === 'live'));
  const users = new Map<string, { vm: string; disk: VmDisk }[]>();
  for (const vm of counted) {
    for (const disk of vm.disks) {
      if (disk.device === 'cdrom' || disk.device === 'floppy') continue;
      const key = keyOf(disk);
      if (key === undefined) continue;
      const list = users.get(key) ?? [];
      list.push({ vm: vm.ref.name, disk });
      users.set(key, list);
    }
  }
  const out: Finding[] = [];
  for (const vm of counted) {
    for (const disk of vm.disks) {
      if (disk.device === 'cdrom' || disk.device === 'floppy') continue;
      const key = keyOf(disk);
      if (key === undefined) continue;
      const list = users.get(key) ?? [];
      const others = [...new Set(list.map((u) => u.vm).filter((n) => n !== vm.ref.name))];
      const base = { id: 'vm.shared-image', subject: vmSubject(vm, disk), object: diskObject(vm, disk) };
      // Two disks of this one domain on one source: two writers inside one QEMU.
      const mine = list.filter((u) => u.vm === vm.ref.name && u.disk !== disk);
      if (others.length === 0 && mine.length > 0) {
        const all = [disk, ...mine.map((u) => u.disk)];
        const safe = all.every((d) => d.readOnly) || all.every((d) => d.shareable);
        out.push({
          ...base,
          status: safe ? 'pass' : 'fail',
          observed: `${key} is also ${mine.map((u) => u.disk.label).join(', ')} of the same domain`,
          expected: safe ? 'readonly or shareable on every disk' : 'one source per disk, or <shareable/>/<readonly/> on every disk that uses it',
          why: safe ? 'every disk marks it readonly or shareable' : 'two disks writing one source inside one VM corrupt it (two qcow2 drivers, or two guest filesystems on one device); QEMU\'s image locking does not stop two opens it takes for one domain',
          ...(safe ? {} : { fix: fixText`point each disk at its own source (${{ vmEdit: vm.ref }})` }),
          ref: REF_SHARED,
        });
        continue;
      }
      if (others.length === 0) {
        out.push({ ...base, status: 'pass', observed: key, why: 'no other domain uses this image' });
        continue;
      }
      const safe = list.every((u) => u.disk.readOnly) || list.every((u) => u.disk.shareable);
      const otherList = fixText(['', ...others.slice(1).map(() => ', '), ''], ...others);
      out.push({
        ...base,
        status: safe ? 'pass' : 'fail',
        observed: `${key} is also used by ${others.join(', ')}`,
        expected: safe ? 'readonly or shareable everywhere' : 'one image per domain, or <shareable/> (raw, cluster filesystem) on every user',
        why: safe ? 'every user marks it readonly or shareable' : 'two domains writing one image corrupt it (qcow2 metadata, or a non-cluster guest filesystem); libvirt only blocks it while both run with locking',
        ...(safe ? {} : { fix: fixAnd(fixText`give each domain its own image (qemu-img create -f qcow2 -b ${key} -F raw|qcow2 overlay), or remove the disk from `, otherList, '') }),
        ref: REF_SHARED,
      });
    }
  }
  return out;
}

/** fs.aio-max-nr against what running and defined VMs with native-AIO disks charge. */
export function auditAioHeadroom(vms: readonly Vm[], facts: Pick<VmFacts, 'aioNr' | 'aioMaxNr'>): Finding {
  const id = 'aio.vm-headroom';
  const host = { id, subject: { kind: 'host' } as const, object: 'host' };
  if (!facts.aioMaxNr.ok) return { ...host, status: 'skip', why: `fs.aio-max-nr unreadable: ${facts.aioMaxNr.reason}` };
  const max = facts.aioMaxNr.value;
  let running = 0;
  let stopped = 0;
  const stoppedNames: string[] = [];
  for (const v of chargeableVms(vms)) {
    const c = aioCharge(v).aioNr;
    if (c === 0) continue;
    if (v.running) running += c;
    else {
      stopped += c;
      stoppedNames.push(v.ref.name);
    }
  }
  // Running VMs are already in fs.aio-nr; stopped ones add their charge when started.
  const now = facts.aioNr.ok ? facts.aioNr.value : running;
  const projected = now + stopped;
  const status: Status = projected > max ? 'fail' : projected > AIO_HEADROOM_WARN * max ? 'warn' : 'pass';
  const wanted = nextPow2(Math.max(projected * 2, 65536));
  return {
    ...host,
    status,
    observed: `fs.aio-nr ${facts.aioNr.ok ? now : `unreadable, running VMs charge ~${running}`} + ${stopped} for ${stoppedNames.length} defined VM(s) with native AIO not running = ${projected} of fs.aio-max-nr ${max}`,
    expected: `≤ ${Math.floor(AIO_HEADROOM_WARN * max)} (90% of fs.aio-max-nr)`,
    why: 'each VM with io=native takes 1024 × (1 + iothreads serving native disks) AIO events; past fs.aio-max-nr QEMU fails with "Unable to use native AIO: … Resource temporarily unavailable"',
    ...(status === 'pass' ? {} : { fix: withAction(fixText`sysctl -w ${`fs.aio-max-nr=${wanted}`} and persist it in /etc/sysctl.d/90-kvmio-aio.conf`, { kind: 'host-fix', only: 'aio.max-nr' }) }),
    ref: REF_AIO_NR,
  };
}

export function auditVmDisks(facts: VmFacts): Finding[] {
  const out: Finding[] = [];
  for (const m of facts.managers) {
    const host = { id: m.id, subject: { kind: 'host' } as const, object: 'host' };
    out.push(m.read.ok ? { ...host, status: 'pass', observed: m.read.value.observed, why: m.read.value.how } : { ...host, status: 'skip', why: `${m.what} not read: ${m.read.reason}` });
  }
  for (const vm of facts.vms) {
    if (vm.disks.length === 0) {
      out.push({ id: 'vm.disks', subject: vmSubject(vm), object: `vm:${definitionName(vm)}`, status: 'skip', why: 'the domain has no <disk>' });
    }
    for (const disk of vm.disks) out.push(...auditVmDisk(vm, disk, facts));
    out.push(...auditVmDefinition(vm));
    out.push(...auditIothreadIds(vm, { subject: vmSubject(vm), object: `vm:${definitionName(vm)}` }));
  }
  out.push(...sharedImageFindings(facts.vms));
  if (facts.vms.length > 0) out.push(auditAioHeadroom(facts.vms, facts));
  return out;
}
