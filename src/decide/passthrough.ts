// Which PCI devices may be handed to a VM with VFIO, and why not. Pure: facts in,
// assessments out. The guard peers lack: a device (or any device in its IOMMU group)
// that carries the host's root or boot disk, a mounted filesystem, an LVM PV in a VG,
// a libvirt storage pool or a disk of a libvirt domain is never handed over; nor is a
// group that holds a non-storage device the user did not name (a NIC sharing the group
// would go to the VM too). All non-bridge members of a group must go together
// (kernel Documentation/driver-api/vfio.rst, "Groups, Devices, and IOMMUs").
import type { BlockDevice, HostFacts, PciDevice } from '../facts/host-facts.js';
import type { PassthroughFacts, StoragePool, VirtualFunction } from '../facts/passthrough-facts.js';
import { hostUsesOfDisk, type DiskUse, type UseKind } from './host-disk-uses.js';
import { isBridge, isStorageController, pciRole, type PciRole } from './pci-class.js';

export { diskFamily, type DiskUse, type UseKind } from './host-disk-uses.js';

export type HostView = Pick<HostFacts, 'blockDevices' | 'iommu' | 'pci'>;

export interface DiskReport {
  readonly name: string;
  readonly model?: string;
  readonly uses: readonly DiskUse[];
  /** Not refusing, worth saying: an orphan PV, a hostdev already in a domain … */
  readonly notes: readonly string[];
}

export interface MemberReport {
  readonly address: string;
  readonly role: PciRole;
  readonly classCode?: number;
  readonly vendor?: string;
  readonly device?: string;
  readonly driver?: string;
  readonly bridge: boolean;
  /** The device asked about, or one the user named with --with. */
  readonly named: boolean;
  readonly disks: readonly DiskReport[];
}

export type RefusalCode = 'no-iommu' | 'root' | 'boot' | 'mount' | 'pv' | 'pool' | 'domain-disk' | 'unnamed-member' | 'unknown-use' | 'sriov-vfs-enabled';

export interface Refusal {
  readonly code: RefusalCode;
  /** The group member it is about. */
  readonly member: string;
  readonly message: string;
}

export interface Verdict {
  readonly status: 'allowed' | 'refused';
  /** One line: why allowed, or the first refusal. */
  readonly reason: string;
  readonly refusals: readonly Refusal[];
}

export interface Assessment {
  readonly address: string;
  readonly role: PciRole;
  readonly classCode?: number;
  readonly vendor?: string;
  readonly device?: string;
  readonly driver?: string;
  readonly iommuGroup?: number;
  /** Every device in the IOMMU group, this one included, bridges included (marked). */
  readonly members: readonly MemberReport[];
  /** All non-bridge members can be moved together (each is known and has no refusal). */
  readonly viable: boolean;
  readonly viability: string;
  readonly sriov?: { readonly totalVfs: number; readonly numVfs: number; readonly vfs: readonly VirtualFunction[] };
  /** For a virtual function: its physical function. */
  readonly physfn?: string;
  /** Domains that already have this device as a <hostdev>. */
  readonly assignedTo: readonly string[];
  readonly verdict: Verdict;
}

const devName = (path: string): string | undefined => {
  const m = /^\/dev\/(?:mapper\/)?([^/]+)$/.exec(path);
  return m ? m[1] : undefined;
};

const under = (path: string, dir: string): boolean => dir === '/' ? path.startsWith('/') : path === dir || path.startsWith(`${dir}/`);

/** /dev/VG/LV or /dev/mapper/VG-LV → VG (dashes in mapper names are doubled). */
function vgOfLvPath(path: string): string | undefined {
  const direct = /^\/dev\/([^/]+)\/[^/]+$/.exec(path);
  if (direct && !['mapper', 'disk', 'md'].includes(direct[1] ?? '')) return direct[1];
  const mapper = /^\/dev\/mapper\/((?:[^-]|--)+)-(?:[^-]|--)+$/.exec(path);
  return mapper ? (mapper[1] ?? '').replace(/--/g, '-') : undefined;
}

