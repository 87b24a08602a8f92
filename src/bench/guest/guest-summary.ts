// The guest section of the bench summary and report: one row per guest point group (the
// same configuration and workload at one VM count), with the per-VM median, the total of
// all VMs, the ratio to the bare line and to the backend tier's figure for the same host
// configuration, the boot time and what fs.aio-nr cost. TCG rows carry the note that they
// are not performance figures. Pure.
import type { Point, Results, Summary } from '../results-schema.js';
import { describeWorkload } from '../workloads.js';
import { GuestDetailsSchema, TCG_NOTE, type GuestDetails } from './guest-details.js';

export interface GuestRow {
  readonly workloadId: string;
  readonly title: string;
  /** Host configuration id (as the backend tier names it) and the guest side (bus, iothread, queues). */
  readonly hostConfigId: string;
  readonly guestConfig: string;
  readonly scheduler: string;
  readonly target: string;
  readonly vms: number;
  readonly okVms: number;
  /** Median over VMs of each VM's median IOPS. */
  readonly perVmIops: number | undefined;
  /** Sum of the VMs' median IOPS: what the store delivered to all of them together. */
  readonly totalIops: number | undefined;
  readonly p99Ns: number | undefined;
  readonly ofBare: number | undefined;
  readonly ofBackend: number | undefined;
  readonly backendRunner: string | undefined;
  readonly bootS: number | undefined;
  readonly aioNrPerVm: number | undefined;
  readonly aioNrMax: number | undefined;
  readonly aioNrLimit: number | undefined;
  readonly functionalOnly: boolean;
  readonly accel: string;
  readonly failures: readonly string[];
}

const median = (xs: readonly number[]): number | undefined => {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m] : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const ratio = (a: number | undefined, b: number | undefined): number | undefined => (a !== undefined && b !== undefined && b > 0 ? a / b : undefined);

export function guestDetailsOf(p: Point): GuestDetails | undefined {
  const r = GuestDetailsSchema.safeParse(p.guest);
  return r.success ? r.data : undefined;
}

/** Backend runners in order of preference: the NBD export is a real I/O path, in-process has no transport. */
const BACKEND_RUNNERS = ['qsd-fio', 'qemu-img-bench'];

export function guestRows(r: Results): GuestRow[] {
  const groups = new Map<string, { p: Point; d: GuestDetails }[]>();
  for (const p of r.points) {
    if (p.tier !== 'guest') continue;
    const d = guestDetailsOf(p);
    if (!d || !p.config) continue;
    const k = [p.workload.id, p.config.id, d.scheduler, d.target, d.vmCount].join('|');
    groups.set(k, [...(groups.get(k) ?? []), { p, d }]);
  }
  const rows: GuestRow[] = [];
  for (const members of groups.values()) {
    const { p, d } = members[0] as { p: Point; d: GuestDetails };
    const cfg = p.config as NonNullable<Point['config']>;
    const hostConfigId = cfg.id.split('.')[0] as string;
    const ok = members.map((m) => m.p.summary).filter((s): s is Summary => s !== undefined);
    const perVm = median(ok.map((s) => s.iops));
    const total = ok.length === 0 ? undefined : ok.reduce((a, s) => a + s.iops, 0);
    const bare = r.points.find((x) => x.tier === 'bare' && x.workload.id === p.workload.id && x.summary)?.summary;
    const backend = BACKEND_RUNNERS.map((runner) => r.points.find((x) => x.tier === 'backend' && x.runner === runner && x.workload.id === p.workload.id && x.config?.id === hostConfigId && x.summary))
      .find((x) => x !== undefined);
    rows.push({
      workloadId: p.workload.id,
      title: describeWorkload(p.workload),
      hostConfigId,
      guestConfig: `${cfg.bus ?? '?'}${cfg.iothread ? '+iothread' : ''} q${cfg.queues ?? 1}`,
      scheduler: d.scheduler,
      target: d.target,
      vms: d.vmCount,
      okVms: ok.length,
      perVmIops: perVm,
      totalIops: total,
      p99Ns: median(ok.flatMap((s) => (s.latency ? [s.latency.p99Ns] : []))),
      ofBare: ratio(perVm, bare?.iops),
      ofBackend: ratio(perVm, backend?.summary?.iops),
      backendRunner: backend?.runner,
      bootS: median(members.flatMap((m) => m.d.bootS)),
      aioNrPerVm: d.aioNr?.perVm,
      aioNrMax: d.aioNr?.max,
      aioNrLimit: d.aioNr?.limit,
      functionalOnly: members.some((m) => m.p.functionalOnly),
      accel: d.accel,
      failures: members.filter((m) => m.p.error !== undefined).map((m) => `vm${m.d.vmIndex}: ${m.p.error as string}`),
    });
  }
  return rows;
}

