// Dotted versions of QEMU, libvirt and the kernel, parsed from their --version text or
// release string and compared numerically ("6.18.44-fc-v595" → 6.18.44).

import type { Version } from '../model/version.js';

export type { Version };

export const version = (major: number, minor = 0, patch = 0): Version => ({ major, minor, patch });

/** The first dotted number in `text` ("QEMU emulator version 7.2.22 (Debian …)" → 7.2.22). */
export function parseVersion(text: string): Version | undefined {
  const m = /(\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3] ?? 0) };
}

export function compareVersions(a: Version, b: Version): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

/** True when `v` is known and at least `min`; unknown versions never qualify. */
export const atLeast = (v: Version | undefined, min: Version): boolean => v !== undefined && compareVersions(v, min) >= 0;

export const formatVersion = (v: Version | undefined): string => (v ? `${v.major}.${v.minor}.${v.patch}` : 'unknown');
