// The CLI is input (docs/security.md): ≥ 10,000 generated argument vectors run in
// process. Every command path and flag comes from the command registry (commandTree over
// buildProgram, what `--help` shows), values from each flag's choices plus hostile ones
// (control characters, unicode, empty strings, huge numbers, `--`, repeated flags,
// `$(touch X)`). Asserted for every vector: no stack trace, no uncaught error, no hang,
// exit code 0, 1 or 2, and nothing written outside the scratch directory.
//
// How "nothing written outside" is made sound here: (1) a write spy at the edge: every
// write-capable function of node:fs and node:fs/promises is wrapped (and the ESM bindings
// synced, module.syncBuiltinESMExports) so any write to a path outside the scratch dir
// is recorded, whatever module does it; (2) PATH is an empty directory, so no tool can be
// started to write on kvmio's behalf (probes that need one fail as they would on a host
// without it); TMPDIR, KVMIO_STATE_DIR and the cwd are inside the scratch dir; (3)
// before/after snapshots of /var/lib/kvmio, /run/kvmio and the directories kvmio manages
// under /etc. `--yes` is generated only for commands whose writes are files under
// --root/--state-dir (rollback, disk create); host-changing commands (fix, passthrough,
// plan apply, vm tune, pool, vg, bench) run as dry runs — the journal fuzz covers
// rollback --yes, and machine tests cover the real applies.
import assert from 'node:assert/strict';
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { buildProgram, run } from '../../src/cli/main.js';
import { loadRegisters } from '../../src/cli/commands/index.js';
import { makeCtx } from '../../src/cli/context.js';
import { commandTree, flattenTree, type CommandSpec } from '../../src/cli/command-tree.js';
import { fixture, prng } from '../helpers.js';
import { withScratch } from './scratch.js';

const VECTORS = Number(process.env.KVMIO_FUZZ_VECTORS ?? 10_000);
/** The vector a write belongs to (runs overlap: CONCURRENCY at a time). */
const VECTOR = new AsyncLocalStorage<number>();
const CONCURRENCY = 4;
const PROFILE = process.env.KVMIO_FUZZ_PROFILE === '1';
const SEED = Number(process.env.KVMIO_FUZZ_SEED ?? 0x5eed18);

/** Commands whose --yes writes only under --root/--state-dir (both in the scratch dir). */
const YES_OK = new Set(['rollback', 'disk create']);
/** Never run for real here (they start tools, VMs or long measurements): help and usage errors only. */
const NO_RUN = new Set(['bench', 'bench appliance']);

const HOSTILE = [
  '',
  ' ',
  '--',
  '-',
  '-x',
  '$(touch PWNED)',
  '`touch PWNED`',
  'a;touch PWNED',
  "it's",
  '"',
  'line\nbreak',
  'tab\there',
  'nul\u0000byte',
  'esc\u001b[31m',
  'del\u007f',
  'ünïcødé',
  '日本語',
  '\u202eevil',
  '😀',
  '0',
  '-1',
  '1',
  '1e309',
  '9007199254740993',
  '99999999999999999999',
  '0x10',
  'NaN',
  '1.5',
  '4G',
  '99999999T',
  'lv:',
  'lv:vg/../x',
  'thin:vg/',
  '0000:00:00.0',
  'qemu:///system',
  'a'.repeat(5000),
  '../up',
  './.',
  'sched',
  'aio.max-nr',
  'vda',
  'loop0',
];

/** Paths inside the scratch dir (relative to the cwd, which is inside it), with hostile names. */
const PATHS = ['f', 'dir', 'nonexistent/x', 'dir/$(touch PWNED).xml', "dir/it's\nnew.img", 'dir/ünï.raw', './dir/', '../sib'];

interface Shape {
  readonly path: readonly string[];
  readonly flags: readonly { readonly name: string; readonly takesValue: boolean; readonly choices: readonly string[] }[];
  readonly argChoices: readonly string[];
}

