// The bench report as Markdown (`kvmio report --format md`): the same tables and
// conclusion as the HTML report, for terminals, issues and wikis.
import { fmtIops, fmtMBps, fmtRatio, fmtUs } from '../bench/summary.js';
import type { BenchReport } from './bench-report.js';
import { GUEST_SECTION_INTRO, GUEST_TABLE_HEAD, guestNotes, guestTableCells } from '../bench/guest/guest-summary.js';

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const mdTable = (head: readonly string[], rows: readonly (readonly string[])[]): string =>
  [`| ${head.map(cell).join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n');

export function renderBenchMarkdown(rep: BenchReport): string {
  const r = rep.results;
  const out: string[] = [];
  out.push(`# kvmio bench: ${r.target.path}`, '');
  out.push(`Run ${r.runId} (${r.startedAt} → ${r.finishedAt}), matrix ${r.matrix.name}, ${r.matrix.repeat} repeat(s) × ${r.matrix.runtimeSec} s; host ${r.host.hostname}, ${r.host.cpus} CPU(s), kernel ${r.host.kernel}, load ${(r.host.loadAvgStart ?? []).join(' ')}; ${r.target.kind} ${r.target.path}${r.target.fsType ? ` (${r.target.fsType})` : ''}.`, '');
  out.push('## Conclusion', '', ...rep.conclusion.map((c) => `- ${c}`), '');
  out.push('## Anchors', '', mdTable(['anchor', 'configuration', 'why'], r.anchors.map((a) => [a.name, a.configId, a.why])), '');
  rep.tables.forEach((t, i) => {
    const rec = rep.recommendations[i];
    out.push(`## ${t.title}`, '');
    out.push(`bare ${t.bare ? `${fmtIops(t.bare.iops)} IOPS` : '—'}, transport ceiling ${t.ceiling ? `${fmtIops(t.ceiling.iops)} IOPS` : '—'}; ${t.winner ? `winner beyond the spread: ${t.winner}` : 'no winner beyond the spread'}; kvmio recommends ${rec?.configId ?? '—'}.`, '');
    out.push(
      mdTable(
        ['configuration', 'anchors', 'IOPS', '±', 'MB/s', 'p50 µs', 'p99 µs', 'p99.9 µs', '×bare', '×ceiling', '×kvmio'],
        [...t.rows]
          .sort((a, b) => b.summary.iops - a.summary.iops)
          .map((x) => [x.configId, x.anchors.join(', '), fmtIops(x.summary.iops), fmtIops(x.summary.spread.iops), fmtMBps(x.summary.bandwidthBytesPerSec), fmtUs(x.summary.latency?.p50Ns), fmtUs(x.summary.latency?.p99Ns), fmtUs(x.summary.latency?.p999Ns), fmtRatio(x.ofBare), fmtRatio(x.ofCeiling), fmtRatio(x.ofKvmio)]),
      ),
      '',
    );
    for (const f of t.failed) out.push(`- FAILED ${f.configId}: ${f.error}`);
  });
  if (rep.guest.length > 0) {
    out.push('## Guest tier', '', `${GUEST_SECTION_INTRO}.`, '', mdTable(GUEST_TABLE_HEAD, rep.guest.map(guestTableCells)), '');
    for (const n of guestNotes(rep.guest)) out.push(`- ${n}`);
    out.push('');
  }
  out.push('## Tools', '', ...Object.entries(r.tools).map(([k, v]) => `- ${k}: ${v}`), '');
  out.push('## Notes', '', ...r.matrix.notes.map((n) => `- ${n}`), '');
  return out.join('\n');
}
