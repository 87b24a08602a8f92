// The one parser of `qemu-img info --output=json` (audit, vm tune, disk create and the
// disk probe all read images through it). Validated with zod: a garbled or truncated
// answer is an error with the reason, never a size that defaults to 0 (which would read
// as "fully allocated" and pick aio=native on a sparse file).
//
// Field names and optionality follow QEMU's QAPI schema, qapi/block-core.json ImageInfo:
// filename, format, virtual-size are mandatory; actual-size, cluster-size,
// backing-filename, backing-filename-format, dirty-flag, encrypted and
// format-specific are optional ("actual-size" is absent when the protocol cannot say,
// e.g. some network stores). format-specific.data.extended-l2 is qcow2's
// ImageInfoSpecificQCow2 (QEMU 5.2+).
import { z } from 'zod';
import { bytes, type Size } from '../size.js';
import { missing, ok, type Read } from './source.js';

const byteCount = z.number().int().nonnegative();

const QemuImgInfoJson = z.object({
  filename: z.string(),
  format: z.string().min(1),
  'virtual-size': byteCount,
  'actual-size': byteCount.optional(),
  'cluster-size': z.number().int().positive().optional(),
  'backing-filename': z.string().optional(),
  'full-backing-filename': z.string().optional(),
  'backing-filename-format': z.string().optional(),
  'dirty-flag': z.boolean().optional(),
  encrypted: z.boolean().optional(),
  'format-specific': z
    .object({
      type: z.string(),
      data: z.object({ 'extended-l2': z.boolean().optional() }).loose().optional(),
    })
    .loose()
    .optional(),
}).loose();

/** What kvmio uses of `qemu-img info`; sizes as values, optional fields absent when qemu-img did not say. */
export interface QemuImgInfo {
  readonly filename: string;
  readonly format: string;
  readonly virtualSize: Size;
  /** Allocated bytes on the host; absent when the protocol cannot tell (never assumed 0). */
  readonly actualSize?: Size;
  readonly clusterSize?: Size;
  /** qcow2 with extended L2 entries (sub-clusters): twice the L2 metadata per cluster. */
  readonly extendedL2?: boolean;
  /** The backing file as written in the image, and resolved (full-backing-filename). */
  readonly backingFile?: string;
  readonly backingFileFull?: string;
  readonly backingFormat?: string;
  readonly dirty?: boolean;
  readonly encrypted?: boolean;
}

const parseJson = (text: string): Read<unknown> => {
  try {
    return ok(JSON.parse(text) as unknown);
  } catch (e) {
    return missing(`qemu-img info: not JSON (${e instanceof Error ? e.message : String(e)})`);
  }
};

/** Parses one `qemu-img info --output=json` answer (one image, not --backing-chain); never throws. */
export function parseQemuImgInfo(text: string): Read<QemuImgInfo> {
  const json = parseJson(text);
  return json.ok ? imageOf(json.value, '') : json;
}

function imageOf(json: unknown, at: string): Read<QemuImgInfo> {
  const r = QemuImgInfoJson.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0];
    const where = issue && issue.path.length > 0 ? issue.path.join('.') : 'answer';
    return missing(`qemu-img info: ${at}${where}: ${issue?.message ?? 'invalid'}; expected qemu-img's ImageInfo JSON`);
  }
  const j = r.data;
  const ext = j['format-specific']?.data?.['extended-l2'];
  return ok({
    filename: j.filename,
    format: j.format,
    virtualSize: bytes(j['virtual-size']),
    ...(j['actual-size'] === undefined ? {} : { actualSize: bytes(j['actual-size']) }),
    ...(j['cluster-size'] === undefined ? {} : { clusterSize: bytes(j['cluster-size']) }),
    ...(ext === undefined ? {} : { extendedL2: ext }),
    ...(j['backing-filename'] === undefined ? {} : { backingFile: j['backing-filename'] }),
    ...(j['full-backing-filename'] === undefined ? {} : { backingFileFull: j['full-backing-filename'] }),
    ...(j['backing-filename-format'] === undefined ? {} : { backingFormat: j['backing-filename-format'] }),
    ...(j['dirty-flag'] === undefined ? {} : { dirty: j['dirty-flag'] }),
    ...(j.encrypted === undefined ? {} : { encrypted: j.encrypted }),
  });
}

