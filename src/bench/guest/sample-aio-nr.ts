// fs.aio-nr read while guests run: every AioContext that has done native AIO charges
// 1024 events to it (fs/aio.c, ioctx_alloc; QEMU's laio_init asks for 1024), so the
// samples show what aio=native costs at this VM count against fs.aio-max-nr.
import { readFileSync } from 'node:fs';

export interface AioNrSamples {
  /** Before the first guest started. */
  readonly baseline: number | undefined;
  readonly max: number | undefined;
  readonly limit: number | undefined;
  readonly samples: readonly { readonly tMs: number; readonly value: number }[];
}

const readNumber = (path: string): number | undefined => {
  try {
    const n = Number(readFileSync(path, 'utf8').trim());
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
};

export const AIO_NR = '/proc/sys/fs/aio-nr';
export const AIO_MAX_NR = '/proc/sys/fs/aio-max-nr';

/** Starts sampling; stop() returns what was seen (at most maxSamples kept, evenly thinned). */
export function sampleAioNr(everyMs = 250, maxSamples = 400): { stop(): AioNrSamples } {
  const t0 = Date.now();
  const baseline = readNumber(AIO_NR);
  const limit = readNumber(AIO_MAX_NR);
  let samples: { tMs: number; value: number }[] = [];
  let max = baseline;
  const take = (): void => {
    const v = readNumber(AIO_NR);
    if (v === undefined) return;
    max = max === undefined ? v : Math.max(max, v);
    samples.push({ tMs: Date.now() - t0, value: v });
    if (samples.length > maxSamples) samples = samples.filter((_, i) => i % 2 === 0);
  };
  const timer = setInterval(take, everyMs);
  return {
    stop: () => {
      clearInterval(timer);
      take();
      return { baseline, max, limit, samples };
    },
  };
}
