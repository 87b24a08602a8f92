// The backing chain of an image file, read through the Source port: once `qemu-img info`
// of the top names a local backing file, `qemu-img info -U --backing-chain` (no -f: each
// layer's format comes from its header, or from the format its child records, as QEMU
// opens it). A backing file named by a protocol (nbd:, json:…) is not followed: qemu-img
// would connect to it. A chain qemu-img refuses (a loop, a missing layer) is a reason,
// never a crash. The audit (decide/audit-vm-image.ts) and `disk xml`/`disk args` judge it.
import { isLocalBackingName, parseQemuImgChain, parseQemuImgChainError, type BackingChain, type QemuImgInfo } from './parse-qemu-img.js';
import type { CommandSpec, Source } from './source.js';

/** The layers below `top` (nearest first), or why not; undefined when `top` has no backing file. */
export async function probeBackingChain(src: Source, chain: CommandSpec, top: Pick<QemuImgInfo, 'backingFile'>): Promise<BackingChain | undefined> {
  const name = top.backingFile;
  if (name === undefined) return undefined;
  if (!isLocalBackingName(name)) return { ok: false, problem: 'not-local', file: name, reason: `backing file ${name} names a protocol, not a local file: kvmio does not open it` };
  const r = await src.run(chain);
  if (!r.ok) return { ok: false, problem: 'unprobed', reason: `qemu-img info --backing-chain: ${r.reason}` };
  if (r.value.code !== 0) return parseQemuImgChainError(r.value.stderr);
  const layers = parseQemuImgChain(r.value.stdout);
  return layers.ok ? { ok: true, layers: layers.value.slice(1) } : { ok: false, problem: 'unprobed', reason: layers.reason };
}
