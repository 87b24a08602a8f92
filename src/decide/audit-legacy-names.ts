// sched.legacy-name: udev/tmpfiles lines that still name the pre-5.0 schedulers. The
// kernel rejects "noop" and "cfq" with EINVAL (the line silently does nothing);
// "deadline" survives only as mq-deadline's alias.
import { fixWords, sedRegex, sedReplacement } from './fix-words.js';
import type { HostFacts, SchedulerRule } from '../facts/host-facts.js';
import type { Finding } from '../model/finding.js';
import { REF } from './host-defaults.js';
import { LEGACY_SCHEDULERS } from './choose-scheduler.js';

export const ruleWhere = (r: SchedulerRule): string => `${r.file}:${r.line}`;

/** The object a rule is about: its device when it names one exactly, else the host. */
export const ruleObject = (r: SchedulerRule): string => (r.kernel !== undefined && /^[A-Za-z0-9_.:-]+$/.test(r.kernel) ? r.kernel : 'host');

export function auditLegacyNames(facts: HostFacts): Finding[] {
  const id = 'sched.legacy-name';
  if (!facts.schedulerRules.ok) return [{ id, object: 'host', status: 'skip', why: `udev/tmpfiles rules unreadable: ${facts.schedulerRules.reason}`, ref: REF.legacyRemoved }];
  const legacy = facts.schedulerRules.value.filter((r) => LEGACY_SCHEDULERS[r.scheduler] !== undefined);
  if (legacy.length === 0) {
    return [{ id, object: 'host', status: 'pass', observed: `${facts.schedulerRules.value.length} scheduler rule(s), no legacy names`, expected: 'blk-mq names (none, mq-deadline, bfq, kyber)', why: 'legacy names noop/deadline/cfq were removed with the legacy block layer in Linux 5.0', ref: REF.legacyRemoved }];
  }
  const names = new Set(facts.blockDevices.ok ? facts.blockDevices.value.map((d) => d.name) : []);
  return legacy.map((r) => {
    const modern = LEGACY_SCHEDULERS[r.scheduler] as string;
    const alias = r.scheduler === 'deadline';
    return {
      id,
      object: names.has(ruleObject(r)) ? ruleObject(r) : 'host',
      status: alias ? 'warn' : 'fail',
      observed: `${r.scheduler} (${ruleWhere(r)})`,
      expected: modern,
      why: alias
        ? 'legacy name: Linux 5.0 removed the legacy "deadline"; it still works only as mq-deadline\'s alias, so say mq-deadline'
        : `legacy name: Linux 5.0 removed "${r.scheduler}"; writing it fails with EINVAL, so this line does nothing at boot (its blk-mq counterpart is ${modern})`,
      fix: fixWords(['sed', '-i', `${r.line}s/\\b${sedRegex(r.scheduler)}\\b/${sedReplacement(modern)}/`, r.file]),
      ref: REF.legacyRemoved,
    };
  });
}
