// Runs a bench matrix on a resolved target and returns the results (results-schema.ts).
//
// Per repeat, in this order, so drift over the run shows up in the spread instead of
// favouring one configuration: the bare line (fio on the target), the transport
// ceilings (null-co in process and behind the NBD export), then for each configuration
// a fresh image: write workloads first (allocation is part of what a configuration
// costs), a sequential fill, then read workloads (reads of never-written blocks measure
// software, not the disk). The image is removed before the next one is created.
//
// Cleanup is not optional: every process is started through exec.ts `start` in its own
// process group with a timeout, an abort (SIGINT/SIGTERM in the CLI) stops them all, and
// `finally` removes the daemon, its socket, fio's output and every scratch image. Should
// kvmio itself be SIGKILLed, the kernel kills its children (dieWithParent), and the next
// run removes the scratch images and run directory it left (scratch-owner.ts).
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, promises as fs, rmSync } from 'node:fs';
import { cpus, hostname, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { execFailure, start, type ProcessHandle, type ProcessResult, type StartOptions } from '../exec.js';
import { KvmioError } from '../errors.js';
import { chooseDiskConfig } from '../decide/choose-disk-config.js';
import { probeBackend, probePlatform } from '../facts/probe-disk.js';
import { ANCHORS, ANCHOR_IDS, configId, deviceAnchors, fileAnchors, KVMIO_FILE_IMAGE, type AnchorId } from './anchors.js';
import { fioArgv, qemuImgBenchArgv, qemuImgCreateArgv, qsdArgv } from './bench-argv.js';
import type { ResolvedTarget } from './bench-target.js';
import { figuresFromFio, parseFioOutput } from './fio-json.js';
import type { Matrix, Runner } from './matrix.js';
import { parseQemuImgBench } from './qemu-img-bench-output.js';
import { RESULTS_SCHEMA_ID, ResultsSchema, type Anchor, type DiskConfiguration, type Figures, type Point, type Results, type Tier, type Workload } from './results-schema.js';
import { ownerTag, removeStaleScratch } from './scratch-owner.js';
import { summarize } from './stats.js';
import { isWrite } from './workloads.js';

export interface BenchProgress {
  readonly done: number;
  readonly total: number;
  readonly label: string;
  readonly elapsedMs: number;
  /** Estimated time left, from the average step so far. */
  readonly etaMs: number | undefined;
}

export interface BenchOptions {
  readonly matrix: Matrix;
  readonly repeat: number;
  readonly runtimeSec: number;
  /** Size of each scratch image (file targets) or of the device region used. */
  readonly sizeBytes: number;
  readonly target: ResolvedTarget;
  readonly kvmioVersion: string;
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: BenchProgress) => void;
  /** Notes for the results file (e.g. why a faster export was not used). */
  readonly notes?: readonly string[];
}

/** Why a transport other than NBD is not used here (recorded in every results file). */
export const TRANSPORT_NOTES: readonly string[] = [
  'qsd-fio uses the NBD export (fio ioengine=nbd): vhost-user-blk needs fio\'s libblkio engine, which Debian\'s fio 3.33 lacks; vduse-blk needs the vduse kernel module; the FUSE export measured no faster than NBD here',
];

export class BenchAborted extends KvmioError {
  constructor(reason: string) {
    super('failed', `bench interrupted (${reason}); stopped every process it started and removed its scratch files`);
  }
}

interface Step {
  readonly label: string;
  run(): Promise<void>;
}

/** The point a measurement belongs to, built up over the repeats. */
interface PointAcc {
  readonly id: string;
  readonly tier: Tier;
  readonly runner: string;
  readonly transport: string;
  readonly workload: Workload;
  readonly config?: DiskConfiguration;
  readonly engine?: string;
  argv?: readonly string[];
  readonly repeats: Figures[];
  error?: string;
}

const MiB = 1024 ** 2;
/** Scratch images in the target directory, and the run directory (sockets, fio output) under the temp directory. */
export const SCRATCH_PREFIX = '.kvmio-bench-';
export const RUN_DIR_PREFIX = 'kvmio-bench-';

