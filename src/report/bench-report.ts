// What a bench report says, whatever its format: the per-workload tables, kvmio's
// recommendation after the evidence rule, and the conclusion in words. HTML, Markdown and
// JSON are renderings of this one model.
import { ANCHORS, type AnchorId } from '../bench/anchors.js';
import type { Results } from '../bench/results-schema.js';
import { fmtIops, fmtRatio, platformOf, recommendations, workloadTables, type Recommendation, type WorkloadTable } from '../bench/summary.js';
import { guestRows, type GuestRow } from '../bench/guest/guest-summary.js';

export interface BenchReport {
  readonly results: Results;
  readonly tables: readonly WorkloadTable[];
  readonly recommendations: readonly Recommendation[];
  /** One paragraph per table, then an overall line. */
  readonly conclusion: readonly string[];
  /** The guest tier's rows (empty without guest points). */
  readonly guest: readonly GuestRow[];
}

export function buildBenchReport(results: Results, file: string): BenchReport {
  const tables = workloadTables(results);
  const recs = recommendations(results, platformOf(results), file);
  return { results, tables, recommendations: recs, conclusion: conclude(recs, results), guest: guestRows(results) };
}

const anchorName = (id: string): string => (ANCHORS as Record<string, { name: string } | undefined>)[id]?.name ?? id;

function conclude(recs: readonly Recommendation[], r: Results): string[] {
  const out: string[] = [];
  for (const rec of recs) {
    const t = rec.table;
    const best = t.winner ? `${t.winner} is fastest beyond the spread` : 'no configuration beats the runner-up beyond the spread';
    const row = rec.row;
    const vs = r.anchors
      .filter((a) => a.id !== 'kvmio')
      .map((a) => {
        const beats = rec.beatsAnchor[a.id];
        const word = beats === true ? 'beats' : beats === false ? 'loses to' : 'ties';
        return `${word} ${anchorName(a.id as AnchorId)} (${fmtRatio(rec.ofAnchor[a.id])})`;
      })
      .join(', ');
    out.push(
      `${t.title}: ${best}. kvmio recommends ${rec.configId} (${rec.rule === 'disk.aio.bench' ? 'from this measurement' : `static rule ${rec.rule}`})` +
        (row ? `: ${fmtIops(row.summary.iops)} IOPS, ${fmtRatio(rec.ofBare)} of bare, ${fmtRatio(rec.ofCeiling)} of the transport ceiling; it ${vs}.` : ', which this run did not measure.'),
    );
  }
  const losses = recs.flatMap((rec) => Object.entries(rec.beatsAnchor).filter(([, b]) => b === false).map(([a]) => `${anchorName(a)} on ${rec.table.title}`));
  out.push(
    losses.length === 0
      ? `Overall: kvmio's recommendation is never slower than an anchor's default beyond the spread on ${r.target.path}.`
      : `Overall: kvmio's recommendation loses beyond the spread to ${losses.join('; ')}.`,
  );
  if (r.host.loadAvgStart && (r.host.loadAvgStart[0] ?? 0) > r.host.cpus) {
    out.push(`Caution: the host was loaded (load average ${r.host.loadAvgStart[0]} on ${r.host.cpus} CPUs) when the run started; figures are noisy, so trust only differences beyond the spread.`);
  }
  return out;
}
