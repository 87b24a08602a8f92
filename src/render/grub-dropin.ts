// A GRUB defaults drop-in (/etc/default/grub.d/*.cfg is sourced by grub-mkconfig after
// /etc/default/grub on Debian/Ubuntu) that edits the kernel command line without
// touching the user's file: drop `elevator=` (no effect since Linux 5.5,
// block/elevator.c) and, for PCI pass-through, set `intel_iommu=on iommu=pt`.
// It is POSIX sh; takes effect after `update-grub` and a reboot.

import { GRUB_DROPIN_FILE } from '../model/host-files.js';

export const GRUB_DROPIN_PATH = GRUB_DROPIN_FILE;

export interface CmdlineEdit {
  readonly dropElevator: boolean;
  readonly iommu: boolean;
}

const strip = (v: string, re: string): string => `${v}="$(printf '%s\\n' "$${v}" | sed -E 's/(^| )${re}=[^ ]*//g; s/^ +//')"`;

export function renderGrubDropin(edit: CmdlineEdit): string {
  const lines = [
    '# Written by kvmio fix; run update-grub (or grub-mkconfig -o /boot/grub/grub.cfg) and reboot.',
    '# `kvmio rollback` removes it (run update-grub again afterwards).',
  ];
  if (edit.dropElevator) {
    lines.push('# elevator= has had no effect since Linux 5.5 (block/elevator.c); schedulers are set per disk by kvmio.');
    lines.push(strip('GRUB_CMDLINE_LINUX', 'elevator'), strip('GRUB_CMDLINE_LINUX_DEFAULT', 'elevator'));
  }
  if (edit.iommu) {
    lines.push('# IOMMU for PCI pass-through (kvmio fix --passthrough): intel_iommu=on, identity-mapped host DMA (iommu=pt).');
    lines.push(strip('GRUB_CMDLINE_LINUX_DEFAULT', '(intel_iommu|iommu)'));
    lines.push(`${strip('GRUB_CMDLINE_LINUX', '(intel_iommu|iommu)').slice(0, -1)} intel_iommu=on iommu=pt"`);
  }
  return lines.join('\n') + '\n';
}
