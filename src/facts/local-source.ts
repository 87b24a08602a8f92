// The local machine as a Source. Reads are synchronous on purpose: /sys and /proc files
// are tiny and answer from memory, and fs.promises costs four thread-pool round trips
// per file (open, fstat, read, close), which made reading a few hundred sysfs
// attributes the largest part of `kvmio audit`'s wall time.
import { constants, promises as fs, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { exec } from '../exec.js';
import { missing, ok, type CommandOutput, type CommandSpec, type OpenMode, type OpenResult, type Read, type Source } from './source.js';

const errText = (e: unknown): string => {
  const err = e as NodeJS.ErrnoException;
  return err.code ? `${err.code}` : String(e);
};

export class LocalSource implements Source {
  readonly label = 'local';

  async readText(path: string): Promise<Read<string>> {
    try {
      return ok(readFileSync(path, 'utf8'));
    } catch (e) {
      return missing(`${path}: ${errText(e)}`);
    }
  }

  async listDir(path: string): Promise<Read<readonly string[]>> {
    try {
      return ok(readdirSync(path).sort());
    } catch (e) {
      return missing(`${path}: ${errText(e)}`);
    }
  }

  async readLink(path: string): Promise<Read<string>> {
    try {
      return ok(readlinkSync(path));
    } catch (e) {
      return missing(`${path}: ${errText(e)}`);
    }
  }

  async run(cmd: CommandSpec): Promise<Read<CommandOutput>> {
    try {
      const r = await exec(cmd.argv, cmd.timeoutMs === undefined ? {} : { timeoutMs: cmd.timeoutMs });
      return ok({ code: r.code, stdout: r.stdout, stderr: r.stderr });
    } catch (e) {
      return missing(`${cmd.argv[0]}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  async tryOpen(path: string, mode: OpenMode): Promise<Read<OpenResult>> {
    const flags = mode === 'rw' ? constants.O_RDWR : constants.O_RDONLY | constants.O_DIRECT;
    try {
      const fh = await fs.open(path, flags);
      await fh.close();
      return ok({ opened: true });
    } catch (e) {
      return ok({ opened: false, error: errText(e) });
    }
  }
}