/** Everything on one disk that makes handing it to a VM destroy or steal host data. */
export function diskUses(disk: BlockDevice, devs: readonly BlockDevice[], pt: PassthroughFacts): DiskReport {
  const host = hostUsesOfDisk(disk, devs, pt.pvs);
  const { family, mounts } = host;
  const uses: DiskUse[] = [...host.uses];
  const notes: string[] = [...host.notes];
  const vgs = new Set(host.pvs.filter((p) => p.vg !== '').map((p) => p.vg));
  const pools: readonly StoragePool[] = pt.pools.ok ? pt.pools.value : [];
  const poolsHere = new Set<string>();
  for (const pool of pools) {
    const dev = pool.sourceDevices.map(devName).find((n) => n !== undefined && family.includes(n));
    const vg = pool.type === 'logical' ? (pool.sourceName ?? pool.name) : undefined;
    const mount = pool.targetPath !== undefined && ['dir', 'fs', 'netfs'].includes(pool.type) ? mounts.find((m) => m !== '/' && under(pool.targetPath as string, m)) : undefined;
    if (dev !== undefined || (vg !== undefined && vgs.has(vg)) || mount !== undefined) poolsHere.add(pool.name);
    if (dev !== undefined) uses.push({ kind: 'pool', device: dev, detail: `libvirt storage pool "${pool.name}" (${pool.type}) uses /dev/${dev}` });
    else if (vg !== undefined && vgs.has(vg)) uses.push({ kind: 'pool', device: disk.name, detail: `libvirt storage pool "${pool.name}" (logical) is volume group "${vg}" on ${disk.name}` });
    else if (mount !== undefined) uses.push({ kind: 'pool', device: disk.name, detail: `libvirt storage pool "${pool.name}" (${pool.type}) lives in ${pool.targetPath} on ${disk.name}` });
  }
  const domains = pt.domains.ok ? pt.domains.value : [];
  for (const dom of domains) {
    for (const src of dom.diskSources) {
      const dev = devName(src);
      const vg = vgOfLvPath(src);
      const mount = mounts.find((m) => m !== '/' && under(src, m));
      const pool = /^pool:([^/]+)\//.exec(src)?.[1];
      if ((dev !== undefined && family.includes(dev)) || (vg !== undefined && vgs.has(vg)) || mount !== undefined || (pool !== undefined && poolsHere.has(pool))) {
        uses.push({ kind: 'domain-disk', device: disk.name, detail: `libvirt domain "${dom.name}" has disk ${src} on ${disk.name}` });
      }
    }
  }
  return { name: disk.name, ...(disk.model ? { model: disk.model } : {}), uses, notes };
}

/** What could not be checked about disk users, as "… is X (reason)" phrases. */
export function unknownUses(pt: Pick<PassthroughFacts, 'pvs' | 'pools' | 'domains'>): string[] {
  return [
    ...(pt.pvs.ok ? [] : [`holds an LVM PV (${pt.pvs.reason})`]),
    ...(pt.pools.ok ? [] : [`backs a libvirt storage pool (${pt.pools.reason})`]),
    ...(pt.domains.ok ? [] : [`holds a libvirt domain's disk (${pt.domains.reason})`]),
  ];
}

/** Whole disks behind a PCI device: those whose controller is it, and those the probe listed. */
export function disksBehind(dev: PciDevice | undefined, address: string, devs: readonly BlockDevice[]): BlockDevice[] {
  const names = new Set(dev?.disks ?? []);
  return devs.filter((d) => (d.kind === 'disk' || d.kind === 'other') && (d.controller === address || names.has(d.name)));
}

const REFUSAL_OF: Readonly<Record<UseKind, RefusalCode>> = { root: 'root', boot: 'boot', mount: 'mount', pv: 'pv', pool: 'pool', 'domain-disk': 'domain-disk' };

