// Compares a kernel release ("6.18.44-fc-v595", "5.4.0-150-generic") with a version.

export function parseKernelVersion(release: string): readonly [number, number] | undefined {
  const m = /^(\d+)\.(\d+)/.exec(release.trim());
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/** True when `release` is at least major.minor; undefined when it cannot be parsed. */
export function kernelAtLeast(release: string, major: number, minor: number): boolean | undefined {
  const v = parseKernelVersion(release);
  if (!v) return undefined;
  return v[0] > major || (v[0] === major && v[1] >= minor);
}
