// The guest scheduler question the seed leaves open ("noop, or deadline: needs a load
// test to decide"), answered from a results file: the guest rows that differ only in the
// guest scheduler, none against mq-deadline, per-VM IOPS with their spreads. The audit's
// sched.guest-virtual rule cites it (decide/audit-schedulers.ts); guestSchedulerEvidence
// is pure, loadGuestSchedulerEvidence reads the results saved in the state directory.
import type { GuestSchedulerEvidence } from '../../decide/audit-schedulers.js';
import type { Point, Results } from '../results-schema.js';
import { guestDetailsOf } from './guest-summary.js';
import { readSavedResults } from '../evidence.js';

interface Side {
  readonly iops: number;
  readonly spread: number;
  readonly functionalOnly: boolean;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

/** The answer from the first comparable pair, preferring performance figures over TCG ones; undefined when no pair was measured. */
export function guestSchedulerEvidence(r: Results): GuestSchedulerEvidence | undefined {
  const sides = new Map<string, { none?: Side; mq?: Side; workload: string; target: string; vms: number }>();
  const byGroup = new Map<string, Point[]>();
  for (const p of r.points) {
    const d = p.tier === 'guest' ? guestDetailsOf(p) : undefined;
    if (!d || !p.summary || !p.config || p.error !== undefined) continue;
    const k = [p.workload.id, p.config.id, d.target, d.vmCount, d.scheduler].join('|');
    byGroup.set(k, [...(byGroup.get(k) ?? []), p]);
  }
  for (const [k, ps] of byGroup) {
    const [workload, config, target, vms, sched] = k.split('|') as [string, string, string, string, string];
    const pair = `${workload}|${config}|${target}|${vms}`;
    const side: Side = {
      iops: median(ps.map((p) => p.summary?.iops ?? 0)),
      spread: median(ps.map((p) => p.summary?.spread.iops ?? 0)),
      functionalOnly: ps.some((p) => p.functionalOnly),
    };
    const e = sides.get(pair) ?? { workload, target, vms: Number(vms) };
    sides.set(pair, sched === 'none' ? { ...e, none: side } : { ...e, mq: side });
  }
  const pairs = [...sides.values()].filter((s): s is Required<typeof s> => s.none !== undefined && s.mq !== undefined);
  const best = pairs.find((s) => !s.none.functionalOnly && !s.mq.functionalOnly) ?? pairs[0];
  if (!best) return undefined;
  const { none, mq } = best;
  const winner = none.iops - none.spread > mq.iops + mq.spread ? 'none' : mq.iops - mq.spread > none.iops + none.spread ? 'mq-deadline' : undefined;
  return {
    runId: r.runId, workload: best.workload, target: best.target, vms: best.vms,
    noneIops: none.iops, mqDeadlineIops: mq.iops, winner, functionalOnly: none.functionalOnly || mq.functionalOnly,
  };
}

/**
 * The guest scheduler answer from the results saved in STATE/bench: the newest run whose
 * figures count (not TCG) wins; without one, the newest TCG pair, which the rule only cites.
 */
export function loadGuestSchedulerEvidence(stateDir: string): GuestSchedulerEvidence | undefined {
  const found = readSavedResults(stateDir).runs.map(({ r }) => guestSchedulerEvidence(r)).filter((e): e is GuestSchedulerEvidence => e !== undefined);
  return found.find((e) => !e.functionalOnly) ?? found[0];
}
