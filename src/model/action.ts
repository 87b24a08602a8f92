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

/**
 * Run libvirt commands that edit a domain's persistent definition (`virsh attach-device
 * --config`, `iothreadadd --config`): journaled like DomainDefine (the saved XML before),
 * so rollback redefines it. `steps` are argv arrays; `file` goes to a private temporary
 * file whose path replaces the argv entry equal to `file.name`.
 */
export interface DomainEdit extends ActionBase {
  readonly kind: 'libvirt-edit';
  readonly domain: string;
  readonly uri?: string;
  readonly steps: readonly { readonly argv: readonly string[]; readonly file?: { readonly name: string; readonly content: string } }[];
  /** A disk source the edit adds: done when the saved definition has it. */
  readonly addsDiskSource?: string;
}

/** Create an image file with qemu-img (`disk create --on DIR`); rollback deletes it unless written to since. */
export interface ImageCreate extends ActionBase {
  readonly kind: 'image-create';
  /** Host path; the engine prefixes --root. */
  readonly path: string;
  readonly format: 'raw' | 'qcow2';
  readonly virtualBytes: number;
  /** The complete `qemu-img create …` argv (its last-but-one entry is `path`). */
  readonly argv: readonly string[];
}

/** `lvcreate` of one LV (linear, thin volume or thin pool); rollback lvremoves it unless written to since. */
export interface LvCreate extends ActionBase {
  readonly kind: 'lvm-lv-create';
  readonly vg: string;
  readonly lv: string;
  readonly argv: readonly string[];
}

/** `pvcreate DEVICE` (`--yes` only when --force overrode a signature guard). */
export interface PvCreate extends ActionBase {
  readonly kind: 'lvm-pv-create';
  readonly device: string;
  readonly wipeSignatures: boolean;
}

/** `vgcreate VG PV…`; rollback vgremoves it only while it holds no LV and the same PVs. */
export interface VgCreate extends ActionBase {
  readonly kind: 'lvm-vg-create';
  readonly vg: string;
  readonly devices: readonly string[];
}

/** Everything provisioning asks the engine to do. */
export type ProvisionAction = ImageCreate | LvCreate | PvCreate | VgCreate | DomainEdit;
