// Findings as JUnit XML for CI systems (the Jenkins/Surefire schema most CI servers
// read: testsuites > testsuite per host > testcase per check and object). FAIL is a
// <failure>, SKIP a <skipped>, WARN passes with the message in <system-out>; a host that
// could not be probed is one <testcase name="probe"> with an <error>.
import type { Finding } from '../model/finding.js';
import { renderFix } from '../render/shell-quote.js';

export interface JunitHost {
  readonly host: string;
  readonly findings: readonly Finding[];
  readonly durationMs?: number;
  readonly failure?: { readonly kind: string; readonly message: string };
}

/** Escapes text and attribute values; drops characters XML 1.0 cannot carry. */
// eslint-disable-next-line no-control-regex
export const xmlEscape = (s: string): string => s.replace(/[\x00-\x08\x0b\x0c\x0e-\x1f]/g, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');

const detail = (f: Finding): string =>
  [f.observed !== undefined ? `observed: ${f.observed}` : '', f.expected !== undefined ? `expected: ${f.expected}` : '', `why: ${f.why}`, f.fix ? `fix: ${renderFix(f.fix)}` : '', f.ref ? `ref: ${f.ref}` : '']
    .filter((l) => l !== '').join('\n');

export function renderJunit(hosts: readonly JunitHost[], at: Date): string {
  const suites = hosts.map((h) => {
    const time = ((h.durationMs ?? 0) / 1000).toFixed(3);
    if (h.failure) {
      return `  <testsuite name="${xmlEscape(h.host)}" tests="1" failures="0" errors="1" skipped="0" time="${time}" timestamp="${at.toISOString()}">\n` +
        `    <testcase classname="kvmio.probe" name="probe"><error type="${xmlEscape(h.failure.kind)}" message="${xmlEscape(h.failure.message)}"/></testcase>\n  </testsuite>`;
    }
    const count = (s: string): number => h.findings.filter((f) => f.status === s).length;
    const cases = h.findings.map((f) => {
      const open = `    <testcase classname="${xmlEscape(`kvmio.${f.id}`)}" name="${xmlEscape(f.object)}">`;
      if (f.status === 'fail') return `${open}<failure message="${xmlEscape(f.observed ?? f.why)}">${xmlEscape(detail(f))}</failure></testcase>`;
      if (f.status === 'skip') return `${open}<skipped message="${xmlEscape(f.observed ?? f.why)}"/></testcase>`;
      if (f.status === 'warn') return `${open}<system-out>${xmlEscape(`WARN\n${detail(f)}`)}</system-out></testcase>`;
      return `${open}</testcase>`;
    });
    return `  <testsuite name="${xmlEscape(h.host)}" tests="${h.findings.length}" failures="${count('fail')}" errors="0" skipped="${count('skip')}" time="${time}" timestamp="${at.toISOString()}">\n${cases.join('\n')}${cases.length ? '\n' : ''}  </testsuite>`;
  });
  const total = hosts.reduce((n, h) => n + (h.failure ? 1 : h.findings.length), 0);
  const failures = hosts.reduce((n, h) => n + h.findings.filter((f) => f.status === 'fail').length, 0);
  const errors = hosts.filter((h) => h.failure).length;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="kvmio audit" tests="${total}" failures="${failures}" errors="${errors}">\n${suites.join('\n')}\n</testsuites>\n`;
}
