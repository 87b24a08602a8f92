// sched.* (live): the scheduler each block device runs now vs the one its role and media
// want (choose-scheduler.ts). Partitions use their disk's queue and get no finding.
import { fixAnd, fixText, type Fix } from '../model/finding.js';
import { fixWords } from './fix-words.js';
import type { BlockDevice, HostFacts } from '../facts/host-facts.js';
import type { Finding } from '../model/finding.js';
import { chooseScheduler } from './choose-scheduler.js';

export const schedulerFix = (dev: string, sched: string, available: readonly string[]): Fix => {
  const echo = fixText`echo ${sched} > ${`/sys/block/${dev}/queue/scheduler`}`;
  return sched !== 'none' && available.length > 0 && !available.includes(sched) ? fixAnd(fixWords(['modprobe', sched]), echo) : echo;
};

/**
 * The guest tier's measured answer to "none or mq-deadline inside a guest?" (kvmio bench
 * --guest --guest-sched none,mq-deadline; src/bench/guest/guest-sched-evidence.ts builds it).
 */
export interface GuestSchedulerEvidence {
  readonly runId: string;
  readonly workload: string;
  readonly target: string;
  readonly vms: number;
  readonly noneIops: number;
  readonly mqDeadlineIops: number;
  /** Beyond both spreads; undefined when they overlap. */
  readonly winner: 'none' | 'mq-deadline' | undefined;
  /** Measured under TCG: it shows the path works, not which is faster. */
  readonly functionalOnly: boolean;
}

/** The sentence sched.guest-virtual adds when a guest bench measured both schedulers. */
export function citeGuestScheduler(ev: GuestSchedulerEvidence): string {
  const fig = `none ${Math.round(ev.noneIops)} vs mq-deadline ${Math.round(ev.mqDeadlineIops)} IOPS per VM (${ev.workload}, ${ev.target}, ${ev.vms} VM(s), bench ${ev.runId})`;
  if (ev.functionalOnly) return `a guest bench measured ${fig}, but under TCG: functional only, not evidence`;
  return ev.winner === undefined ? `measured here: ${fig}: within the spread, so none (less work per I/O) stays` : `measured here: ${fig}: ${ev.winner} wins beyond the spread`;
}

export function auditSchedulers(facts: HostFacts, guestEvidence?: GuestSchedulerEvidence): Finding[] {
  if (!facts.blockDevices.ok) {
    return [{ id: 'sched.live', object: 'host', status: 'skip', why: `block devices unreadable: ${facts.blockDevices.reason}` }];
  }
  return facts.blockDevices.value.filter((d) => d.kind !== 'part').map((d) => auditOne(d, facts, guestEvidence));
}

function auditOne(dev: BlockDevice, facts: HostFacts, guestEvidence: GuestSchedulerEvidence | undefined): Finding {
  const chosen = chooseScheduler(dev, facts.roles);
  // A measured guest answer that is a performance figure and has a winner replaces the default; TCG figures are only cited.
  const measured = chosen.ok && chosen.id === 'sched.guest-virtual' && guestEvidence !== undefined;
  const useWinner = measured && !guestEvidence.functionalOnly && guestEvidence.winner !== undefined;
  const choice = measured && chosen.ok
    ? { ...chosen, ...(useWinner ? { expected: guestEvidence.winner as string } : {}), why: `${chosen.why}; ${citeGuestScheduler(guestEvidence)}` }
    : chosen;
  const object = dev.name;
  if (!choice.ok) return { id: choice.id, object, status: 'skip', why: `${dev.name}: ${choice.reason}` };
  const base = { id: choice.id, object, ref: choice.ref };
  if (!dev.scheduler.ok) {
    if (choice.id === 'sched.stacked' || choice.id === 'sched.not-scheduled') {
      return { ...base, status: 'pass', observed: '(no queue/scheduler)', expected: choice.expected, why: `bio-based ${dev.kind} device without a scheduler of its own; ${choice.why}` };
    }
    return { ...base, status: 'skip', expected: choice.expected, why: `scheduler unreadable: ${dev.scheduler.reason}` };
  }
  const { current, available } = dev.scheduler.value;
  if (choice.id === 'sched.not-scheduled') return { ...base, status: 'pass', observed: current, expected: choice.expected, why: choice.why };
  if (current === choice.expected) return { ...base, status: 'pass', observed: current, expected: choice.expected, why: choice.why };
  if (choice.alsoOk.includes(current)) {
    return { ...base, status: 'pass', observed: current, expected: [choice.expected, ...choice.alsoOk].join(' or '), why: `${current} is acceptable here (note); ${choice.why}` };
  }
  return {
    ...base,
    status: 'warn',
    observed: current,
    expected: [choice.expected, ...choice.alsoOk].join(' or '),
    why: choice.why,
    fix: schedulerFix(dev.name, choice.expected, available),
  };
}
