// Block devices from /sys/class/block (disks and partitions; /sys/block as a fallback),
// each read in parallel. Values that cannot be read stay `Read` failures with reasons.
import { posix } from 'node:path';
import { sectors } from '../size.js';
import { blockKind, blockTransport } from './classify-block.js';
import type { BlockDevice, Mount } from './host-facts.js';
import { parseFlag, parseUnsigned } from './parse-number.js';
import { parseScheduler } from './parse-scheduler.js';
import { pciChain } from './parse-pci.js';
import { missing, ok, valueOf, type Read, type Source } from './source.js';

/** What the probe reads for one device (BlockDevice's sysfs part), before mounts and stacking are joined in. */
export interface RawBlock
  extends Pick<
    BlockDevice,
    | 'name' | 'sysfsPath' | 'parent' | 'devNumber' | 'size' | 'rotational' | 'scheduler' | 'nrHwQueues' | 'nrRequests' | 'readAheadKb'
    | 'holders' | 'slaves' | 'model' | 'serial' | 'wwid' | 'backingFile' | 'dmName'
  > {
  readonly isPartition: boolean;
  /** For a native-multipath NVMe namespace: the sysfs path of its first path device, which sits under the PCI controller. */
  readonly pathDevice?: string;
}

const first = (...rs: Read<string>[]): string | undefined => {
  for (const r of rs) if (r.ok && r.value.trim() !== '') return r.value.trim();
  return undefined;
};

const chain = <A, B>(r: Read<A>, f: (a: A) => Read<B>): Read<B> => (r.ok ? f(r.value) : r);

/** Entry names of a directory; an absent directory (no holders) is an empty list. */
async function names(src: Source, path: string): Promise<readonly string[]> {
  return valueOf(await src.listDir(path)) ?? [];
}

async function probeOne(src: Source, name: string, classDir: string, known: ReadonlySet<string>): Promise<RawBlock> {
  const link = await src.readLink(`${classDir}/${name}`);
  const sysfsPath = link.ok ? posix.resolve(classDir, link.value) : undefined;
  const base = sysfsPath ?? `${classDir}/${name}`;
  const rd = (rel: string): Promise<Read<string>> => src.readText(`${base}/${rel}`);
  // A partition's directory sits inside its disk's (…/block/sda/sda1), so the path says
  // which devices are partitions; read the `partition` attribute only without a path.
  const container = sysfsPath ? posix.basename(posix.dirname(sysfsPath)) : undefined;
  const isPartition = container !== undefined ? container !== name && known.has(container) : (await rd('partition')).ok;
  const [dev, size, holders, slaves] = await Promise.all([rd('dev'), rd('size'), names(src, `${base}/holders`), names(src, `${base}/slaves`)]);
  const devNumber = dev.ok && /^\d+:\d+$/.test(dev.value.trim()) ? dev.value.trim() : undefined;
  const sizeR = chain(size, (t) => chain(parseUnsigned(t, `${name}/size`), (n) => ok(sectors(n))));
  if (isPartition) {
    const parent = container ?? name.replace(/p?\d+$/, '');
    const why = missing(`${name} is a partition: the queue belongs to ${parent}`);
    return { name, sysfsPath, isPartition, parent, devNumber, size: sizeR, rotational: why, scheduler: why, nrHwQueues: why, nrRequests: why, readAheadKb: why, holders, slaves };
  }
  // Identity attributes live in different places per transport; read only where they can be
  // (a 500-disk dump pays for every miss).
  const id = { name, isPartition, ...(sysfsPath !== undefined ? { sysfsPath } : {}) };
  const kind = blockKind(id);
  const transport = blockTransport(id, kind);
  const stacked = kind === 'loop' || kind === 'dm' || kind === 'md' || kind === 'zram';
  const none = Promise.resolve(missing('not read for this transport'));
  const opt = (rel: string | undefined): Promise<Read<string>> => (rel === undefined ? none : rd(rel));
  const serialAt = stacked ? undefined : transport === 'virtio' ? 'serial' : transport === 'sata' || transport === 'sas' || transport === 'scsi' ? undefined : 'device/serial';
  const wwidAt = stacked || transport === 'virtio' ? undefined : transport === 'nvme' ? 'wwid' : 'device/wwid';
  const [rot, sched, nrReq, ra, mq, model, serial, wwid, backing, dmName] = await Promise.all([
    rd('queue/rotational'), rd('queue/scheduler'), rd('queue/nr_requests'), rd('queue/read_ahead_kb'), src.listDir(`${base}/mq`),
    opt(stacked || transport === 'virtio' ? undefined : 'device/model'), opt(serialAt), opt(wwidAt),
    opt(kind === 'loop' ? 'loop/backing_file' : undefined), opt(kind === 'dm' ? 'dm/name' : undefined),
  ]);
  const pathDevice = sysfsPath?.includes('/nvme-subsystem/') ? await firstMultipathDevice(src, base) : undefined;
  const hw = mq.ok ? mq.value.filter((e) => /^\d+$/.test(e)).length : 0;
  return {
    name, sysfsPath, isPartition, devNumber, size: sizeR,
    rotational: chain(rot, (t) => parseFlag(t, `${name}/queue/rotational`)),
    scheduler: chain(sched, parseScheduler),
    nrHwQueues: !mq.ok ? missing(`${name}: no blk-mq hardware queues (${mq.reason})`) : hw > 0 ? ok(hw) : missing(`${name}/mq: no hardware queue entries`),
    nrRequests: chain(nrReq, (t) => parseUnsigned(t, `${name}/queue/nr_requests`)),
    readAheadKb: chain(ra, (t) => parseUnsigned(t, `${name}/queue/read_ahead_kb`)),
    holders, slaves,
    model: first(model), serial: first(serial), wwid: first(wwid),
    backingFile: first(backing), dmName: first(dmName), pathDevice,
  };
}

