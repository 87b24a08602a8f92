// iommu.*: readiness for VFIO passthrough of storage controllers (seed §3: VFIO needs
// the IOMMU on in firmware and intel_iommu=on on Intel). Relevant only on a KVM host
// with PCI storage controllers; otherwise PASS with the reason.
import { fixLiteral } from './fix-words.js';
import type { HostFacts, PciDevice } from '../facts/host-facts.js';
import type { Finding } from '../model/finding.js';
import { REF } from './host-defaults.js';

/** PCI class (base+subclass) of storage controllers: 0x0104 RAID, 0x0106 SATA, 0x0107 SAS, 0x0108 NVMe. */
const STORAGE_CLASSES = new Set([0x0104, 0x0106, 0x0107, 0x0108]);
export const isStorageController = (p: PciDevice): boolean => STORAGE_CLASSES.has(p.classCode >> 8);

export type CpuMaker = 'intel' | 'amd' | 'unknown';

/** Intel or AMD: the IOMMU units' names, else the CPU vendor, else a chipset device on bus 00. */
export function cpuMaker(facts: HostFacts): CpuMaker {
  // The IOMMU units name the hardware itself (dmar = Intel VT-d, ivhd = AMD-Vi): first.
  const units = facts.iommu.ok ? facts.iommu.value.units : [];
  if (units.some((u) => u.startsWith('dmar'))) return 'intel';
  if (units.some((u) => u.startsWith('ivhd'))) return 'amd';
  const v = facts.cpuVendor?.ok ? facts.cpuVendor.value : '';
  if (/intel/i.test(v)) return 'intel';
  if (/amd|hygon/i.test(v)) return 'amd';
  const pci = facts.pci.ok ? facts.pci.value : [];
  if (pci.some((p) => /^(0x)?8086$/i.test(p.vendor) && /^[0-9a-f]{4}:00:/i.test(p.address))) return 'intel';
  if (pci.some((p) => /^(0x)?(1022|1d94)$/i.test(p.vendor) && /^[0-9a-f]{4}:00:/i.test(p.address))) return 'amd';
  return 'unknown';
}

export function auditIommu(facts: HostFacts): Finding[] {
  const ids = ['iommu.enabled', 'iommu.intel-cmdline', 'iommu.passthrough-mode'] as const;
  const all = (status: Finding['status'], why: string, observed?: string): Finding[] =>
    ids.map((id) => ({ id, object: 'host', status, why, ref: REF.iommu, ...(observed === undefined ? {} : { observed }) }));
  if (!facts.roles.kvm.ok) return all('skip', `/dev/kvm not probed: ${facts.roles.kvm.reason}`);
  if (!facts.roles.kvmHost) return all('pass', 'not a KVM host (/dev/kvm unusable): no VM to pass a controller to', 'not a KVM host');
  if (!facts.pci.ok) return all('skip', `PCI devices unreadable: ${facts.pci.reason}`);
  const controllers = facts.pci.value.filter(isStorageController);
  if (controllers.length === 0) return all('pass', 'no PCI storage controllers (class 0x0104/0x0106/0x0107/0x0108): nothing to pass through', 'no storage controllers');
  if (!facts.iommu.ok) return all('skip', `IOMMU state unreadable: ${facts.iommu.reason}`);
  const names = controllers.map((c) => c.address).join(', ');
  const units = facts.iommu.value.units;
  const maker = cpuMaker(facts);
  const cmd = facts.cmdline.ok ? facts.cmdline.value : undefined;
  const on = units.length > 0;
  const grub = (param: string): string =>
    // param is kvmio's own constant (intel_iommu=on, iommu=pt), never host text
    `sed -i -E 's/^(GRUB_CMDLINE_LINUX="[^"]*)"/\\1 ${param}"/' /etc/default/grub && update-grub && reboot`;
  const out: Finding[] = [];

  const enableFix = maker === 'amd' ? 'enable AMD-Vi/IOMMU in firmware setup; remove amd_iommu=off if present' : maker === 'intel' ? `enable VT-d in firmware setup; ${grub('intel_iommu=on')}` : 'enable VT-d/AMD-Vi in firmware setup (and intel_iommu=on on Intel)';
  out.push(on
    ? { id: 'iommu.enabled', object: 'host', status: 'pass', observed: `${units.length} IOMMU unit(s): ${units.join(', ')}`, expected: 'IOMMU on', why: `VFIO can isolate the storage controllers (${names})`, ref: REF.iommu }
    : { id: 'iommu.enabled', object: 'host', status: 'warn', observed: 'no /sys/class/iommu units', expected: 'IOMMU on', why: `storage controllers ${names} cannot be passed through with VFIO without an IOMMU (seed §3; virt-host-validate checks the same)`, fix: fixLiteral(enableFix), ref: REF.iommu });

  if (maker !== 'intel') {
    out.push({ id: 'iommu.intel-cmdline', object: 'host', status: 'pass', observed: `CPU maker ${maker}`, expected: 'intel_iommu=on on Intel only', why: maker === 'amd' ? 'AMD IOMMU is on by default when firmware enables it' : 'CPU maker unknown: intel_iommu= matters only on Intel', ref: REF.iommu });
  } else if (!cmd) {
    out.push({ id: 'iommu.intel-cmdline', object: 'host', status: 'skip', why: `kernel command line unreadable: ${facts.cmdline.ok ? '' : facts.cmdline.reason}`, ref: REF.iommu });
  } else if (cmd.intelIommu === 'on' || (cmd.intelIommu === undefined && on)) {
    out.push({ id: 'iommu.intel-cmdline', object: 'host', status: 'pass', observed: cmd.intelIommu ? `intel_iommu=${cmd.intelIommu}` : '(default on in this kernel build)', expected: 'intel_iommu=on', why: 'the Intel IOMMU is on', ref: REF.iommu });
  } else {
    out.push({ id: 'iommu.intel-cmdline', object: 'host', status: 'warn', observed: cmd.intelIommu ? `intel_iommu=${cmd.intelIommu}` : '(not set)', expected: 'intel_iommu=on', why: 'Intel: most distribution kernels leave VT-d off unless intel_iommu=on is given (seed §3)', fix: fixLiteral(grub('intel_iommu=on')), ref: REF.iommu });
  }

  if (!cmd) {
    out.push({ id: 'iommu.passthrough-mode', object: 'host', status: 'skip', why: `kernel command line unreadable: ${facts.cmdline.ok ? '' : facts.cmdline.reason}`, ref: REF.iommu });
  } else if (cmd.iommu === 'pt') {
    out.push({ id: 'iommu.passthrough-mode', object: 'host', status: 'pass', observed: 'iommu=pt', expected: 'iommu=pt', why: 'host-owned devices skip DMA translation; VFIO devices are still isolated', ref: REF.iommu });
  } else if (!on && maker !== 'intel') {
    out.push({ id: 'iommu.passthrough-mode', object: 'host', status: 'pass', observed: '(not set)', expected: 'iommu=pt once the IOMMU is on', why: 'IOMMU off: iommu=pt has nothing to do yet', ref: REF.iommu });
  } else {
    out.push({ id: 'iommu.passthrough-mode', object: 'host', status: 'warn', observed: cmd.iommu ? `iommu=${cmd.iommu}` : '(not set)', expected: 'iommu=pt', why: 'with the IOMMU on, iommu=pt lets host-owned disks and NICs skip DMA translation (less CPU per I/O) while VFIO devices stay isolated', fix: fixLiteral(grub('iommu=pt')), ref: REF.iommu });
  }
  return out;
}
