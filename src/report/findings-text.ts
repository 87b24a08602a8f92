// Findings as a readable text table, grouped by object (pure; shared by every command
// that reports findings). PASS lines are one line unless verbose; the others show why
// and the fix.
import type { Finding, FixAction, Status, Subject } from '../model/finding.js';
import { renderFix } from '../render/shell-quote.js';

export interface FindingsTextOptions {
  /** Show why and the reference for every finding, PASS included. */
  readonly verbose?: boolean;
}

export type Counts = Readonly<Record<Status, number>>;

export function countFindings(findings: readonly Finding[]): Counts {
  const c = { fail: 0, warn: 0, skip: 0, pass: 0 };
  for (const f of findings) c[f.status]++;
  return c;
}

export const countsLine = (findings: readonly Finding[]): string => {
  const c = countFindings(findings);
  return `${findings.length} check${findings.length === 1 ? '' : 's'}: ${c.fail} fail, ${c.warn} warn, ${c.skip} skip, ${c.pass} pass`;
};

const seenExpected = (f: Finding): string => {
  const parts: string[] = [];
  if (f.observed !== undefined) parts.push(`seen ${f.observed}`);
  if (f.expected !== undefined) parts.push(`expected ${f.expected}`);
  return parts.join('; ');
};

/** Findings in the order given (callers sort), grouped by object in order of first appearance. */
export function renderFindingsText(findings: readonly Finding[], opts: FindingsTextOptions = {}): string {
  if (findings.length === 0) return 'no checks matched\n';
  const width = Math.max(...findings.map((f) => f.id.length));
  const groups = new Map<string, Finding[]>();
  for (const f of findings) {
    const g = groups.get(f.object);
    if (g) g.push(f);
    else groups.set(f.object, [f]);
  }
  const lines: string[] = [];
  const pad = ' '.repeat(8);
  for (const [object, list] of groups) {
    lines.push(object);
    for (const f of list) {
      const detail = f.status === 'skip' ? f.why : seenExpected(f);
      lines.push(`  ${f.status.toUpperCase().padEnd(4)}  ${f.id.padEnd(width)}  ${detail}`.trimEnd());
      const full = opts.verbose === true || f.status === 'warn' || f.status === 'fail';
      if (full && f.status !== 'skip') lines.push(`${pad}why: ${f.why}`);
      if (full && f.fix !== undefined) lines.push(`${pad}fix: ${renderFix(f.fix)}`);
      if (opts.verbose === true && f.ref !== undefined) lines.push(`${pad}ref: ${f.ref}`);
    }
    lines.push('');
  }
  lines.push(countsLine(findings));
  return `${lines.join('\n')}\n`;
}

/** A finding as JSON: the fields of the text table, `fix` as the command to paste, and the structures behind them. */
export interface FindingJson {
  readonly id: string;
  readonly object: string;
  readonly subject?: Subject;
  readonly status: Status;
  readonly observed?: string;
  readonly expected?: string;
  readonly why: string;
  readonly fix?: string;
  readonly action?: FixAction;
  readonly ref?: string;
}

export function findingJson(f: Finding): FindingJson {
  const { fix, ...rest } = f;
  return { ...rest, ...(fix ? { fix: renderFix(fix), ...(fix.action ? { action: fix.action } : {}) } : {}) };
}

export const findingsJson = (findings: readonly Finding[]): FindingJson[] => findings.map(findingJson);
