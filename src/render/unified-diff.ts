// A unified diff of two texts by lines (LCS), for showing proposed edits (`vm tune`).
// Pure; small inputs (domain XML, a few hundred lines), so O(n·m) is fine.

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
  const n = a.length;
  const m = b.length;
  // lcs[i][j] = LCS length of a[i..], b[j..]
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    const row = lcs[i] as number[];
    const next = lcs[i + 1] as number[];
    for (let j = m - 1; j >= 0; j--) row[j] = a[i] === b[j] ? (next[j + 1] as number) + 1 : Math.max(next[j] as number, row[j + 1] as number);
  }
  type Op = { kind: ' ' | '-' | '+'; text: string; ai: number; bi: number };
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      ops.push({ kind: ' ', text: a[i] as string, ai: i++, bi: j++ });
    } else if (i < n && (j >= m || (lcs[i + 1]?.[j] ?? 0) >= (lcs[i]?.[j + 1] ?? 0))) {
      ops.push({ kind: '-', text: a[i] as string, ai: i++, bi: j }); // deletions first, as diff -u shows them
    } else {
      ops.push({ kind: '+', text: b[j] as string, ai: i, bi: j++ });
    }
  }
  if (ops.every((o) => o.kind === ' ')) return '';
  const ctx = opts.context ?? 3;
  const out: string[] = [`--- ${opts.from ?? 'before'}`, `+++ ${opts.to ?? 'after'}`];
  let k = 0;
  while (k < ops.length) {
    // find next change
    while (k < ops.length && ops[k]?.kind === ' ') k++;
    if (k >= ops.length) break;
    let start = Math.max(0, k - ctx);
    let end = k;
    // extend the hunk while changes are within 2*ctx of each other
    for (;;) {
      while (end < ops.length && ops[end]?.kind !== ' ') end++;
      let gap = end;
      while (gap < ops.length && ops[gap]?.kind === ' ' && gap - end < 2 * ctx) gap++;
      if (gap < ops.length && ops[gap]?.kind !== ' ') end = gap;
      else break;
    }
    const stop = Math.min(ops.length, end + ctx);
    const hunk = ops.slice(start, stop);
    const first = hunk[0] as Op;
    const aLen = hunk.filter((o) => o.kind !== '+').length;
    const bLen = hunk.filter((o) => o.kind !== '-').length;
    out.push(`@@ -${aLen === 0 ? first.ai : first.ai + 1},${aLen} +${bLen === 0 ? first.bi : first.bi + 1},${bLen} @@`);
    for (const o of hunk) out.push(`${o.kind}${o.text}`);
    k = stop;
    start = stop;
  }
  return `${out.join('\n')}\n`;
}
