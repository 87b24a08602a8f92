// Images as they are, not as they are named: the format the image's own header says
// (qemu-img info without -f) against the format the disk declares, and the backing chain
// (missing or unreadable layers, loops, layers outside the image stores, each layer's L2
// coverage). Pure. The audit (audit-vm-disks.ts) and `kvmio disk xml|args` share these
// judgements, so both refuse an image for the same reasons (docs/vm-images.md).
import { posix } from 'node:path';
import { formatSize, type Size } from '../size.js';
import { fixText, type Finding, type Fix, type Status, type Subject } from '../model/finding.js';
import type { VmDisk } from '../model/vm.js';
import type { BackingChain, QemuImgInfo } from '../facts/parse-qemu-img.js';
import type { VmFacts } from '../facts/vm-disk-facts.js';
import { localPath } from './recommend-vm-disk.js';

/** libvirt's default directory pool (virt-install, virt-manager); an image store even when no disk of this host lives there yet. */
export const DEFAULT_IMAGE_STORE = '/var/lib/libvirt/images';
/** QEMU's default qcow2 L2 cache ceiling on Linux (block/qcow2.h DEFAULT_L2_CACHE_MAX_SIZE); one cache per open qcow2 layer. */
const L2_CACHE_MAX_BYTES = 32 * 1024 ** 2;

const REF_FORMAT =
  'QEMU qemu-options.hx -drive format= ("format=raw to avoid interpreting an untrusted format header"); CVE-2008-2004 (a guest wrote a qcow2 header into its raw disk to read host files); QEMU block.c ("probing guessed raw … dangerous for raw images")';
const REF_CHAIN = 'QEMU docs/interop/qcow2.txt (backing file name and format in the header); qemu-img.c collect_image_info_list (--backing-chain, loop detection); docs/vm-images.md';
const REF_L2 = 'QEMU docs/qcow2-cache.txt (each qcow2 layer has its own L2 cache: disk_size * 8 / cluster_size, max 32 MiB by default)';

/** One judgement of an image, before it is tied to a VM disk (the audit) or a SOURCE (disk xml/args). */
export interface ImageJudgement {
  readonly id: 'vm.image-format' | 'vm.image-chain' | 'vm.image-chain-cluster';
  readonly status: Status;
  readonly observed: string;
  readonly expected?: string;
  readonly why: string;
  readonly fix?: Fix;
  readonly ref: string;
}

/** What the judgements need of an image: its header and its chain (facts/vm-disk-facts.ts ImageInfo, facts/probe-disk.ts ProbedBackend.image). */
export interface ImageHeader {
  readonly format: string;
  readonly backingFile?: string;
  readonly backingFormat?: string;
  readonly backing?: BackingChain;
}

/**
 * The declared format against the header. Declared raw with another header fails: that
 * header was either meant (then the disk is misdeclared) or written by the guest, and
 * anything that later opens the file with probing hands the guest the header's backing
 * file. Declared qcow2 (or any format) over raw bytes fails: QEMU refuses to open it.
 */
export function judgeImageFormat(path: string, declared: string | undefined, header: Pick<ImageHeader, 'format'>): ImageJudgement {
  const id = 'vm.image-format';
  const got = header.format;
  if (declared === undefined) {
    return {
      id, status: 'warn', observed: `no format declared; the header says ${got}`, expected: `the format declared (${got}, if the image was created as ${got})`,
      why: `without a declared format the image is opened by probing its header, which lets a guest that writes a header into a raw disk choose how the host opens it`,
      fix: fixText`check how ${path} was created (qemu-img info -U ${path}), then declare that format on the disk`,
      ref: REF_FORMAT,
    };
  }
  if (declared === got) return { id, status: 'pass', observed: `declared ${declared}, header ${got}`, expected: declared, why: 'the header agrees with the declared format', ref: REF_FORMAT };
  if (declared === 'raw') {
    return {
      id, status: 'fail', observed: `declared raw, but the bytes start with a ${got} header`, expected: 'raw bytes (no format header) for a raw disk',
      why: `the guest sees the ${got} metadata as its disk; if a guest wrote that header, opening the file as ${got} (or by probing) would follow whatever backing file it names on the host: never change the declared format before knowing where the header came from`,
      fix: fixText`stop the VM and inspect ${path} (qemu-img info -U --backing-chain ${path}): if it was created as ${got}, declare ${got}; if it was a raw disk, keep raw and restore it from a backup`,
      ref: REF_FORMAT,
    };
  }
  return {
    id, status: 'fail', observed: `declared ${declared}, but the header says ${got}`, expected: `a ${declared} header`,
    why: got === 'raw' ? `QEMU refuses to open it ("Image is not in ${declared} format"): the VM does not start` : `QEMU opens it as ${declared} and refuses or misreads a ${got} image`,
    fix: fixText`declare the format the image has (${got}) after checking how ${path} was created (qemu-img info -U ${path})`,
    ref: REF_FORMAT,
  };
}

