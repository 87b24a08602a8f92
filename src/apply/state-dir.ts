// The state directory holds the journal rollback trusts and the lock: another user who
// can write it could plant records (docs/security.md). Like sshd's StrictModes and
// sudo's checks on /etc/sudoers.d, kvmio refuses a state directory that is a symbolic
// link, is not owned by root (or the user running kvmio), or is writable by group or
// others; and one inside procfs or sysfs, where files cannot be created and a poll on
// the lock would never end.
import { lstatSync, realpathSync } from 'node:fs';
import { dirname } from 'node:path';
import { KvmioError } from '../errors.js';

/** Virtual file systems where kvmio never keeps state or writes output. */
export const VIRTUAL_ROOTS: readonly string[] = ['/proc', '/sys'];

/** The nearest existing ancestor's real path plus the rest: where PATH would really be. */
export function realPathOf(path: string): string {
  let p = path;
  const rest: string[] = [];
  for (;;) {
    try {
      const real = realpathSync(p);
      return [real === '/' ? '' : real, ...rest].join('/') || '/';
    } catch {
      const up = dirname(p);
      if (up === p) return path;
      rest.unshift(p.slice(up === '/' ? 1 : up.length + 1));
      p = up;
    }
  }
}

/** The virtual file system PATH really lies in ("/proc"), or undefined. */
export function virtualFsOf(path: string): string | undefined {
  const real = realPathOf(path);
  return VIRTUAL_ROOTS.find((v) => real === v || real.startsWith(`${v}/`));
}

/** Throws KvmioError('refused') when DIR must not hold kvmio's journal and lock. */
export function checkStateDir(dir: string): void {
  const v = virtualFsOf(dir);
  if (v !== undefined) throw new KvmioError('usage', `--state-dir ${dir}: lies in ${v}, a virtual file system; expected a directory on a real file system (default /var/lib/kvmio)`);
  let st;
  try {
    st = lstatSync(dir);
  } catch {
    return; // absent: created 0700 by the writer
  }
  const what = `state directory ${dir}`;
  if (st.isSymbolicLink()) throw new KvmioError('refused', `${what} is a symbolic link; expected a real directory owned by root; nothing was changed`);
  if (!st.isDirectory()) throw new KvmioError('refused', `${what} is not a directory; nothing was changed`);
  const me = process.geteuid?.() ?? 0;
  if (st.uid !== 0 && st.uid !== me) throw new KvmioError('refused', `${what} is owned by uid ${st.uid}; expected root${me !== 0 ? ` or uid ${me}` : ''} (another user could plant journal records); nothing was changed`, { hint: `chown root ${dir}` });
  if ((st.mode & 0o022) !== 0) throw new KvmioError('refused', `${what} is writable by ${(st.mode & 0o002) !== 0 ? 'others' : 'its group'} (mode ${(st.mode & 0o7777).toString(8)}); expected 0755 or stricter (another user could plant journal records); nothing was changed`, { hint: `chmod go-w ${dir}` });
}