/** KubeVirt's test for "fully allocated": actual-size ≥ virtual-size; undefined when qemu-img gave no actual-size. */
export const isFullyAllocated = (i: Pick<QemuImgInfo, 'virtualSize' | 'actualSize'>): boolean | undefined =>
  i.actualSize === undefined ? undefined : i.actualSize.bytes >= i.virtualSize.bytes;

/**
 * The layers below an image, as `qemu-img info --backing-chain` opened them (nearest first),
 * or why the chain cannot be had: qemu-img refused it (a loop, a backing file it cannot
 * open), the backing file names a protocol (nbd:, json:…, which kvmio does not open), or
 * it was not probed (an older dump, a tool that did not run).
 */
export type BackingChain =
  | { readonly ok: true; readonly layers: readonly QemuImgInfo[] }
  | { readonly ok: false; readonly problem: 'loop' | 'unreadable' | 'not-local' | 'unprobed'; readonly file?: string; readonly reason: string };

/**
 * `qemu-img info --backing-chain --output=json`: a JSON array, the top image first (QEMU
 * qemu-img.c collect_image_info_list); one object is read as a chain of one (a dump taken
 * without --backing-chain). Every element goes through the one schema; never throws.
 */
export function parseQemuImgChain(text: string): Read<readonly QemuImgInfo[]> {
  const json = parseJson(text);
  if (!json.ok) return json;
  const list = Array.isArray(json.value) ? json.value : [json.value];
  if (list.length === 0) return missing('qemu-img info: an empty backing chain; expected the top image first');
  const out: QemuImgInfo[] = [];
  for (const [n, item] of list.entries()) {
    const r = imageOf(item, list.length > 1 ? `layer ${n}: ` : '');
    if (!r.ok) return r;
    out.push(r.value);
  }
  return ok(out);
}

/**
 * qemu-img's refusal of a chain, from its stderr: "Backing file 'F' creates an infinite
 * loop." (qemu-img.c collect_image_info_list, which tracks the filenames it opened), or
 * "Could not open 'F': REASON" (block.c bdrv_open_inherit; nested "Could not open" prefixes
 * repeat the file). Anything else is unreadable with qemu-img's last line as the reason.
 */
export function parseQemuImgChainError(stderr: string): Extract<BackingChain, { ok: false }> {
  const text = stderr.trim();
  const last = text.split('\n').filter((l) => l.trim() !== '').slice(-1)[0]?.replace(/^qemu-img: /, '') ?? '';
  const loop = /Backing file '(.*)' creates an infinite loop/.exec(text);
  if (loop) return { ok: false, problem: 'loop', file: loop[1] as string, reason: `qemu-img: backing file ${loop[1] as string} creates an infinite loop` };
  const open = /Could not open '([^']*)': (?:Could not open '[^']*': )*(.*)$/m.exec(text);
  if (open) return { ok: false, problem: 'unreadable', file: open[1] as string, reason: `${open[1] as string}: ${(open[2] as string).trim()}` };
  return { ok: false, problem: 'unreadable', reason: last || 'qemu-img info --backing-chain failed without a message' };
}

/**
 * A backing file name QEMU opens as a local file: no protocol prefix. QEMU treats a name
 * with a colon before any slash as "protocol:…" (block.c path_has_protocol), e.g.
 * "nbd:host:10809", "json:{…}", "https://…"; those are never opened by kvmio's probe.
 */
export const isLocalBackingName = (name: string): boolean => !/^[^/]*:/.test(name);
