// Benchmark (not a test): why a falloc-preallocated raw file lost to bare and to fully
// written images. Side by side in one run, interleaved over the repeats: raw files in
// three states — preallocation=falloc (unwritten extents), preallocation=full (zeros
// written at creation) and falloc then written once (what a falloc image becomes after
// the guest has written every block) — under aio native, io_uring and threads, 4k QD32
// writes in process (qemu-img bench) and through the NBD export (qemu-storage-daemon +
// fio), each on a fresh file so every write of a falloc file is a first write; the bare
// line (fio, io_uring, O_DIRECT) on each state too, so the filesystem's own cost shows
// without QEMU. Also the creation time of each state, the other side of the trade.
//
// The hypothesis (ext4 and XFS docs): a first write into an unwritten extent must convert
// it to written at I/O completion (a journal transaction per write, run from a workqueue),
// which an overwrite of written blocks never pays.
//   npm run build && node dist/bench/prealloc-aio.js   (REPEAT=3, PAIRS=12, RUNTIME=2,
//   SIZE_MIB=512, TARGET=/var/lib/libvirt/images or the current directory; REPEAT=0 for
//   the paired bare runs alone, PAIRS=0 for the QEMU matrix alone)
import { existsSync, mkdtempSync, rmSync, promises as fs } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { execOk, start } from '../src/exec.js';
import { fioArgv, qemuImgBenchArgv, qemuImgCreateArgv, qsdArgv } from '../src/bench/bench-argv.js';
import { figuresFromFio, parseFioOutput } from '../src/bench/fio-json.js';
import { parseQemuImgBench } from '../src/bench/qemu-img-bench-output.js';
import type { DiskConfiguration, Workload } from '../src/bench/results-schema.js';
import { median, summarize } from '../src/bench/stats.js';
import { fmtIops } from '../src/bench/summary.js';
import { workloadById } from '../src/bench/workloads.js';

const REPEAT = Number(process.env.REPEAT ?? 3);
const PAIRS = Number(process.env.PAIRS ?? 12);
const RUNTIME = Number(process.env.RUNTIME ?? 2);
const SIZE = Number(process.env.SIZE_MIB ?? 512) * 1024 ** 2;
const TARGET = process.env.TARGET ?? (existsSync('/var/lib/libvirt/images') ? '/var/lib/libvirt/images' : process.cwd());
const STATES = ['falloc', 'full', 'written'] as const;
const AIOS = ['native', 'io_uring', 'threads'] as const;
type State = (typeof STATES)[number];
const out = (s: string): void => void process.stdout.write(`${s}\n`);
const load = (): string => loadavg().map((x) => x.toFixed(2)).join(' ');

const dir = mkdtempSync(join(TARGET, '.kvmio-prealloc-aio-'));
const cfg = (state: State, aio: DiskConfiguration['aio']): DiskConfiguration => ({ id: `${state}-${aio}`, format: 'raw', preallocation: state === 'full' ? 'full' : 'falloc', cache: 'none', aio });
let seq = 0;

/** A fresh file in `state`; returns its path and how long making it took. */
async function fresh(state: State): Promise<{ path: string; ms: number }> {
  const path = join(dir, `f${++seq}.raw`);
  const t = Date.now();
  await execOk(qemuImgCreateArgv(path, cfg(state, 'threads'), SIZE), { timeoutMs: 600_000 });
  // Written once: one sequential pass of 1 MiB writes of fio's (non-zero) buffers, as a
  // guest's own data would be; the extents become written, at every layer below too.
  if (state === 'written') await execOk(['fio', '--name=fill', '--thread', '--ioengine=io_uring', '--direct=1', `--filename=${path}`, `--size=${SIZE}`, '--rw=write', '--bs=1M', '--iodepth=8', '--output-format=terse'], { timeoutMs: 600_000 });
  return { path, ms: Date.now() - t };
}

const fio = async (argv: readonly string[], w: Workload, output: string): Promise<number> => {
  await execOk(argv, { timeoutMs: RUNTIME * 1000 + 60_000 });
  const f = figuresFromFio(parseFioOutput(await fs.readFile(output, 'utf8')), w.pattern);
  await fs.rm(output, { force: true });
  return f.iops;
};

const W_SEQ = workloadById('write-4k-qd32') as Workload;
const W_RAND = workloadById('randwrite-4k-qd32') as Workload;
const results = new Map<string, number[]>();
const record = (k: string, v: number): void => void results.set(k, [...(results.get(k) ?? []), v]);

/**
 * Paired bare runs, the filesystem's own cost with the least noise: each pair measures fio
 * 4k random writes on a fresh file of each state back to back (the order alternates), so
 * load that drifts over the run cancels in the per-pair ratios.
 */
async function measurePairs(pairs: number): Promise<void> {
  for (let i = 0; i < pairs; i++) {
    const files = new Map<State, string>();
    for (const s of STATES) files.set(s, (await fresh(s)).path);
    for (const s of i % 2 === 0 ? STATES : [...STATES].reverse()) {
      const o = join(dir, `fio-${++seq}.json`);
      record(`pair|${s}`, await fio(fioArgv({ kind: 'file', path: files.get(s) as string, sizeBytes: SIZE }, W_RAND, Math.min(RUNTIME, 1), o), W_RAND, o));
    }
    for (const f of files.values()) await fs.rm(f, { force: true });
  }
}

