// The bench report as one self-contained HTML file: no network needed to view it. Charts
// are Vega-Lite 5 specs compiled to Vega here (vega-lite runs on Node), rendered in the
// page as SVG by Vega 5's runtime, which is inlined (vega/build/vega.min.js). Every string
// from the results file is escaped: a results file is untrusted input.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Point } from '../bench/results-schema.js';
import { fmtIops, fmtMBps, fmtRatio, fmtUs, type WorkloadTable } from '../bench/summary.js';
import { describeWorkload } from '../bench/workloads.js';
import type { BenchReport } from './bench-report.js';
import { GUEST_SECTION_INTRO, GUEST_TABLE_HEAD, guestNotes, guestTableCells } from '../bench/guest/guest-summary.js';

const require = createRequire(import.meta.url);

interface VegaLite {
  compile(spec: unknown, opts?: { logger?: unknown }): { spec: unknown };
}

/** vega-lite logs through console; a report is built quietly (warnings would reach stderr, not the reader). */
const QUIET_LOGGER = { level: () => QUIET_LOGGER, error: () => QUIET_LOGGER, warn: () => QUIET_LOGGER, info: () => QUIET_LOGGER, debug: () => QUIET_LOGGER };

export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

/** JSON safe inside <script>: no "</script>", no "<!--". */
const scriptJson = (v: unknown): string => JSON.stringify(v).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');

type Role = 'kvmio' | 'anchor' | 'other';
const roleOf = (anchors: readonly string[]): Role => (anchors.includes('kvmio') ? 'kvmio' : anchors.length > 0 ? 'anchor' : 'other');
const COLORS = { domain: ['kvmio', 'anchor', 'other'], range: ['#d62728', '#1f77b4', '#9aa5b1'] };

/** Bars per configuration (median ± spread) against the bare line and the transport ceiling. */
function throughputSpec(t: WorkloadTable, metric: 'iops' | 'mbps'): unknown {
  const val = (s: { iops: number; bandwidthBytesPerSec: number }): number => (metric === 'iops' ? s.iops : s.bandwidthBytesPerSec / 1e6);
  const spr = (s: { spread: { iops: number; bandwidthBytesPerSec: number } }): number => (metric === 'iops' ? s.spread.iops : s.spread.bandwidthBytesPerSec / 1e6);
  const rows = t.rows.map((r) => ({
    config: r.configId,
    label: `${r.configId}${r.anchors.length ? ` [${r.anchors.join(', ')}]` : ''}`,
    role: roleOf(r.anchors),
    value: val(r.summary),
    lo: Math.max(0, val(r.summary) - spr(r.summary)),
    hi: val(r.summary) + spr(r.summary),
  }));
  const lines = [
    ...(t.bare ? [{ line: 'bare', value: val(t.bare) }] : []),
    ...(t.ceiling ? [{ line: 'transport ceiling', value: val(t.ceiling) }] : []),
  ];
  const title = metric === 'iops' ? 'IOPS (median ± spread)' : 'MB/s (median ± spread)';
  const x = { field: 'value', type: 'quantitative', title };
  // One explicit order for every layer (by value, descending): layers that sort differently cannot share the axis.
  const order = [...rows].sort((a, b) => b.value - a.value).map((r) => r.label);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: `${t.title}: ${metric === 'iops' ? 'IOPS' : 'MB/s'}`,
    width: 560,
    height: { step: 22 },
    layer: [
      {
        data: { values: rows },
        layer: [
          {
            mark: { type: 'bar' },
            encoding: {
              y: { field: 'label', type: 'nominal', sort: order, title: null, axis: { labelLimit: 360 } },
              x,
              color: { field: 'role', type: 'nominal', scale: COLORS, legend: { title: 'configuration' } },
              tooltip: [{ field: 'config' }, { field: 'value', format: ',.0f' }, { field: 'lo', format: ',.0f' }, { field: 'hi', format: ',.0f' }],
            },
          },
          { mark: { type: 'rule', color: '#333' }, encoding: { y: { field: 'label', type: 'nominal', sort: order }, x: { field: 'lo', type: 'quantitative' }, x2: { field: 'hi' } } },
        ],
      },
      ...(lines.length
        ? [
            {
              data: { values: lines },
              layer: [
                { mark: { type: 'rule', strokeDash: [6, 3], strokeWidth: 2 }, encoding: { x: { field: 'value', type: 'quantitative' }, stroke: { field: 'line', type: 'nominal', scale: { domain: ['bare', 'transport ceiling'], range: ['#2ca02c', '#ff7f0e'] }, legend: { title: 'reference' } } } },
                { mark: { type: 'text', align: 'left', dx: 3, dy: -4, baseline: 'bottom', angle: 0 }, encoding: { x: { field: 'value', type: 'quantitative' }, y: { value: 0 }, text: { field: 'line' } } },
              ],
            },
          ]
        : []),
    ],
    resolve: { scale: { color: 'independent' } },
  };
}

