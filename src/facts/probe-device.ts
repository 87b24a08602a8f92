// Read-only probe of one block device for the guards (provision/guards.ts): what it holds
// (blkid -p, wipefs -n), who uses it (mountinfo, /proc/swaps, sysfs holders, loop
// devices backed by it, pvs, libvirt domains, open file descriptors) and whether / or
// /boot depend on it. Everything goes through a Source, so a recorded dump works too.
import { devicesBacking, rootBootUsesOf, type BlockNode, type DeviceFacts, type DomainUse, type HolderUse, type LibvirtDomains, type LibvirtUse, type ProcessUse } from './device-facts.js';
import type { Mount } from './host-facts.js';
import { probeRawBlocks } from './probe-block.js';
import { parsePvs, type PvInfo } from './parse-lvm.js';
import { parseMountinfo, parseSwaps } from './parse-mounts.js';
import { mergeSignatures, parseBlkidExport, parseWipefsJson, type Signature } from './parse-signatures.js';
import { missing, ok, type Read, type Source } from './source.js';

export interface ProbeDeviceOptions {
  /** Which domains use which block sources: the libvirt adapter answers (libvirt/domain-uses.ts). */
  readonly domainUses: () => Promise<LibvirtDomains>;
  /** Scan /proc/PID/fd for processes holding the device open (default true). */
  readonly scanProcesses?: boolean;
}

const LVM_ENV = ['env', 'LVM_SUPPRESS_FD_WARNINGS=1'];

/** Follows symbolic links through the Source (for /dev/disk/by-id/… names). */
export async function resolveLinks(src: Source, path: string): Promise<string> {
  let p = path;
  for (let i = 0; i < 16; i++) {
    const l = await src.readLink(p);
    if (!l.ok) return p;
    p = l.value.startsWith('/') ? l.value : normalize(`${p.slice(0, p.lastIndexOf('/'))}/${l.value}`);
  }
  return p;
}

function normalize(p: string): string {
  const out: string[] = [];
  for (const c of p.split('/')) {
    if (c === '' || c === '.') continue;
    if (c === '..') out.pop();
    else out.push(c);
  }
  return `/${out.join('/')}`;
}

/** The block device tree (partitions, slaves, holders, loop backing files) from probe-block.ts's one sysfs walk. */
export async function probeBlockNodes(src: Source): Promise<BlockNode[]> {
  const raw = await probeRawBlocks(src);
  if (!raw.ok) return [];
  return raw.value.map((r) => ({
    name: r.name,
    majMin: r.devNumber ?? '',
    ...(r.isPartition && r.parent !== undefined ? { parent: r.parent } : {}),
    slaves: r.slaves,
    holders: r.holders,
    ...(r.backingFile !== undefined ? { backingFile: r.backingFile } : {}),
  }));
}

/** Probes everything the guards need about `path` (a partition or a whole disk). Read-only. */
export async function probeDevice(src: Source, path: string, opts: ProbeDeviceOptions): Promise<DeviceFacts> {
  const resolved = await resolveLinks(src, path);
  const nodes = await probeBlockNodes(src);
  const name = resolved.startsWith('/dev/') ? resolved.slice(5) : undefined;
  const node = name === undefined ? undefined : nodes.find((n) => n.name === name);
  const empty = { partitions: [], signatures: ok([]), mounts: [], swaps: [], holders: [], rootBoot: [], pvs: ok([]), libvirt: { state: 'checked', users: [] } as LibvirtUse, openBy: [] };
  if (node === undefined) {
    return { path, name: undefined, notBlock: `${resolved} is not a block device the kernel lists in /sys/class/block`, ...empty };
  }
  const partitions = nodes.filter((n) => n.parent === node.name).map((n) => n.name);
  const names = [node.name, ...partitions];
  const majMins = new Map(nodes.filter((n) => names.includes(n.name)).map((n) => [n.majMin, n.name]));

  const mountText = await src.readText('/proc/self/mountinfo');
  const mountRead = mountText.ok ? parseMountinfo(mountText.value) : mountText;
  const mountTable: readonly Mount[] = mountRead.ok ? mountRead.value : [];
  const signatures = await probeSignatures(src, names);
  const swaps = await src.readText('/proc/swaps');
  const pvs = await probePvs(src, names);
  const libvirt = await usesOf(src, await opts.domainUses(), names);
  // Last, and alone: the probe's own blkid/wipefs/pvs children would otherwise show up as users.
  const openBy = opts.scanProcesses === false ? [] : await probeOpenBy(src, names);

  const mounts = mountTable
    .filter((m) => majMins.has(m.devNumber) || names.some((n) => m.source === `/dev/${n}`))
    .map((m) => ({ device: majMins.get(m.devNumber) ?? m.source.slice(5), mountpoint: m.mountpoint }));
  const swapRead = swaps.ok ? parseSwaps(swaps.value) : undefined;
  const swapNames = swapRead?.ok ? await Promise.all(swapRead.value.map((f) => resolveLinks(src, f))) : [];
  const holders: HolderUse[] = [];
  for (const n of nodes) {
    if (names.includes(n.name)) for (const h of n.holders) holders.push({ device: n.name, holder: h, how: 'sysfs' });
    const b = n.backingFile;
    if (b !== undefined && b.startsWith('/dev/') && names.includes(b.slice(5))) holders.push({ device: b.slice(5), holder: n.name, how: 'loop' });
  }
  const incomplete = [...(mountRead.ok ? [] : [`mount table: ${mountRead.reason}`]), ...(swapRead === undefined || swapRead.ok ? [] : [`swap areas: ${swapRead.reason}`])];
  return {
    path,
    name: node.name,
    ...(incomplete.length > 0 ? { incomplete } : {}),
    partitions,
    signatures,
    mounts,
    swaps: swapNames.filter((f) => f.startsWith('/dev/') && names.includes(f.slice(5))).map((f) => f.slice(5)),
    holders,
    rootBoot: rootBootUsesOf(devicesBacking(nodes, mountTable), names),
    pvs,
    libvirt,
    openBy,
  };
}

