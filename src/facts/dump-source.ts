// A recorded dump directory as a Source (see dump-format.ts for the layout).
import { existsSync, lstatSync, promises as fs, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { KvmioError } from '../errors.js';
import { DUMP_FORMAT, DUMP_KEEP, DUMP_META, openKey, resolvePath, type DumpMeta, type LinkReader } from './dump-format.js';
import { missing, ok, type CommandOutput, type CommandSpec, type OpenMode, type OpenResult, type Read, type Source } from './source.js';

function readJson(file: string): Record<string, string> {
  try {
    const v: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return v !== null && typeof v === 'object' ? (v as Record<string, string>) : {};
  } catch {
    return {};
  }
}

export class DumpSource implements Source, LinkReader {
  readonly label: string;
  readonly meta: DumpMeta;
  private readonly fsRoot: string;
  private readonly errors: Record<string, string>;
  private readonly opens: Record<string, string>;

  constructor(readonly dir: string) {
    this.label = `dump:${dir}`;
    let meta: unknown;
    try {
      meta = JSON.parse(readFileSync(join(dir, DUMP_META), 'utf8'));
    } catch {
      throw new KvmioError('usage', `--from ${dir}: not a kvmio dump (no readable ${DUMP_META}); expected a directory written by "kvmio collect -o DIR"`);
    }
    const m = meta as Partial<DumpMeta>;
    if (m.format !== DUMP_FORMAT) {
      throw new KvmioError('usage', `--from ${dir}: dump format is "${String(m.format)}", expected "${DUMP_FORMAT}"`);
    }
    this.meta = { format: m.format, collectedAt: String(m.collectedAt ?? ''), origin: String(m.origin ?? ''), redacted: Boolean(m.redacted) };
    this.fsRoot = join(dir, 'fs');
    this.errors = readJson(join(dir, 'errors.json'));
    this.opens = readJson(join(dir, 'open.json'));
  }

  /** A dump does not change while it is read: each path is looked at once (a 500-disk dump resolves ~10^5 components). */
  private readonly links = new Map<string, string | undefined>();

  linkAt(path: string): string | undefined {
    if (this.links.has(path)) return this.links.get(path);
    let target: string | undefined;
    try {
      const p = this.fsRoot + path; // path is absolute and normalized by resolvePath/resolve: plain concatenation (path.join was ~8% of a 500-disk audit)
      // throwIfNoEntry: a missing path is common (optional attributes) and exceptions are costly
      target = lstatSync(p, { throwIfNoEntry: false })?.isSymbolicLink() ? readlinkSync(p) : undefined;
    } catch {
      target = undefined;
    }
    this.links.set(path, target);
    return target;
  }

  private readonly dirs = new Map<string, string>();

  /** resolvePath, with each directory resolved once: a probe reads many files per directory. */
  private resolve(path: string, followLast: boolean): string {
    const i = path.lastIndexOf('/');
    const base = path.slice(i + 1);
    if (i < 0 || base === '' || base === '.' || base === '..') return resolvePath(path, this, followLast);
    const dir = i === 0 ? '/' : path.slice(0, i);
    let real = this.dirs.get(dir);
    if (real === undefined) {
      real = resolvePath(dir, this);
      this.dirs.set(dir, real);
    }
    const candidate = real === '/' ? `/${base}` : `${real}/${base}`;
    return !followLast || this.linkAt(candidate) === undefined ? candidate : resolvePath(candidate, this);
  }

  private where(path: string, followLast = true): Read<string> {
    const recorded = this.errors[path];
    if (recorded !== undefined) return missing(`${path}: ${recorded}`);
    try {
      return ok(this.fsRoot + this.resolve(path, followLast));
    } catch (e) {
      return missing(e instanceof Error ? e.message : String(e));
    }
  }

  // Synchronous reads: a dump's files are small and local, and fs.promises costs four
  // thread-pool round trips per file (a 500-disk dump took 2 s, mostly in openFileHandle).
  async readText(path: string): Promise<Read<string>> {
    const w = this.where(path);
    if (!w.ok) return w;
    try {
      return ok(readFileSync(w.value, 'utf8'));
    } catch {
      return missing(`${path}: ENOENT (not in dump)`);
    }
  }

  async listDir(path: string): Promise<Read<readonly string[]>> {
    const w = this.where(path);
    if (!w.ok) return w;
    try {
      return ok(readdirSync(w.value).filter((n) => n !== DUMP_KEEP).sort());
    } catch {
      return missing(`${path}: ENOENT (not in dump)`);
    }
  }

  async readLink(path: string): Promise<Read<string>> {
    const w = this.where(path, false);
    if (!w.ok) return w;
    try {
      return ok(readlinkSync(w.value));
    } catch {
      return missing(`${path}: not a symbolic link in dump`);
    }
  }

  /** Whether the dump recorded this command at all (answered or unavailable); dumps made before VM facts have no virsh-list. */
  hasCommand(name: string): boolean {
    const base = join(this.dir, 'cmd', name);
    return existsSync(`${base}.out`) || existsSync(`${base}.unavailable`);
  }

  async run(cmd: CommandSpec): Promise<Read<CommandOutput>> {
    const base = join(this.dir, 'cmd', cmd.name);
    const text = async (ext: string): Promise<string | undefined> => {
      try {
        return await fs.readFile(base + ext, 'utf8');
      } catch {
        return undefined;
      }
    };
    const unavailable = await text('.unavailable');
    if (unavailable !== undefined) return missing(`${cmd.argv[0]}: ${unavailable.trim()}`);
    const stdout = await text('.out');
    if (stdout === undefined) return missing(`${cmd.name}: not in dump`);
    const rc = Number((await text('.rc'))?.trim() ?? '0');
    return ok({ code: Number.isInteger(rc) ? rc : 1, stdout, stderr: (await text('.err')) ?? '' });
  }

  async tryOpen(path: string, mode: OpenMode): Promise<Read<OpenResult>> {
    const r = this.opens[openKey(mode, path)];
    if (r === undefined) return missing(`open ${mode} ${path}: not in dump`);
    return ok(r === 'ok' ? { opened: true } : { opened: false, error: r });
  }
}
