// Drop-in directories (sysctl.d, tmpfiles.d, udev rules.d) as systemd reads them: files
// with the same basename override each other, the earlier directory wins (/etc over /run
// over /usr/local/lib over /usr/lib over /lib), and the survivors apply sorted by
// basename (systemd's conf_files_list; sysctl.d(5), tmpfiles.d(5), udev(7)).

export const SYSCTL_DIRS = ['/etc/sysctl.d', '/run/sysctl.d', '/usr/local/lib/sysctl.d', '/usr/lib/sysctl.d', '/lib/sysctl.d'] as const;
export const TMPFILES_DIRS = ['/etc/tmpfiles.d', '/run/tmpfiles.d', '/usr/local/lib/tmpfiles.d', '/usr/lib/tmpfiles.d', '/lib/tmpfiles.d'] as const;
export const UDEV_RULES_DIRS = ['/etc/udev/rules.d', '/run/udev/rules.d', '/usr/local/lib/udev/rules.d', '/usr/lib/udev/rules.d', '/lib/udev/rules.d'] as const;

/**
 * The files that apply, in order. `listings` pairs each directory (in priority order) with
 * its entry names (absent when the directory cannot be listed); only names ending in
 * `suffix` count.
 */
export function orderConfFiles(listings: readonly { readonly dir: string; readonly names?: readonly string[] }[], suffix: string): string[] {
  const chosen = new Map<string, string>();
  for (const { dir, names } of listings) {
    for (const name of names ?? []) {
      if (!name.endsWith(suffix) || name.startsWith('.') || chosen.has(name)) continue;
      chosen.set(name, `${dir}/${name}`);
    }
  }
  return [...chosen.keys()].sort().map((n) => chosen.get(n) as string);
}