async function shapes(): Promise<Shape[]> {
  const sink = { write: () => undefined };
  const tree = commandTree(buildProgram(makeCtx({ stdout: sink, stderr: sink, env: {}, cwd: '/' }), await loadRegisters([])));
  return flattenTree(tree).map((c: CommandSpec) => ({
    path: c.path,
    flags: c.flags.flatMap((f) => f.names.map((name) => ({ name, takesValue: f.takesValue, choices: f.choices }))),
    argChoices: c.argumentChoices,
  }));
}

function generate(rand: () => number, all: readonly Shape[], scratch: string): string[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const s = pick(all);
  const key = s.path.join(' ');
  const value = (choices: readonly string[]): string => {
    const r = rand();
    if (choices.length > 0 && r < 0.4) return pick(choices);
    if (r < 0.65) return pick(PATHS);
    if (r < 0.7) return join(scratch, pick(PATHS));
    return pick(HOSTILE);
  };
  const argv: string[] = [...s.path];
  const n = Math.floor(rand() * 6);
  for (let i = 0; i < n; i++) {
    const r = rand();
    if (r < 0.6 && s.flags.length > 0) {
      const f = pick(s.flags);
      if (f.name === '--yes' && !YES_OK.has(key)) continue;
      if (f.name === '--help' || f.name === '-h') {
        if (rand() < 0.2) argv.push(f.name);
        continue;
      }
      if (!f.takesValue) argv.push(f.name);
      else if (rand() < 0.15) argv.push(`${f.name}=${value(f.choices)}`);
      else argv.push(f.name, value(f.choices));
      if (rand() < 0.1) argv.push(...argv.slice(-2)); // repeated flag
    } else if (r < 0.85) argv.push(value(s.argChoices));
    else if (r < 0.9) argv.push('--');
    else argv.push(pick(['--no-such-flag', '-Z', '--json', '--verbose', '--root', '--state-dir']));
  }
  // Confinement: every run that may write names a scratch root and state dir.
  if (!argv.some((a) => a === '--help' || a === '-h')) {
    if (NO_RUN.has(key)) argv.push('--no-such-flag');
    if (s.flags.some((f) => f.name === '--root') && rand() < 0.7) argv.push('--root', join(scratch, 'root'));
    if (s.flags.some((f) => f.name === '--state-dir')) argv.push('--state-dir', join(scratch, 'state'));
    // a recorded host instead of this one, mostly: nothing probes the real host, and it is fast
    if (s.flags.some((f) => f.name === '--from') && !argv.includes('--from') && rand() < 0.8) argv.push('--from', fixture('hosts', pick(['dl360-gen9', 'nvme-bfq'])));
  }
  return argv;
}