/** Latency percentiles (p50/p99/p99.9 in µs, log scale) per configuration, where fio measured them. */
function latencySpec(t: WorkloadTable): unknown | undefined {
  const label = (r: WorkloadTable['rows'][number]): string => `${r.configId}${r.anchors.length ? ` [${r.anchors.join(', ')}]` : ''}`;
  const values = t.rows.flatMap((r) =>
    r.summary.latency
      ? [
          { config: label(r), percentile: 'p50', us: r.summary.latency.p50Ns / 1000 },
          { config: label(r), percentile: 'p99', us: r.summary.latency.p99Ns / 1000 },
          { config: label(r), percentile: 'p99.9', us: r.summary.latency.p999Ns / 1000 },
        ]
      : [],
  );
  if (values.length === 0) return undefined;
  // Points, not bars: a bar on a log scale has no zero to start from.
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: `${t.title}: completion latency percentiles (µs, log scale)`,
    width: 560,
    height: { step: 22 },
    data: { values },
    mark: { type: 'point', filled: true, size: 70 },
    encoding: {
      y: { field: 'config', type: 'nominal', title: null, axis: { labelLimit: 360 } },
      x: { field: 'us', type: 'quantitative', scale: { type: 'log' }, title: 'µs (log scale)' },
      color: { field: 'percentile', type: 'nominal', sort: ['p50', 'p99', 'p99.9'], scale: { range: ['#2ca02c', '#1f77b4', '#d62728'] } },
      shape: { field: 'percentile', type: 'nominal', sort: ['p50', 'p99', 'p99.9'] },
      tooltip: [{ field: 'config' }, { field: 'percentile' }, { field: 'us', format: ',.1f' }],
    },
  };
}

export interface Chart {
  readonly id: string;
  readonly vegaLite: unknown;
}

/** Every chart of the report as a Vega-Lite spec. */
export function reportCharts(rep: BenchReport): Chart[] {
  const out: Chart[] = [];
  rep.tables.forEach((t, i) => {
    out.push({ id: `chart-${i}-iops`, vegaLite: throughputSpec(t, 'iops') });
    out.push({ id: `chart-${i}-mbps`, vegaLite: throughputSpec(t, 'mbps') });
    const lat = latencySpec(t);
    if (lat) out.push({ id: `chart-${i}-latency`, vegaLite: lat });
  });
  return out;
}

/** Figures (12.3k, 0.95×, ±, —) are right-aligned; words stay left. */
const NUMERIC = /^[-\d.,]+(k|×)?$|^—$/;

