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

/** Parses one `qemu-img info --output=json` answer (one image, not --backing-chain); never throws. */
export function parseQemuImgInfo(text: string): Read<QemuImgInfo> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return missing(`qemu-img info: not JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  const r = QemuImgInfoJson.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0];
    const where = issue && issue.path.length > 0 ? issue.path.join('.') : 'answer';
    return missing(`qemu-img info: ${where}: ${issue?.message ?? 'invalid'}; expected qemu-img's ImageInfo JSON`);
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
