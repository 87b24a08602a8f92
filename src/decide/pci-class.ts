// The role of a PCI device in a pass-through decision, from its class code (PCI Code and
// ID Assignment Specification; Linux include/linux/pci_ids.h). Class codes are 24 bits:
// base class, subclass, programming interface; only base + subclass matter here. Which
// classes are storage controllers and bridges is facts/parse-pci.ts's, shared.
import { isBridgeClass, isStorageClass, PCI_ADDRESS } from '../facts/parse-pci.js';

export type PciRole = 'nvme' | 'sata' | 'sas' | 'raid' | 'bridge' | 'network' | 'display' | 'storage-other' | 'other';

const BY_CLASS: Readonly<Record<number, PciRole>> = {
  0x0108: 'nvme',
  0x0106: 'sata',
  0x0107: 'sas',
  0x0104: 'raid',
  0x0604: 'bridge', // PCI-to-PCI bridge: stays with the host, ignored for group viability
};

/** The base class + subclass (16 bits) of a 24-bit class code. */
export const classOf = (classCode: number): number => (classCode >> 8) & 0xffff;

export function pciRole(classCode: number): PciRole {
  const cls = classOf(classCode);
  const known = BY_CLASS[cls];
  if (known) return known;
  const base = cls >> 8;
  if (base === 0x01) return 'storage-other';
  if (base === 0x02) return 'network';
  if (base === 0x03) return 'display';
  return 'other';
}

/** Storage controllers the issue covers (NVMe, SATA/AHCI, SAS, RAID). */
export const isStorageController = isStorageClass;

/** PCI-to-PCI bridges (root and switch ports) stay with the host and do not count in a group. */
export const isBridge = isBridgeClass;

export const formatClass = (classCode: number): string => `0x${classCode.toString(16).padStart(6, '0')}`;


/** Accepts "05:00.0" or "0000:05:00.0" (any case); undefined when it is not an address. */
export function normalizePciAddress(text: string): string | undefined {
  const t = text.trim().toLowerCase();
  const full = /^[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/.test(t) ? `0000:${t}` : t;
  return PCI_ADDRESS.test(full) ? full : undefined;
}