/** Wraps every write-capable fs function so writes outside ALLOWED are recorded (the spy at the edge). */
function spyWrites(allowed: string, seen: { vector: number | undefined; call: string }[]): () => void {
  const require = createRequire(import.meta.url);
  const cjs = require('node:fs') as Record<string, unknown>;
  const cjsp = require('node:fs/promises') as Record<string, unknown>;
  const inside = (p: unknown): boolean => {
    if (typeof p === 'number') return true; // an fd: its open was checked
    const s = p instanceof URL ? p.pathname : Buffer.isBuffer(p) ? p.toString() : String(p);
    // /dev/kvm: the KVM probe opens it read-write to learn whether it may, and writes nothing (facts/probe-host.ts)
    if (s === '/dev/null' || s === '/dev/kvm' || s.startsWith('/dev/fd/') || s.startsWith('/proc/self/fd/')) return true;
    const abs = isAbsolute(s) ? resolve(s) : resolve(process.cwd(), s);
    return abs === allowed || abs.startsWith(`${allowed}/`);
  };
  const writesFlags = (flags: unknown): boolean =>
    typeof flags === 'number' ? (flags & (fs.constants.O_WRONLY | fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_TRUNC | fs.constants.O_APPEND)) !== 0 : typeof flags === 'string' && /[wax+]/.test(flags);
  const restore: (() => void)[] = [];
  const wrap = (mod: Record<string, unknown>, name: string, paths: (args: unknown[]) => unknown[]): void => {
    const orig = mod[name];
    if (typeof orig !== 'function') return;
    mod[name] = function (this: unknown, ...args: unknown[]) {
      for (const p of paths(args)) if (!inside(p)) seen.push({ vector: VECTOR.getStore(), call: `${name}(${String(p)})` });
      return (orig as (...a: unknown[]) => unknown).apply(this, args);
    };
    restore.push(() => void (mod[name] = orig));
  };
  const first = (a: unknown[]): unknown[] => [a[0]];
  const two = (a: unknown[]): unknown[] => [a[0], a[1]];
  for (const m of [cjs, cjsp]) {
    for (const n of ['writeFile', 'writeFileSync', 'appendFile', 'appendFileSync', 'mkdir', 'mkdirSync', 'mkdtemp', 'mkdtempSync', 'rm', 'rmSync', 'rmdir', 'rmdirSync', 'unlink', 'unlinkSync', 'truncate', 'truncateSync', 'chmod', 'chmodSync', 'chown', 'chownSync', 'utimes', 'utimesSync', 'lchown', 'lchownSync', 'createWriteStream']) wrap(m, n, first);
    for (const n of ['rename', 'renameSync', 'copyFile', 'copyFileSync', 'cp', 'cpSync']) wrap(m, n, two);
    for (const n of ['symlink', 'symlinkSync', 'link', 'linkSync']) wrap(m, n, (a) => [a[1]]);
    for (const n of ['open', 'openSync']) wrap(m, n, (a) => (writesFlags(a[1]) ? [a[0]] : []));
  }
  syncBuiltinESMExports();
  return () => {
    for (const r of restore) r();
    syncBuiltinESMExports();
  };
}

/** What must not change on the host: existence and listing of kvmio's own directories. */
function hostSnapshot(): string {
  const h = createHash('sha256');
  for (const d of ['/var/lib/kvmio', '/run/kvmio', '/etc/sysctl.d', '/etc/tmpfiles.d', '/etc/udev/rules.d', '/etc/modprobe.d', '/etc/default']) {
    try {
      for (const name of fs.readdirSync(d).sort()) {
        const st = fs.lstatSync(join(d, name));
        h.update(`${d}/${name}\0${st.size}\0${st.mtimeMs}\0`);
      }
    } catch (e) {
      h.update(`${d}\0${(e as NodeJS.ErrnoException).code ?? '?'}\0`);
    }
  }
  return h.digest('hex');
}

