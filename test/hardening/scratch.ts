// A scratch directory on tmpfs when there is one (/dev/shm): the fuzz tests run thousands
// of commands that fsync journals and create files, which are slow on a disk.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { withTempDir } from '../helpers.js';

export async function withScratch<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  if (!existsSync('/dev/shm')) return withTempDir(fn);
  const dir = mkdtempSync('/dev/shm/kvmio-fuzz-');
  try {
    return await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
