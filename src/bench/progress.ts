// Progress of a bench run: a bar with the ETA redrawn in place on a TTY, one plain line
// per step otherwise (logs, CI, pipes).
import type { BenchProgress } from './run-bench.js';

export const fmtDuration = (ms: number): string => {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
};

export function renderProgress(p: BenchProgress, tty: boolean, width = 24): string {
  const eta = p.etaMs === undefined ? '' : ` ETA ${fmtDuration(p.etaMs)}`;
  if (!tty) return `[${p.done}/${p.total}] ${p.label}${eta}\n`;
  const filled = p.total === 0 ? width : Math.round((p.done / p.total) * width);
  const bar = `${'#'.repeat(filled)}${'.'.repeat(width - filled)}`;
  return `\r\x1b[2K[${bar}] ${p.done}/${p.total} ${fmtDuration(p.elapsedMs)}${eta}  ${p.label}`.slice(0, 200) + (p.done === p.total ? '\n' : '');
}
