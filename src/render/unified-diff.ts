// A small unified diff (LCS over lines) for showing file changes in dry-runs; kvmio's
// files are a few dozen lines, so the quadratic table is fine.

export function unifiedDiff(oldText: string | undefined, newText: string | undefined, path: string, context = 3): string {
  const a = oldText === undefined || oldText === '' ? [] : oldText.replace(/\n$/, '').split('\n');
  const b = newText === undefined || newText === '' ? [] : newText.replace(/\n$/, '').split('\n');
  const n = a.length;
  const m = b.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  type Op = { t: ' ' | '-' | '+'; s: string; ai: number; bi: number };
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) ops.push({ t: ' ', s: a[i]!, ai: i++, bi: j++ });
    else if (i < n && (j >= m || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) ops.push({ t: '-', s: a[i]!, ai: i++, bi: j });
    else ops.push({ t: '+', s: b[j]!, ai: i, bi: j++ });
  }
  const header = [`--- ${oldText === undefined ? '/dev/null' : `a${path}`}`, `+++ ${newText === undefined ? '/dev/null' : `b${path}`}`];
  const out: string[] = [];
  let k = 0;
  while (k < ops.length) {
    if (ops[k]!.t === ' ') {
      k++;
      continue;
    }
    let start = Math.max(0, k - context);
    let end = k;
    // extend the hunk while changes are within 2*context of each other
    for (;;) {
      while (end < ops.length && ops[end]!.t !== ' ') end++;
      let next = end;
      while (next < ops.length && ops[next]!.t === ' ') next++;
      if (next < ops.length && next - end <= 2 * context) end = next;
      else break;
    }
    const stop = Math.min(ops.length, end + context);
    const hunk = ops.slice(start, stop);
    const aStart = hunk[0]!.ai;
    const bStart = hunk[0]!.bi;
    const aLen = hunk.filter((o) => o.t !== '+').length;
    const bLen = hunk.filter((o) => o.t !== '-').length;
    out.push(`@@ -${aLen === 0 ? aStart : aStart + 1},${aLen} +${bLen === 0 ? bStart : bStart + 1},${bLen} @@`);
    for (const o of hunk) out.push(`${o.t}${o.s}`);
    k = stop;
    start = stop;
  }
  return out.length === 0 ? '' : [...header, ...out].join('\n') + '\n';
}
