// Records every read a probe makes through the local machine, then writes it as a dump
// (dump-format.ts). `kvmio collect` is "run the probe through this, then save": the dump
// holds exactly what the probe reads, no more.
import { lstatSync, readlinkSync } from 'node:fs';
import { sensitiveValue } from './redact-dump.js';
import { openKey, resolvePath, type LinkReader } from './dump-format.js';
import { writeDump, type DumpCommand, type DumpStats, type TreeEntry } from './write-dump.js';
import { type CommandOutput, type CommandSpec, type OpenMode, type OpenResult, type Read, type Source } from './source.js';


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
  private readonly entries = new Map<string, TreeEntry>();
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
      const secret = sensitiveValue(real, r.value);
      if (secret !== undefined) this.sensitive.add(secret);
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
    this.sensitive.add(value.trim()); // makeRedactor drops values too short to hide safely
  }

  /**
   * Writes the dump (write-dump.ts); with `redact`, every sensitive value becomes
   * `redacted-<hash>`, and a file named like a sensitive attribute is replaced whole.
   */
  save(dir: string, opts: { redact: boolean }): Promise<DumpStats> {
    const commands = new Map<string, DumpCommand>();
    for (const [name, r] of this.commands) {
      commands.set(name, r.ok ? { code: r.value.code, stdout: r.value.stdout, stderr: r.value.stderr } : { unavailable: r.reason });
    }
    return writeDump(dir, { entries: this.entries, errors: this.errors, opens: this.opens, commands, sensitive: this.sensitive }, { redact: opts.redact, origin: this.label });
  }
}
export type { DumpStats } from './write-dump.js';