export async function runBench(o: BenchOptions): Promise<Results> {
  const startedAt = new Date();
  const runId = `${startedAt.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${randomBytes(3).toString('hex')}`;
  // What a SIGKILLed run left behind (its processes died with it: dieWithParent).
  removeStaleScratch(tmpdir(), RUN_DIR_PREFIX);
  if (o.target.kind === 'file') removeStaleScratch(o.target.dir, SCRATCH_PREFIX);
  const runDir = mkdtempSync(join(tmpdir(), `${RUN_DIR_PREFIX}${ownerTag()}-`));
  const scratch = new Set<string>();
  const daemons = new Set<ProcessHandle>();
  const loadAvgStart = loadavg();
  const abortError = (): BenchAborted => new BenchAborted(String(o.signal?.reason ?? 'aborted'));
  // Only what this run started is stopped: a library caller may have processes of its own.
  const mine = new Set<ProcessHandle>();
  const spawn = (argv: readonly string[], opts: StartOptions): ProcessHandle => {
    const h = start(argv, { ...opts, dieWithParent: true });
    mine.add(h);
    h.result.then(() => mine.delete(h), () => mine.delete(h));
    return h;
  };
  const stopMine = (signal: NodeJS.Signals, graceMs: number): Promise<unknown> => Promise.all([...mine].map((h) => h.stop(signal, graceMs)));
  const onAbort = (): void => void stopMine('SIGTERM', 1000);
  o.signal?.addEventListener('abort', onAbort, { once: true });
  const check = (): void => {
    if (o.signal?.aborted) throw abortError();
  };
  let seq = 0;
  const scratchPath = (ext: string): string => {
    const p = o.target.kind === 'file' ? join(o.target.dir, `${SCRATCH_PREFIX}${ownerTag()}-${runId}-${++seq}.${ext}`) : '';
    scratch.add(p);
    return p;
  };
  const removeScratch = async (p: string): Promise<void> => {
    await fs.rm(p, { force: true });
    scratch.delete(p);
  };

  // Runs argv to completion under a timeout; an abort stops it (stopMine) and throws.
  const runTool = async (argv: readonly string[], timeoutMs: number): Promise<ProcessResult> => {
    check();
    const r = await spawn(argv, { timeoutMs }).result;
    check();
    if (r.code !== 0 || r.timedOut) throw execFailure(r);
    return r;
  };

  try {
    const tools = await toolVersions(runTool, spawn);
    const fsType = o.target.kind === 'file' ? o.target.fsType : undefined;
    const kvmio = await kvmioChoice(o, scratchPath, removeScratch, runTool);
    const fixed = o.target.kind === 'file' ? fileAnchors(fsType) : deviceAnchors();
    const anchorConfigs: [AnchorId, DiskConfiguration][] = [...(Object.entries(fixed) as [AnchorId, DiskConfiguration][]), ['kvmio', kvmio]];
    const byId = new Map<string, { config: DiskConfiguration; anchors: AnchorId[] }>();
    for (const [a, c0] of anchorConfigs) {
      const c = withAllocation(c0, o.target.kind);
      const e = byId.get(c.id) ?? { config: c, anchors: [] };
      e.anchors.push(a);
      byId.set(c.id, e);
    }
    for (const c of o.target.kind === 'file' ? o.matrix.configs : o.matrix.deviceConfigs) if (!byId.has(c.id)) byId.set(c.id, { config: withAllocation(c, o.target.kind), anchors: [] });
    const configs = [...byId.values()];
    const anchors: Anchor[] = ANCHOR_IDS.map((id) => {
      const c = anchorConfigs.find(([a]) => a === id)?.[1] as DiskConfiguration;
      return { id, name: ANCHORS[id].name, configId: c.id, why: ANCHORS[id].why, ref: ANCHORS[id].ref };
    });

    const runners = Object.entries(o.matrix.runners) as [Runner, readonly Workload[]][];
    const bareWorkloads = uniqueWorkloads(runners.flatMap(([, ws]) => ws));
    const points = new Map<string, PointAcc>();
    const point = (p: Omit<PointAcc, 'repeats'>): PointAcc => {
      const have = points.get(p.id);
      if (have) return have;
      const fresh: PointAcc = { ...p, repeats: [] };
      points.set(p.id, fresh);
      return fresh;
    };
    const transportOf = (r: Runner): string => (r === 'qsd-fio' ? 'nbd' : 'in-process');

    // Bare line: fio on a fully written raw file (or the device region).
    const bareTarget = o.target.kind === 'file' ? scratchPath('bare.raw') : o.target.path;
    const bareIops = new Map<string, number>();

    // One measurement, recorded into its point; a failed tool marks the point, the run goes on.
    const measure = async (acc: PointAcc, argv: readonly string[], go: () => Promise<Figures>): Promise<void> => {
      acc.argv ??= argv;
      try {
        acc.repeats.push(await go());
      } catch (e) {
        if (o.signal?.aborted) throw abortError();
        acc.error = e instanceof Error ? e.message : String(e);
      }
    };
    const fioRun = async (argv: readonly string[], w: Workload, outFile: string): Promise<Figures> => {
      await runTool(argv, o.runtimeSec * 1000 + 60_000);
      const text = await fs.readFile(outFile, 'utf8');
      await fs.rm(outFile, { force: true });
      return figuresFromFio(parseFioOutput(text), w.pattern);
    };
    const qemuImgCount = (w: Workload): number => {
      const ref = bareIops.get(w.id) ?? (w.blockSizeBytes >= MiB ? 200 : 20_000);
      return Math.min(5_000_000, Math.max(w.blockSizeBytes >= MiB ? 64 : 2000, Math.round(ref * o.runtimeSec)));
    };
    const imgRun = async (argv: readonly string[]): Promise<Figures> => {
      const r = await runTool(argv, Math.max(60_000, o.runtimeSec * 30_000));
      return parseQemuImgBench(r.stdout);
    };
    // The NBD export of one block node; stopped (and its socket removed) before the next.
    const withExport = async <T>(image: string | null, config: DiskConfiguration | undefined, go: (socket: string) => Promise<T>): Promise<T> => {
      check();
      const socket = join(runDir, `nbd-${++seq}.sock`);
      const sizeBytes = o.target.kind === 'file' ? o.sizeBytes : o.sizeBytes;
      const argv = qsdArgv({ image, device: o.target.kind === 'device', ...(config ? { config } : {}), socket, sizeBytes });
      const h = spawn(argv, { timeoutMs: 30 * 60_000 });
      daemons.add(h);
      try {
        await waitForSocket(h, socket, 15_000);
        return await go(socket);
      } finally {
        await h.stop('SIGTERM', 3000);
        daemons.delete(h);
        await fs.rm(socket, { force: true });
      }
    };

    const steps: Step[] = [];
    if (o.target.kind === 'file') {
      const bare = bareTarget;
      steps.push({
        label: `prepare bare file (raw, preallocation=full, ${o.sizeBytes / MiB} MiB)`,
        run: async () => void (await runTool(qemuImgCreateArgv(bare, { id: 'bare', format: 'raw', preallocation: 'full', cache: 'none', aio: 'threads' }, o.sizeBytes), 20 * 60_000)),
      });
    }
    for (let rep = 1; rep <= o.repeat; rep++) {
      const of = `(${rep}/${o.repeat})`;
      for (const w of bareWorkloads) {
        steps.push({
          label: `bare fio ${w.id} ${of}`,
          run: async () => {
            const out = join(runDir, `fio-${++seq}.json`);
            const argv = fioArgv({ kind: 'file', path: bareTarget, sizeBytes: o.sizeBytes }, w, o.runtimeSec, out);
            const acc = point({ id: `bare/fio/${w.id}`, tier: 'bare', runner: 'fio', transport: 'none', workload: w, engine: 'io_uring, O_DIRECT' });
            await measure(acc, argv, () => fioRun(argv, w, out));
            const last = acc.repeats.at(-1);
            if (last && !bareIops.has(w.id)) bareIops.set(w.id, last.iops);
          },
        });
      }
      for (const [runner, ws] of runners) {
        if (runner === 'qemu-img-bench') {
          for (const w of ws) {
            steps.push({
              label: `ceiling qemu-img bench null-co ${w.id} ${of}`,
              run: async () => {
                const argv = qemuImgBenchArgv(null, undefined, w, qemuImgCount(w));
                const acc = point({ id: `ceiling/qemu-img-bench/null-co/${w.id}`, tier: 'ceiling', runner, transport: 'in-process', workload: w, engine: 'null-co' });
                await measure(acc, argv, () => imgRun(argv));
              },
            });
          }
        } else {
          steps.push({
            label: `ceiling qsd-fio null-co ${ws.map((w) => w.id).join(' ')} ${of}`,
            run: () =>
              withExport(null, undefined, async (socket) => {
                for (const w of ws) {
                  const out = join(runDir, `fio-${++seq}.json`);
                  const argv = fioArgv({ kind: 'nbd', path: socket, sizeBytes: o.sizeBytes }, w, o.runtimeSec, out);
                  const acc = point({ id: `ceiling/qsd-fio/null-co/${w.id}`, tier: 'ceiling', runner, transport: 'nbd', workload: w, engine: 'nbd → null-co' });
                  await measure(acc, argv, () => fioRun(argv, w, out));
                }
              }),
          });
        }
      }
      for (const { config } of configs) {
        let image = '';
        if (o.target.kind === 'file') {
          steps.push({
            label: `create ${config.id} ${of}`,
            run: async () => {
              image = scratchPath(config.format);
              await runTool(qemuImgCreateArgv(image, config, o.sizeBytes), 20 * 60_000);
            },
          });
        } else image = o.target.path;
        const ordered = [false, true].flatMap((reads) => runners.map(([r, ws]) => [r, ws.filter((w) => isWrite(w.pattern) !== reads)] as const)).filter(([, ws]) => ws.length > 0);
        let filled = false;
        for (const [runner, ws] of ordered) {
          const reads = !isWrite((ws[0] as Workload).pattern);
          if (reads && !filled && o.target.kind === 'file') {
            filled = true;
            steps.push({
              label: `fill ${config.id} ${of}`,
              run: async () => {
                const count = Math.ceil(o.sizeBytes / MiB);
                const fill = { ...config, aio: 'threads' as const, cache: config.cache === 'none' || config.cache === 'directsync' ? ('none' as const) : ('writeback' as const) };
                await runTool(qemuImgBenchArgv(image, fill, { id: 'fill', pattern: 'write', blockSizeBytes: MiB, iodepth: 8 }, count), 20 * 60_000);
              },
            });
          }
          const pointOf = (w: Workload): PointAcc =>
            point({ id: `backend/${runner}/${config.id}/${w.id}`, tier: 'backend', runner, transport: transportOf(runner), workload: w, config, engine: runner === 'qsd-fio' ? `nbd → ${config.format} → ${o.target.kind === 'device' ? 'host_device' : 'file'} aio=${config.aio}` : `qemu-img bench aio=${config.aio}` });
          if (runner === 'qemu-img-bench') {
            for (const w of ws) {
              steps.push({
                label: `backend qemu-img bench ${config.id} ${w.id} ${of}`,
                run: async () => {
                  const argv = qemuImgBenchArgv(image, config, w, qemuImgCount(w));
                  await measure(pointOf(w), argv, () => imgRun(argv));
                },
              });
            }
          } else {
            steps.push({
              label: `backend qsd-fio ${config.id} ${ws.map((w) => w.id).join(' ')} ${of}`,
              run: () =>
                withExport(image, config, async (socket) => {
                  for (const w of ws) {
                    const out = join(runDir, `fio-${++seq}.json`);
                    const argv = fioArgv({ kind: 'nbd', path: socket, sizeBytes: o.sizeBytes }, w, o.runtimeSec, out);
                    await measure(pointOf(w), argv, () => fioRun(argv, w, out));
                  }
                }).catch((e: unknown) => {
                  // The export did not come up: every workload of this step failed with the same line.
                  if (o.signal?.aborted) throw abortError();
                  for (const w of ws) pointOf(w).error = e instanceof Error ? e.message : String(e);
                }),
            });
          }
        }
        if (o.target.kind === 'file') steps.push({ label: `remove ${config.id} ${of}`, run: () => removeScratch(image) });
      }
    }

    // Progress counts measurements; preparation steps are cheap and counted too, so the ETA stays honest.
    const began = Date.now();
    for (const [i, s] of steps.entries()) {
      check();
      const elapsedMs = Date.now() - began;
      o.onProgress?.({ done: i, total: steps.length, label: s.label, elapsedMs, etaMs: i === 0 ? undefined : (elapsedMs / i) * (steps.length - i) });
      await s.run();
    }
    o.onProgress?.({ done: steps.length, total: steps.length, label: 'done', elapsedMs: Date.now() - began, etaMs: 0 });

    const anchorsOf = (c: DiskConfiguration | undefined): AnchorId[] => (c ? (byId.get(c.id)?.anchors ?? []) : []);
    const outPoints: Point[] = [...points.values()].map((p) => {
      const summary = summarize(p.repeats);
      return {
        id: p.id,
        tier: p.tier,
        runner: p.runner,
        transport: p.transport,
        workload: p.workload,
        ...(p.config ? { config: p.config } : {}),
        anchors: anchorsOf(p.config),
        ...(p.engine ? { engine: p.engine } : {}),
        ...(p.argv ? { argv: [...p.argv] } : {}),
        repeats: p.repeats,
        ...(summary ? { summary } : {}),
        ...(p.error ? { error: p.error } : {}),
        functionalOnly: false,
      };
    });
    const results: Results = {
      schema: RESULTS_SCHEMA_ID,
      runId,
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      kvmio: { version: o.kvmioVersion },
      tools,
      host: hostFacts(loadAvgStart),
      target: {
        kind: o.target.kind,
        path: o.target.kind === 'file' ? o.target.dir : o.target.path,
        store: o.target.kind === 'file' ? o.target.dir : o.target.path,
        ...(fsType ? { fsType } : {}),
        sizeBytes: o.sizeBytes,
      },
      matrix: { name: o.matrix.name, repeat: o.repeat, runtimeSec: o.runtimeSec, notes: [...TRANSPORT_NOTES, ...(o.notes ?? [])] },
      anchors,
      points: outPoints,
    };
    return ResultsSchema.parse(results);
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
    await Promise.all([...daemons].map((h) => h.stop('SIGKILL', 500)));
    await stopMine('SIGKILL', 500);
    for (const p of scratch) if (p) rmSync(p, { force: true });
    rmSync(runDir, { recursive: true, force: true });
  }
}

