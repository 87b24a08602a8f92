// IOMMU units and groups, and the PCI devices that matter for storage and passthrough:
// storage controllers (class 0104/0106/0107/0108), the controllers disks hang off,
// SR-IOV capable devices, and every device sharing an IOMMU group with one of them
// (all non-bridge devices of a group go to a VM together).
import { posix } from 'node:path';
import type { BlockDevice, Iommu, PciDevice, PciReason } from './host-facts.js';
import { parseUnsigned } from './parse-number.js';
import { isStorageClass, parsePciClass, pciChain, PCI_ADDRESS } from './parse-pci.js';
import { missing, ok, valueOf, type Read, type Source } from './source.js';

const PCI_DIR = '/sys/bus/pci/devices';

export async function probeIommu(src: Source): Promise<Read<Iommu>> {
  const [units, groupDirs] = await Promise.all([src.listDir('/sys/class/iommu'), src.listDir('/sys/kernel/iommu_groups')]);
  if (!units.ok && !groupDirs.ok) return missing(`${units.reason}; ${groupDirs.reason}`);
  const numbers = (valueOf(groupDirs) ?? []).filter((g) => /^\d+$/.test(g));
  const members = await Promise.all(numbers.map((g) => src.listDir(`/sys/kernel/iommu_groups/${g}/devices`)));
  const groups: Record<number, readonly string[]> = {};
  numbers.forEach((g, i) => {
    groups[Number(g)] = (valueOf(members[i] as Read<readonly string[]>) ?? []).filter((a) => PCI_ADDRESS.test(a));
  });
  return ok({ units: valueOf(units) ?? [], groups });
}

interface PciBasics {
  readonly address: string;
  readonly sysfsPath?: string;
  readonly classCode?: number;
  readonly totalVfs?: number;
}

const num = (r: Read<string>, what: string): number | undefined => (r.ok ? valueOf(parseUnsigned(r.value, what)) : undefined);

export async function probePci(src: Source, disks: readonly BlockDevice[], iommu: Read<Iommu>): Promise<Read<readonly PciDevice[]>> {
  const list = await src.listDir(PCI_DIR);
  if (!list.ok) return list;
  const addresses = list.value.filter((a) => PCI_ADDRESS.test(a));
  const basics = await Promise.all(addresses.map(async (address): Promise<PciBasics> => {
    const [link, cls, vfs] = await Promise.all([
      src.readLink(`${PCI_DIR}/${address}`), src.readText(`${PCI_DIR}/${address}/class`), src.readText(`${PCI_DIR}/${address}/sriov_totalvfs`),
    ]);
    const classCode = cls.ok ? valueOf(parsePciClass(cls.value)) : undefined;
    return { address, ...(link.ok ? { sysfsPath: posix.resolve(PCI_DIR, link.value) } : {}), ...(classCode !== undefined ? { classCode } : {}), ...(vfs.ok ? { totalVfs: num(vfs, 'sriov_totalvfs') ?? 0 } : {}) };
  }));
  const disksBehind = new Map<string, string[]>();
  for (const d of disks) {
    if (d.kind === 'part' || !d.controller) continue;
    disksBehind.set(d.controller, [...(disksBehind.get(d.controller) ?? []), d.name]);
  }
  const reasons = new Map<string, PciReason[]>();
  const note = (a: string, r: PciReason): void => {
    const l = reasons.get(a) ?? [];
    if (!l.includes(r)) l.push(r);
    reasons.set(a, l);
  };
  for (const b of basics) {
    if (b.classCode !== undefined && isStorageClass(b.classCode)) note(b.address, 'storage-class');
    if (disksBehind.has(b.address)) note(b.address, 'disk-controller');
    if (b.totalVfs !== undefined && b.totalVfs > 0) note(b.address, 'sriov');
  }
  const groupOf = new Map<string, number>();
  if (iommu.ok) for (const [g, members] of Object.entries(iommu.value.groups)) for (const a of members) groupOf.set(a, Number(g));
  for (const a of [...reasons.keys()]) {
    const g = groupOf.get(a);
    if (g === undefined || !iommu.ok) continue;
    for (const peer of iommu.value.groups[g] ?? []) if (!reasons.has(peer)) note(peer, 'iommu-group');
  }
  const byAddress = new Map(basics.map((b) => [b.address, b]));
  const chosen = [...reasons.keys()].sort();
  const devices = await Promise.all(chosen.map(async (address): Promise<PciDevice> => {
    const dir = `${PCI_DIR}/${address}`;
    const [vendor, device, driver, override, group, numVfs] = await Promise.all([
      src.readText(`${dir}/vendor`), src.readText(`${dir}/device`), src.readLink(`${dir}/driver`),
      src.readText(`${dir}/driver_override`), src.readLink(`${dir}/iommu_group`), src.readText(`${dir}/sriov_numvfs`),
    ]);
    const b = byAddress.get(address);
    const sysfsPath = b?.sysfsPath;
    const groupNumber = group.ok ? Number(posix.basename(group.value)) : groupOf.get(address);
    const ov = override.ok ? override.value.trim() : '';
    return {
      address,
      classCode: b?.classCode ?? 0,
      vendor: vendor.ok ? vendor.value.trim() : '',
      device: device.ok ? device.value.trim() : '',
      ...(driver.ok ? { driver: posix.basename(driver.value) } : {}),
      ...(ov !== '' && ov !== '(null)' ? { driverOverride: ov } : {}),
      ...(groupNumber !== undefined && Number.isInteger(groupNumber) ? { iommuGroup: groupNumber } : {}),
      ...(b?.totalVfs !== undefined && b.totalVfs > 0 ? { sriov: { totalVfs: b.totalVfs, numVfs: num(numVfs, 'sriov_numvfs') ?? 0 } } : {}),
      disks: disksBehind.get(address) ?? [],
      ...(sysfsPath !== undefined ? { sysfsPath } : {}),
      upstream: sysfsPath ? pciChain(sysfsPath).filter((a) => a !== address) : [],
      reasons: reasons.get(address) ?? [],
    };
  }));
  return ok(devices);
}
