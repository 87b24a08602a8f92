// PCI class codes kvmio cares about for pass-through (PCI Code and ID Assignment
// Specification; Linux include/linux/pci_ids.h). Class codes are 24 bits: base class,
// subclass, programming interface; only base + subclass matter here.

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
export const isStorageController = (classCode: number): boolean => ['nvme', 'sata', 'sas', 'raid'].includes(pciRole(classCode));

export const isBridge = (classCode: number): boolean => pciRole(classCode) === 'bridge';

export const formatClass = (classCode: number): string => `0x${classCode.toString(16).padStart(6, '0')}`;

/** "0000:05:00.0" (domain:bus:device.function), the form sysfs uses. */
export const PCI_ADDRESS = /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/;

/** Accepts "05:00.0" or "0000:05:00.0" (any case); undefined when it is not an address. */
export function normalizePciAddress(text: string): string | undefined {
  const t = text.trim().toLowerCase();
  const full = /^[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/.test(t) ? `0000:${t}` : t;
  return PCI_ADDRESS.test(full) ? full : undefined;
}
