// The devices/global_filter line (the fix vm.host-lvm-scan prints) that hides VM disks from the host's LVM, for lvm.conf's
// `devices { }` section (lvm.conf(5)). Rejects come first and the catch-all accept is
// dropped: LVM uses a device when ANY of its names matches an accept pattern first
// (lvm2 lib/filters/filter-regex.c _accept_p), so with "a|.*|" a /dev/disk/by-id name
// would still be accepted; a name no pattern matches is not accepted by that alone.
// Proxmox VE ships the same kind of line for its own guest volumes (pve-manager adds
// global_filter=["r|/dev/zd.*|","r|/dev/rbd.*|"] "to avoid scanning ZFS zvols and Ceph rbds").
import { isAcceptAll } from './lvm-scan.js';

/** A regular expression that matches exactly `s` (LVM's regex engine knows the usual metacharacters). */
const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** An LVM string: double quotes, with \ and " escaped (libdm config.c). */
const lvmString = (s: string): string => `"${s.replace(/[\\"]/g, '\\$&')}"`;

/** A device name to reject; `whole` also rejects its partitions (sdb1, loop0p1, nvme0n1p1, by-id …-part1). */
export interface FilterName {
  readonly name: string;
  readonly whole: boolean;
}

const partitionSuffix = (name: string): string => (name.startsWith('/dev/disk/') ? '(-part[0-9]+)?' : /[0-9]$/.test(name) ? '(p[0-9]+)?' : '[0-9]*');

/** One anchored reject pattern per name, then the existing patterns without catch-all accepts. */
export function globalFilterLine(existing: readonly string[], names: readonly FilterName[]): string {
  const rejects = names.map((n) => `r|^${escapeRegex(n.name)}${n.whole ? partitionSuffix(n.name) : ''}$|`);
  const kept = existing.filter((p) => !isAcceptAll(p) && !rejects.includes(p));
  return `global_filter = [ ${[...rejects, ...kept].map(lvmString).join(', ')} ]`;
}