/** Whether `file` (absolute, or relative to `top`'s directory) lies in one of `stores` (a directory or below it). */
export function inImageStores(file: string, top: string, stores: readonly string[]): boolean {
  const abs = posix.normalize(file.startsWith('/') ? file : posix.join(posix.dirname(top), file));
  return stores.some((s) => {
    const dir = posix.normalize(s).replace(/\/+$/, '');
    return abs === dir || abs.startsWith(`${dir}/`);
  });
}

const layerText = (l: QemuImgInfo): string =>
  `${l.filename} (${l.format}${l.clusterSize ? `, cluster ${formatSize(l.clusterSize)}` : ''}, ${l.actualSize ? `${formatSize(l.actualSize)} of ${formatSize(l.virtualSize)} allocated` : `virtual ${formatSize(l.virtualSize)}`})`;

/**
 * The backing chain of `path`: missing or unreadable layers and loops fail (QEMU cannot
 * open the disk); a protocol or out-of-store layer warns (kvmio did not, or the host's
 * pools do not, hold it); a layer whose backing format is not recorded warns (QEMU probes
 * it). Empty when the image has no backing file.
 */
export function judgeBackingChain(path: string, header: ImageHeader, stores: readonly string[]): ImageJudgement[] {
  const id = 'vm.image-chain';
  const chain = header.backing;
  if (header.backingFile === undefined || chain === undefined) return [];
  if (!chain.ok) {
    // loop and unreadable reasons name the file qemu-img stopped at
    const observed = chain.problem === 'loop' || chain.problem === 'unreadable' ? chain.reason : `backing file ${header.backingFile}: ${chain.reason}`;
    const base = { id, observed, ref: REF_CHAIN } as const;
    switch (chain.problem) {
      case 'loop':
        return [{ ...base, status: 'fail', expected: 'a chain that ends', why: 'a backing file leads back to a layer above it: QEMU cannot open the disk (the VM does not start)', fix: fixText`point the layer at its real base (qemu-img rebase -u -b BASE -F FORMAT LAYER, with the VM off), after checking which file is the base` }];
      case 'unreadable':
        return [{ ...base, status: 'fail', expected: 'every backing file present and readable', why: 'QEMU opens every layer of the chain when the VM starts: a missing or unreadable one keeps it from starting', fix: fixText`restore ${chain.file ?? header.backingFile}, or rebase ${path} onto the right base (qemu-img rebase -u -b BASE -F FORMAT ${path})` }];
      case 'not-local':
        return [{ ...base, status: 'warn', expected: `backing files in the image stores (${stores.join(', ')})`, why: 'the image names a network or protocol backing file: the host opens it whenever the VM starts, and kvmio did not follow it' }];
      case 'unprobed':
        return [{ ...base, status: 'skip', why: `the backing chain was not read: ${chain.reason}` }];
    }
  }
  const layers = chain.layers;
  const outside = layers.filter((l) => !inImageStores(l.filename, path, stores));
  const unrecorded = [header, ...layers].flatMap((l, n) => (l.backingFile !== undefined && l.backingFormat === undefined ? [n === 0 ? path : (layers[n - 1] as QemuImgInfo).filename] : []));
  const observed = `${layers.length + 1} layers: ${path} ← ${layers.map(layerText).join(' ← ')}`;
  const out: ImageJudgement[] = [];
  if (outside.length > 0) {
    out.push({
      id, status: 'warn', observed, expected: `backing files in the image stores (${stores.join(', ')})`,
      why: `${outside.map((l) => l.filename).join(', ')} ${outside.length === 1 ? 'is' : 'are'} outside every image store: a base image the host's pools do not hold is easily deleted or changed by someone who does not know a VM reads it`,
      fix: fixText`move the base into an image store and rebase onto it (qemu-img rebase -u -b NEWPATH -F FORMAT LAYER, with the VM off)`,
      ref: REF_CHAIN,
    });
  } else if (unrecorded.length > 0) {
    out.push({
      id, status: 'warn', observed, expected: 'every layer records its backing file\'s format',
      why: `${unrecorded.join(', ')} ${unrecorded.length === 1 ? 'does' : 'do'} not record the backing file's format: QEMU probes it, which is unsafe if that file was ever a guest-writable raw disk`,
      fix: fixText`record it without touching data: qemu-img rebase -u -b BACKING -F FORMAT LAYER (with the VM off)`,
      ref: `${REF_CHAIN}; ${REF_FORMAT}`,
    });
  } else {
    out.push({ id, status: 'pass', observed, expected: 'every layer present, in the image stores, its format recorded', why: 'QEMU can open the whole chain as recorded', ref: REF_CHAIN });
  }
  const qcow = layers.filter((l) => l.format === 'qcow2' && l.clusterSize !== undefined);
  if (qcow.length > 0) {
    const cover = qcow.map((l) => ({ l, covers: l2Coverage(l.clusterSize as Size, l.extendedL2 === true) }));
    const short = cover.filter((c) => c.l.virtualSize.bytes > c.covers.bytes);
    out.push({
      id: 'vm.image-chain-cluster',
      status: short.length > 0 ? 'warn' : 'pass',
      observed: cover.map((c) => `${c.l.filename}: cluster ${formatSize(c.l.clusterSize as Size)}${c.l.extendedL2 ? ' (extended L2)' : ''} for ${formatSize(c.l.virtualSize)}, its L2 cache covers ${formatSize(c.covers)}`).join('; '),
      expected: 'each backing layer\'s L2 cache covers its virtual size',
      why: short.length > 0
        ? `reads that fall through to ${short.map((c) => c.l.filename).join(', ')} miss that layer's L2 cache beyond the covered range and read L2 tables from it first`
        : 'every read that falls through to a backing layer finds its L2 entry cached',
      ...(short.length > 0 ? { fix: fixText([`flatten the chain with clusters its size needs (with the VM off): qemu-img convert -O qcow2 -o cluster_size=${clusterFor(short)}k `, ' NEW.qcow2'], path) } : {}),
      ref: REF_L2,
    });
  }
  return out;
}

