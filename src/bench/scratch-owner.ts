// Scratch files that survive a SIGKILLed run are removed by the next run. A run cannot
// clean up after `kill -9`, so every scratch name carries its owner: the PID and the
// process start time (field 22 of /proc/PID/stat, in clock ticks since boot; proc(5)).
// A later run removes entries whose owner is gone, or whose PID now belongs to another
// process (the start time differs): a live run's files are never touched.
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/** Start time of PID from /proc/PID/stat, or undefined when there is no such process. */
export function processStartTicks(pid: number | 'self'): string | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // comm (field 2) may hold spaces and parentheses: the fields after the last ")" start at field 3.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return rest[19];
}

let own: string | undefined;

/** "p<pid>s<start>": the owner part of this process's scratch names. */
export function ownerTag(): string {
  own ??= `p${process.pid}s${processStartTicks('self') ?? '0'}`;
  return own;
}

const TAG = /^p(\d+)s(\d+)-/;

/** Is the owner named at the start of `rest` ("p123s456-…") still running? Unparseable names count as alive (not ours to remove). */
export function ownerAlive(rest: string): boolean {
  const m = TAG.exec(rest);
  if (!m) return true;
  return processStartTicks(Number(m[1])) === m[2];
}

/** Removes entries of `dir` named PREFIX + owner tag + … whose owner is gone; returns what was removed. */
export function removeStaleScratch(dir: string, prefix: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const n of names) {
    if (!n.startsWith(prefix) || ownerAlive(n.slice(prefix.length))) continue;
    const p = join(dir, n);
    rmSync(p, { recursive: true, force: true });
    removed.push(p);
  }
  return removed;
}
