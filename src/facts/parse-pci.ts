// PCI sysfs attributes: class ("0x010802"), addresses ("0000:03:00.0"), and which
// classes are storage controllers (PCI Code and ID Assignment spec, base class 01).
import { missing, ok, type Read } from './source.js';

export function parsePciClass(text: string): Read<number> {
  const t = text.trim();
  if (!/^0x[0-9a-fA-F]{6}$/.test(t)) return missing(`PCI class: "${t.slice(0, 20)}" is not 0xCCSSPP`);
  return ok(parseInt(t.slice(2), 16));
}

export const PCI_ADDRESS = /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/;

/** Storage controllers kvmio cares about, by class code's upper 16 bits. */
export const STORAGE_CLASSES: Readonly<Record<number, string>> = {
  0x0104: 'RAID',
  0x0106: 'SATA',
  0x0107: 'SAS',
  0x0108: 'NVMe',
};

export const isStorageClass = (classCode: number): boolean => STORAGE_CLASSES[classCode >> 8] !== undefined;
/** 0x0604 PCI-to-PCI bridge (root ports, switch ports). */
export const isBridgeClass = (classCode: number): boolean => classCode >> 8 === 0x0604;

/** The PCI addresses in a resolved sysfs device path, outermost first. */
export function pciChain(sysfsPath: string): string[] {
  return sysfsPath.split('/').filter((c) => PCI_ADDRESS.test(c));
}
