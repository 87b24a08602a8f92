// Reads PassthroughFacts through a Source (local, dump or remote), so a recorded dump
// replays them: the CPU vendor, ACPI tables, vfio-pci availability, SR-IOV virtual
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
  pvs: (): CommandSpec => ({ name: 'pvs', argv: ['pvs', '--reportformat', 'json', '-o', 'pv_name,vg_name'], timeoutMs: 20_000 }),
  poolList: (uri: string): CommandSpec => ({ name: 'virsh-pool-list', argv: ['virsh', '-q', '-c', uri, 'pool-list', '--all', '--name'], timeoutMs: 20_000 }),
  poolXml: (uri: string, pool: string): CommandSpec => ({ name: `virsh-pool-dumpxml.${safe(pool)}`, argv: ['virsh', '-q', '-c', uri, 'pool-dumpxml', '--', pool], timeoutMs: 20_000 }),
  domainList: (uri: string): CommandSpec => ({ name: 'virsh-list', argv: ['virsh', '-q', '-c', uri, 'list', '--all', '--name'], timeoutMs: 20_000 }),
  domainXml: (uri: string, dom: string): CommandSpec => ({ name: `virsh-dumpxml.${safe(dom)}`, argv: ['virsh', '-q', '-c', uri, 'dumpxml', '--inactive', '--', dom], timeoutMs: 20_000 }),
};

async function runText(src: Source, cmd: CommandSpec): Promise<Read<string>> {
  const r = await src.run(cmd);
  if (!r.ok) return r;
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
  return eachParsed(src, lines(list.value), (n) => passthroughCommands.domainXml(uri, n), parseDomainStorage);
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
  const [cpuinfo, acpiTables, vfioPci, pvsText, pools, domains] = await Promise.all([
    src.readText('/proc/cpuinfo'),
    src.listDir('/sys/firmware/acpi/tables'),
    probeVfioPci(src, host.kernelRelease),
    runText(src, passthroughCommands.pvs()),
    probePools(src, opts.libvirtUri),
    probeDomains(src, opts.libvirtUri),
  ]);
  const vendor = cpuinfo.ok ? /^vendor_id\s*:\s*(\S+)/m.exec(cpuinfo.value)?.[1] : undefined;
  const pfs = (host.pci.ok ? host.pci.value : []).filter((p) => p.sriov !== undefined && p.sriov.totalVfs > 0).map((p) => p.address);
  const virtualFunctions = await probeVirtualFunctions(src, pfs);
  const physicalFunction: Record<string, string> = {};
  for (const [pf, vfs] of Object.entries(virtualFunctions)) for (const vf of vfs) physicalFunction[vf.address] = pf;
  return {
    cpuVendor: !cpuinfo.ok ? cpuinfo : vendor ? ok(vendor) : missing('/proc/cpuinfo: no vendor_id line'),
    acpiTables,
    vfioPci,
    virtualFunctions,
    physicalFunction,
    pvs: pvsText.ok ? parsePvsJson(pvsText.value) : pvsText,
    pools,
    domains,
  };
}
