// /etc/pve/qemu-server/VMID.conf (and `qm config VMID` output): `key: value` lines, `#`
// lines for the description, then `[PENDING]` (changes not yet applied to a running VM,
// plus `delete:`), `[special:cloudinit]`, and one `[NAME]` section per snapshot. kvmio
// audits the current section and says when a pending one exists. Pure; never throws.
//
// Follows pve-qemu-server's parse_vm_config (src/PVE/QemuServer.pm): section headers
// `^\[PENDING\]`, `^\[special:cloudinit\]`, `^\[([a-z][a-z0-9_\-]+)\]`; keys
// `^([a-z][a-z_]*\d*):\s*(.+?)\s*$`; `delete:` only in [PENDING]; any other line is
// "unable to parse config" (PVE warns and skips it, so do we, with the line).

export interface VmConfigSection {
  /** key → value as written, in file order. */
  readonly values: ReadonlyMap<string, string>;
}

export interface VmConfig {
  readonly current: VmConfigSection;
  /** [PENDING]: values that take effect at the next start, and keys to delete then. */
  readonly pending?: VmConfigSection & { readonly delete: readonly string[] };
  /** Snapshot names, in file order (their drives are not audited: they are frozen). */
  readonly snapshots: readonly string[];
  /** Lines PVE would warn about, with their line number. */
  readonly problems: readonly string[];
}

export function parseVmConfig(text: string): VmConfig {
  const current = new Map<string, string>();
  let pending: Map<string, string> | undefined;
  let pendingDelete: string[] = [];
  const snapshots: string[] = [];
  const problems: string[] = [];
  let section: 'current' | 'pending' | 'cloudinit' | 'snapshot' = 'current';
  let target: Map<string, string> | undefined = current;
  const lines = text.split('\n');
  for (const [i, raw] of lines.entries()) {
    const line = raw.replace(/\r$/, '');
    const at = `line ${i + 1}`;
    if (/^\s*$/.test(line)) continue;
    if (/^\[PENDING\]\s*$/i.test(line)) {
      section = 'pending';
      pending = new Map();
      target = pending;
      continue;
    }
    if (/^\[special:cloudinit\]\s*$/i.test(line)) {
      section = 'cloudinit';
      target = undefined;
      continue;
    }
    const snap = /^\[([a-z][a-z0-9_-]+)\]\s*$/i.exec(line);
    if (snap) {
      section = 'snapshot';
      snapshots.push(snap[1]!);
      target = undefined;
      continue;
    }
    if (line.startsWith('#')) continue; // description
    const del = /^delete:\s*(.*\S)\s*$/.exec(line);
    if (del) {
      if (section === 'pending') pendingDelete = del[1]!.split(/[,;\s]+/).filter((k) => k !== '');
      else if (section === 'current') problems.push(`${at}: "delete" is only allowed in [PENDING]`);
      continue;
    }
    const kv = /^([a-z][a-z_]*\d*):\s*(.+?)\s*$/.exec(line);
    if (!kv) {
      problems.push(`${at}: cannot parse ${JSON.stringify(line.length > 80 ? `${line.slice(0, 80)}…` : line)} (expected "key: value")`);
      continue;
    }
    const key = kv[1]!;
    if (target === undefined) continue; // snapshot and cloud-init sections: not audited
    if (target.has(key) && section === 'current') problems.push(`${at}: ${key} is set twice; the last value counts`);
    // PVE maps the legacy `cdrom` key to ide2 (parse_vm_config).
    target.set(key === 'cdrom' ? 'ide2' : key, kv[2]!);
  }
  return {
    current: { values: current },
    ...(pending ? { pending: { values: pending, delete: pendingDelete } } : {}),
    snapshots,
    problems,
  };
}
