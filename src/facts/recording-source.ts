// Records every read a probe makes through the local machine, then writes it as a dump
// (dump-format.ts). `kvmio collect` is "run the probe through this, then save": the dump
// holds exactly what the probe reads, no more.
import { createHash } from 'node:crypto';
import { lstatSync, promises as fs, readlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { scrubCredentials } from './redact-dump.js';
import { DUMP_FORMAT, DUMP_KEEP, DUMP_META, openKey, resolvePath, type DumpMeta, type LinkReader } from './dump-format.js';
import { type CommandOutput, type CommandSpec, type OpenMode, type OpenResult, type Read, type Source } from './source.js';

type Entry = { kind: 'file'; text: string } | { kind: 'link'; target: string } | { kind: 'dir' };

/** Sysfs attributes whose values identify hardware; `--redact` replaces them everywhere. */
const SENSITIVE_NAMES = new Set(['serial', 'wwid', 'wwn', 'eui', 'nguid', 'uuid', 'hostname', 'product_serial', 'product_uuid', 'board_serial', 'chassis_serial']);

const localLinks: LinkReader = {
  linkAt(path: string): string | undefined {
    try {
      return lstatSync(path).isSymbolicLink() ? readlinkSync(path) : undefined;
    } catch {
      return undefined;
    }
  },
};

export class RecordingSource implements Source {
  readonly label: string;
  private readonly entries = new Map<string, Entry>();
  private readonly errors: Record<string, string> = {};
  private readonly opens: Record<string, string> = {};
  private readonly commands = new Map<string, Read<CommandOutput>>();
  private readonly sensitive = new Set<string>();

  constructor(private readonly inner: Source) {
    this.label = inner.label;
  }

  /** Resolves like the kernel does, recording each symbolic link on the way. */
  private resolve(path: string, followLast = true): string {
    const recorder: LinkReader = {
      linkAt: (p) => {
        const t = localLinks.linkAt(p);
        if (t !== undefined) this.entries.set(p, { kind: 'link', target: t });
        return t;
      },
    };
    return resolvePath(path, recorder, followLast);
  }

  private noteFailure(path: string, r: Read<unknown>): void {
    if (!r.ok && !r.reason.endsWith('ENOENT') && !r.reason.endsWith('ENOTDIR')) this.errors[path] = r.reason.replace(`${path}: `, '');
  }

  async readText(path: string): Promise<Read<string>> {
    const r = await this.inner.readText(path);
    const real = this.resolve(path);
    if (r.ok) {
      this.entries.set(real, { kind: 'file', text: r.value });
      const base = real.slice(real.lastIndexOf('/') + 1);
      if (SENSITIVE_NAMES.has(base) && r.value.trim().length >= 4) this.sensitive.add(r.value.trim());
    } else this.noteFailure(path, r);
    return r;
  }

  async listDir(path: string): Promise<Read<readonly string[]>> {
    const r = await this.inner.listDir(path);
    if (!r.ok) {
      this.noteFailure(path, r);
      return r;
    }
    const real = this.resolve(path);
    if (!this.entries.has(real)) this.entries.set(real, { kind: 'dir' });
    for (const name of r.value) {
      const child = `${real === '/' ? '' : real}/${name}`;
      if (this.entries.has(child)) continue;
      try {
        const st = lstatSync(child);
        if (st.isSymbolicLink()) this.entries.set(child, { kind: 'link', target: readlinkSync(child) });
        else if (st.isDirectory()) this.entries.set(child, { kind: 'dir' });
      } catch {
        // vanished between readdir and lstat: nothing to record
      }
    }
    return r;
  }

  async readLink(path: string): Promise<Read<string>> {
    const r = await this.inner.readLink(path);
    const real = this.resolve(path, false);
    if (r.ok) this.entries.set(real, { kind: 'link', target: r.value });
    else this.noteFailure(path, r);
    return r;
  }

  async run(cmd: CommandSpec): Promise<Read<CommandOutput>> {
    const r = await this.inner.run(cmd);
    this.commands.set(cmd.name, r);
    return r;
  }

  async tryOpen(path: string, mode: OpenMode): Promise<Read<OpenResult>> {
    const r = await this.inner.tryOpen(path, mode);
    if (r.ok) this.opens[openKey(mode, path)] = r.value.opened ? 'ok' : (r.value.error ?? 'failed');
    return r;
  }

  /** Records that a command was not run and why (libvirtd not running), so a dump audit says the same. */
  noteUnavailable(cmd: CommandSpec, reason: string): void {
    this.commands.set(cmd.name, { ok: false, reason });
  }

  /** Adds a value (e.g. the host name) that `--redact` must hide. */
  addSensitive(value: string): void {
    if (value.trim().length >= 4) this.sensitive.add(value.trim());
  }

  /**
   * Writes the dump; with `redact`, every sensitive value becomes `redacted-<hash>`, and a
   * file named like a sensitive attribute is replaced whole (a short host name such as
   * "vm" is too short to replace inside other text, but must not leak from its own file).
   */
  async save(dir: string, opts: { redact: boolean }): Promise<DumpStats> {
    const secrets = opts.redact ? [...this.sensitive].sort((a, b) => b.length - a.length) : [];
    const token = (s: string): string => `redacted-${createHash('sha256').update(s).digest('hex').slice(0, 8)}`;
    const hide = (text: string): string => (opts.redact ? scrubCredentials : (t: string) => t)(secrets.reduce((t, s) => t.split(s).join(token(s)), text));
    const hideFile = (path: string, text: string): string => {
      const base = path.slice(path.lastIndexOf('/') + 1);
      if (!opts.redact || !SENSITIVE_NAMES.has(base) || text.trim() === '') return hide(text);
      return `${token(text.trim())}${text.endsWith('\n') ? '\n' : ''}`;
    };
    const stats = { files: 0, links: 0, dirs: 0, commands: this.commands.size };
    const fsRoot = join(dir, 'fs');
    await fs.mkdir(fsRoot, { recursive: true });
    const sorted = [...this.entries].sort(([a], [b]) => a.localeCompare(b));
    for (const [path, e] of sorted) {
      const target = join(fsRoot, path);
      await fs.mkdir(e.kind === 'dir' ? target : dirname(target), { recursive: true });
      if (e.kind === 'file') await fs.writeFile(target, hideFile(path, e.text));
      else if (e.kind === 'link') await fs.rm(target, { recursive: true, force: true }).then(() => fs.symlink(e.target, target));
      stats[e.kind === 'file' ? 'files' : e.kind === 'link' ? 'links' : 'dirs']++;
    }
    for (const [path, e] of sorted) {
      const target = join(fsRoot, path);
      if (e.kind === 'dir' && (await fs.readdir(target)).length === 0) await fs.writeFile(join(target, DUMP_KEEP), '');
    }
    const cmdDir = join(dir, 'cmd');
    await fs.mkdir(cmdDir, { recursive: true });
    for (const [name, r] of this.commands) {
      // Per-object names hold "/" (dump-format.ts dumpName): their directories first.
      await fs.mkdir(dirname(join(cmdDir, name)), { recursive: true });
      if (!r.ok) {
        await fs.writeFile(join(cmdDir, `${name}.unavailable`), `${r.reason}\n`);
        continue;
      }
      await fs.writeFile(join(cmdDir, `${name}.out`), hide(r.value.stdout));
      if (r.value.stderr) await fs.writeFile(join(cmdDir, `${name}.err`), hide(r.value.stderr));
      if (r.value.code !== 0) await fs.writeFile(join(cmdDir, `${name}.rc`), `${r.value.code}\n`);
    }
    await fs.writeFile(join(dir, 'open.json'), JSON.stringify(this.opens, null, 2) + '\n');
    await fs.writeFile(join(dir, 'errors.json'), JSON.stringify(this.errors, null, 2) + '\n');
    const meta: DumpMeta = { format: DUMP_FORMAT, collectedAt: new Date().toISOString(), origin: this.label, redacted: opts.redact };
    await fs.writeFile(join(dir, DUMP_META), JSON.stringify(meta, null, 2) + '\n');
    return stats;
  }
}

export interface DumpStats {
  readonly files: number;
  readonly links: number;
  readonly dirs: number;
  readonly commands: number;
}

