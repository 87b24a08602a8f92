// Dotted versions of QEMU, libvirt and the kernel (facts/parse-version.ts reads them),
// compared numerically.

import type { Version } from '../model/version.js';

export type { Version };

export const version = (major: number, minor = 0, patch = 0): Version => ({ major, minor, patch });

export function compareVersions(a: Version, b: Version): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

/** True when `v` is known and at least `min`; unknown versions never qualify. */
export const atLeast = (v: Version | undefined, min: Version): boolean => v !== undefined && compareVersions(v, min) >= 0;

export const formatVersion = (v: Version | undefined): string => (v ? `${v.major}.${v.minor}.${v.patch}` : 'unknown');
