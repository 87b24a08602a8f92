// DMI strings that mean "this is a virtual machine" (as systemd-detect-virt's
// dmi_vendor_table: QEMU, KVM, VMware, Microsoft Hyper-V, Xen, VirtualBox, Parallels,
// Bochs, Amazon EC2 Nitro, Google Compute Engine, OpenStack, Apple Virtualization).
const VENDORS: readonly (readonly [RegExp, string])[] = [
  [/^QEMU/i, 'QEMU'],
  [/^KVM/i, 'KVM'],
  [/^Red Hat/i, 'KVM (Red Hat)'],
  [/^VMware/i, 'VMware'],
  [/^VMW/i, 'VMware'],
  [/^innotek GmbH/i, 'VirtualBox'],
  [/^VirtualBox/i, 'VirtualBox'],
  [/^Xen/i, 'Xen'],
  [/^Bochs/i, 'Bochs'],
  [/^Parallels/i, 'Parallels'],
  [/^BHYVE/i, 'bhyve'],
  [/^Amazon EC2/i, 'Amazon EC2'],
  [/^Google/i, 'Google Compute Engine'],
  [/^OpenStack/i, 'OpenStack'],
  [/^Apple Virtualization/i, 'Apple Virtualization'],
];

/** The hypervisor a DMI vendor/product names, or undefined for real hardware. */
export function dmiHypervisor(sysVendor: string, productName: string): string | undefined {
  if (/^Microsoft Corporation/i.test(sysVendor) && /^Virtual Machine/i.test(productName)) return 'Hyper-V';
  for (const s of [sysVendor, productName]) {
    for (const [re, name] of VENDORS) if (re.test(s.trim())) return name;
  }
  if (/^(Standard PC|KVM Virtual Machine|HVM domU)/i.test(productName)) return 'QEMU/KVM';
  return undefined;
}
