// tmpfiles.d(5) lines that write a scheduler: "w /sys/block/sda/queue/scheduler - - - - mq-deadline"
// (also w+, w!, and /sys/class/block/...). They run once at boot, by kernel name.
import type { SchedulerRule } from './host-facts.js';

const PATH = /^\/sys\/(?:block|class\/block)\/([^/]+)\/queue\/scheduler$/;

export function parseTmpfiles(text: string, file: string): SchedulerRule[] {
  const rules: SchedulerRule[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const f = line.split(/\s+/);
    const type = f[0] ?? '';
    if (!/^w[+!-]*$/.test(type)) return;
    const m = PATH.exec(f[1] ?? '');
    if (!m) return;
    // the argument is the 7th field, the rest of the line
    const arg = f.slice(6).join(' ').trim();
    if (arg === '' || arg === '-') return;
    rules.push({ kind: 'tmpfiles', file, line: i + 1, text: line, kernel: m[1] as string, matches: {}, scheduler: arg });
  });
  return rules;
}