/**
 * With native NVMe multipath the namespace (nvme0n1) lives under
 * /sys/devices/virtual/nvme-subsystem/; its paths (nvme0c0n1 …, hidden disks) are listed
 * in its multipath/ directory and sit under their PCI controllers.
 */
async function firstMultipathDevice(src: Source, base: string): Promise<string | undefined> {
  const paths = valueOf(await src.listDir(`${base}/multipath`)) ?? [];
  const firstPath = paths[0];
  if (firstPath === undefined) return undefined;
  const link = await src.readLink(`${base}/multipath/${firstPath}`);
  return link.ok ? posix.resolve(`${base}/multipath`, link.value) : undefined;
}

/** NVMe multipath path devices (nvme0c0n1) are hidden disks: the namespace head stands for them. */
const HIDDEN_PATH_DEVICE = /^nvme\d+c\d+n\d+(p\d+)?$/;

/** Reads every block device; failure only when neither /sys/class/block nor /sys/block lists. */
export async function probeRawBlocks(src: Source): Promise<Read<readonly RawBlock[]>> {
  let classDir = '/sys/class/block';
  let list = await src.listDir(classDir);
  if (!list.ok) {
    const fallback = await src.listDir('/sys/block');
    if (!fallback.ok) return missing(`${list.reason}; ${fallback.reason}`);
    classDir = '/sys/block';
    list = fallback;
  }
  const valid = list.value.filter((n) => /^[A-Za-z0-9][A-Za-z0-9_.:!+-]*$/.test(n) && !HIDDEN_PATH_DEVICE.test(n));
  const known = new Set(valid);
  return ok(await Promise.all(valid.map((n) => probeOne(src, n, classDir, known))));
}

const isRootMount = (m: string): boolean => m === '/';
const isBootMount = (m: string): boolean => m === '/boot' || m === '/boot/efi' || m === '/efi';

/**
 * Joins mounts, swap and stacking: a device carries / or /boot when it is mounted there,
 * or a partition of it or a device stacked on it (holders: dm, md, loop…) does.
 */