function table(head: readonly string[], rows: readonly (readonly string[])[], cls = ''): string {
  return `<table${cls ? ` class="${cls}"` : ''}><thead><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td${NUMERIC.test(c) ? ' class="n"' : ''}>${escapeHtml(c)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

const configText = (p: Point['config']): string =>
  p
    ? [
        `format=${p.format}`,
        p.preallocation ? `preallocation=${p.preallocation}` : '',
        p.clusterSizeBytes ? `cluster_size=${p.clusterSizeBytes}` : '',
        p.extendedL2 ? 'extended_l2=on' : '',
        `cache=${p.cache}`,
        `aio=${p.aio}`,
        p.allocation ? `(${p.allocation})` : '',
      ]
        .filter(Boolean)
        .join(' ')
    : '';

export function renderBenchHtml(rep: BenchReport): string {
  const vl = require('vega-lite') as VegaLite;
  const vegaJs = readFileSync(require.resolve('vega/build/vega.min.js'), 'utf8');
  const charts = reportCharts(rep).map((c) => ({ id: c.id, spec: vl.compile(c.vegaLite, { logger: QUIET_LOGGER }).spec }));
  const r = rep.results;
  const e = escapeHtml;
  const sections = rep.tables
    .map((t, i) => {
      const rec = rep.recommendations[i];
      const rows = [...t.rows]
        .sort((a, b) => b.summary.iops - a.summary.iops)
        .map((x) => [
          `${x.configId}${x.configId === t.winner ? ' ★' : ''}${x.configId === rec?.configId ? ' (kvmio recommends)' : ''}`,
          x.anchors.join(', '),
          fmtIops(x.summary.iops),
          fmtIops(x.summary.spread.iops),
          fmtMBps(x.summary.bandwidthBytesPerSec),
          fmtUs(x.summary.latency?.p50Ns),
          fmtUs(x.summary.latency?.p99Ns),
          fmtUs(x.summary.latency?.p999Ns),
          fmtRatio(x.ofBare),
          fmtRatio(x.ofCeiling),
          fmtRatio(x.ofKvmio),
        ]);
      const refs = `bare ${t.bare ? `${fmtIops(t.bare.iops)} IOPS, ${fmtMBps(t.bare.bandwidthBytesPerSec)} MB/s` : '—'}; transport ceiling ${t.ceiling ? `${fmtIops(t.ceiling.iops)} IOPS` : '—'}`;
      const ids = charts.filter((c) => c.id.startsWith(`chart-${i}-`)).map((c) => `<div class="chart" id="${c.id}"></div>`).join('');
      return `<section><h2>${e(t.title)}</h2><p>${e(refs)}</p>${ids}${table(['configuration', 'anchors', 'IOPS', '±', 'MB/s', 'p50 µs', 'p99 µs', 'p99.9 µs', '×bare', '×ceiling', '×kvmio'], rows)}${
        t.failed.length ? `<p class="failed">${t.failed.map((f) => e(`FAILED ${f.configId}: ${f.error}`)).join('<br>')}</p>` : ''
      }</section>`;
    })
    .join('\n');
  const configs = new Map<string, Point['config']>();
  for (const p of r.points) if (p.config) configs.set(p.config.id, p.config);
  const hostRows: string[][] = [
    ['host', r.host.hostname],
    ['kernel', r.host.kernel],
    ['CPUs', `${r.host.cpus}${r.host.cpuModel ? ` × ${r.host.cpuModel}` : ''}`],
    ['memory', r.host.memBytes ? `${(r.host.memBytes / 1024 ** 3).toFixed(1)} GiB` : '—'],
    ['load average', `${(r.host.loadAvgStart ?? []).join(' ')} → ${(r.host.loadAvgEnd ?? []).join(' ')}`],
    ['target', `${r.target.kind} ${r.target.path}${r.target.fsType ? ` (${r.target.fsType})` : ''}, ${(r.target.sizeBytes / 1024 ** 2).toFixed(0)} MiB per image`],
    ['matrix', `${r.matrix.name}, ${r.matrix.repeat} repeat(s) × ${r.matrix.runtimeSec} s`],
    ['run', `${r.runId}: ${r.startedAt} → ${r.finishedAt}`],
    ['kvmio', r.kvmio.version],
    ...Object.entries(r.tools).map(([k, v]) => [k, v]),
  ];
  const workloads = [...new Map(r.points.map((p) => [p.workload.id, p.workload])).values()].map((w) => [w.id, describeWorkload(w)]);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>kvmio bench ${e(r.runId)}</title>
<link rel="icon" href="data:,">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; img-src data:">
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222;padding:0 1em}
table{border-collapse:collapse;margin:.6em 0 1.4em;font-size:13px}th,td{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top}
th{background:#f3f3f3}td.n{text-align:right;white-space:nowrap}.chart{margin:.5em 0}.failed{color:#b00}
.conclusion li{margin:.3em 0}code{background:#f3f3f3;padding:0 3px}
</style></head><body>
<h1>kvmio bench: ${e(r.target.path)}</h1>
<h2>Conclusion</h2><ul class="conclusion">${rep.conclusion.map((c) => `<li>${e(c)}</li>`).join('')}</ul>
<h2>Anchors</h2>${table(['anchor', 'configuration', 'why', 'reference'], r.anchors.map((a) => [a.name, a.configId, a.why, a.ref]))}
${sections}
${rep.guest.length > 0 ? `<section><h2>Guest tier</h2><p>${e(GUEST_SECTION_INTRO)}.</p>${table([...GUEST_TABLE_HEAD], rep.guest.map(guestTableCells), 'guest')}<ul class="guest-notes">${guestNotes(rep.guest).map((n) => `<li${n.startsWith('FAILED') ? ' class="failed"' : ''}>${e(n)}</li>`).join('')}</ul></section>` : ''}
<h2>Configurations</h2>${table(['id', 'settings'], [...configs.entries()].map(([id, c]) => [id, configText(c)]))}
<h2>Workloads</h2>${table(['id', 'pattern'], workloads)}
<h2>Host</h2>${table(['fact', 'value'], hostRows)}
<h2>Notes</h2><ul>${r.matrix.notes.map((n) => `<li>${e(n)}</li>`).join('')}</ul>
<script>${vegaJs.replace(/<\/script/gi, '<\\/script')}</script>
<script type="application/json" id="kvmio-charts">${scriptJson(charts)}</script>
<script>
(function () {
  var charts = JSON.parse(document.getElementById('kvmio-charts').textContent);
  window.kvmioCharts = Promise.all(charts.map(function (c) {
    var view = new vega.View(vega.parse(c.spec), { renderer: 'svg', container: '#' + c.id, hover: true });
    return view.runAsync();
  }));
})();
</script>
</body></html>
`;
}
