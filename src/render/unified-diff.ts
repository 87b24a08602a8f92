// A unified diff of two texts by lines, for showing proposed edits (`vm tune`, dry-runs).
// jsdiff (the `diff` package) finds the changes and groups them into hunks; the headers
// and hunk lines are written here so the output stays what `diff -u` prints, without
// timestamps and without jsdiff's "\ No newline at end of file" markers (each input
// line is compared as a whole line).
import { structuredPatch } from 'diff';

export function unifiedDiff(before: string, after: string, opts: { from?: string; to?: string; context?: number } = {}): string {
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

function diffLines(a: readonly string[], b: readonly string[], opts: { from?: string; to?: string; context?: number }): string {
  // Every line gets its newline back, so jsdiff sees whole lines and never a missing final newline.
  const text = (lines: readonly string[]): string => lines.map((l) => `${l}\n`).join('');
  const { hunks } = structuredPatch('', '', text(a), text(b), undefined, undefined, { context: opts.context ?? 3 });
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