describe('CLI fuzz: generated argument vectors in process', () => {
  it(`${VECTORS} vectors: no stack trace, exit 0/1/2, no hang, nothing written outside the scratch dir`, { timeout: 600_000 }, async () => {
    await withScratch(async (scratch) => {
      const cwd = join(scratch, 'a', 'cwd');
      for (const d of [cwd, join(cwd, 'dir'), join(scratch, 'bin'), join(scratch, 'tmp'), join(scratch, 'root')]) fs.mkdirSync(d, { recursive: true });
      fs.writeFileSync(join(cwd, 'f'), 'not json, not yaml: [\n');
      const env: Record<string, string> = { PATH: join(scratch, 'bin'), TMPDIR: join(scratch, 'tmp'), KVMIO_STATE_DIR: join(scratch, 'state'), LIBVIRT_DEFAULT_URI: 'test:///default', HOME: scratch };
      const saved = { cwd: process.cwd(), env: { ...process.env } };
      const all = await shapes();
      assert.ok(all.length >= 20, `only ${all.length} command paths from the registry`);
      const before = hostSnapshot();
      const writes: { vector: number | undefined; call: string }[] = [];
      const failures: string[] = [];
      const uncaught: unknown[] = [];
      const onUncaught = (e: unknown): void => void uncaught.push(e);
      process.on('uncaughtException', onUncaught);
      process.on('unhandledRejection', onUncaught);
      const unspy = spyWrites(scratch, writes);
      const rand = prng(SEED);
      const started = Date.now();
      const codes = new Map<number, number>();
      const slow: [number, string][] = [];
      try {
        process.chdir(cwd);
        for (const k of Object.keys(process.env)) delete process.env[k];
        Object.assign(process.env, env);
        // Vectors are generated in order (one PRNG: the seed reproduces them all), then run
        // CONCURRENCY at a time; each run's writes are told apart by AsyncLocalStorage.
        const vectors = Array.from({ length: VECTORS }, () => generate(rand, all, scratch));
        let next = 0;
        const worker = async (): Promise<void> => {
          while (next < vectors.length && failures.length < 5) {
            const i = next++;
            const argv = vectors[i] as string[];
            let out = '';
            let err = '';
            let timer: NodeJS.Timeout | undefined;
            const t0 = Date.now();
            const code = await Promise.race([
              VECTOR.run(i, () => run(argv, { stdout: { write: (s) => void (out += s) }, stderr: { write: (s) => void (err += s) }, env, cwd })),
              new Promise<number>((r) => (timer = setTimeout(() => r(-1), 60_000))),
            ]);
            clearTimeout(timer);
            if (PROFILE) slow.push([Date.now() - t0, argv.slice(0, 2).join(' ')]);
            codes.set(code, (codes.get(code) ?? 0) + 1);
            const what = `seed ${SEED} vector ${i}: ${JSON.stringify(argv)}`;
            if (code === -1) failures.push(`${what}: no answer within 60 s (a hang)`);
            else if (![0, 1, 2].includes(code)) failures.push(`${what}: exit ${code}`);
            if (/\n\s+at .+[:(]\d+:\d+\)?$/m.test(err + out)) failures.push(`${what}: stack trace\n${err.slice(0, 1500)}`);
            const mine = writes.filter((w) => w.vector === i);
            if (mine.length > 0) failures.push(`${what}: wrote outside ${scratch}: ${mine.map((w) => w.call).join(', ')}`);
          }
        };
        await Promise.all(Array.from({ length: CONCURRENCY }, worker));
        const stray = writes.filter((w) => w.vector === undefined);
        if (stray.length > 0) failures.push(`seed ${SEED}: writes outside ${scratch} from no vector: ${stray.map((w) => w.call).join(', ')}`);
        if (uncaught.length > 0) failures.push(`seed ${SEED}: uncaught ${uncaught.map(String).join('; ')}`);
        if (fs.existsSync(join(cwd, 'PWNED')) || fs.existsSync(join(cwd, 'dir', 'PWNED'))) failures.push(`seed ${SEED}: a payload ran`);
      } finally {
        unspy();
        process.chdir(saved.cwd);
        for (const k of Object.keys(process.env)) delete process.env[k];
        Object.assign(process.env, saved.env);
        process.off('uncaughtException', onUncaught);
        process.off('unhandledRejection', onUncaught);
      }
      const secs = (Date.now() - started) / 1000;
      process.stderr.write(`cli fuzz: ${VECTORS} vectors, seed ${SEED}, ${secs.toFixed(1)} s, exit codes ${JSON.stringify(Object.fromEntries(codes))}\n`);
      if (slow.length > 0) {
        const by = new Map<string, number>();
        for (const [ms, k] of slow) by.set(k, (by.get(k) ?? 0) + ms);
        process.stderr.write(`${[...by].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([k, ms]) => `${k}: ${ms} ms`).join('\n')}\n`);
      }
      assert.deepEqual(failures, [], `KVMIO_FUZZ_SEED=${SEED} reproduces:\n${failures.join('\n')}`);
      assert.equal(hostSnapshot(), before, '/var/lib/kvmio, /run/kvmio or a directory kvmio manages under /etc changed');
      // The fuzz reaches past the parser: some vectors run commands (exit 0 or 1), most are refused (2).
      assert.ok((codes.get(2) ?? 0) > 0 && (codes.get(0) ?? 0) + (codes.get(1) ?? 0) > VECTORS / 50, JSON.stringify(Object.fromEntries(codes)));
    });
  });
});
