// /proc/cpuinfo: the virtualization-related flags of the first CPU's "flags" line.
import { missing, ok, type Read } from './source.js';

export const VIRT_FLAGS = ['vmx', 'svm', 'hypervisor'] as const;

export function parseCpuVirtFlags(text: string): Read<readonly string[]> {
  const line = text.split('\n').find((l) => /^flags\s*:/.test(l));
  if (line === undefined) return missing('/proc/cpuinfo: no "flags" line');
  const flags = new Set(line.slice(line.indexOf(':') + 1).trim().split(/\s+/));
  return ok(VIRT_FLAGS.filter((f) => flags.has(f)));
}

/** The first CPU's vendor_id ("GenuineIntel", "AuthenticAMD"); the IOMMU rules need Intel vs AMD. */
export function parseCpuVendor(text: string): Read<string> {
  const m = /^vendor_id\s*:\s*(\S+)/m.exec(text);
  return m ? ok(m[1] as string) : missing('/proc/cpuinfo: no "vendor_id" line');
}
