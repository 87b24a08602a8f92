// Reads PassthroughFacts through a Source (local, dump or remote), so a recorded dump
// replays them: ACPI tables, vfio-pci availability, SR-IOV virtual
// functions, LVM PVs and libvirt pools and domains. Commands are catalogued by name
// (cmd/NAME.out in a dump); a missing one leaves that fact unknown with the reason.
import { posix } from 'node:path';
import type { HostFacts } from './host-facts.js';
import type { DomainStorage, PassthroughFacts, StoragePool, VfioAvailability, VirtualFunction } from './passthrough-facts.js';
import { parseDomainStorage, parsePoolXml, parsePvsJson } from './parse-storage-use.js';
import { missing, ok, valueOf, type CommandSpec, type Read, type Source } from './source.js';

const PCI_DIR = '/sys/bus/pci/devices';

/** A dump file name for a per-object command ("virsh-dumpxml.web-01"). */
const safe = (name: string): string => name.replace(/[^A-Za-z0-9._-]/g, '_');

export const passthroughCommands = {
  pvs: (): CommandSpec => ({ name: 'pvs', argv: ['env', 'LVM_SUPPRESS_FD_WARNINGS=1', 'pvs', '--reportformat', 'json', '-o', 'pv_name,vg_name'], timeoutMs: 20_000 }),
  poolList: (uri: string): CommandSpec => ({ name: 'virsh-pool-list', argv: ['virsh', '-q', '-c', uri, 'pool-list', '--all', '--name'], timeoutMs: 20_000 }),
  poolXml: (uri: string, pool: string): CommandSpec => ({ name: `virsh-pool-dumpxml.${safe(pool)}`, argv: ['virsh', '-q', '-c', uri, 'pool-dumpxml', '--', pool], timeoutMs: 20_000 }),
  domainList: (uri: string): CommandSpec => ({ name: 'virsh-list', argv: ['virsh', '-q', '-c', uri, 'list', '--all', '--name'], timeoutMs: 20_000 }),
  domainXml: (uri: string, dom: string): CommandSpec => ({ name: `virsh-dumpxml.${safe(dom)}`, argv: ['virsh', '-q', '-c', uri, 'dumpxml', '--inactive', '--', dom], timeoutMs: 20_000 }),
};

/** Empty output when the tool is not installed (exit 127 from env, or it cannot be started): then nothing of its kind exists. */
export async function runText(src: Source, cmd: CommandSpec): Promise<Read<string>> {
  const r = await src.run(cmd);
  if (!r.ok) return /ENOENT|not found/i.test(r.reason) ? ok('') : r;
  if (r.value.code === 127) return ok('');
  if (r.value.code !== 0) return missing(`${cmd.argv.join(' ')}: exit ${r.value.code}: ${r.value.stderr.trim().split('\n').slice(-1)[0] ?? ''}`);
  return ok(r.value.stdout);
}

const lines = (t: string): string[] => t.split('\n').map((l) => l.trim()).filter((l) => l !== '');

async function eachParsed<T>(src: Source, names: readonly string[], spec: (n: string) => CommandSpec, parse: (t: string) => Read<T>): Promise<Read<readonly T[]>> {
  const out: T[] = [];
  for (const n of names) {
    const t = await runText(src, spec(n));
    const p = t.ok ? parse(t.value) : t;
    if (!p.ok) return missing(`${n}: ${p.reason}`);
    out.push(p.value);
  }
  return ok(out);
}

export async function probePools(src: Source, uri: string): Promise<Read<readonly StoragePool[]>> {
  const list = await runText(src, passthroughCommands.poolList(uri));
  if (!list.ok) return list;
  return eachParsed(src, lines(list.value), (n) => passthroughCommands.poolXml(uri, n), parsePoolXml);
}

