// Loads the domain XML fixtures (test/fixtures/domains/NAME.xml) with their hand-written
// host descriptions (NAME.facts.json), turned into the tool outputs a host would give
// (stat, qemu-img info JSON, sysfs, O_DIRECT opens, versions) and read back by the real
// probe (facts/probe-vm-disks.ts) and parsers; and compares outputs with golden files.
import { readFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import { VM_COMMANDS } from '../src/facts/commands.js';
import { probeVmFacts } from '../src/facts/probe-vm-disks.js';
import type { VmFacts } from '../src/facts/vm-disk-facts.js';
import { unresolvedVolumes } from '../src/libvirt/probe-domains.js';
import { readDomainXml } from '../src/libvirt/read-domain.js';
import type { Vm, VmManager } from '../src/model/vm.js';
import { assertGoldenFile, fixture } from './helpers.js';
import { MemorySource } from './memory-source.js';

export const DOMAIN_FIXTURES = ['virt-install', 'virt-manager', 'proxmox-like', 'odd-network-unknown', 'missing-source', 'native-without-direct'];

export const domainXmlText = (name: string): string => readFileSync(fixture('domains', `${name}.xml`), 'utf8');

/** A libvirt domain XML text as a Vm (the real adapter), failing the test on a reason. */
export function vmFromXml(xml: string, manager: VmManager = { kind: 'libvirt', origin: 'saved' }, running = false): Vm {
  const r = readDomainXml(xml, manager, running);
  assert.ok(r.ok, r.ok ? '' : r.reason);
  return manager.kind === 'libvirt-xml' ? unresolvedVolumes(r.value) : r.value;
}

/** A fixture as the --domain-xml file it is. */
export const fixtureVm = (name: string): Vm => vmFromXml(domainXmlText(name), { kind: 'libvirt-xml', file: `${name}.xml` });

/** A hand-written description of one disk source on the host. */
export interface RawSource {
  kind: 'present' | 'missing';
  reason?: string;
  isBlock?: boolean;
  /** A logical volume (block device behind LVM). */
  lv?: { vg: string; lv: string; thin: boolean };
  fsType?: string;
  directIo?: boolean;
  /** A block source's logical and physical block sizes in sysfs (bytes). */
  blockSizes?: [number, number];
  image?: { format: string; virtualSize: number; actualSize: number; clusterSize?: number; extendedL2?: boolean };
}

export interface RawHost {
  platform?: Record<string, string>;
  aioNr?: number;
  aioMaxNr?: number;
  sources: Record<string, RawSource>;
}

/** The tool outputs a host with these sources gives, as a MemorySource. */
export function recordedHost(raw: RawHost): MemorySource {
  const src = new MemorySource();
  const out = (stdout: string, code = 0, stderr = '') => ({ code, stdout, stderr });
  const mounts = ['1 0 254:0 / / rw,relatime - ext4 /dev/vda rw'];
  let minor = 0;
  for (const [path, r] of Object.entries(raw.sources)) {
    if (r.kind === 'missing') {
      src.commands.set(VM_COMMANDS.stat(path).name, out('', 1, `stat: ${r.reason ?? `cannot statx '${path}': No such file or directory`}\n`));
      continue;
    }
    const dir = path.slice(0, path.lastIndexOf('/')) || '/';
    if (r.fsType) mounts.push(`${mounts.length + 1} 1 0:${40 + mounts.length} / ${dir} rw - ${r.fsType} store rw`);
    if (r.directIo !== undefined) src.opens.set(`direct:${path}`, r.directIo ? { opened: true } : { opened: false, error: 'EINVAL' });
    const img = r.image;
    if (r.lv || r.isBlock || !img) {
      minor += 1;
      src.commands.set(VM_COMMANDS.stat(path).name, out(`block special file|0|0|512|fd:${minor.toString(16)}\n`));
      const sys = `/sys/dev/block/253:${minor}`;
      src.files.set(`${sys}/dev`, `253:${minor}\n`);
      const partition = /\d$/.test(path) && !r.lv;
      if (partition) src.files.set(`${sys}/partition`, '1\n');
      if (r.blockSizes) {
        // A partition has no queue/: its disk's (the parent directory in sysfs).
        const queue = partition ? `${sys}/../queue` : `${sys}/queue`;
        src.files.set(`${queue}/logical_block_size`, `${r.blockSizes[0]}\n`);
        src.files.set(`${queue}/physical_block_size`, `${r.blockSizes[1]}\n`);
      }
      if (r.lv) {
        src.files.set(`${sys}/dm/uuid`, `LVM-${minor}\n`);
        const row = { lv_name: r.lv.lv, vg_name: r.lv.vg, lv_attr: r.lv.thin ? 'Vwi-a-tz--' : '-wi-a-----', lv_size: '1073741824', segtype: r.lv.thin ? 'thin' : 'linear', lv_path: path };
        src.commands.set(VM_COMMANDS.lvs(path).name, out(JSON.stringify({ report: [{ lv: [row] }] })));
      }
      continue;
    }
    src.commands.set(VM_COMMANDS.stat(path).name, out(`regular file|${img.virtualSize}|${Math.ceil(img.actualSize / 512)}|512|0:0\n`));
    const info: Record<string, unknown> = { 'virtual-size': img.virtualSize, filename: path, format: img.format, 'actual-size': img.actualSize, 'dirty-flag': false };
    if (img.clusterSize) info['cluster-size'] = img.clusterSize;
    if (img.format === 'qcow2') info['format-specific'] = { type: 'qcow2', data: { compat: '1.1', 'extended-l2': img.extendedL2 === true } };
    src.commands.set(VM_COMMANDS.imageInfo(path).name, out(JSON.stringify(info, null, 4)));
  }
  src.files.set('/proc/self/mountinfo', `${mounts.join('\n')}\n`);
  const p = raw.platform ?? {};
  if (p.qemu) src.commands.set(VM_COMMANDS.qemuVersion().name, out(`QEMU emulator version ${p.qemu} (Debian)\nCopyright (c) 2003-2022 Fabrice Bellard and the QEMU Project developers\n`));
  if (p.libvirt) src.commands.set(VM_COMMANDS.virshVersion().name, out(`${p.libvirt}\n`));
  if (p.kernel) src.files.set('/proc/sys/kernel/osrelease', `${p.kernel}\n`);
  if (raw.aioNr !== undefined) src.files.set('/proc/sys/fs/aio-nr', `${raw.aioNr}\n`);
  if (raw.aioMaxNr !== undefined) src.files.set('/proc/sys/fs/aio-max-nr', `${raw.aioMaxNr}\n`);
  return src;
}

/** VmFacts for these VMs on a recorded host, through the real probe. */
export const recordedFacts = (vms: readonly Vm[], raw: RawHost): Promise<VmFacts> => probeVmFacts(recordedHost(raw), vms, []);

/** VmFacts for the given VMs with the facts file of `factsOf`. */
export function fixtureFacts(vms: readonly Vm[], factsOf: string): Promise<VmFacts> {
  const raw = JSON.parse(readFileSync(fixture('domains', `${factsOf}.facts.json`), 'utf8')) as RawHost;
  return recordedFacts(vms, raw);
}

/** The one golden helper (helpers.ts): a missing or different golden fails unless UPDATE_GOLDEN=1, with or without CI. */
export const assertGolden = (path: string, actual: string): void => assertGoldenFile(path, actual);
