// Durable file replacement: write a temp file next to the target, fsync it, rename it
// over the target, fsync the directory (so a crash leaves either the old or the new
// bytes, never a mix). The temp name is fixed per target so a run killed mid-write
// leaves a name the next write or a rollback knows and removes.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, rmdirSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** The temp file a write of PATH goes through (hidden: tmpfiles/sysctl/udev ignore dot files… and non-matching suffixes). */
export const tempPathFor = (path: string): string => join(dirname(path), `.${basename(path)}.kvmio-new`);

/** Directories from `dir` upwards that do not exist yet, outermost first. */
export function missingDirs(dir: string): string[] {
  const out: string[] = [];
  let d = dir;
  while (!existsSync(d)) {
    out.unshift(d);
    const up = dirname(d);
    if (up === d) break;
    d = up;
  }
  return out;
}

export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Atomically replaces (or creates) PATH with BYTES and permission MODE. */
export function writeFileAtomic(path: string, bytes: Uint8Array | string, mode = 0o644): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const tmp = tempPathFor(path);
  rmSync(tmp, { force: true });
  const fd = openSync(tmp, 'wx', mode);
  try {
    const buf = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  fsyncDir(dir);
}

/** Removes PATH (and its stale temp file) durably; absent is fine. */
export function removeFileDurable(path: string): void {
  rmSync(tempPathFor(path), { force: true });
  if (!existsSync(path)) return;
  rmSync(path);
  fsyncDir(dirname(path));
}

/** Removes the given directories if empty, innermost first (undo of mkdir -p). */
export function removeEmptyDirs(dirs: readonly string[]): void {
  for (const d of [...dirs].reverse()) {
    try {
      rmdirSync(d);
    } catch {
      return; // not empty or already gone: leave it and its parents
    }
  }
}
