// The appliance's result port (a file on the host) → facts, fio figures or the init's
// error. Pure. The protocol is in src/bench/appliance/result-protocol.ts.
import { ERROR_PREFIX, FACT_PREFIX, JSON_BEGIN, JSON_END } from '../appliance/result-protocol.js';
import { parseFioOutput, type FioOutput } from '../fio-json.js';
import type { GuestFacts } from './guest-types.js';

export type GuestReport =
  | { readonly kind: 'ok'; readonly facts: GuestFacts; readonly fio: FioOutput; readonly fioExit: number }
  | { readonly kind: 'error'; readonly facts: GuestFacts; readonly reason: string };

const toNumber = (s: string | undefined): number | undefined => {
  const n = Number(s);
  return s !== undefined && s !== '' && Number.isFinite(n) ? n : undefined;
};

/** A serial port is a tty: ONLCR turns every "\n" the guest writes into "\r\n" (termios(3)). */
const unTty = (text: string): string => text.replace(/\r\n/g, '\n');

export function parseGuestFacts(raw: string): GuestFacts {
  const text = unTty(raw);
  const kv = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (!line.startsWith(FACT_PREFIX)) continue;
    const rest = line.slice(FACT_PREFIX.length).trim();
    const sp = rest.indexOf(' ');
    if (sp > 0) kv.set(rest.slice(0, sp), rest.slice(sp + 1).trim());
  }
  // "[none] mq-deadline": the bracketed name is the active scheduler (block/elevator.c, elv_iosched_show).
  const sched = kv.get('scheduler');
  const active = sched === undefined ? undefined : (/\[([^\]]+)\]/.exec(sched)?.[1] ?? sched);
  const facts: Record<string, string | number> = {};
  if (active !== undefined) facts.scheduler = active;
  for (const [key, name] of [['target', 'target'], ['kernel', 'kernel']] as const) {
    const v = kv.get(key);
    if (v !== undefined) facts[name] = v;
  }
  for (const [key, name] of [['start', 'startEpochS'], ['end', 'endEpochS'], ['uptime-at-start', 'uptimeAtStartS']] as const) {
    const v = toNumber(kv.get(key));
    if (v !== undefined) facts[name] = v;
  }
  return facts as GuestFacts;
}

/** undefined while the guest has not written a complete report. */
export function parseGuestResult(raw: string): GuestReport | undefined {
  const text = unTty(raw);
  const facts = parseGuestFacts(text);
  const err = text.split('\n').find((l) => l.startsWith(ERROR_PREFIX));
  if (err !== undefined) return { kind: 'error', facts, reason: `guest: ${err.slice(ERROR_PREFIX.length).trim()}` };
  const begin = text.indexOf(`${JSON_BEGIN}\n`);
  if (begin < 0) return undefined;
  const endAt = text.indexOf(JSON_END, begin);
  if (endAt < 0) return undefined;
  const rc = /rc=(\d+)/.exec(text.slice(endAt))?.[1];
  if (rc === undefined) return undefined;
  const json = text.slice(begin + JSON_BEGIN.length + 1, endAt);
  const fioExit = Number(rc);
  try {
    const fio = parseFioOutput(json);
    const jobError = fio.jobs[0]?.error ?? 0;
    if (fioExit !== 0 || jobError !== 0) return { kind: 'error', facts, reason: `guest fio exited ${fioExit} (job error ${jobError})` };
    return { kind: 'ok', facts, fio, fioExit };
  } catch (e) {
    return { kind: 'error', facts, reason: `guest fio exited ${fioExit}: ${(e as Error).message}` };
  }
}
