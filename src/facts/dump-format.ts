// The dump: what `kvmio collect` writes and `--from DIR` reads. A plain directory, so
// hand-made fixtures are reviewable in diffs:
//   kvmio-dump.json           format marker and metadata
//   fs/<absolute path>        files, directories and symbolic links as read on the host
//                             (an empty directory holds only .kvmio-keep, hidden from listings)
//   cmd/NAME.out|.err|.rc     a catalogued command's stdout, stderr, exit code (default 0)
//   cmd/NAME.unavailable      why the command could not be started
//   open.json                 {"rw:/dev/kvm": "ok" | "EACCES"} open probes
//   errors.json               {"/path": "EACCES"} reads that failed other than by absence
// A remote host produces the same tree from one POSIX sh script's output.
//
// How the remote probe maps onto this (not built yet): the probe's reads are a fixed set
// of paths plus directory walks (sysfs_paths in probe-host.ts, probe-block.ts,
// probe-pci.ts), so a constant script sent as `ssh HOST sh -s` can print, for each path,
// one framed record: "F <path>\n<length>\n<bytes>" for a file (cat), "L <path> <target>"
// for a link (readlink), "D <path> <names…>" for a directory (ls -A), "E <path> <errno>"
// for a failed read, "O rw:/dev/kvm ok|EACCES" for the open probe (`: <>/dev/kvm`), and
// "C NAME <rc>" + stdout/stderr for catalogued commands (commands.ts). The local side
// turns the records into fs/, open.json, errors.json and cmd/ exactly as
// RecordingSource.save does, so DumpSource replays either. The script needs only sh, cat,
// ls and readlink (busybox has them), and its output is parsed locally, never on the host.
export const DUMP_FORMAT = 'kvmio-dump/1';
export const DUMP_META = 'kvmio-dump.json';
/** Marks a directory that was empty on the host (git keeps no empty directories); never listed. */
export const DUMP_KEEP = '.kvmio-keep';

export interface DumpMeta {
  readonly format: string;
  readonly collectedAt: string;
  readonly origin: string;
  readonly redacted: boolean;
}

export const openKey = (mode: string, path: string): string => `${mode}:${path}`;

export interface LinkReader {
  /** The link target if `path` (inside the tree) is a symbolic link, else undefined. */
  linkAt(path: string): string | undefined;
}

/**
 * Resolves an absolute path inside a tree whose symbolic links are read through
 * `reader`; absolute link targets are re-rooted at the tree, and ".." never climbs out
 * of it. With `followLast` false the final component is not followed (for readlink).
 */
export function resolvePath(path: string, reader: LinkReader, followLast = true): string {
  let pending = path.split('/').filter((c) => c !== '' && c !== '.');
  let done: string[] = [];
  let hops = 0;
  while (pending.length > 0) {
    const c = pending.shift() as string;
    if (c === '..') {
      done.pop();
      continue;
    }
    const candidate = [...done, c];
    const isLast = pending.length === 0;
    const target = isLast && !followLast ? undefined : reader.linkAt('/' + candidate.join('/'));
    if (target === undefined) {
      done = candidate;
      continue;
    }
    if (++hops > 40) throw new Error(`${path}: too many levels of symbolic links`);
    if (target.startsWith('/')) done = [];
    pending = [...target.split('/').filter((t) => t !== '' && t !== '.'), ...pending];
  }
  return '/' + done.join('/');
}
