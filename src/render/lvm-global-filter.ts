// The devices/global_filter line that hides VM disks from the host's LVM, for lvm.conf's
// `devices { }` section (lvm.conf(5)). Rejects come first and the catch-all accept is
// dropped: LVM uses a device when ANY of its names matches an accept pattern first
// (lvm2 lib/filters/filter-regex.c _accept_p), so with "a|.*|" a /dev/disk/by-id name
// would still be accepted; a name no pattern matches is not accepted by that alone.
// Proxmox VE ships the same kind of line for its own guest volumes (pve-manager adds
// global_filter=["r|/dev/zd.*|","r|/dev/rbd.*|"] "to avoid scanning ZFS zvols and Ceph rbds").
import { isAcceptAll } from '../decide/lvm-scan.js';

/** A regular expression that matches exactly `s` (LVM's regex engine knows the usual metacharacters). */
const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** An LVM string: double quotes, with \ and " escaped (libdm config.c). */
const lvmString = (s: string): string => `"${s.replace(/[\\"]/g, '\\$&')}"`;

/**
 * One reject pattern per device name (a whole disk's partitions included, "p?N" names
 * loop and NVMe partitions), then the existing patterns without catch-all accepts.
 */
export function renderGlobalFilter(existing: readonly string[], names: readonly string[], opts: { readonly partitions?: boolean } = {}): string {
  const rejects = names.map((n) => `r|^${escapeRegex(n)}${opts.partitions ? '(p?[0-9]+)?' : ''}$|`);
  const kept = existing.filter((p) => !isAcceptAll(p) && !rejects.includes(p));
  return `global_filter = [ ${[...rejects, ...kept].map(lvmString).join(', ')} ]`;
}
