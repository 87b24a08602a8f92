// /etc/pve/storage.cfg: one section per storage, `TYPE: ID` then indented `key value`
// lines (a key alone is a boolean flag set to 1), blank lines between sections, `#`
// comments. pve-common's PVE::SectionConfig parse_config reads it this way
// (`^(\S+):\s*(\S+)\s*$` headers, `^\s+(\S+)(\s+(.*\S))?\s*$` properties). Pure.

export interface StorageConfig {
  readonly id: string;
  /** dir, nfs, cifs, lvm, lvmthin, zfspool, rbd, iscsi, iscsidirect, btrfs, cephfs, pbs, … */
  readonly type: string;
  readonly props: ReadonlyMap<string, string>;
}

export interface StorageCfg {
  readonly storages: ReadonlyMap<string, StorageConfig>;
  readonly problems: readonly string[];
}

export function parseStorageCfg(text: string): StorageCfg {
  const storages = new Map<string, StorageConfig>();
  const problems: string[] = [];
  let cur: { id: string; type: string; props: Map<string, string> } | undefined;
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.replace(/\r$/, '');
    if (/^\s*$/.test(line) || /^\s*#/.test(line)) continue;
    const head = /^(\S+):\s*(\S+)\s*$/.exec(line);
    if (head) {
      cur = { type: head[1]!, id: head[2]!, props: new Map() };
      if (storages.has(cur.id)) problems.push(`line ${i + 1}: storage ${cur.id} is defined twice; the last one counts`);
      storages.set(cur.id, cur);
      continue;
    }
    const prop = /^\s+(\S+)(?:\s+(.*\S))?\s*$/.exec(line);
    if (prop && cur) {
      cur.props.set(prop[1]!, prop[2] ?? '1');
      continue;
    }
    problems.push(`line ${i + 1}: cannot parse ${JSON.stringify(line)} (expected "TYPE: ID" or an indented "key value")`);
  }
  return { storages, problems };
}
