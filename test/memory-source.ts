// A Source over recorded outputs held in memory (files, command answers by dump name,
// open probes): decide tests run the real probes and parsers over it, so a change in a
// probe shows in them (no second, hand-written probe).
import { missing, ok, type CommandOutput, type CommandSpec, type OpenMode, type OpenResult, type Read, type Source } from '../src/facts/source.js';

export class MemorySource implements Source {
  readonly label = 'memory';
  readonly files = new Map<string, string>();
  readonly commands = new Map<string, CommandOutput>();
  readonly opens = new Map<string, OpenResult>();
  /** Every command run, by dump name, in order (to check "one stat and one qemu-img info per disk"). */
  readonly ran: string[] = [];

  async readText(path: string): Promise<Read<string>> {
    const t = this.files.get(path);
    return t === undefined ? missing(`${path}: ENOENT`) : ok(t);
  }
  async listDir(path: string): Promise<Read<readonly string[]>> {
    const prefix = path.endsWith('/') ? path : `${path}/`;
    const names = [...new Set([...this.files.keys()].filter((p) => p.startsWith(prefix)).map((p) => p.slice(prefix.length).split('/')[0] as string))].sort();
    return names.length > 0 ? ok(names) : missing(`${path}: ENOENT`);
  }
  async readLink(path: string): Promise<Read<string>> {
    return missing(`${path}: EINVAL`);
  }
  async run(cmd: CommandSpec): Promise<Read<CommandOutput>> {
    this.ran.push(cmd.name);
    const r = this.commands.get(cmd.name);
    return r === undefined ? missing(`${cmd.argv[0]}: not recorded`) : ok(r);
  }
  async tryOpen(path: string, mode: OpenMode): Promise<Read<OpenResult>> {
    const r = this.opens.get(`${mode}:${path}`);
    return r === undefined ? missing(`open ${mode} ${path}: not recorded`) : ok(r);
  }
}
