// A remote host's probe output as a Source, in memory: it answers exactly as DumpSource
// would after writeDump (same link resolution, same "not in dump" reasons), without
// writing and deleting a few hundred files per host (on this machine's disk that was
// ~1 s of a fleet audit's time per host; the parse and the audit take ~50 ms).
import { openKey, resolvePath, type LinkReader } from './dump-format.js';
import type { ProbeTree } from './remote-stream.js';
import { missing, ok, type CommandOutput, type CommandSpec, type OpenMode, type OpenResult, type Read, type Source } from './source.js';

export class RemoteSource implements Source, LinkReader {
  /** Directory → names in it (explicit directories and every ancestor of a recorded path, as on disk). */
  private readonly children = new Map<string, Set<string>>();

  constructor(readonly label: string, private readonly tree: ProbeTree) {
    for (const path of tree.entries.keys()) {
      let p = path;
      while (p !== '/') {
        const i = p.lastIndexOf('/');
        const parent = i === 0 ? '/' : p.slice(0, i);
        let set = this.children.get(parent);
        if (!set) this.children.set(parent, (set = new Set()));
        set.add(p.slice(i + 1));
        p = parent;
      }
    }
    for (const [path, e] of tree.entries) if (e.kind === 'dir' && !this.children.has(path)) this.children.set(path, new Set());
  }

  linkAt(path: string): string | undefined {
    const e = this.tree.entries.get(path);
    return e?.kind === 'link' ? e.target : undefined;
  }

  private where(path: string, followLast = true): Read<string> {
    const recorded = this.tree.errors[path];
    if (recorded !== undefined) return missing(`${path}: ${recorded}`);
    try {
      return ok(resolvePath(path, this, followLast));
    } catch (e) {
      return missing(e instanceof Error ? e.message : String(e));
    }
  }

  async readText(path: string): Promise<Read<string>> {
    const w = this.where(path);
    if (!w.ok) return w;
    const e = this.tree.entries.get(w.value);
    return e?.kind === 'file' ? ok(e.text) : missing(`${path}: ENOENT (not in dump)`);
  }

  async listDir(path: string): Promise<Read<readonly string[]>> {
    const w = this.where(path);
    if (!w.ok) return w;
    const names = this.children.get(w.value);
    const e = this.tree.entries.get(w.value);
    if (!names || (e !== undefined && e.kind !== 'dir')) return missing(`${path}: ENOENT (not in dump)`);
    return ok([...names].sort());
  }

  async readLink(path: string): Promise<Read<string>> {
    const w = this.where(path, false);
    if (!w.ok) return w;
    const e = this.tree.entries.get(w.value);
    return e?.kind === 'link' ? ok(e.target) : missing(`${path}: not a symbolic link in dump`);
  }

  async run(cmd: CommandSpec): Promise<Read<CommandOutput>> {
    const c = this.tree.commands.get(cmd.name);
    if (c === undefined) return missing(`${cmd.name}: not in dump`);
    if (c.unavailable !== undefined || c.code === undefined) return missing(`${cmd.argv[0]}: ${(c.unavailable ?? 'no output').trim()}`);
    return ok({ code: c.code, stdout: c.stdout ?? '', stderr: c.stderr ?? '' });
  }

  async tryOpen(path: string, mode: OpenMode): Promise<Read<OpenResult>> {
    const r = this.tree.opens[openKey(mode, path)];
    if (r === undefined) return missing(`open ${mode} ${path}: not in dump`);
    return ok(r === 'ok' ? { opened: true } : { opened: false, error: r });
  }
}
