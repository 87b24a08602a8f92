// Benchmark (not a test): runs `kvmio bench --matrix quick` (the real bin) and prints, per
// workload, kvmio's recommended configuration after the evidence rule as ratios to the
// bare storage, to the transport ceiling and to every anchor's default. The figures we
// track (issue 11): ≥ 1.00 against every anchor beyond the spread, ≥ 0.95 of bare in process.
// An anchor that still wins beyond the spread is printed with the reason kvmio does not
// recommend it (anchor-wins.ts), e.g. writeback through the host page cache.
//   npm run bench:quick                       (REPEAT=3, default target; OUT=FILE keeps the results)
//   node dist/bench/bench-quick.js RESULTS.json   (re-read a saved run)
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { start } from '../src/exec.js';
import { parseResults } from '../src/bench/results-schema.js';
import { explainAnchorWin } from '../src/bench/anchor-wins.js';
import type { DiskConfiguration } from '../src/bench/results-schema.js';
import { fmtIops, fmtRatio, platformOf, recommendations } from '../src/bench/summary.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const out = (s: string): void => void process.stdout.write(`${s}\n`);

async function main(): Promise<void> {
  let file = process.argv[2];
  let scratch: string | undefined;
  if (!file) {
    scratch = mkdtempSync(join(tmpdir(), 'kvmio-bench-quick-'));
    file = process.env.OUT ? resolve(process.env.OUT) : join(scratch, 'results.json');
    const argv = [process.execPath, join(REPO, 'bin', 'kvmio.js'), 'bench', '--matrix', 'quick', '--repeat', process.env.REPEAT ?? '3', '--state-dir', join(scratch, 'state'), '-o', file, ...(process.env.TARGET ? ['--target', process.env.TARGET] : [])];
    out(`running: ${argv.slice(1).join(' ')} (load ${loadavg().map((x) => x.toFixed(2)).join(' ')})`);
    const r = await start(argv, { timeoutMs: 30 * 60_000, onStderr: (s) => void process.stderr.write(s) }).result;
    out(`wall time ${(r.durationMs / 1000).toFixed(1)} s, exit ${r.code}`);
    if (r.code !== 0 && r.code !== 1) throw new Error(`kvmio bench failed: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  }
  try {
    const res = parseResults(readFileSync(file, 'utf8'), file);
    out(`run ${res.runId} on ${res.target.path} (${res.target.fsType ?? '?'}), ${res.matrix.repeat} repeats × ${res.matrix.runtimeSec} s, ${res.points.length} points, load ${res.host.loadAvgStart?.join(' ')} → ${res.host.loadAvgEnd?.join(' ')}`);
    const anchors = res.anchors.filter((a) => a.id !== 'kvmio');
    const configOf = (id: string): DiskConfiguration | undefined => res.points.find((p) => p.config?.id === id)?.config;
    const tracked: string[] = [];
    for (const rec of recommendations(res, platformOf(res), file)) {
      out('');
      out(`${rec.table.title}`);
      out(`  kvmio recommends ${rec.configId} (${rec.rule})${rec.row ? `: ${fmtIops(rec.row.summary.iops)} ± ${fmtIops(rec.row.summary.spread.iops)} IOPS` : ''}`);
      out(`  ×bare ${fmtRatio(rec.ofBare)}   ×ceiling ${fmtRatio(rec.ofCeiling)}   ×kvmio-static ${fmtRatio(rec.ofAnchor.kvmio)}`);
      const losses: string[] = [];
      for (const a of anchors) {
        const b = rec.beatsAnchor[a.id];
        out(`  vs ${a.id.padEnd(14)} ${a.configId.padEnd(38)} ${fmtRatio(rec.ofAnchor[a.id]).padStart(6)}  ${b === true ? 'beats (beyond spread)' : b === false ? 'LOSES (beyond spread)' : 'within spread'}`);
        const mine = configOf(rec.configId);
        const theirs = configOf(a.configId);
        // An anchor that still wins is said, with the reason kvmio does not recommend it (never hidden).
        if (b === false && mine && theirs) {
          out(`     why kvmio does not recommend it: ${explainAnchorWin(theirs, mine)}`);
          losses.push(a.id);
        }
      }
      const inProcess = rec.table.transport === 'in-process';
      tracked.push(`${rec.table.workload.id} ${rec.table.runner}: ${losses.length === 0 ? 'no anchor beats it beyond the spread' : `loses to ${losses.join(', ')}`}${inProcess ? `; ×bare ${fmtRatio(rec.ofBare)} (goal ≥ 0.95: ${rec.ofBare !== undefined && rec.ofBare >= 0.95 ? 'met' : 'missed'})` : ''}`);
    }
    out('');
    out('figures we track (goal: ≥ 1.00 against every anchor beyond the spread, ≥ 0.95 of bare in process):');
    for (const t of tracked) out(`  ${t}`);
  } finally {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
}

await main();
