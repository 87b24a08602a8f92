// auditHost: every host rule over the facts, one finding per check and object (PASS
// included, SKIP with the reason when a fact could not be read), in a stable order.
import type { HostFacts } from '../facts/host-facts.js';
import type { Finding } from '../model/finding.js';
import { auditSchedulers } from './audit-schedulers.js';
import { auditLegacyNames } from './audit-legacy-names.js';
import { auditSchedPersisted } from './audit-sched-persisted.js';
import { auditBootElevator } from './audit-boot-elevator.js';
import { auditAio } from './audit-aio.js';
import { auditAioPersisted } from './audit-aio-persisted.js';
import { auditIommu } from './audit-iommu.js';
import { auditKvm } from './audit-kvm.js';
import { auditTuned } from './audit-tuned.js';
import { sortFindings } from './sort-findings.js';

const RULES: readonly ((facts: HostFacts) => Finding[])[] = [
  auditSchedulers, auditLegacyNames, auditSchedPersisted, auditBootElevator,
  auditAio, auditAioPersisted, auditIommu, auditKvm, auditTuned,
];

/** Host rules name their object "host" or a block device (sda, nvme0n1): the subject says which. */
const withSubject = (f: Finding): Finding => (f.subject ? f : { ...f, subject: f.object === 'host' ? { kind: 'host' } : { kind: 'block', device: f.object } });

export function auditHost(facts: HostFacts): Finding[] {
  return sortFindings(RULES.flatMap((rule) => rule(facts)).map(withSubject));
}
