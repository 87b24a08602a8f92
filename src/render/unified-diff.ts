// A unified diff of two texts by lines, for showing proposed edits (`vm tune`, dry-runs).
// jsdiff (the `diff` package) finds the changes and groups them into hunks; the headers
// and hunk lines are written here so the output stays what `diff -u` prints, without
// timestamps. unifiedDiff and fileDiff compare lines as whole lines (no "\ No newline at
// end of file" markers); exactDiff is byte-exact for patch(1): a CR stays part of its
// line and a missing final newline gets diff's marker.
import { structuredPatch, type StructuredPatchHunk } from 'diff';

interface DiffOpts {
  readonly from?: string;
  readonly to?: string;
  readonly context?: number;
}

export function unifiedDiff(before: string, after: string, opts: DiffOpts = {}): string {
  return diffLines(before.split('\n'), after.split('\n'), opts);
}

/** A whole file's change for dry-runs: undefined is "no such file" (shown as /dev/null). */
export function fileDiff(oldText: string | undefined, newText: string | undefined, path: string, context = 3): string {
  const lines = (t: string | undefined): string[] => (t === undefined || t === '' ? [] : t.replace(/\n$/, '').split('\n'));
  return diffLines(lines(oldText), lines(newText), {
    from: oldText === undefined ? '/dev/null' : `a${path}`,
    to: newText === undefined ? '/dev/null' : `b${path}`,
    context,
  });
}

/** The diff that patch(1) applies to BEFORE as it is, giving exactly AFTER (CRLF, no final newline and all). */
export function exactDiff(before: string, after: string, opts: DiffOpts = {}): string {
  return writeHunks(structuredPatch('', '', before, after, undefined, undefined, { context: opts.context ?? 3 }).hunks, opts);
}

function diffLines(a: readonly string[], b: readonly string[], opts: DiffOpts): string {
  // Every line gets its newline back, so jsdiff sees whole lines and never a missing final newline.
  const text = (lines: readonly string[]): string => lines.map((l) => `${l}\n`).join('');
  return writeHunks(structuredPatch('', '', text(a), text(b), undefined, undefined, { context: opts.context ?? 3 }).hunks, opts);
}

function writeHunks(hunks: readonly StructuredPatchHunk[], opts: DiffOpts): string {
  if (hunks.length === 0) return '';
  const out: string[] = [`--- ${opts.from ?? 'before'}`, `+++ ${opts.to ?? 'after'}`];
  for (const h of hunks) {
    // diff -u numbers an empty side by the line before it (so "-0,0" for a new file).
    const oldStart = h.oldLines === 0 ? h.oldStart - 1 : h.oldStart;
    const newStart = h.newLines === 0 ? h.newStart - 1 : h.newStart;
    out.push(`@@ -${oldStart},${h.oldLines} +${newStart},${h.newLines} @@`, ...h.lines);
  }
  return `${out.join('\n')}\n`;
}