const fmt = (n: number | undefined, digits = 0): string => (n === undefined ? '—' : n >= 10_000 ? `${(n / 1000).toFixed(1)}k` : n.toFixed(digits));
const fmtX = (n: number | undefined): string => (n === undefined ? '—' : `${n.toFixed(2)}×`);

/** The guest table's columns, shared by the text summary, Markdown and HTML reports. */
export const GUEST_TABLE_HEAD = ['workload', 'host config', 'guest disk', 'sched', 'target', 'VMs', 'ok', 'IOPS/VM', 'total', 'p99 µs', '×bare', '×backend', 'boot s', 'aio-nr/VM', 'accel'] as const;

export const guestTableCells = (x: GuestRow): string[] => [
  x.workloadId, x.hostConfigId, x.guestConfig, x.scheduler, x.target, String(x.vms), String(x.okVms), fmt(x.perVmIops), fmt(x.totalIops),
  x.p99Ns === undefined ? '—' : (x.p99Ns / 1000).toFixed(0), fmtX(x.ofBare), fmtX(x.ofBackend), fmt(x.bootS, 1), fmt(x.aioNrPerVm),
  x.functionalOnly ? `${x.accel} (functional only)` : x.accel,
];

export const GUEST_SECTION_INTRO = 'fio inside appliance VMs; ×bare = per-VM IOPS / bare IOPS, ×backend = per-VM IOPS / the backend tier\'s figure for the same host configuration; total = all VMs of the point together';

/** Sentences for a report: what the guest tier shows, and that TCG figures are not performance figures. */
export function guestNotes(rows: readonly GuestRow[]): string[] {
  const out: string[] = [];
  if (rows.some((x) => x.functionalOnly)) out.push(`Guest rows marked TCG are ${TCG_NOTE}; they never feed the evidence rule.`);
  const seen = new Set<string>();
  for (const x of rows) {
    if (x.aioNrMax === undefined || !x.hostConfigId.endsWith('-native')) continue;
    const k = `${x.vms}|${x.hostConfigId}|${x.aioNrMax}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(`fs.aio-nr with ${x.vms} VM(s) on ${x.hostConfigId}: peak ${x.aioNrMax}${x.aioNrLimit ? ` of fs.aio-max-nr ${x.aioNrLimit}` : ''} (${fmt(x.aioNrPerVm)} per VM; native charges 1024 per AioContext).`);
  }
  for (const x of rows) for (const f of x.failures) out.push(`FAILED ${x.workloadId} ${x.hostConfigId} ${x.guestConfig} ×${x.vms}: ${f}`);
  return out;
}

/** Text lines of the guest section (empty when the results have no guest points). */
export function renderGuestSummaryLines(r: Results): string[] {
  const rows = guestRows(r);
  if (rows.length === 0) return [];
  const lines = ['', `guest tier (${GUEST_SECTION_INTRO})`];
  const head = GUEST_TABLE_HEAD;
  const body = rows.map(guestTableCells);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i < 5 || i === cells.length - 1 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ').trimEnd();
  lines.push(`  ${line(head)}`);
  for (const row of body) lines.push(`  ${line(row)}`);
  for (const n of guestNotes(rows)) lines.push(`  ${n}`);
  return lines;
}