/**
 * What qemu-img info will say of a new image (KubeVirt's test: actual-size >= virtual-size
 * is preallocated): falloc and full allocate every data block, off and metadata do not.
 */
export function allocationOf(c: DiskConfiguration, kind: 'file' | 'device'): NonNullable<DiskConfiguration['allocation']> {
  if (kind === 'device') return 'block';
  return c.preallocation === 'falloc' || c.preallocation === 'full' ? 'preallocated' : 'sparse';
}
const withAllocation = (c: DiskConfiguration, kind: 'file' | 'device'): DiskConfiguration => ({ ...c, allocation: allocationOf(c, kind) });

const uniqueWorkloads = (ws: readonly Workload[]): Workload[] => [...new Map(ws.map((w) => [w.id, w])).values()];

/** Waits until the daemon's unix socket exists (it is listening), or fails with its stderr. */
async function waitForSocket(h: ProcessHandle, socket: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  let exited: ProcessResult | undefined;
  void h.result.then((r) => (exited = r), () => undefined);
  while (Date.now() < until) {
    if (existsSync(socket)) return;
    if (exited) throw execFailure(exited);
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new KvmioError('failed', `${h.argv.join(' ')}: no socket ${socket} after ${timeoutMs} ms`);
}

async function toolVersions(runTool: (argv: readonly string[], t: number) => Promise<ProcessResult>, spawn: (argv: readonly string[], o: StartOptions) => ProcessHandle): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [name, argv] of [
    ['qemu-img', ['qemu-img', '--version']],
    ['qemu-storage-daemon', ['qemu-storage-daemon', '--version']],
    ['fio', ['fio', '--version']],
  ] as const) {
    const r = await runTool(argv, 15_000);
    out[name] = (r.stdout.split('\n')[0] ?? '').trim();
  }
  // libvirt decides whether io_uring is usable (aio rule 5/6); absent is not an error.
  const v = await spawn(['virsh', '--version'], { timeoutMs: 15_000 }).result.catch(() => undefined);
  if (v && v.code === 0 && v.stdout.trim()) out.libvirt = v.stdout.trim();
  return out;
}

