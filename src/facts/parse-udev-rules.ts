// udev rules (udev(7)) that set a block device's scheduler: an assignment
// ATTR{queue/scheduler}="NAME" (or :=), or a RUN that echoes NAME into
// .../queue/scheduler. Lines join on a trailing backslash; comments start with "#".
import type { SchedulerRule } from './host-facts.js';

interface Token {
  readonly key: string;
  readonly op: string;
  readonly value: string;
}

/** Splits `KEY{attr}=="v", KEY+="v"` into tokens; undefined when the line is not rule syntax. */
export function tokenizeUdevLine(line: string): Token[] | undefined {
  const tokens: Token[] = [];
  const re = /\s*,?\s*([A-Za-z_]+(?:\{[^}]*\})?)\s*(==|!=|\+=|-=|:=|=)\s*"((?:[^"\\]|\\.)*)"\s*/y;
  let pos = 0;
  while (pos < line.length) {
    re.lastIndex = pos;
    const m = re.exec(line);
    if (!m) return line.slice(pos).trim().replace(/^,/, '').trim() === '' ? tokens : undefined;
    tokens.push({ key: m[1] as string, op: m[2] as string, value: m[3] as string });
    pos = re.lastIndex;
  }
  return tokens;
}

const SCHED_ATTR = /^ATTRS?\{queue\/scheduler\}$/;
const RUN_ECHO = /echo\s+['"]?([a-z0-9-]+)['"]?\s*>+\s*\S*queue\/scheduler/;

export function parseUdevRules(text: string, file: string): SchedulerRule[] {
  const rules: SchedulerRule[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let line = lines[i] as string;
    while (line.endsWith('\\') && i + 1 < lines.length) line = line.slice(0, -1) + (lines[++i] as string);
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#') || !trimmed.includes('queue/scheduler')) continue;
    const tokens = tokenizeUdevLine(trimmed);
    if (!tokens) continue;
    let scheduler: string | undefined;
    for (const t of tokens) {
      if (SCHED_ATTR.test(t.key) && (t.op === '=' || t.op === ':=')) scheduler = t.value;
      else if (t.key.startsWith('RUN') && t.op !== '==' && t.op !== '!=') scheduler = RUN_ECHO.exec(t.value)?.[1] ?? scheduler;
    }
    if (scheduler === undefined) continue;
    const matches: Record<string, string> = {};
    let kernel: string | undefined;
    for (const t of tokens) {
      if (t.op !== '==' && t.op !== '!=') continue;
      if (t.key === 'KERNEL' && t.op === '==') kernel = t.value;
      else matches[t.op === '!=' ? `${t.key}!` : t.key] = t.value;
    }
    rules.push({ kind: 'udev', file, line: start + 1, text: trimmed, ...(kernel !== undefined ? { kernel } : {}), matches, scheduler });
  }
  return rules;
}
