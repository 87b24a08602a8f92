// `kvmio bench`: measure disk configurations on this host's storage (backend tier), save
// the results in the state directory (where disk xml/args, audit and vm tune read them as
// evidence) and print a summary. Refuses tmpfs, too little space and devices without
// --destroy-data before writing anything; SIGINT/SIGTERM stop every process it started.
import type { Command } from 'commander';
import type { Ctx } from '../context.js';
import { collect, oneOf, positiveInt } from '../options.js';
import { usageError } from '../../errors.js';
import { DEFAULT_STATE_DIR, defaultStateDir } from '../host-state.js';
import { registerAppliance } from './bench-appliance.js';

interface BenchOpts {
  readonly target?: string;
  readonly matrix: string;
  readonly repeat: number;
  readonly runtime?: number;
  readonly size?: string;
  readonly output?: string;
  readonly stateDir?: string;
  readonly allowTmpfs?: boolean;
  readonly destroyData?: string;
  readonly json?: boolean;
  // Guest tier (src/bench/guest): appliance VMs on the same store.
  readonly guest?: boolean;
  readonly guestOnly?: boolean;
  readonly vms?: string[];
  readonly bus?: string[];
  readonly iothread?: string[];
  readonly queues?: string[];
  readonly guestAio?: string[];
  readonly guestSched?: string[];
  readonly guestTarget?: string[];
  readonly guestWorkload?: string[];
  readonly accel: 'auto' | 'kvm' | 'tcg';
  readonly guestTimeout?: number;
  readonly kernel?: string;
  readonly modules?: string;
  readonly cacheDir?: string;
}

const positiveNumber = (option: string) => (value: string): number => {
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || !(n > 0) || n > 3600) throw usageError(`${option}: "${value}" is not valid; expected seconds, a number > 0 and ≤ 3600`);
  return n;
};

async function runBenchCommand(ctx: Ctx, o: BenchOpts): Promise<void> {
  const { readFileSync, mkdirSync, writeFileSync, renameSync } = await import('node:fs');
  const { join, isAbsolute, dirname } = await import('node:path');
  const { MATRICES, parseMatrixFile } = await import('../../bench/matrix.js');
  const { resolveTarget } = await import('../../bench/bench-target.js');
  const { runBench, BenchAborted } = await import('../../bench/run-bench.js');
  const { renderSummaryText } = await import('../../bench/summary.js');
  const { renderProgress } = await import('../../bench/progress.js');
  const { benchDir } = await import('../../bench/evidence.js');
  const { parseSize } = await import('../../size.js');

  const abs = (p: string): string => (isAbsolute(p) ? p : join(ctx.cwd, p));
  // Every input is checked before anything is written.
  let matrix;
  if (o.matrix === 'quick' || o.matrix === 'full') matrix = MATRICES[o.matrix];
  else {
    let text: string;
    try {
      text = readFileSync(abs(o.matrix), 'utf8');
    } catch {
      throw usageError(`--matrix: "${o.matrix}" is not quick, full or a readable file; expected quick, full or a JSON matrix file`);
    }
    matrix = parseMatrixFile(text, o.matrix);
  }
  const sizeBytes = o.size === undefined ? matrix.sizeBytes : parseSize(o.size, '--size').bytes;
  if (sizeBytes < 16 * 1024 ** 2 || sizeBytes % 1048576 !== 0) throw usageError(`--size: "${o.size}" is not valid; expected a whole number of MiB, at least 16M`);
  const runtimeSec = o.runtime ?? matrix.runtimeSec;
  const stateDir = abs(o.stateDir ?? defaultStateDir(ctx.env, ctx.cwd));
  const output = o.output === undefined ? undefined : abs(o.output);
  const wantGuest = o.guest === true || o.guestOnly === true;
  const { guestMatrixFromFlags } = await import('../../bench/guest/guest-flags.js');
  const guestMatrix = wantGuest ? guestMatrixFromFlags(o, { ...(o.runtime ? { runtimeS: o.runtime } : {}), sizeMiB: sizeBytes / 1048576, repeat: o.repeat }) : undefined;
  if (!wantGuest && (o.kernel || o.modules || o.vms || o.bus)) throw usageError('--kernel, --modules, --vms and --bus belong to the guest tier; expected --guest or --guest-only with them');
  // Bare file + one image at a time (+ qcow2 metadata: a margin is added by resolveTarget).
  // The guest tier needs one disk per VM of its largest point at once (guest-matrix: disk = size + 256 MiB for a filesystem).
  const guestBytes = guestMatrix ? Math.max(...guestMatrix.vms) * (sizeBytes + 256 * 1048576) + sizeBytes : 0;
  const target = await resolveTarget({ ...(o.target ? { target: o.target } : {}), cwd: ctx.cwd, allowTmpfs: o.allowTmpfs === true, ...(o.destroyData ? { destroyData: o.destroyData } : {}), neededBytes: Math.max(2 * sizeBytes + sizeBytes / 8, guestBytes) });

  const tty = (ctx.stderr as { isTTY?: boolean }).isTTY === true && !o.json;
  const ac = new AbortController();
  const onSignal = (sig: NodeJS.Signals): void => ac.abort(sig);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let results;
  try {
    if (guestMatrix && target.kind !== 'file') throw usageError(`--target ${target.path}: the guest tier gives each VM a disk file in a directory; expected a directory target with --guest`);
    results = o.guestOnly && target.kind === 'file'
      ? (await import('../../bench/guest/guest-results.js')).guestOnlyResults({
        kvmioVersion: packageVersion(readFileSync), host: (await import('../../bench/run-bench.js')).hostFacts([]), storeDir: target.dir, fsType: target.fsType,
        sizeBytes, repeat: o.repeat, runtimeSec: guestMatrix?.runtimeS ?? runtimeSec, startedAt: new Date(),
      })
      : await runBench({
      matrix,
      repeat: o.repeat,
      runtimeSec,
      sizeBytes,
      target,
      kvmioVersion: packageVersion(readFileSync),
      signal: ac.signal,
      onProgress: (p) => ctx.stderr.write(renderProgress(p, tty)),
    });
    if (guestMatrix && target.kind === 'file') {
      const { runGuestTier } = await import('../../bench/guest/guest-tier.js');
      const { withGuestTier } = await import('../../bench/guest/guest-results.js');
      const g = await runGuestTier({
        matrix: guestMatrix, storeDir: target.dir, stateDir, accel: o.accel, signal: ac.signal,
        ...(o.cacheDir ? { cacheDir: abs(o.cacheDir) } : {}),
        ...(o.kernel ? { kernel: { path: abs(o.kernel), ...(o.modules ? { modulesDir: abs(o.modules) } : {}) } } : {}),
        ...(o.guestTimeout ? { timeoutS: o.guestTimeout } : {}),
        log: (line) => ctx.stderr.write(`${line}\n`),
      });
      if (g.interrupted) throw new BenchAborted(String(ac.signal.reason ?? 'aborted'));
      results = withGuestTier(results, g, new Date());
    }
  } catch (e) {
    if (e instanceof BenchAborted) {
      if (tty) ctx.stderr.write('\n');
      ctx.warn(e.message);
      ctx.exitCode = 130;
      return;
    }
    throw e;
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }

  const text = `${JSON.stringify(results, null, 2)}\n`;
  const save = (path: string): void => {
    mkdirSync(dirname(path), { recursive: true });
    const tmp = `${path}.tmp-${process.pid}`;
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  };
  const saved = join(benchDir(stateDir), `${results.runId}.json`);
  save(saved);
  if (output) save(output);
  if (o.json) {
    ctx.stdout.write(text);
  } else {
    ctx.print(renderSummaryText(results));
    ctx.print(`results: ${saved}${output ? ` and ${output}` : ''}`);
  }
  if (results.points.some((p) => p.error !== undefined)) ctx.exitCode = 1;
}

