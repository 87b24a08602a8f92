// `qemu-img bench` output (qemu-img.c img_bench): "Sending N read requests, S bytes each,
// D in parallel (…)" then "Run completed in T seconds." → Figures (no latency: it
// reports only the total time).
import type { Figures } from './results-schema.js';

export function parseQemuImgBench(stdout: string): Figures {
  const sent = /Sending (\d+) (read|write) requests, (\d+) bytes each, (\d+) in parallel/.exec(stdout);
  const done = /Run completed in ([0-9.]+) seconds/.exec(stdout);
  if (!sent || !done) throw new Error(`qemu-img bench: unexpected output ${JSON.stringify(stdout.trim().slice(0, 200))}; expected "Sending N … requests" and "Run completed in T seconds."`);
  const count = Number(sent[1]);
  const size = Number(sent[3]);
  const seconds = Number(done[1]);
  // The time is printed with 3 decimals: never divide by zero on a tiny run.
  const s = Math.max(seconds, 0.0005);
  return { iops: count / s, bandwidthBytesPerSec: (count * size) / s, durationMs: seconds * 1000, ios: count };
}
