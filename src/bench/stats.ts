// Median and spread of a point's repeats. Spread is half the range ((max − min) / 2): with
// the 3–5 repeats a bench affords, a range says more than a standard deviation, and
// "winner − spread > runner-up + spread" (aio rule 2) then means the repeats do not overlap.
import type { Figures, Latency, Summary } from './results-schema.js';

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

export const halfRange = (xs: readonly number[]): number => (xs.length === 0 ? 0 : (Math.max(...xs) - Math.min(...xs)) / 2);

export function cv(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  if (mean === 0) return 0;
  const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1);
  return Math.sqrt(variance) / mean;
}

/** The summary of a point's repeats, or undefined when none succeeded. */
export function summarize(repeats: readonly Figures[]): Summary | undefined {
  if (repeats.length === 0) return undefined;
  const iops = repeats.map((r) => r.iops);
  const bw = repeats.map((r) => r.bandwidthBytesPerSec);
  const lats = repeats.map((r) => r.latency).filter((l): l is Latency => l !== undefined);
  const latency: Latency | undefined =
    lats.length === repeats.length
      ? { p50Ns: median(lats.map((l) => l.p50Ns)), p99Ns: median(lats.map((l) => l.p99Ns)), p999Ns: median(lats.map((l) => l.p999Ns)) }
      : undefined;
  return {
    iops: median(iops),
    bandwidthBytesPerSec: median(bw),
    ...(latency ? { latency } : {}),
    spread: { iops: halfRange(iops), bandwidthBytesPerSec: halfRange(bw) },
    cv: cv(iops),
  };
}
