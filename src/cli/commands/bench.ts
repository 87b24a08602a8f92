// `kvmio bench`: measure disk configurations on this host's storage (backend tier), save
// the results in the state directory (where disk xml/args, audit and vm tune read them as
// evidence) and print a summary. Refuses tmpfs, too little space and devices without
// --destroy-data before writing anything; SIGINT/SIGTERM stop every process it started.
import type { Command } from 'commander';
import type { Ctx } from '../context.js';
import { positiveInt } from '../options.js';
import { usageError } from '../../errors.js';
import { DEFAULT_STATE_DIR } from '../host-state.js';

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
  const stateDir = abs(o.stateDir ?? DEFAULT_STATE_DIR);
  const output = o.output === undefined ? undefined : abs(o.output);
  // Bare file + one image at a time (+ qcow2 metadata: a margin is added by resolveTarget).
  const target = await resolveTarget({ ...(o.target ? { target: o.target } : {}), cwd: ctx.cwd, allowTmpfs: o.allowTmpfs === true, ...(o.destroyData ? { destroyData: o.destroyData } : {}), neededBytes: 2 * sizeBytes + sizeBytes / 8 });

  const tty = (ctx.stderr as { isTTY?: boolean }).isTTY === true && !o.json;
  const ac = new AbortController();
  const onSignal = (sig: NodeJS.Signals): void => ac.abort(sig);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let results;
  try {
    results = await runBench({
      matrix,
      repeat: o.repeat,
      runtimeSec,
      sizeBytes,
      target,
      kvmioVersion: packageVersion(readFileSync),
      signal: ac.signal,
      onProgress: (p) => ctx.stderr.write(renderProgress(p, tty)),
    });
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
  program
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
    .action((o: BenchOpts) => runBenchCommand(ctx, o));
}
