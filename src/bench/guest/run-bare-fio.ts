// The bare line for the guest tier: the same fio job the guests run, on the host, on a
// file of the same kind in the same store (no QEMU). Guest figures are ratios of it.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFailure, execOk, start } from '../../exec.js';
import { parseFioOutput, type FioOutput } from '../fio-json.js';
import type { GuestWorkload } from './guest-types.js';
import { renderFioJob } from './render-fio-job.js';

export interface BareRun {
  readonly argv: readonly string[];
  readonly fio: FioOutput;
}

export async function runBareFio(w: GuestWorkload, opts: { readonly storeDir: string; readonly tag: string; readonly diskMiB: number; readonly signal?: AbortSignal }): Promise<BareRun> {
  const file = join(opts.storeDir, `kvmio-guest-${opts.tag}-bare.raw`);
  const job = join(opts.storeDir, `kvmio-guest-${opts.tag}-bare.fio`);
  try {
    await execOk(['qemu-img', 'create', '-q', '-f', 'raw', '-o', 'preallocation=falloc', file, `${opts.diskMiB}M`]);
    writeFileSync(job, renderFioJob(w));
    // --thread: the job runs in fio's own process, which dies with kvmio (dieWithParent).
    const argv = ['fio', '--thread', '--output-format=json', job];
    // Stoppable: an abort (SIGINT) must not wait for the job's runtime.
    const h = start(argv, { env: { KVMIO_TARGET: file }, timeoutMs: (w.runtimeS + 120) * 1000, dieWithParent: true });
    const onAbort = (): void => void h.stop('SIGTERM', 1000);
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const r = await h.result.finally(() => opts.signal?.removeEventListener('abort', onAbort));
    if (r.code !== 0 || r.timedOut || r.stopped) throw execFailure(r);
    return { argv, fio: parseFioOutput(r.stdout) };
  } finally {
    rmSync(file, { force: true });
    rmSync(job, { force: true });
  }
}
