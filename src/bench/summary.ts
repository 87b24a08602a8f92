// Results → per (runner, workload) tables: each configuration's median against the bare
// line, the transport ceiling and kvmio's choice; the winner where it beats the runner-up
// by more than the spread; and kvmio's recommendation after the evidence rule (what the
// bench script tracks). Pure: the CLI, the report and bench/ scripts share it.
import { join } from 'node:path';
import { chooseDiskConfig } from '../decide/choose-disk-config.js';
import { CIFS_FS_TYPES } from '../model/disk-types.js';
import type { FileBackend, BlockBackend, Platform } from '../model/disk-types.js';
import { configId, KVMIO_FILE_IMAGE } from './anchors.js';
import { evidenceFromResults } from './evidence.js';
import type { Point, Results, Summary, Workload } from './results-schema.js';
import { describeWorkload } from './workloads.js';
import { renderGuestSummaryLines } from './guest/guest-summary.js';

export interface Row {
  readonly configId: string;
  readonly anchors: readonly string[];
  readonly summary: Summary;
  readonly repeats: number;
  /** median / bare median (IOPS), undefined without a bare figure. */
  readonly ofBare?: number;
  readonly ofCeiling?: number;
  readonly ofKvmio?: number;
}

export interface WorkloadTable {
  readonly runner: string;
  readonly transport: string;
  readonly workload: Workload;
  readonly title: string;
  readonly bare?: Summary;
  readonly ceiling?: Summary;
  readonly rows: readonly Row[];
  /** The best configuration when it beats the runner-up beyond both spreads. */
  readonly winner?: string;
  readonly kvmioConfigId?: string;
  readonly failed: readonly { readonly configId: string; readonly error: string }[];
}

const ratio = (a: number | undefined, b: number | undefined): number | undefined => (a !== undefined && b !== undefined && b > 0 ? a / b : undefined);

/** Points of tier backend grouped by runner and workload, in the run's order. */
export function workloadTables(r: Results): WorkloadTable[] {
  const kvmioId = r.anchors.find((a) => a.id === 'kvmio')?.configId;
  const keys = new Map<string, Point[]>();
  for (const p of r.points) {
    // Guest points have their own section (bench/guest/guest-summary.ts): several VMs,
    // schedulers and targets share one host configuration, and TCG figures must not win.
    if (p.tier !== 'backend') continue;
    const k = `${p.runner}|${p.workload.id}`;
    keys.set(k, [...(keys.get(k) ?? []), p]);
  }
  const out: WorkloadTable[] = [];
  for (const ps of keys.values()) {
    const first = ps[0] as Point;
    const bare = r.points.find((p) => p.tier === 'bare' && p.workload.id === first.workload.id)?.summary;
    const ceiling = r.points.find((p) => p.tier === 'ceiling' && p.runner === first.runner && p.workload.id === first.workload.id)?.summary;
    const ok = ps.filter((p) => p.summary && p.config);
    const kvmio = ok.find((p) => p.config?.id === kvmioId)?.summary;
    const rows: Row[] = ok.map((p) => {
      const s = p.summary as Summary;
      return {
        configId: p.config?.id as string,
        anchors: p.anchors,
        summary: s,
        repeats: p.repeats.length,
        ...opt('ofBare', ratio(s.iops, bare?.iops)),
        ...opt('ofCeiling', ratio(s.iops, ceiling?.iops)),
        ...opt('ofKvmio', ratio(s.iops, kvmio?.iops)),
      };
    });
    const sorted = [...rows].sort((a, b) => b.summary.iops - a.summary.iops);
    const [w1, w2] = sorted;
    const winner = w1 && w2 && w1.summary.iops - w1.summary.spread.iops > w2.summary.iops + w2.summary.spread.iops ? w1.configId : undefined;
    out.push({
      runner: first.runner,
      transport: first.transport,
      workload: first.workload,
      title: `${describeWorkload(first.workload)} — ${first.runner} (${first.transport})`,
      ...(bare ? { bare } : {}),
      ...(ceiling ? { ceiling } : {}),
      rows,
      ...(winner ? { winner } : {}),
      ...(kvmioId ? { kvmioConfigId: kvmioId } : {}),
      failed: ps.filter((p) => p.error !== undefined).map((p) => ({ configId: p.config?.id ?? p.id, error: p.error as string })),
    });
  }
  return out;
}

const opt = <K extends string>(k: K, v: number | undefined): Partial<Record<K, number>> => (v === undefined ? {} : ({ [k]: v } as Record<K, number>));

export interface Recommendation {
  readonly table: WorkloadTable;
  /** kvmio's configuration for a new disk here after aio rule 2 on this workload's evidence. */
  readonly configId: string;
  readonly rule: string;
  readonly reason: string;
  readonly row?: Row;
  readonly ofBare?: number;
  readonly ofCeiling?: number;
  /** Ratio to each anchor's configuration (median IOPS), by anchor id. */
  readonly ofAnchor: Readonly<Record<string, number | undefined>>;
  /** Does it beat the anchor beyond both spreads (true), lose beyond them (false), or tie (undefined)? */
  readonly beatsAnchor: Readonly<Record<string, boolean | undefined>>;
}

