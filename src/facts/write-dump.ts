// The one dump writer (layout in dump-format.ts): `kvmio collect` on this host
// (RecordingSource.save) and over SSH (the remote probe's stream, remote-stream.ts) both
// end here, so a local and a remote dump of the same host are the same files, redacted
// the same way (redact-dump.ts).
import { promises as fs } from 'node:fs';
import { dirname, join } from 'node:path';
import { DUMP_FORMAT, DUMP_KEEP, DUMP_META, type DumpMeta } from './dump-format.js';
import { makeRedactor, type Redactor } from './redact-dump.js';

/** One recorded path, at its physical location (links resolved). */
export type TreeEntry = { readonly kind: 'file'; readonly text: string } | { readonly kind: 'link'; readonly target: string } | { readonly kind: 'dir' };

/** One recorded command: its exit code and output, or why it could not run. */
export interface DumpCommand {
  code?: number;
  stdout?: string;
  stderr?: string;
  unavailable?: string;
}

/** Everything a dump holds. */
export interface DumpTree {
  readonly entries: ReadonlyMap<string, TreeEntry>;
  readonly errors: Readonly<Record<string, string>>;
  readonly opens: Readonly<Record<string, string>>;
  readonly commands: ReadonlyMap<string, DumpCommand>;
  /** Values `--redact` hides everywhere (serials, WWIDs, the host name). */
  readonly sensitive: Iterable<string>;
}

export interface WriteDumpOptions {
  readonly redact: boolean;
  /** Where the dump came from, for its meta file: "local", "ssh:root@hv1". */
  readonly origin: string;
  /** Further values to hide with `redact` (the host name the user typed). */
  readonly secrets?: readonly string[];
}

export interface DumpStats {
  readonly files: number;
  readonly links: number;
  readonly dirs: number;
  readonly commands: number;
}

/** Writes the tree as a dump directory. */
export async function writeDump(dir: string, tree: DumpTree, opts: WriteDumpOptions): Promise<DumpStats> {
  const r: Redactor | undefined = opts.redact ? makeRedactor([...tree.sensitive, ...(opts.secrets ?? [])]) : undefined;
  const fileText = (path: string, text: string): string => (r ? r.file(path, text) : text);
  const plain = (text: string): string => (r ? r.text(text) : text);
  const fsRoot = join(dir, 'fs');
  await fs.mkdir(fsRoot, { recursive: true });
  const stats = { files: 0, links: 0, dirs: 0, commands: tree.commands.size };
  // Code-point order: parents before children, and the same order on every machine.
  const sorted = [...tree.entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const made = new Set<string>();
  const mkdir = async (d: string): Promise<void> => {
    if (made.has(d)) return;
    await fs.mkdir(d, { recursive: true });
    made.add(d);
  };
  for (const [path, e] of sorted) {
    const target = join(fsRoot, path);
    if (e.kind === 'dir') await mkdir(target);
    else {
      await mkdir(dirname(target));
      if (e.kind === 'file') await fs.writeFile(target, fileText(path, e.text));
      else await fs.rm(target, { recursive: true, force: true }).then(() => fs.symlink(e.target, target));
    }
    stats[e.kind === 'file' ? 'files' : e.kind === 'link' ? 'links' : 'dirs']++;
  }
  for (const [path, e] of sorted) {
    const target = join(fsRoot, path);
    if (e.kind === 'dir' && (await fs.readdir(target)).length === 0) await fs.writeFile(join(target, DUMP_KEEP), '');
  }
  const cmdDir = join(dir, 'cmd');
  await fs.mkdir(cmdDir, { recursive: true });
  for (const [name, c] of tree.commands) {
    // Per-object names hold "/" (dump-format.ts dumpName): their directories first.
    if (name.includes('/')) await mkdir(dirname(join(cmdDir, name)));
    if (c.unavailable !== undefined || c.code === undefined) {
      await fs.writeFile(join(cmdDir, `${name}.unavailable`), `${c.unavailable ?? 'no output'}\n`);
      continue;
    }
    await fs.writeFile(join(cmdDir, `${name}.out`), plain(c.stdout ?? ''));
    if (c.stderr) await fs.writeFile(join(cmdDir, `${name}.err`), plain(c.stderr));
    if (c.code !== 0) await fs.writeFile(join(cmdDir, `${name}.rc`), `${c.code}\n`);
  }
  await fs.writeFile(join(dir, 'open.json'), JSON.stringify(tree.opens, null, 2) + '\n');
  await fs.writeFile(join(dir, 'errors.json'), JSON.stringify(tree.errors, null, 2) + '\n');
  const meta: DumpMeta = { format: DUMP_FORMAT, collectedAt: new Date().toISOString(), origin: r ? r.text(opts.origin) : opts.origin, redacted: opts.redact };
  await fs.writeFile(join(dir, DUMP_META), JSON.stringify(meta, null, 2) + '\n');
  return stats;
}