export function hostFacts(loadAvgStart: number[]): Results['host'] {
  const c = cpus();
  return {
    hostname: hostname(),
    kernel: release(),
    cpus: Math.max(1, c.length),
    ...(c[0]?.model ? { cpuModel: c[0].model } : {}),
    memBytes: totalmem(),
    loadAvgStart: loadAvgStart.map((x) => Math.round(x * 100) / 100),
    loadAvgEnd: loadavg().map((x) => Math.round(x * 100) / 100),
    kvm: existsSync('/dev/kvm'),
  };
}

/** kvmio's static choice for a new disk here: its default image (or the device), probed, through chooseDiskConfig without evidence. */
async function kvmioChoice(
  o: BenchOptions,
  scratchPath: (ext: string) => string,
  removeScratch: (p: string) => Promise<void>,
  runTool: (argv: readonly string[], t: number) => Promise<ProcessResult>,
): Promise<DiskConfiguration> {
  const base = o.target.kind === 'file' ? { format: KVMIO_FILE_IMAGE.format, preallocation: KVMIO_FILE_IMAGE.preallocation } : { format: 'raw' as const };
  let path = o.target.kind === 'device' ? o.target.path : '';
  try {
    if (o.target.kind === 'file') {
      path = scratchPath('raw');
      await runTool(qemuImgCreateArgv(path, { id: 'kvmio', ...base, cache: 'none', aio: 'threads' }, o.sizeBytes), 20 * 60_000);
    }
    const { backend } = await probeBackend(path);
    const platform = await probePlatform(undefined, backend);
    const chosen = chooseDiskConfig(backend, {}, platform);
    if (chosen.kind !== 'disk') throw new KvmioError('failed', `${path}: not a disk`);
    const c = { ...base, cache: chosen.cache.value, aio: chosen.aio.value };
    return { id: configId(c), ...c };
  } finally {
    if (o.target.kind === 'file' && path) await removeScratch(path);
  }
}
