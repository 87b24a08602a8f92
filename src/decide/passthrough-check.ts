// `kvmio passthrough check ADDR`: readiness of the host plus the guards for one device
// and its group, and (when allowed) the persistent binding options with their dangers.
import type { HostFacts } from '../facts/host-facts.js';
import type { PassthroughFacts } from '../facts/passthrough-facts.js';
import type { Finding } from '../model/finding.js';
import { assessDevice, type Assessment } from './passthrough.js';
import { blocksBinding, checkReadiness } from './passthrough-readiness.js';
import { isBridge } from './pci-class.js';

export interface CheckResult {
  readonly address: string;
  /** The address is a PCI device on this host (or in the dump). */
  readonly found: boolean;
  readonly readiness: readonly Finding[];
  /** No readiness check fails. */
  readonly ready: boolean;
  readonly assessment: Assessment;
  /** Other devices with a member's vendor:device ID (what a modprobe.d ids= line would also take), with what the host uses them for. */
  readonly sameId: readonly { readonly address: string; readonly id: string; readonly hostUse?: string }[];
  /** --with addresses that are not in the device's IOMMU group (a typo, or the wrong group). */
  readonly strayNamed: readonly string[];
}

export function assessNamed(f: { readonly host: HostFacts; readonly pt: PassthroughFacts }, address: string, named: readonly string[]): CheckResult {
  const pci = f.host.pci.ok ? f.host.pci.value : [];
  const vfs = Object.values(f.pt.virtualFunctions).flat();
  const found = pci.some((p) => p.address === address) || vfs.some((v) => v.address === address);
  const readiness = checkReadiness(f.host, f.pt);
  const assessment = assessDevice(address, f.host, f.pt, { named });
  const members = assessment.members.filter((m) => !m.bridge && m.vendor && m.device);
  const ids = new Set(members.map((m) => `${m.vendor}:${m.device}`));
  const memberSet = new Set(assessment.members.map((m) => m.address));
  const sameId = pci
    .filter((p) => !memberSet.has(p.address) && !isBridge(p.classCode) && ids.has(`${p.vendor}:${p.device}`))
    .map((p) => {
      const other = assessDevice(p.address, f.host, f.pt);
      const use = other.members.flatMap((m) => m.disks.flatMap((d) => d.uses)).map((u) => u.detail)[0];
      return { address: p.address, id: `${p.vendor}:${p.device}`, ...(use ? { hostUse: use } : {}) };
    });
  const strayNamed = named.filter((n) => !memberSet.has(n));
  return { address, found, readiness, ready: blocksBinding(readiness).length === 0, assessment, sameId, strayNamed };
}