export async function probeDomains(src: Source, uri: string): Promise<Read<readonly DomainStorage[]>> {
  const list = await runText(src, passthroughCommands.domainList(uri));
  if (!list.ok) return list;
  const doms = await eachParsed(src, lines(list.value), (n) => passthroughCommands.domainXml(uri, n), parseDomainStorage);
  if (!doms.ok) return doms;
  // /dev/disk/by-id/… and friends name a disk only through a link: add the kernel name it points to
  return ok(await Promise.all(doms.value.map(async (d) => {
    const extra: string[] = [];
    for (const s of d.diskSources.filter((p) => p.startsWith('/dev/disk/'))) {
      const l = await src.readLink(s);
      if (l.ok) extra.push(posix.resolve(posix.dirname(s), l.value));
    }
    return extra.length === 0 ? d : { ...d, diskSources: [...d.diskSources, ...extra] };
  })));
}

export async function probeVfioPci(src: Source, kernelRelease: Read<string>): Promise<Read<VfioAvailability>> {
  const drivers = await src.listDir('/sys/bus/pci/drivers');
  const loaded = drivers.ok && drivers.value.includes('vfio-pci');
  const looked = ['/sys/bus/pci/drivers/vfio-pci'];
  let moduleFile: string | undefined;
  let builtin = false;
  if (kernelRelease.ok) {
    const dir = `/lib/modules/${kernelRelease.value}/kernel/drivers/vfio/pci`;
    const builtinFile = `/lib/modules/${kernelRelease.value}/modules.builtin`;
    looked.push(dir, builtinFile);
    const files = await src.listDir(dir);
    const f = files.ok ? files.value.find((n) => /^vfio-pci\.ko(\.(xz|zst|gz))?$/.test(n)) : undefined;
    if (f) moduleFile = `${dir}/${f}`;
    const b = await src.readText(builtinFile);
    builtin = b.ok && /(^|\/)vfio-pci\.ko$/m.test(b.value);
  } else {
    looked.push(`/lib/modules/(kernel release unknown: ${kernelRelease.reason})`);
  }
  if (!drivers.ok && !kernelRelease.ok) return missing(`${drivers.reason}; ${kernelRelease.reason}`);
  return ok({ loaded, builtin, looked, ...(moduleFile ? { moduleFile } : {}) });
}

async function probeVf(src: Source, pf: string, entry: string): Promise<VirtualFunction | undefined> {
  const link = await src.readLink(`${PCI_DIR}/${pf}/${entry}`);
  if (!link.ok) return undefined;
  const address = posix.basename(link.value);
  const dir = `${PCI_DIR}/${address}`;
  const [cls, vendor, device, driver, group] = await Promise.all([
    src.readText(`${dir}/class`), src.readText(`${dir}/vendor`), src.readText(`${dir}/device`), src.readLink(`${dir}/driver`), src.readLink(`${dir}/iommu_group`),
  ]);
  const classCode = cls.ok && /^0x[0-9a-f]{6}$/i.test(cls.value.trim()) ? parseInt(cls.value.trim().slice(2), 16) : undefined;
  const g = group.ok ? Number(posix.basename(group.value)) : undefined;
  return {
    address,
    index: Number(entry.slice('virtfn'.length)),
    ...(g !== undefined && Number.isInteger(g) ? { iommuGroup: g } : {}),
    ...(driver.ok ? { driver: posix.basename(driver.value) } : {}),
    ...(classCode !== undefined ? { classCode } : {}),
    ...(vendor.ok ? { vendor: vendor.value.trim() } : {}),
    ...(device.ok ? { device: device.value.trim() } : {}),
  };
}

export async function probeVirtualFunctions(src: Source, pfs: readonly string[]): Promise<Record<string, VirtualFunction[]>> {
  const out: Record<string, VirtualFunction[]> = {};
  for (const pf of pfs) {
    const entries = valueOf(await src.listDir(`${PCI_DIR}/${pf}`)) ?? [];
    const vfs = (await Promise.all(entries.filter((e) => /^virtfn\d+$/.test(e)).map((e) => probeVf(src, pf, e)))).filter((v): v is VirtualFunction => v !== undefined);
    out[pf] = vfs.sort((a, b) => a.index - b.index);
  }
  return out;
}

