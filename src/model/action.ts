// What kvmio may change on a host, as data: planners (decide/) produce these, the engine
// (apply/engine.ts) journals, applies, verifies and undoes them. Other kinds (e.g. VFIO
// binding) plug into the engine with their own handler; they only need `kind`, `id`,
// `object` and `reason`.

/** Common to every action. */
export interface ActionBase {
  /** Dotted rule id this action fixes ("sched.host-ssd"); `--only` filters on it. */
  readonly id: string;
  /** What it changes: a device name ("sdb"), "host", or a file path. */
  readonly object: string;
  /** One line: why, citing the fact or rule. */
  readonly reason: string;
  /** Things the user must do afterwards (e.g. "run update-grub and reboot"). */
  readonly notes?: readonly string[];
}

/** Write one value to a kernel tunable file (/sys/... or /proc/sys/...). */
export interface SysfsWrite extends ActionBase {
  readonly kind: 'sysfs';
  /** Absolute path on the live host; never redirected by --root. */
  readonly path: string;
  /** The value to write; for bracketed lists (queue/scheduler) the entry to select. */
  readonly value: string;
}

/** Replace a whole file (atomically); `path` is the host path, the engine prefixes --root. */
export interface FileWrite extends ActionBase {
  readonly kind: 'file';
  readonly path: string;
  readonly content: string;
  /** Octal permission bits, default 0o644. */
  readonly mode?: number;
}

export type HostAction = SysfsWrite | FileWrite;

/** "fs.aio-max-nr" ↔ "/proc/sys/fs/aio-max-nr". */
export const sysctlPath = (key: string): string => `/proc/sys/${key.replace(/\./g, '/')}`;

/**
 * Redefine a libvirt domain (`virsh define`): the engine journals the current saved XML
 * first, so rollback redefines it. Effective at the domain's next boot.
 */
export interface DomainDefine extends ActionBase {
  readonly kind: 'libvirt-define';
  readonly domain: string;
  /** libvirt connection URI; undefined: the default (qemu:///system). */
  readonly uri?: string;
  /** The complete new domain XML. */
  readonly xml: string;
}
