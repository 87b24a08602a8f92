// Benchmark (not a test): wall time of `kvmio audit` as shipped — the bundle
// (dist/kvmio/kvmio.mjs and its chunks) and the single executable (dist/kvmio-linux-x64) — side by side with
// `node -e 0` on the same node, interleaved, several runs. Target (issue 15): ≤ 1.3 × node -e 0.
//   npm run bench:start            (builds both; RUNS=20 by default)
// The ratio is taken run by run (A then B, back to back) and its median printed, so a
// machine whose speed drifts with other people's work still compares like with like.
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exec } from '../src/exec.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const RUNS = Number(process.env.RUNS ?? 20);
const TARGET = 1.3;
const out = (s: string): void => void process.stdout.write(`${s}\n`);

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

/** GNU time, when installed, adds each run's CPU time (user + sys), which depends less on other load. */
const GNU_TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

interface Sample {
  readonly wallMs: number;
  readonly cpuMs?: number;
}

async function once(argv: readonly string[], env?: Record<string, string>): Promise<Sample> {
  const full = GNU_TIME ? [GNU_TIME, '-f', 'kvmio-bench-cpu %U %S', ...argv] : argv;
  const t0 = process.hrtime.bigint();
  const r = await exec(full, { timeoutMs: 120_000, ...(env ? { env } : {}) });
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.code !== 0 && r.code !== 1) throw new Error(`${argv.join(' ')} exited ${r.code}: ${r.stderr.slice(-300)}`);
  const m = /kvmio-bench-cpu ([\d.]+) ([\d.]+)/.exec(r.stderr);
  return m ? { wallMs, cpuMs: (Number(m[1]) + Number(m[2])) * 1000 } : { wallMs };
}

interface Case {
  readonly label: string;
  readonly argv: readonly string[];
  readonly env?: Record<string, string>;
}

const fmt = (ms: number): string => `${ms.toFixed(1).padStart(6)} ms`;

async function main(): Promise<void> {
  const node = process.execPath;
  const bundle = join(REPO, 'dist', 'kvmio', 'kvmio.mjs');
  const sea = join(REPO, 'dist', 'kvmio-linux-x64');
  for (const f of [bundle, sea]) if (!existsSync(f)) throw new Error(`${f} missing: run npm run package first (npm run bench:start does)`);
  // "libvirtd stopped": a socket that does not exist, the code path of a host without libvirt (no virsh started).
  const stopped = { LIBVIRT_DEFAULT_URI: 'qemu+unix:///system?socket=/nonexistent/kvmio-bench-libvirt-sock' };
  const base: Case = { label: 'node -e 0', argv: [node, '-e', '0'] };
  const cases: Case[] = [
    { label: 'bundle  kvmio audit', argv: [node, bundle, 'audit'], env: stopped },
    { label: 'SEA     kvmio audit', argv: [sea, 'audit'], env: stopped },
    { label: 'dev     kvmio audit', argv: [node, join(REPO, 'bin', 'kvmio.js'), 'audit'], env: stopped },
    { label: 'bundle  kvmio --version', argv: [node, bundle, '--version'] },
    { label: 'SEA     kvmio --version', argv: [sea, '--version'] },
    // The bundle's first run on a machine: Node's compile cache (bundle.mjs) not written yet.
    { label: 'bundle  kvmio audit (no compile cache)', argv: [node, bundle, 'audit'], env: { ...stopped, NODE_DISABLE_COMPILE_CACHE: '1' } },
    { label: 'bundle  kvmio audit (libvirtd running: virsh)', argv: [node, bundle, 'audit'] },
  ];
  const load0 = loadavg();
  out(`kvmio start-up benchmark: ${RUNS} runs each, interleaved with node -e 0, medians (Node ${process.version}, ${cpus().length} CPUs)`);
  out(`load average at start ${load0.map((l) => l.toFixed(2)).join(' ')}: other work on the machine stretches wall times; read the paired ratios`);
  for (const c of [base, ...cases]) await once(c.argv, c.env); // warm the page cache
  const baseRuns: Sample[] = [];
  const runs = cases.map(() => [] as Sample[]);
  const ratios = cases.map(() => [] as number[]);
  for (let i = 0; i < RUNS; i++) {
    for (const [j, c] of cases.entries()) {
      const b = await once(base.argv);
      const a = await once(c.argv, c.env);
      baseRuns.push(b);
      (runs[j] as Sample[]).push(a);
      (ratios[j] as number[]).push(a.wallMs / b.wallMs);
    }
  }
  const cpu = (xs: readonly Sample[]): string => {
    const c = xs.flatMap((x) => (x.cpuMs === undefined ? [] : [x.cpuMs]));
    return c.length > 0 ? `; CPU ${fmt(median(c))}` : '';
  };
  const row = (label: string, xs: readonly Sample[]): string => {
    const w = xs.map((x) => x.wallMs);
    return `${label.padEnd(48)} ${fmt(median(w))}  (min ${fmt(Math.min(...w))}, max ${fmt(Math.max(...w))}${cpu(xs)})`;
  };
  out('');
  out(row(base.label, baseRuns));
  for (const [j, c] of cases.entries()) {
    const r = median(ratios[j] as number[]);
    const target = j < 2 ? `  target ≤ ${TARGET}: ${r <= TARGET ? 'met' : 'MISSED'}` : '';
    out(`${row(c.label, runs[j] as Sample[])}  ratio ${r.toFixed(2)}${target}`);
  }
  const load1 = loadavg();
  out('');
  out(`load average at end ${load1.map((l) => l.toFixed(2)).join(' ')}`);
}

await main();
