// Helpers for fix/verify/rollback tests: read and set a loop device's scheduler and
// fs.aio-max-nr, and snapshot a directory tree (paths, bytes, modes) for exact compares.
import { existsSync, lstatSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSysfsValue } from '../../../src/apply/handlers.js';

export const AIO = '/proc/sys/fs/aio-max-nr';
export const schedFile = (dev: string): string => `/sys/block/${dev}/queue/scheduler`;
export const sched = (dev: string): string => parseSysfsValue(readFileSync(schedFile(dev), 'utf8')).value;
export const setSched = (dev: string, v: string): void => writeFileSync(schedFile(dev), v);
export const aioMax = (): number => Number(readFileSync(AIO, 'utf8').trim());
export const setAioMax = (n: number): void => writeFileSync(AIO, String(n));
export const devName = (path: string): string => path.replace('/dev/', '');

/** Every file and directory under DIR with its mode and (for files) base64 bytes, sorted. */
export function treeSnapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string): void => {
    if (!existsSync(d)) return;
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = lstatSync(p);
      const key = `${rel}/${name}`;
      if (st.isDirectory()) {
        out[key] = `dir ${(st.mode & 0o7777).toString(8)}`;
        walk(p, key);
      } else out[key] = `file ${(st.mode & 0o7777).toString(8)} ${readFileSync(p).toString('base64')}`;
    }
  };
  walk(dir, '');
  return out;
}