export function assembleBlockDevices(raw: readonly RawBlock[], mounts: readonly Mount[], swaps: readonly string[]): BlockDevice[] {
  const byName = new Map(raw.map((r) => [r.name, r]));
  const byDev = new Map<string, RawBlock>();
  for (const r of raw) if (r.devNumber) byDev.set(r.devNumber, r);
  const byDmName = new Map<string, string>();
  for (const r of raw) if (r.dmName) byDmName.set(r.dmName, r.name);
  const mountsOf = new Map<string, string[]>();
  const fstypeOf = new Map<string, string>();
  const add = (name: string, mp: string, fstype?: string): void => {
    const list = mountsOf.get(name) ?? [];
    if (!list.includes(mp)) list.push(mp);
    mountsOf.set(name, list);
    if (fstype && !fstypeOf.has(name)) fstypeOf.set(name, fstype);
  };
  const nameOfSource = (source: string): string | undefined => {
    if (!source.startsWith('/dev/')) return undefined;
    const rest = source.slice(5);
    if (rest.startsWith('mapper/')) return byDmName.get(rest.slice(7));
    return byName.has(rest) ? rest : undefined;
  };
  for (const m of mounts) {
    // match by device number; btrfs and overlay show anonymous numbers, so fall back to the source
    const name = byDev.get(m.devNumber)?.name ?? nameOfSource(m.source);
    if (name) add(name, m.mountpoint, m.fstype);
  }
  for (const s of swaps) {
    const name = nameOfSource(s);
    if (name) add(name, '[SWAP]', 'swap');
  }
  const partitionsOf = new Map<string, string[]>();
  for (const r of raw) {
    if (!r.isPartition || !r.parent) continue;
    partitionsOf.set(r.parent, [...(partitionsOf.get(r.parent) ?? []), r.name]);
  }
  const carries = (test: (mp: string) => boolean): Map<string, boolean> => {
    const memo = new Map<string, boolean>();
    const visit = (name: string, seen: Set<string>): boolean => {
      const known = memo.get(name);
      if (known !== undefined) return known;
      if (seen.has(name)) return false;
      seen.add(name);
      const r = byName.get(name);
      const children = [...(partitionsOf.get(name) ?? []), ...(r?.holders ?? [])];
      const result = (mountsOf.get(name) ?? []).some(test) || children.some((c) => visit(c, seen));
      memo.set(name, result);
      return result;
    };
    for (const r of raw) visit(r.name, new Set());
    return memo;
  };
  const root = carries(isRootMount);
  const boot = carries(isBootMount);
  const transportOf = new Map(raw.map((r) => {
    const id = { name: r.name, sysfsPath: r.sysfsPath, isPartition: r.isPartition };
    return [r.name, { kind: blockKind(id), transport: blockTransport(id) }] as const;
  }));
  return raw.map((r): BlockDevice => {
    const parent = r.parent ? byName.get(r.parent) : undefined;
    const t = transportOf.get(r.name) ?? { kind: 'other' as const, transport: 'unknown' as const };
    const parentT = r.parent ? transportOf.get(r.parent) : undefined;
    const pcis = pciChain((r.isPartition ? parent?.pathDevice : r.pathDevice) ?? r.sysfsPath ?? '');
    const controller = pcis[pcis.length - 1];
    return {
      name: r.name,
      kind: t.kind,
      transport: r.isPartition && parentT ? parentT.transport : t.transport,
      ...(r.parent !== undefined ? { parent: r.parent } : {}),
      rotational: r.isPartition && parent ? parent.rotational : r.rotational,
      size: r.size,
      ...(r.model !== undefined ? { model: r.model } : {}),
      ...(r.serial !== undefined ? { serial: r.serial } : {}),
      ...(r.wwid !== undefined ? { wwid: r.wwid } : {}),
      scheduler: r.scheduler,
      nrHwQueues: r.nrHwQueues,
      nrRequests: r.nrRequests,
      readAheadKb: r.readAheadKb,
      holders: r.holders,
      slaves: r.slaves,
      mountpoints: mountsOf.get(r.name) ?? [],
      ...(fstypeOf.has(r.name) ? { fstype: fstypeOf.get(r.name) } : {}),
      carriesRoot: root.get(r.name) ?? false,
      carriesBoot: boot.get(r.name) ?? false,
      ...(controller !== undefined ? { controller } : {}),
      ...(r.backingFile !== undefined ? { backingFile: r.backingFile } : {}),
      ...(r.sysfsPath !== undefined ? { sysfsPath: r.sysfsPath } : {}),
      ...(r.devNumber !== undefined ? { devNumber: r.devNumber } : {}),
      partitions: partitionsOf.get(r.name) ?? [],
      ...(r.dmName !== undefined ? { dmName: r.dmName } : {}),
    };
  });
}