export async function probePassthrough(src: Source, host: Pick<HostFacts, 'kernelRelease' | 'pci'>, opts: { libvirtUri: string }): Promise<PassthroughFacts> {
  const [acpiTables, vfioPci, pvsText, pools, domains] = await Promise.all([
    src.listDir('/sys/firmware/acpi/tables'),
    probeVfioPci(src, host.kernelRelease),
    runText(src, passthroughCommands.pvs()),
    probePools(src, opts.libvirtUri),
    probeDomains(src, opts.libvirtUri),
  ]);
  const pfs = (host.pci.ok ? host.pci.value : []).filter((p) => p.sriov !== undefined && p.sriov.totalVfs > 0).map((p) => p.address);
  const virtualFunctions = await probeVirtualFunctions(src, pfs);
  const physicalFunction: Record<string, string> = {};
  for (const [pf, vfs] of Object.entries(virtualFunctions)) for (const vf of vfs) physicalFunction[vf.address] = pf;
  return {
    acpiTables,
    vfioPci,
    virtualFunctions,
    physicalFunction,
    pvs: !pvsText.ok ? pvsText : pvsText.value.trim() === '' ? ok([]) : parsePvsJson(pvsText.value),
    pools,
    domains,
  };
}

/** One PCI device read directly, for an address the host probe did not list (not storage, no group peer). */
export async function probePciDevice(src: Source, address: string): Promise<Read<import('./host-facts.js').PciDevice>> {
  const dir = `${PCI_DIR}/${address}`;
  const [cls, vendor, device, driver, override, group] = await Promise.all([
    src.readText(`${dir}/class`), src.readText(`${dir}/vendor`), src.readText(`${dir}/device`), src.readLink(`${dir}/driver`), src.readText(`${dir}/driver_override`), src.readLink(`${dir}/iommu_group`),
  ]);
  if (!cls.ok) return missing(`${address}: no such PCI device (${cls.reason})`);
  const classCode = /^0x[0-9a-f]{6}$/i.test(cls.value.trim()) ? parseInt(cls.value.trim().slice(2), 16) : 0;
  const g = group.ok ? Number(posix.basename(group.value)) : undefined;
  const ov = override.ok ? override.value.trim() : '';
  return ok({
    address,
    classCode,
    vendor: vendor.ok ? vendor.value.trim() : '',
    device: device.ok ? device.value.trim() : '',
    ...(driver.ok ? { driver: posix.basename(driver.value) } : {}),
    ...(ov !== '' && ov !== '(null)' ? { driverOverride: ov } : {}),
    ...(g !== undefined && Number.isInteger(g) ? { iommuGroup: g } : {}),
    disks: [],
    upstream: [],
    reasons: [],
  });
}

export interface PassthroughInput {
  readonly host: HostFacts;
  readonly pt: PassthroughFacts;
}

/**
 * Host facts plus pass-through facts from this host or a dump. Addresses the host probe
 * did not list (a NIC the user names, a device outside any storage group) and their
 * IOMMU group peers are read directly and added, so every group member is described.
 */
export async function loadPassthrough(from: string | undefined, env: Readonly<Record<string, string | undefined>>, addresses: readonly string[]): Promise<PassthroughInput> {
  const { DumpSource } = await import('./dump-source.js');
  const { LocalSource } = await import('./local-source.js');
  const { probeHost } = await import('./probe-host.js');
  const { libvirtUri } = await import('./commands.js');
  const src: Source = from !== undefined ? new DumpSource(from) : new LocalSource();
  const host = await probeHost(src);
  const pci = [...(host.pci.ok ? host.pci.value : [])];
  const known = new Set(pci.map((p) => p.address));
  const wanted = new Set(addresses);
  if (host.iommu.ok) {
    for (const members of Object.values(host.iommu.value.groups)) if (members.some((m) => wanted.has(m))) for (const m of members) wanted.add(m);
  }
  for (const a of [...wanted].sort()) {
    if (known.has(a)) continue;
    const d = await probePciDevice(src, a);
    if (d.ok) pci.push(d.value);
  }
  const full: HostFacts = host.pci.ok || pci.length > 0 ? { ...host, pci: ok(pci.sort((x, y) => x.address.localeCompare(y.address))) } : host;
  const pt = await probePassthrough(src, full, { libvirtUri: libvirtUri(env) });
  return { host: full, pt };
}
