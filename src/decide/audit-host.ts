// auditHost: every host rule over the facts, one finding per check and object (PASS
// included, SKIP with the reason when a fact could not be read), in a stable order.
import type { HostFacts } from '../facts/host-facts.js';
import type { Finding } from '../model/finding.js';
import { auditSchedulers, type GuestSchedulerEvidence } from './audit-schedulers.js';
import { auditLegacyNames } from './audit-legacy-names.js';
import { auditSchedPersisted } from './audit-sched-persisted.js';
import { auditBootElevator } from './audit-boot-elevator.js';
import { auditAio } from './audit-aio.js';
import { auditAioPersisted } from './audit-aio-persisted.js';
import { auditIommu } from './audit-iommu.js';
import { auditKvm } from './audit-kvm.js';
import { auditTuned } from './audit-tuned.js';
import { sortFindings } from './sort-findings.js';

/** Measured answers some rules cite (kvmio bench results saved in the state directory). */
export interface HostEvidence {
  /** The guest tier's none vs mq-deadline answer, for sched.guest-virtual. */
  readonly guestScheduler?: GuestSchedulerEvidence;
}

const RULES: readonly ((facts: HostFacts, evidence: HostEvidence) => Finding[])[] = [
  (facts, evidence) => auditSchedulers(facts, evidence.guestScheduler), auditLegacyNames, auditSchedPersisted, auditBootElevator,
  auditAio, auditAioPersisted, auditIommu, auditKvm, auditTuned,
];

/** Host rules name their object "host" or a block device (sda, nvme0n1): the subject says which. */
const withSubject = (f: Finding): Finding => (f.subject ? f : { ...f, subject: f.object === 'host' ? { kind: 'host' } : { kind: 'block', device: f.object } });

export function auditHost(facts: HostFacts, evidence: HostEvidence = {}): Finding[] {
  return sortFindings(RULES.flatMap((rule) => rule(facts, evidence)).map(withSubject));
}
