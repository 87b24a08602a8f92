// The fleet at a glance: one row per host, one column per check id, each cell the worst
// status of that check on that host and how many objects have it ("FAIL 2"); then, with
// --verbose, each host's findings as `kvmio audit` prints them. Hosts that could not be
// probed show the reason instead of cells.
import type { Finding, Status } from '../model/finding.js';
import { countFindings, renderFindingsText } from './findings-text.js';

export interface FleetHostRow {
  readonly host: string;
  readonly findings: readonly Finding[];
  readonly failure?: { readonly kind: string; readonly message: string };
}

const ORDER: Readonly<Record<Status, number>> = { fail: 0, warn: 1, skip: 2, pass: 3 };
const LABEL: Readonly<Record<Status, string>> = { fail: 'FAIL', warn: 'WARN', skip: 'skip', pass: 'ok' };

/** Worst status of one check on one host, and how many objects have that status. */
export function checkCell(findings: readonly Finding[], id: string): { status: Status; count: number } | undefined {
  const mine = findings.filter((f) => f.id === id);
  if (mine.length === 0) return undefined;
  const status = mine.reduce<Status>((w, f) => (ORDER[f.status] < ORDER[w] ? f.status : w), 'pass');
  return { status, count: mine.filter((f) => f.status === status).length };
}

export function fleetCheckIds(rows: readonly FleetHostRow[]): string[] {
  return [...new Set(rows.flatMap((r) => r.findings.map((f) => f.id)))].sort();
}

const pad = (s: string, n: number): string => s + ' '.repeat(Math.max(0, n - s.length));

export function renderFleetTable(rows: readonly FleetHostRow[], opts: { verbose?: boolean } = {}): string {
  const ids = fleetCheckIds(rows);
  const cell = (r: FleetHostRow, id: string): string => {
    const c = checkCell(r.findings, id);
    if (!c) return '-';
    return c.status === 'pass' ? 'ok' : `${LABEL[c.status]} ${c.count}`;
  };
  const header = ['host', 'result', ...ids];
  const body = rows.map((r) => {
    if (r.failure) return [r.host, `ERROR ${r.failure.kind}`];
    const n = countFindings(r.findings);
    return [r.host, `${n.fail} fail ${n.warn} warn ${n.skip} skip ${n.pass} ok`, ...ids.map((id) => cell(r, id))];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => pad(c, widths[i] ?? 0)).join('  ').trimEnd();
  const out = [line(header), ...body.map(line)];
  const failed = rows.filter((r) => r.failure);
  if (failed.length > 0) out.push('', ...failed.map((r) => `${r.host}: ${r.failure?.message ?? ''}`));
  const ok = rows.filter((r) => !r.failure);
  const all = ok.flatMap((r) => r.findings);
  const n = countFindings(all);
  out.push('', `${rows.length} hosts: ${ok.length} audited, ${failed.length} failed; findings ${n.fail} fail, ${n.warn} warn, ${n.skip} skip, ${n.pass} pass`);
  if (opts.verbose) {
    for (const r of ok) out.push('', `== ${r.host}`, renderFindingsText(r.findings, { verbose: true }).trimEnd());
  }
  return out.join('\n') + '\n';
}