function printPairs(): void {
  const ratios = (a: State, b: State): number[] => (results.get(`pair|${a}`) ?? []).map((x, i) => x / ((results.get(`pair|${b}`) ?? [])[i] ?? NaN));
  const show = (xs: number[]): string => `median ${median(xs).toFixed(2)} (range ${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}, ${xs.length} pairs)`;
  out('');
  out(`paired bare fio ${W_RAND.id}, fresh files (median IOPS: ${STATES.map((s) => `${s} ${fmtIops(median(results.get(`pair|${s}`) ?? []))}`).join(', ')})`);
  out(`  falloc (first writes) / written once: ${show(ratios('falloc', 'written'))}`);
  out(`  full (zeros at creation) / written once: ${show(ratios('full', 'written'))}`);
  out(`  falloc / full: ${show(ratios('falloc', 'full'))}`);
}

async function measure(): Promise<void> {
  for (let rep = 1; rep <= REPEAT; rep++) {
    out(`repeat ${rep}/${REPEAT} (load ${load()})`);
    for (const state of STATES) {
      // Bare: fio straight on the file, first writes for falloc.
      let f = await fresh(state);
      record(`create|${state}`, f.ms);
      for (const w of [W_SEQ, W_RAND]) {
        const o = join(dir, `fio-${++seq}.json`);
        record(`bare|${w.id}|${state}`, await fio(fioArgv({ kind: 'file', path: f.path, sizeBytes: SIZE }, w, RUNTIME, o), w, o));
        await fs.rm(f.path, { force: true });
        f = await fresh(state);
      }
      await fs.rm(f.path, { force: true });
      for (const aio of AIOS) {
        // In process: sequential 4k writes from the start of a fresh file (count ≈ runtime × a guess, capped to the file).
        f = await fresh(state);
        const count = Math.min(SIZE / 4096, 40_000 * RUNTIME);
        const r = await execOk(qemuImgBenchArgv(f.path, cfg(state, aio), W_SEQ, count), { timeoutMs: 600_000 });
        record(`qemu-img-bench|${W_SEQ.id}|${state}|${aio}`, parseQemuImgBench(r.stdout).iops);
        await fs.rm(f.path, { force: true });
        // Through the export: random 4k writes into a fresh file.
        f = await fresh(state);
        const socket = join(dir, `nbd-${++seq}.sock`);
        const h = start(qsdArgv({ image: f.path, config: cfg(state, aio), socket, sizeBytes: SIZE }), { timeoutMs: 600_000 });
        try {
          const until = Date.now() + 15_000;
          while (!existsSync(socket) && Date.now() < until && h.running) await new Promise((res) => setTimeout(res, 25));
          const o = join(dir, `fio-${++seq}.json`);
          record(`qsd-fio|${W_RAND.id}|${state}|${aio}`, await fio(fioArgv({ kind: 'nbd', path: socket, sizeBytes: SIZE }, W_RAND, RUNTIME, o), W_RAND, o));
        } finally {
          await h.stop('SIGTERM', 3000);
          await fs.rm(f.path, { force: true });
        }
      }
    }
  }
}

function print(): void {
  const fig = (k: string): string => {
    const s = summarize((results.get(k) ?? []).map((iops) => ({ iops, bandwidthBytesPerSec: iops * 4096, durationMs: 0 })));
    return s ? `${fmtIops(s.iops)} ± ${fmtIops(s.spread.iops)}` : '—';
  };
  const med = (k: string): number | undefined => summarize((results.get(k) ?? []).map((iops) => ({ iops, bandwidthBytesPerSec: 0, durationMs: 0 })))?.iops;
  const ratio = (a: number | undefined, b: number | undefined): string => (a !== undefined && b ? `${(a / b).toFixed(2)}×` : '—');
  out('');
  out(`raw file states on ${TARGET}, ${SIZE / 1024 ** 2} MiB, cache=none, 4k QD32, ${REPEAT} repeats × ${RUNTIME} s, medians ± half-range; load ${load()}`);
  out(`creation time (median ms): ${STATES.map((s) => `${s} ${med(`create|${s}`)?.toFixed(0)}`).join(', ')}`);
  for (const [runner, w] of [['qemu-img-bench', W_SEQ], ['qsd-fio', W_RAND]] as const) {
    const bareWritten = med(`bare|${w.id}|written`);
    out('');
    out(`${w.id} via ${runner} (×bare = against fio on the written file)`);
    out(`  ${'state'.padEnd(8)} ${'bare fio'.padEnd(16)} ${AIOS.map((a) => a.padEnd(26)).join(' ')}`);
    for (const state of STATES) {
      const cells = AIOS.map((aio) => {
        const k = `${runner}|${w.id}|${state}|${aio}`;
        return `${fig(k)} (${ratio(med(k), bareWritten)})`.padEnd(26);
      });
      out(`  ${state.padEnd(8)} ${`${fig(`bare|${w.id}|${state}`)}`.padEnd(16)} ${cells.join(' ')}`);
    }
  }
  // Every repeat, in run order, so drift and outliers show.
  out('');
  out('repeats (IOPS, in run order):');
  for (const [k, v] of results) out(`  ${k.padEnd(44)} ${v.map((x) => (k.startsWith('create') ? `${x.toFixed(0)} ms` : fmtIops(x))).join('  ')}`);
}

try {
  out(`prealloc-aio: ${TARGET}, load ${load()}`);
  if (PAIRS > 0) await measurePairs(PAIRS);
  if (REPEAT > 0) await measure();
  if (REPEAT > 0) print();
  if (PAIRS > 0) printPairs();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
