// Is this host ready for VFIO at all? IOMMU on in firmware and kernel, the kernel
// parameters, vfio-pci available. Findings, like the audit's, so SKIP carries a reason.
// Refs: kernel Documentation/driver-api/vfio.rst; Documentation/admin-guide/
// kernel-parameters.txt (intel_iommu, iommu); libvirt virt-host-validate (DMAR/IVRS +
// /sys/kernel/iommu_groups).
import { fixLiteral } from './fix-words.js';
import type { HostFacts } from '../facts/host-facts.js';
import type { PassthroughFacts } from '../facts/passthrough-facts.js';
import { cpuMaker } from './audit-iommu.js';
import type { Finding } from '../model/finding.js';

const REF_VFIO = 'kernel Documentation/driver-api/vfio.rst';
const REF_PARAMS = 'kernel Documentation/admin-guide/kernel-parameters.txt';
// kvmio fix writes both words (intel_iommu=on is ignored on AMD)
const CMDLINE_FIX = 'kvmio fix --passthrough --only iommu --yes (a GRUB drop-in adding intel_iommu=on iommu=pt), then update-grub and reboot';

export function checkReadiness(host: HostFacts, pt: PassthroughFacts): Finding[] {
  const out: Finding[] = [];
  // the audit's rule: IOMMU unit names first (dmar = Intel, ivhd = AMD), then the CPU vendor
  const maker = cpuMaker(host);
  const intel = maker === 'intel';
  const amd = maker === 'amd';
  const cmd = host.cmdline.ok ? host.cmdline.value : undefined;
  const tables = pt.acpiTables.ok ? pt.acpiTables.value : undefined;
  const table = intel ? 'DMAR' : amd ? 'IVRS' : 'DMAR/IVRS';
  const hasTable = tables === undefined ? undefined : tables.some((t) => t === 'DMAR' || t === 'IVRS');

  if (!host.iommu.ok) {
    out.push({ id: 'pt.iommu', object: 'host', status: 'skip', observed: host.iommu.reason, why: 'IOMMU facts could not be read', ref: REF_VFIO });
  } else {
    const units = host.iommu.value.units;
    const groups = Object.keys(host.iommu.value.groups).length;
    if (units.length > 0) {
      out.push({ id: 'pt.iommu', object: 'host', status: 'pass', observed: `units ${units.join(', ')}`, expected: 'at least one unit in /sys/class/iommu', why: 'VFIO needs DMA remapping by an IOMMU', ref: REF_VFIO });
    } else {
      const cause = hasTable === false
        ? `the firmware announces no IOMMU (no ${table} table in /sys/firmware/acpi/tables): enable ${intel ? 'VT-d' : amd ? 'AMD-Vi/IOMMU' : 'VT-d or AMD-Vi'} in the BIOS/UEFI setup; in a VM, the hypervisor must give it a virtual IOMMU`
        : intel && cmd?.intelIommu !== 'on'
          ? 'Intel IOMMU is off in the kernel: add intel_iommu=on to the kernel command line'
          : `the kernel did not enable it${hasTable ? ` although the firmware has a ${table} table` : ''}: check dmesg for DMAR/AMD-Vi errors`;
      out.push({
        id: 'pt.iommu',
        object: 'host',
        status: 'fail',
        observed: 'no IOMMU: /sys/class/iommu is empty',
        expected: 'at least one unit in /sys/class/iommu',
        why: `VFIO needs DMA remapping by an IOMMU; ${cause}`,
        fix: fixLiteral(hasTable === false ? `enable ${intel ? 'VT-d' : amd ? 'AMD-Vi (IOMMU)' : 'the IOMMU'} in firmware, then reboot` : intel ? CMDLINE_FIX : 'enable the IOMMU in firmware and reboot'),
        ref: REF_VFIO,
      });
    }
    out.push(groups > 0
      ? { id: 'pt.iommu-groups', object: 'host', status: 'pass', observed: `${groups} groups`, expected: 'populated /sys/kernel/iommu_groups', why: 'each device passed through belongs to a group', ref: REF_VFIO }
      : { id: 'pt.iommu-groups', object: 'host', status: 'fail', observed: '/sys/kernel/iommu_groups is empty', expected: 'populated /sys/kernel/iommu_groups', why: 'without IOMMU groups no device can be bound to vfio-pci for a VM', fix: fixLiteral('turn the IOMMU on (see pt.iommu)'), ref: REF_VFIO });
  }

  if (cmd === undefined) {
    out.push({ id: 'pt.cmdline.iommu', object: 'host', status: 'skip', observed: host.cmdline.ok ? '' : host.cmdline.reason, why: 'kernel command line unreadable', ref: REF_PARAMS });
  } else if (intel) {
    const on = cmd.intelIommu === 'on' || (cmd.intelIommu ?? '').split(',').includes('on');
    const unitsOn = host.iommu.ok && host.iommu.value.units.length > 0;
    out.push(on
      ? { id: 'pt.cmdline.iommu', object: 'host', status: 'pass', observed: `intel_iommu=${cmd.intelIommu}`, expected: 'intel_iommu=on', why: 'Intel VT-d is off unless the kernel is told (or built with CONFIG_INTEL_IOMMU_DEFAULT_ON)', ref: REF_PARAMS }
      : {
        id: 'pt.cmdline.iommu',
        object: 'host',
        status: unitsOn ? 'warn' : 'fail',
        observed: cmd.intelIommu === undefined ? 'no intel_iommu= parameter' : `intel_iommu=${cmd.intelIommu}`,
        expected: 'intel_iommu=on',
        why: unitsOn ? 'the IOMMU is on by this kernel\'s default; say intel_iommu=on so a kernel built otherwise keeps it' : 'Intel VT-d is off unless the kernel is told (or built with CONFIG_INTEL_IOMMU_DEFAULT_ON)',
        fix: fixLiteral(CMDLINE_FIX),
        ref: REF_PARAMS,
      });
  } else if (amd) {
    const off = cmd.amdIommu === 'off';
    out.push({ id: 'pt.cmdline.iommu', object: 'host', status: off ? 'fail' : 'pass', observed: cmd.amdIommu === undefined ? 'no amd_iommu= parameter' : `amd_iommu=${cmd.amdIommu}`, expected: 'amd_iommu not off', why: 'AMD-Vi is on by default when the firmware announces it (IVRS)', ...(off ? { fix: fixLiteral('remove amd_iommu=off from the kernel command line') } : {}), ref: REF_PARAMS });
  } else {
    out.push({ id: 'pt.cmdline.iommu', object: 'host', status: 'skip', observed: `CPU maker unknown (${host.cpuVendor?.ok ? host.cpuVendor.value : 'vendor_id unreadable'})`, why: 'the IOMMU parameter depends on the CPU vendor (Intel: intel_iommu=on; AMD: on by default)', ref: REF_PARAMS });
  }

  if (cmd !== undefined) {
    out.push(cmd.iommu === 'pt'
      ? { id: 'pt.cmdline.iommu-pt', object: 'host', status: 'pass', observed: 'iommu=pt', expected: 'iommu=pt', why: 'host-owned devices skip DMA translation', ref: REF_PARAMS }
      : { id: 'pt.cmdline.iommu-pt', object: 'host', status: 'warn', observed: cmd.iommu === undefined ? 'no iommu= parameter' : `iommu=${cmd.iommu}`, expected: 'iommu=pt (suggested)', why: 'iommu=pt identity-maps DMA for devices the host keeps, avoiding translation overhead on host I/O; VFIO devices are still isolated', fix: fixLiteral(CMDLINE_FIX), ref: REF_PARAMS });
  }

  if (!pt.vfioPci.ok) {
    out.push({ id: 'pt.vfio-pci', object: 'host', status: 'skip', observed: pt.vfioPci.reason, why: 'could not tell whether vfio-pci is available', ref: REF_VFIO });
  } else {
    const v = pt.vfioPci.value;
    const how = v.loaded ? 'loaded (/sys/bus/pci/drivers/vfio-pci)' : v.builtin ? 'built into the kernel' : v.moduleFile ? `module ${v.moduleFile}, not loaded (kvmio passthrough bind runs modprobe vfio-pci)` : undefined;
    out.push(how !== undefined
      ? { id: 'pt.vfio-pci', object: 'host', status: 'pass', observed: how, expected: 'vfio-pci available', why: 'the driver that hands devices to QEMU', ref: REF_VFIO }
      : { id: 'pt.vfio-pci', object: 'host', status: 'fail', observed: `not loaded and no module: looked in ${v.looked.join(', ')}`, expected: 'vfio-pci available', why: 'the driver that hands devices to QEMU', fix: fixLiteral('install the kernel\'s modules package (CONFIG_VFIO_PCI) and modprobe vfio-pci'), ref: REF_VFIO });
  }
  return out;
}

/** Readiness that makes binding impossible (warnings such as iommu=pt do not). */
export const blocksBinding = (findings: readonly Finding[]): Finding[] => findings.filter((f) => f.status === 'fail');