async function probeSignatures(src: Source, names: readonly string[]): Promise<Read<readonly Signature[]>> {
  const all: Signature[] = [];
  for (const n of names) {
    const blkid = await src.run({ name: `blkid-p-${n}`, argv: ['blkid', '-p', '-o', 'export', `/dev/${n}`] });
    // blkid exits 2 both when it finds nothing and when it cannot open the device (EPERM
    // on a device in exclusive use): only a silent 2 means "nothing there".
    if (!blkid.ok) return blkid;
    const silent2 = blkid.value.code === 2 && blkid.value.stderr.trim() === '';
    if (blkid.value.code !== 0 && !silent2) return missing(`blkid -p /dev/${n}: exit ${blkid.value.code}: ${blkid.value.stderr.trim()}`);
    // wipefs is the second opinion (it lists every signature with its offset); it refuses
    // to open a device in exclusive use (mounted), where blkid's answer stands alone.
    const wipefs = await src.run({ name: `wipefs-n-${n}`, argv: ['wipefs', '-n', '-J', `/dev/${n}`] });
    const wipefsOut = wipefs.ok && wipefs.value.code === 0 ? wipefs.value.stdout : '';
    try {
      all.push(...mergeSignatures(parseBlkidExport(blkid.value.stdout, n), parseWipefsJson(wipefsOut, n)));
    } catch (e) {
      return missing(`wipefs -n -J /dev/${n}: unreadable output (${e instanceof Error ? e.message : String(e)})`);
    }
  }
  return ok(all);
}

async function probePvs(src: Source, names: readonly string[]): Promise<Read<readonly PvInfo[]>> {
  const r = await src.run({ name: 'pvs', argv: [...LVM_ENV, 'pvs', '--reportformat', 'json', '-o', 'pv_name,vg_name'] });
  if (!r.ok) return ok([]); // no LVM tools: nothing on this host can be using a PV through them
  if (r.value.code === 127) return ok([]);
  if (r.value.code !== 0) return missing(`pvs: exit ${r.value.code}: ${r.value.stderr.trim().split('\n').slice(-1)[0] ?? ''}`);
  try {
    const pvs = parsePvs(r.value.stdout);
    const mine: PvInfo[] = [];
    for (const pv of pvs) {
      const real = await resolveLinks(src, pv.pvName);
      if (real.startsWith('/dev/') && names.includes(real.slice(5))) mine.push(pv);
    }
    return ok(mine);
  } catch (e) {
    return missing(`pvs: unreadable JSON (${e instanceof Error ? e.message : String(e)})`);
  }
}

async function usesOf(src: Source, d: LibvirtDomains, names: readonly string[]): Promise<LibvirtUse> {
  if (d.state !== 'checked') return d;
  const users: DomainUse[] = [];
  const seen = new Set<string>();
  for (const u of d.disks) {
    if (!u.source.startsWith('/dev/')) continue;
    const real = await resolveLinks(src, u.source);
    const key = `${u.domain}\0${u.target}`;
    if (real.startsWith('/dev/') && names.includes(real.slice(5)) && !seen.has(key)) {
      seen.add(key);
      users.push(u);
    }
  }
  return { state: 'checked', users };
}

async function probeOpenBy(src: Source, names: readonly string[]): Promise<ProcessUse[]> {
  const procs = await src.listDir('/proc');
  if (!procs.ok) return [];
  const wanted = new Set(names.map((n) => `/dev/${n}`));
  const self = String(process.pid);
  const out: ProcessUse[] = [];
  await Promise.all(
    procs.value
      .filter((p) => /^\d+$/.test(p) && p !== self)
      .map(async (pid) => {
        const fds = await src.listDir(`/proc/${pid}/fd`);
        if (!fds.ok) return;
        const hits = new Set<string>();
        for (const fd of fds.value) {
          const l = await src.readLink(`/proc/${pid}/fd/${fd}`);
          if (l.ok && wanted.has(l.value)) hits.add(l.value.slice(5));
        }
        if (hits.size === 0) return;
        const comm = await src.readText(`/proc/${pid}/comm`);
        for (const device of hits) out.push({ pid: Number(pid), command: comm.ok ? comm.value.trim() : '?', device });
      }),
  );
  return out.sort((a, b) => a.pid - b.pid);
}
