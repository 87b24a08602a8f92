// Dotted versions in tool output (`qemu-system-x86_64 --version`, `virsh --version`,
// /proc/sys/kernel/osrelease): the first dotted number, numerically ("6.18.44-fc-v595" →
// 6.18.44). Pure: text in, a Version or undefined out.
import type { Version } from '../model/version.js';

/** The first dotted number in `text` ("QEMU emulator version 7.2.22 (Debian …)" → 7.2.22). */
export function parseVersion(text: string): Version | undefined {
  const m = /(\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3] ?? 0) };
}