/** For each table: kvmio's recommendation for a new disk on the measured store, with evidence from that workload. */
export function recommendations(r: Results, platform: Platform, file = 'results'): Recommendation[] {
  const backend: FileBackend | BlockBackend =
    r.target.kind === 'file'
      ? { kind: 'file', path: join(r.target.store, 'vm.raw'), format: KVMIO_FILE_IMAGE.format, allocation: 'preallocated', directIo: true, ...(r.target.fsType ? { fsType: r.target.fsType } : {}) }
      : { kind: 'block', path: r.target.store, device: 'whole', directIo: true };
  return workloadTables(r).map((table) => {
    const ev = evidenceFromResults(r, file, backend, { workload: table.workload.id }).evidence;
    const chosen = chooseDiskConfig(backend, ev ? { bench: ev } : {}, platform);
    if (chosen.kind !== 'disk') throw new Error('unreachable: a disk backend');
    const base = r.target.kind === 'file' ? { format: KVMIO_FILE_IMAGE.format, preallocation: KVMIO_FILE_IMAGE.preallocation } : { format: 'raw' as const };
    const id = configId({ ...base, cache: chosen.cache.value, aio: chosen.aio.value });
    const row = table.rows.find((x) => x.configId === id);
    const ofAnchor: Record<string, number | undefined> = {};
    const beatsAnchor: Record<string, boolean | undefined> = {};
    for (const a of r.anchors) {
      const ar = table.rows.find((x) => x.configId === a.configId);
      ofAnchor[a.id] = ratio(row?.summary.iops, ar?.summary.iops);
      if (row && ar) {
        const lo = row.summary.iops - row.summary.spread.iops;
        const hi = row.summary.iops + row.summary.spread.iops;
        beatsAnchor[a.id] = lo > ar.summary.iops + ar.summary.spread.iops ? true : hi < ar.summary.iops - ar.summary.spread.iops ? false : undefined;
      }
    }
    return {
      table,
      configId: id,
      rule: chosen.aio.rule,
      reason: chosen.aio.reason,
      ...(row ? { row } : {}),
      ...opt('ofBare', row?.ofBare),
      ...opt('ofCeiling', row?.ofCeiling),
      ofAnchor,
      beatsAnchor,
    };
  });
}

export const fmtIops = (n: number): string => (n >= 10_000 ? `${(n / 1000).toFixed(1)}k` : n >= 1000 ? `${(n / 1000).toFixed(2)}k` : n.toFixed(0));
export const fmtMBps = (bytesPerSec: number): string => `${(bytesPerSec / 1e6).toFixed(bytesPerSec >= 1e8 ? 0 : 1)}`;
export const fmtRatio = (x: number | undefined): string => (x === undefined ? '—' : `${x.toFixed(2)}×`);
export const fmtUs = (ns: number | undefined): string => (ns === undefined ? '—' : `${(ns / 1000).toFixed(ns >= 1e6 ? 0 : 1)}`);

/** The text summary `kvmio bench` prints: one table per runner and workload. */
export function renderSummaryText(r: Results): string {
  const lines: string[] = [];
  lines.push(`kvmio bench ${r.runId}: ${r.target.kind} ${r.target.path}${r.target.fsType ? ` (${r.target.fsType})` : ''}, matrix ${r.matrix.name}, ${r.matrix.repeat} repeat(s) × ${r.matrix.runtimeSec} s`);
  lines.push(`host ${r.host.hostname}, ${r.host.cpus} CPU(s), kernel ${r.host.kernel}, load ${(r.host.loadAvgStart ?? []).join(' ')} → ${(r.host.loadAvgEnd ?? []).join(' ')}`);
  lines.push(`anchors: ${r.anchors.map((a) => `${a.id}=${a.configId}`).join(', ')}`);
  for (const t of workloadTables(r)) {
    lines.push('');
    lines.push(`${t.title}: bare ${t.bare ? `${fmtIops(t.bare.iops)} IOPS` : '—'}, ceiling ${t.ceiling ? `${fmtIops(t.ceiling.iops)} IOPS` : '—'}`);
    const head = ['config', 'IOPS', '±', 'MB/s', 'p99 µs', '×bare', '×ceiling', '×kvmio', 'anchors'];
    const body = [...t.rows]
      .sort((a, b) => b.summary.iops - a.summary.iops)
      .map((x) => [
        `${x.configId}${x.configId === t.winner ? ' *' : ''}`,
        fmtIops(x.summary.iops),
        fmtIops(x.summary.spread.iops),
        fmtMBps(x.summary.bandwidthBytesPerSec),
        fmtUs(x.summary.latency?.p99Ns),
        fmtRatio(x.ofBare),
        fmtRatio(x.ofCeiling),
        fmtRatio(x.ofKvmio),
        x.anchors.join(','),
      ]);
    const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] ?? '').length)));
    const line = (cells: readonly string[]): string => cells.map((c, i) => (i === 0 || i === cells.length - 1 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ').trimEnd();
    lines.push(`  ${line(head)}`);
    for (const row of body) lines.push(`  ${line(row)}`);
    lines.push(t.winner ? `  * ${t.winner} beats the runner-up beyond the spread` : '  no configuration beats the runner-up beyond the spread');
    for (const f of t.failed) lines.push(`  FAILED ${f.configId}: ${f.error}`);
  }
  lines.push(...renderGuestSummaryLines(r));
  for (const n of r.matrix.notes) lines.push(`note: ${n}`);
  return lines.join('\n');
}

/** The platform the run saw (tool versions and kernel), for chooseDiskConfig's io_uring test. */
export function platformOf(r: Results): Platform {
  const v = (text: string | undefined): Platform['qemu'] => {
    const m = /(\d+)\.(\d+)(?:\.(\d+))?/.exec(text ?? '');
    return m ? { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3] ?? 0) } : undefined;
  };
  const qemu = v(r.tools['qemu-img']);
  const libvirt = v(r.tools.libvirt);
  const kernel = v(r.host.kernel);
  return { ...(qemu ? { qemu } : {}), ...(libvirt ? { libvirt } : {}), ...(kernel ? { kernel } : {}), storeIsCifs: CIFS_FS_TYPES.includes(r.target.fsType ?? '') };
}
