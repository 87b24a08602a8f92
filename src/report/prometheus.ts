// Findings in the Prometheus text exposition format, for node_exporter's textfile
// collector (https://prometheus.io/docs/instrumenting/exposition_formats/ and
// node_exporter's README, "Textfile Collector": one *.prom file, written atomically).
// kvmio_check_status is 0 pass, 1 warn, 2 fail per host, check and object; a SKIP has
// no status (the check could not look) and is counted in kvmio_checks instead, so an
// alert on `kvmio_check_status == 2` never fires on a host kvmio could not read.
import type { Finding, Status } from '../model/finding.js';

export interface PromHost {
  readonly host: string;
  readonly findings: readonly Finding[];
  readonly failure?: { readonly kind: string; readonly message: string };
}

const VALUE: Readonly<Record<Exclude<Status, 'skip'>, number>> = { pass: 0, warn: 1, fail: 2 };

/** Label values escape backslash, double quote and newline (exposition format). */
export const promLabel = (v: string): string => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

const labels = (l: Readonly<Record<string, string>>): string => `{${Object.entries(l).map(([k, v]) => `${k}="${promLabel(v)}"`).join(',')}}`;

export function renderPrometheus(hosts: readonly PromHost[], at: Date): string {
  const seconds = Math.floor(at.getTime() / 1000);
  const status = new Map<string, { l: Record<string, string>; v: number }>();
  for (const h of hosts) {
    for (const f of h.findings) {
      if (f.status === 'skip') continue;
      const key = `${h.host}\0${f.id}\0${f.object}`;
      const v = VALUE[f.status];
      const prev = status.get(key);
      if (!prev || v > prev.v) status.set(key, { l: { host: h.host, check: f.id, object: f.object }, v });
    }
  }
  const out: string[] = [
    '# HELP kvmio_check_status Result of a kvmio audit check on one object: 0 pass, 1 warn, 2 fail.',
    '# TYPE kvmio_check_status gauge',
    ...[...status.values()].map((s) => `kvmio_check_status${labels(s.l)} ${s.v}`),
    '# HELP kvmio_checks Number of kvmio audit findings per host and status (skip: the check could not read its facts).',
    '# TYPE kvmio_checks gauge',
  ];
  for (const h of hosts) {
    if (h.failure) continue;
    for (const s of ['pass', 'warn', 'fail', 'skip'] as const) out.push(`kvmio_checks${labels({ host: h.host, status: s })} ${h.findings.filter((f) => f.status === s).length}`);
  }
  out.push('# HELP kvmio_probe_success Whether kvmio could probe the host (1) or not (0, see the reason label).', '# TYPE kvmio_probe_success gauge');
  for (const h of hosts) out.push(`kvmio_probe_success${labels({ host: h.host, reason: h.failure?.kind ?? '' })} ${h.failure ? 0 : 1}`);
  out.push('# HELP kvmio_audit_timestamp_seconds When kvmio audited the host, as a Unix time.', '# TYPE kvmio_audit_timestamp_seconds gauge');
  for (const h of hosts) out.push(`kvmio_audit_timestamp_seconds${labels({ host: h.host })} ${seconds}`);
  return out.join('\n') + '\n';
}