/** The cluster size (KiB, a power of two from 64 KiB to 2 MiB, qcow2's range for new images) whose L2 cache covers the largest of these layers. */
function clusterFor(layers: readonly { l: QemuImgInfo }[]): number {
  const need = Math.max(...layers.map((c) => (c.l.virtualSize.bytes * (c.l.extendedL2 ? 16 : 8)) / L2_CACHE_MAX_BYTES));
  return Math.min(2048, Math.max(64, 2 ** Math.ceil(Math.log2(Math.max(1, need))) / 1024));
}

/** How much of a qcow2 image one default-size L2 cache covers (8 bytes per cluster, 16 with extended L2). */
export const l2Coverage = (cluster: Size, extendedL2: boolean): Size => ({ bytes: (L2_CACHE_MAX_BYTES * cluster.bytes) / (extendedL2 ? 16 : 8) });

/** The failing judgements as one-line reasons: what `disk xml`/`disk args` refuse with. */
export const imageRefusals = (js: readonly ImageJudgement[]): string[] => js.filter((j) => j.status === 'fail').map((j) => `${j.id}: ${j.observed}; ${j.why}`);

/**
 * The image stores: the directories that hold the disks kvmio read (libvirt pool and
 * Proxmox storage directories in use among them), and libvirt's default pool. A disk's own
 * directory is always one, since the disk itself lives there.
 */
export function imageStores(facts: Pick<VmFacts, 'sources'>): string[] {
  const dirs = new Set<string>([DEFAULT_IMAGE_STORE]);
  for (const s of facts.sources.values()) if (s.kind === 'present' && s.image.ok) dirs.add(posix.dirname(s.path));
  return [...dirs].sort();
}

/** The image findings of one VM disk: format against the header, and the backing chain. */
export function auditVmImage(disk: VmDisk, facts: Pick<VmFacts, 'sources'>, base: { subject: Subject; object: string }): Finding[] {
  if (disk.device === 'cdrom' || disk.device === 'floppy') return [];
  const path = localPath(disk);
  const src = path.ok ? facts.sources.get(path.value) : undefined;
  if (!path.ok || src?.kind !== 'present' || !src.image.ok) return [];
  const image = src.image.value;
  return [judgeImageFormat(path.value, disk.format, image), ...judgeBackingChain(path.value, image, imageStores(facts))].map((j) => ({ ...base, ...j }));
}
