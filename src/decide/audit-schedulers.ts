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

export function auditSchedulers(facts: HostFacts): Finding[] {
  if (!facts.blockDevices.ok) {
    return [{ id: 'sched.live', object: 'host', status: 'skip', why: `block devices unreadable: ${facts.blockDevices.reason}` }];
  }
  return facts.blockDevices.value.filter((d) => d.kind !== 'part').map((d) => auditOne(d, facts));
}

function auditOne(dev: BlockDevice, facts: HostFacts): Finding {
  const choice = chooseScheduler(dev, facts.roles);
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
