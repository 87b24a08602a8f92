// Benchmark (not a test): wall time of `kvmio audit` (the real bin) on this machine as a
// ratio to `node -e 0` (median of N runs), and the time to audit a generated dump with
// 500 block devices. Targets (issue 2): ratio ≤ 2, 500-device audit ≤ 1 s.
//   npm run bench:audit            (RUNS=20 by default; RUNS=40 npm run bench:audit)
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exec } from '../src/exec.js';
import { makeManyDisksHost } from '../test/fixtures/hosts/make-fixtures.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = join(REPO, 'bin', 'kvmio.js');
const RUNS = Number(process.env.RUNS ?? 20);
const out = (s: string): void => void process.stdout.write(`${s}\n`);

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

/** GNU time, when installed, adds each run's CPU time (user + sys): unlike wall time it hardly depends on other load. */
const GNU_TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

interface Sample {
  readonly wallMs: number;
  readonly cpuMs?: number;
}

async function wall(argv: readonly string[], env?: Record<string, string>): Promise<Sample> {
  const full = GNU_TIME ? [GNU_TIME, '-f', 'kvmio-bench-cpu %U %S', ...argv] : argv;
  const t0 = process.hrtime.bigint();
  const r = await exec(full, { timeoutMs: 120_000, ...(env ? { env } : {}) });
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.code !== 0 && r.code !== 1) throw new Error(`${argv.join(' ')} exited ${r.code}: ${r.stderr.slice(-300)}`);
  const m = /kvmio-bench-cpu ([\d.]+) ([\d.]+)/.exec(r.stderr);
  return m ? { wallMs, cpuMs: (Number(m[1]) + Number(m[2])) * 1000 } : { wallMs };
}

/** Runs the commands interleaved (so background load hits each alike) and returns each one's times. */
async function interleaved(cmds: readonly (readonly string[])[], runs: number, envs: readonly (Record<string, string> | undefined)[] = []): Promise<Sample[][]> {
  const times = cmds.map(() => [] as Sample[]);
  for (const [j, c] of cmds.entries()) await wall(c, envs[j]); // warm the page cache
  for (let i = 0; i < runs; i++) {
    for (const [j, c] of cmds.entries()) (times[j] as Sample[]).push(await wall(c, envs[j]));
  }
  return times;
}

const fmt = (ms: number): string => `${ms.toFixed(1)} ms`;
const walls = (xs: readonly Sample[]): number[] => xs.map((x) => x.wallMs);
/** "median (min, max; cpu median)" */
function stats(xs: readonly Sample[]): string {
  const w = walls(xs);
  const cpu = xs.flatMap((x) => (x.cpuMs === undefined ? [] : [x.cpuMs]));
  return `${fmt(median(w))}  (min ${fmt(Math.min(...w))}, max ${fmt(Math.max(...w))}${cpu.length > 0 ? `; CPU ${fmt(median(cpu))}` : ''})`;
}

async function main(): Promise<void> {
  const node = process.execPath;
  out(`kvmio audit benchmark: ${RUNS} runs each, interleaved, medians (Node ${process.version}, ${REPO})`);
  out(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} on ${cpus().length} CPUs: wall times grow with other work on the machine; compare ratios`);
  out('libvirtd: left running on purpose (never stop the session\'s libvirtd). `kvmio audit` reads libvirt domains through virsh');
  out('          only when libvirtd\'s socket exists; "libvirtd stopped" is measured by pointing LIBVIRT_DEFAULT_URI at a');
  out('          socket that does not exist (the same code path: no virsh, no XML modules), "libvirtd running" as it is.');
  const stopped = { LIBVIRT_DEFAULT_URI: 'qemu+unix:///system?socket=/nonexistent/kvmio-bench-libvirt-sock' };
  const [base, version, audit, auditLibvirt] = await interleaved([[node, '-e', '0'], [node, BIN, '--version'], [node, BIN, 'audit'], [node, BIN, 'audit']], RUNS, [undefined, undefined, stopped, undefined]);
  const mBase = median(walls(base as Sample[]));
  const mVersion = median(walls(version as Sample[]));
  const mAudit = median(walls(audit as Sample[]));
  const ratio = mAudit / mBase;
  out('');
  out(`node -e 0                  ${stats(base as Sample[])}`);
  out(`kvmio --version (startup)  ${stats(version as Sample[])}  ratio ${(mVersion / mBase).toFixed(2)}`);
  out(`kvmio audit (this host)    ${stats(audit as Sample[])}  ratio ${ratio.toFixed(2)}  target ≤ 2: ${ratio <= 2 ? 'met' : 'MISSED'}  (libvirtd stopped)`);
  out(`kvmio audit + VM disks     ${stats(auditLibvirt as Sample[])}  ratio ${(median(walls(auditLibvirt as Sample[])) / mBase).toFixed(2)}  (libvirtd running: virsh list, dumpxml per domain, qemu-img info per image)`);
  const cpuOf = (xs: readonly Sample[]): number[] => xs.flatMap((x) => (x.cpuMs === undefined ? [] : [x.cpuMs]));
  const [cb, ca] = [cpuOf(base as Sample[]), cpuOf(audit as Sample[])];
  if (cb.length > 0 && ca.length > 0) out(`CPU-time ratio audit / node -e 0: ${(median(ca) / median(cb)).toFixed(2)} (less sensitive to other load than wall time)`);

  const dir = mkdtempSync(join(tmpdir(), 'kvmio-bench-'));
  try {
    const t0 = process.hrtime.bigint();
    makeManyDisksHost(dir, 500);
    const genMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const many = (await interleaved([[node, BIN, 'audit', '--from', dir]], Math.max(5, Math.floor(RUNS / 2))))[0] as Sample[];
    const mMany = median(walls(many));
    // In-process split: where the time goes (probe through DumpSource vs rules vs rendering).
    const { DumpSource } = await import('../src/facts/dump-source.js');
    const { probeHost } = await import('../src/facts/probe-host.js');
    const { auditHost } = await import('../src/decide/audit-host.js');
    const { renderFindingsText } = await import('../src/report/findings-text.js');
    const p0 = process.hrtime.bigint();
    const facts = await probeHost(new DumpSource(dir));
    const p1 = process.hrtime.bigint();
    const findings = auditHost(facts);
    const p2 = process.hrtime.bigint();
    renderFindingsText(findings);
    const p3 = process.hrtime.bigint();
    const n = facts.blockDevices.ok ? facts.blockDevices.value.length : 0;
    out('');
    out(`500-disk dump: generated in ${fmt(genMs)}; ${n} block devices probed, ${findings.length} findings`);
    out(`kvmio audit --from DUMP    ${stats(many)}  target ≤ 1000 ms: ${mMany <= 1000 ? 'met' : 'MISSED'}`);
    out(`  in-process split: probe ${fmt(Number(p1 - p0) / 1e6)}, rules ${fmt(Number(p2 - p1) / 1e6)}, text ${fmt(Number(p3 - p2) / 1e6)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
