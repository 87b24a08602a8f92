// queue/scheduler: "none [mq-deadline] kyber bfq" — the bracketed one is in use. A
// queue without elevator support prints a bare "none" (block/elevator.c, elv_iosched_show).
import type { Scheduler } from './host-facts.js';
import { missing, ok, type Read } from './source.js';

const NAME = /^[a-z0-9][a-z0-9_-]*$/;

export function parseScheduler(text: string): Read<Scheduler> {
  const words = text.trim().split(/\s+/).filter((w) => w !== '');
  if (words.length === 0) return missing('queue/scheduler is empty');
  let current: string | undefined;
  const available: string[] = [];
  for (const w of words) {
    const m = /^\[(.*)\]$/.exec(w);
    const name = m ? (m[1] as string) : w;
    if (!NAME.test(name)) return missing(`queue/scheduler: "${text.trim().slice(0, 80)}" is not a scheduler list`);
    if (m) {
      if (current !== undefined) return missing(`queue/scheduler: "${text.trim().slice(0, 80)}" has two selected schedulers`);
      current = name;
    }
    available.push(name);
  }
  if (current === undefined) {
    if (available.length === 1 && available[0] === 'none') return ok({ current: 'none', available });
    return missing(`queue/scheduler: "${text.trim().slice(0, 80)}" has no selected [scheduler]`);
  }
  return ok({ current, available });
}