/** kvmio's version from package.json (dist/src/cli/commands → the package root). */
function packageVersion(read: (p: URL, enc: 'utf8') => string): string {
  try {
    return (JSON.parse(read(new URL('../../../../package.json', import.meta.url), 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export function register(program: Command, ctx: Ctx): void {
  const bench = program
    .command('bench')
    .description('measure disk configurations (format, preallocation, aio, cache) on this host\'s storage against the bare storage, the transport ceiling and other tools\' defaults')
    .option('--target <dir|device>', 'where to measure: a directory for scratch images (default /var/lib/libvirt/images if it exists, else the current directory) or a block device (needs --destroy-data)')
    .option('--matrix <name|file>', 'quick, full, or a JSON matrix file (docs/bench.md)', 'quick')
    .option('--repeat <n>', 'repeats per point (median and spread)', positiveInt('--repeat'), 3)
    .option('--runtime <s>', 'seconds per measurement (default: the matrix\'s)', positiveNumber('--runtime'))
    .option('--size <size>', 'scratch image size or device region (default: the matrix\'s, quick 256M)')
    .option('-o, --output <file>', 'also write the results JSON here')
    .option('--state-dir <dir>', `where results are saved for disk xml/args, audit and vm tune (default ${DEFAULT_STATE_DIR})`)
    .option('--allow-tmpfs', 'allow a target on tmpfs (measures RAM, not storage)')
    .option('--destroy-data <device>', 'allow writing to this device (must name the --target device)')
    .option('--json', 'print the results JSON instead of the summary')
    .option('--guest', 'also run the guest tier: fio inside appliance VMs whose disks are files in the target (docs/bench-guest.md)')
    .option('--guest-only', 'run only the guest tier (and its bare line)')
    .option('--vms <list>', 'guest tier: VM counts, each VM with its own disk, all at once (e.g. 1,4,8)', collect)
    .option('--bus <list>', 'guest tier: virtio-blk, virtio-scsi', collect)
    .option('--iothread <list>', 'guest tier: on, off', collect)
    .option('--queues <list>', 'guest tier: virtqueues per disk (e.g. 1,2)', collect)
    .option('--guest-aio <list>', 'guest tier: host aio modes of the VM disks (native, threads, io_uring; default native)', collect)
    .option('--guest-sched <list>', 'guest tier: scheduler inside the guest (none, mq-deadline)', collect)
    .option('--guest-target <list>', 'guest tier: where fio runs in the guest (raw, xfs, ext4)', collect)
    .option('--guest-workload <list>', 'guest tier: workloads (default randread-4k-qd32)', collect)
    .option('--accel <mode>', 'guest tier: auto (KVM when the appliance boots under it), kvm, tcg', oneOf('--accel', ['auto', 'kvm', 'tcg'] as const), 'auto')
    .option('--guest-timeout <s>', 'guest tier: seconds each VM may take before it is killed (default from VM count and runtime)', positiveNumber('--guest-timeout'))
    .option('--kernel <path>', 'guest tier: boot this kernel instead of Debian\'s linux-image-cloud-amd64')
    .option('--modules <dir>', 'guest tier: the --kernel\'s lib/modules/VERSION directory')
    .option('--cache-dir <dir>', 'guest tier: where the kernel package is downloaded (default STATE/cache)')
    .action((o: BenchOpts) => runBenchCommand(ctx, o));
  registerAppliance(bench, ctx);
}
