// A Source that reads configuration (/etc, /usr/lib, /lib, /run's drop-in dirs) under
// a root directory and everything live (/sys, /proc, /dev) from the inner source: what
// `--root DIR` means for commands that both read the host and write files under DIR.
import { join } from 'node:path';
import type { CommandSpec, OpenMode, Source } from './source.js';

const CONFIG_PREFIXES = ['/etc/', '/usr/', '/lib/', '/run/sysctl.d', '/run/tmpfiles.d', '/run/udev/rules.d'];

export const isConfigPath = (path: string): boolean => CONFIG_PREFIXES.some((p) => path === p.replace(/\/$/, '') || path.startsWith(p.endsWith('/') ? p : `${p}/`) || path === p);

export class RootedSource implements Source {
  readonly label: string;
  constructor(
    private readonly inner: Source,
    private readonly root: string,
  ) {
    this.label = root === '/' ? inner.label : `${inner.label} (config under ${root})`;
  }
  private map(path: string): string {
    return this.root !== '/' && isConfigPath(path) ? join(this.root, path) : path;
  }
  readText(path: string) {
    return this.inner.readText(this.map(path));
  }
  listDir(path: string) {
    return this.inner.listDir(this.map(path));
  }
  readLink(path: string) {
    return this.inner.readLink(this.map(path));
  }
  run(cmd: CommandSpec) {
    return this.inner.run(cmd);
  }
  tryOpen(path: string, mode: OpenMode) {
    return this.inner.tryOpen(this.map(path), mode);
  }
}