const describe = (m: { address: string; role: PciRole; vendor?: string; device?: string; driver?: string }): string =>
  `${m.address} (${m.role}${m.vendor && m.device ? `, ${m.vendor.replace(/^0x/, '')}:${m.device.replace(/^0x/, '')}` : ''}${m.driver ? `, driver ${m.driver}` : ''})`;


/** Assess one device: its group, every member's disks and what they hold, and the verdict. */
export function assessDevice(address: string, host: HostView, pt: PassthroughFacts, opts: { named?: readonly string[] } = {}): Assessment {
  const pci: readonly PciDevice[] = host.pci.ok ? host.pci.value : [];
  const devs: readonly BlockDevice[] = host.blockDevices.ok ? host.blockDevices.value : [];
  const pciIndex = new Map(pci.map((p) => [p.address, p]));
  const vfIndex = new Map<string, VirtualFunction>();
  for (const vfs of Object.values(pt.virtualFunctions)) for (const vf of vfs) vfIndex.set(vf.address, vf);
  const self = pciIndex.get(address);
  const selfVf = vfIndex.get(address);
  const named = new Set([address, ...(opts.named ?? [])]);
  const groupOf = (addr: string): number | undefined => {
    const fromDev = pciIndex.get(addr)?.iommuGroup ?? vfIndex.get(addr)?.iommuGroup;
    if (fromDev !== undefined) return fromDev;
    if (!host.iommu.ok) return undefined;
    for (const [g, members] of Object.entries(host.iommu.value.groups)) if (members.includes(addr)) return Number(g);
    return undefined;
  };
  const group = groupOf(address);
  const memberAddrs = group !== undefined && host.iommu.ok ? [...(host.iommu.value.groups[group] ?? [address])] : [address];
  if (!memberAddrs.includes(address)) memberAddrs.push(address);
  memberAddrs.sort();

  const members: MemberReport[] = memberAddrs.map((a) => {
    const p = pciIndex.get(a);
    const vf = vfIndex.get(a);
    const classCode = p?.classCode ?? vf?.classCode;
    const role: PciRole = classCode === undefined ? 'other' : pciRole(classCode);
    const driver = p?.driver ?? vf?.driver;
    const vendor = p?.vendor ?? vf?.vendor;
    const device = p?.device ?? vf?.device;
    return {
      address: a,
      role,
      ...(classCode === undefined ? {} : { classCode }),
      ...(vendor ? { vendor } : {}),
      ...(device ? { device } : {}),
      ...(driver ? { driver } : {}),
      bridge: classCode !== undefined && isBridge(classCode),
      named: named.has(a),
      disks: disksBehind(p, a, devs).map((d) => diskUses(d, devs, pt)),
    };
  });

  const refusals: Refusal[] = [];
  if (group === undefined) {
    refusals.push({
      code: 'no-iommu',
      member: address,
      message: host.iommu.ok && host.iommu.value.units.length === 0
        ? `${address} is in no IOMMU group: the IOMMU is off (no units in /sys/class/iommu); VFIO needs it (see kvmio passthrough check ${address})`
        : `${address} is in no IOMMU group${host.iommu.ok ? '' : ` (IOMMU facts unreadable: ${host.iommu.reason})`}; VFIO needs one`,
    });
  }
  for (const m of members) {
    if (m.bridge) continue;
    const storage = m.classCode !== undefined && (isStorageController(m.classCode) || m.role === 'storage-other');
    if (!m.named && !storage) {
      refusals.push({
        code: 'unnamed-member',
        member: m.address,
        message: `IOMMU group ${group} also holds ${describe(m)}, which would go to the VM too; name it with --with ${m.address} if that is intended, or move a card to another slot`,
      });
    }
    for (const d of m.disks) for (const u of d.uses) refusals.push({ code: REFUSAL_OF[u.kind], member: m.address, message: `${m.address}: ${u.detail}` });
    const pf = pciIndex.get(m.address);
    if (pf?.sriov && pf.sriov.numVfs > 0) {
      const vfList = pt.virtualFunctions[m.address] ?? [];
      const used = vfList.flatMap((vf) => (pt.domains.ok ? pt.domains.value : []).filter((d) => d.hostdevs.includes(vf.address)).map((d) => `${vf.address} is a <hostdev> of domain "${d.name}"`));
      refusals.push({
        code: 'sriov-vfs-enabled',
        member: m.address,
        message: `${m.address}: ${pf.sriov.numVfs} SR-IOV virtual function(s) enabled${vfList.length ? ` (${vfList.map((v) => v.address).join(', ')})` : ''}${used.length ? `; ${used.join('; ')}` : ''}: unbinding the PF's driver removes them; pass a VF instead, or disable them first: echo 0 > /sys/bus/pci/devices/${m.address}/sriov_numvfs`,
      });
    }
    // Fail closed: a disk whose users could not be checked may hold the host's data.
    if (m.disks.length > 0) {
      for (const u of unknownUses(pt)) refusals.push({ code: 'unknown-use', member: m.address, message: `${m.address}: cannot tell whether ${m.disks.map((d) => d.name).join(', ')} ${u}` });
    }
  }
  const nonBridge = members.filter((m) => !m.bridge);
  const blocked = new Set(refusals.filter((r) => r.code !== 'no-iommu').map((r) => r.member));
  const viable = group !== undefined && blocked.size === 0;
  const viability = group === undefined
    ? 'no IOMMU group'
    : viable
      ? `all ${nonBridge.length} non-bridge member(s) of group ${group} can go together: ${nonBridge.map((m) => m.address).join(', ')}`
      : `group ${group} cannot go whole: ${[...blocked].join(', ')} must stay with the host`;

  const assignedTo = (pt.domains.ok ? pt.domains.value : []).filter((d) => d.hostdevs.includes(address)).map((d) => d.name);
  const verdict: Verdict = refusals.length > 0
    ? { status: 'refused', reason: (refusals[0] as Refusal).message, refusals }
    : {
      status: 'allowed',
      reason: nonBridge.length > 1
        ? `group ${group} (${nonBridge.map((m) => m.address).join(', ')}) holds no host disk in use and no unnamed non-storage device`
        : `alone in IOMMU group ${group}; its disks hold nothing the host uses`,
      refusals,
    };
  const vfs = pt.virtualFunctions[address] ?? [];
  const role: PciRole = self ? pciRole(self.classCode) : selfVf?.classCode !== undefined ? pciRole(selfVf.classCode) : 'other';
  const physfn = pt.physicalFunction[address];
  const me = members.find((m) => m.address === address);
  return {
    address,
    role,
    ...(me?.classCode === undefined ? {} : { classCode: me.classCode }),
    ...(me?.vendor ? { vendor: me.vendor } : {}),
    ...(me?.device ? { device: me.device } : {}),
    ...(me?.driver ? { driver: me.driver } : {}),
    ...(group === undefined ? {} : { iommuGroup: group }),
    members,
    viable,
    viability,
    ...(self?.sriov ? { sriov: { totalVfs: self.sriov.totalVfs, numVfs: self.sriov.numVfs, vfs } } : {}),
    ...(physfn ? { physfn } : {}),
    assignedTo,
    verdict,
  };
}

/** Devices `passthrough list` shows: storage controllers and SR-IOV capable devices (PFs). */
/** Virtual functions are listed under their PF, not as devices of their own. */
export function passthroughCandidates(host: HostView, pt: Pick<PassthroughFacts, 'physicalFunction'>): string[] {
  const pci = host.pci.ok ? host.pci.value : [];
  return pci
    .filter((p) => pt.physicalFunction[p.address] === undefined)
    .filter((p) => isStorageController(p.classCode) || (p.sriov !== undefined && p.sriov.totalVfs > 0))
    .map((p) => p.address)
    .sort();
}

export function assessAll(host: HostView, pt: PassthroughFacts): Assessment[] {
  return passthroughCandidates(host, pt).map((a) => assessDevice(a, host, pt));
}

