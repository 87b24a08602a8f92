// Engine handler for image files made by `disk create --on DIR` (qemu-img create).
//
// apply: claim the name with O_EXCL (an image that appeared since the guard is never
// overwritten), then run the planned `qemu-img create` argv. Right after it the engine
// journals the fingerprint below (`applied`); a rerun after a kill adopts an image only
// while it still has that fingerprint (engine.ts ownedKeys).
// Rollback deletes only what kvmio created, and only unchanged: right after creation the
// journal records the file's size, its mtime (ns) and a SHA-256 of `qemu-img map
// --output=json` (which extents hold data or zeroes). Rollback refuses when any of them
// differ (a guest or a tool wrote to it: a write changes the mtime, an allocating write
// also the map), when a QEMU holds the image lock (qemu-img cannot take it), or when no
// fingerprint was recorded (a crash between qemu-img and the journal write: kvmio cannot
// prove the file is its own). docs/engine.md.
import { createHash } from 'node:crypto';
import { closeSync, constants, existsSync, openSync, statSync } from 'node:fs';
import { exec } from '../exec.js';
import { parseQemuImgInfo } from '../facts/parse-qemu-img.js';
import type { ImageCreate } from '../model/action.js';
import { argvText } from '../render/argv-text.js';
import { removeFileDurable } from './atomic-file.js';
import { underRoot, type ActionHandler } from './action-handler.js';

export type ImageSnapshot =
  | { readonly exists: false }
  | {
      readonly exists: true;
      readonly sizeBytes: number;
      readonly mtimeNs: string;
      /** qemu-img's reading, or why it could not read the file. */
      readonly format?: string;
      readonly virtualBytes?: number;
      readonly mapSha256?: string;
      readonly unreadable?: string;
      /** A running QEMU holds the image lock. */
      readonly locked: boolean;
    };

const tail = (s: string): string => s.trim().split('\n').slice(-2).join(' | ');
const LOCK_HELD = /Failed to get .*lock|Is another process using the image/i;

export async function snapshotImage(path: string, format: string): Promise<ImageSnapshot> {
  if (!existsSync(path)) return { exists: false };
  const st = statSync(path, { bigint: true });
  const base = { exists: true as const, sizeBytes: Number(st.size), mtimeNs: st.mtimeNs.toString() };
  const probe = await exec(['qemu-img', 'info', '--output=json', '-f', format, path], { timeoutMs: 60_000 });
  const locked = probe.code !== 0 && LOCK_HELD.test(probe.stderr);
  // -U (force share) reads an image a QEMU holds; the lock was noted above.
  const info = locked ? await exec(['qemu-img', 'info', '-U', '--output=json', '-f', format, path], { timeoutMs: 60_000 }) : probe;
  if (info.code !== 0) return { ...base, locked, unreadable: `qemu-img info: exit ${info.code}: ${tail(info.stderr)}` };
  const read = parseQemuImgInfo(info.stdout);
  if (!read.ok) return { ...base, locked, unreadable: read.reason };
  const parsed = read.value;
  const map = await exec(['qemu-img', 'map', '-U', '--output=json', '-f', format, path], { timeoutMs: 300_000 });
  return {
    ...base,
    locked,
    format: parsed.format,
    virtualBytes: parsed.virtualSize.bytes,
    ...(map.code === 0 ? { mapSha256: createHash('sha256').update(map.stdout).digest('hex') } : { unreadable: `qemu-img map: exit ${map.code}: ${tail(map.stderr)}` }),
  };
}

const matches = (a: ImageCreate, s: ImageSnapshot): boolean => s.exists && s.format === a.format && s.virtualBytes === a.virtualBytes;

export const imageCreateHandler: ActionHandler<ImageCreate, ImageSnapshot> = {
  locate: (a, root) => {
    const path = underRoot(root, a.path);
    return { ...a, path, argv: a.argv.map((x) => (x === a.path ? path : x)) };
  },
  key: (a) => `image:${a.path}`,
  snapshot: (a) => snapshotImage(a.path, a.format),
  isDone: matches,
  check: (a, s, ctx) => {
    if (a.argv[0] !== 'qemu-img' || a.argv[1] !== 'create' || !a.argv.includes(a.path)) return `not a qemu-img create of ${a.path}: ${argvText(a.argv)}`;
    if (!s.exists) return undefined;
    return ctx?.completed
      ? `${a.path} no longer is the ${a.format} image kvmio created (qemu-img: ${s.format ?? s.unreadable ?? '?'}, ${s.virtualBytes ?? '?'} bytes); kvmio never overwrites an image`
      : `${a.path} already exists; kvmio never overwrites an image`;
  },
  describe: (a) => `${a.path}: create (${argvText(a.argv)})`,
  apply: async (a) => {
    closeSync(openSync(a.path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600));
    const r = await exec(a.argv, { timeoutMs: 30 * 60_000 });
    if (r.code !== 0) {
      removeFileDurable(a.path); // ours: claimed above
      throw new Error(`${argvText(a.argv)}: exit ${r.code}: ${tail(r.stderr)}`);
    }
  },
  verify: (a, s) => (matches(a, s) ? undefined : !s.exists ? `${a.path} is missing` : `${a.path}: qemu-img reads ${s.format ?? s.unreadable}, ${s.virtualBytes ?? '?'} bytes; expected ${a.format}, ${a.virtualBytes} bytes`),
  restore: (a, old) => {
    if (!old.exists && existsSync(a.path)) removeFileDurable(a.path);
  },
  compare: (old, cur) => (old.exists ? undefined : cur.exists ? 'exists, created by kvmio' : undefined),
  describeRestore: (a, old, cur) => (old.exists ? `${a.path}: existed before kvmio, left alone\n` : cur.exists ? `${a.path}: remove (kvmio created it; unchanged since)\n` : `${a.path}: already absent\n`),
  keepsAfter: true,
  owns: (_a, cur, after) => cur.exists && after.exists && !cur.locked && cur.sizeBytes === after.sizeBytes && cur.mtimeNs === after.mtimeNs && cur.mapSha256 !== undefined && cur.mapSha256 === after.mapSha256,
  refuseRestore: (a, old, cur, after) => {
    if (old.exists || !cur.exists) return undefined;
    const keep = 'kvmio deletes only an image it created and nobody wrote to; remove it yourself if its data is not needed';
    if (cur.locked) return `${a.path} is open by a running QEMU (it holds the image lock); ${keep}`;
    if (after === undefined || !after.exists) return `${a.path} was created by a run killed before kvmio recorded its fingerprint, so kvmio cannot tell whether it is its own; ${keep}`;
    const changed: string[] = [];
    if (cur.sizeBytes !== after.sizeBytes) changed.push(`size ${after.sizeBytes} → ${cur.sizeBytes} bytes`);
    if (cur.mtimeNs !== after.mtimeNs) changed.push('modification time changed');
    if (cur.mapSha256 === undefined) changed.push(`allocation map unreadable (${cur.unreadable ?? '?'})`);
    else if (cur.mapSha256 !== after.mapSha256) changed.push('allocation map (qemu-img map) changed');
    return changed.length === 0 ? undefined : `${a.path} was written to since kvmio created it (${changed.join('; ')}); ${keep}`;
  },
};
