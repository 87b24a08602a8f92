// boot.elevator: `elevator=` on the kernel command line does nothing since Linux 5.5.
import type { HostFacts } from '../facts/host-facts.js';
import { fixText, type Finding } from '../model/finding.js';
import { sedRegex } from './fix-words.js';
import { REF } from './host-defaults.js';
import { atLeast, version } from './version.js';
import { parseVersion } from '../facts/parse-version.js';
import { LEGACY_SCHEDULERS } from './choose-scheduler.js';

export function auditBootElevator(facts: HostFacts): Finding[] {
  const id = 'boot.elevator';
  const base = { id, object: 'host', ref: REF.elevatorParam };
  if (!facts.cmdline.ok) return [{ ...base, status: 'skip', why: `kernel command line unreadable: ${facts.cmdline.reason}` }];
  const value = facts.cmdline.value.elevator;
  if (value === undefined) {
    return [{ ...base, status: 'pass', observed: '(not set)', expected: '(not set)', why: 'schedulers are chosen per disk through sysfs, as the kernel asks since Linux 5.5' }];
  }
  const release = facts.kernelRelease.ok ? facts.kernelRelease.value : undefined;
  const kernel = release === undefined ? undefined : parseVersion(release);
  if (kernel !== undefined && !atLeast(kernel, version(5, 5))) {
    return [{ ...base, status: 'pass', observed: `elevator=${value}`, expected: '(not set)', why: `kernel ${release} still honours elevator= (it lost its effect in Linux 5.5); per-disk udev rules are still the better way` }];
  }
  const legacy = LEGACY_SCHEDULERS[value];
  const legacyNote = legacy ? `; "${value}" is the pre-5.0 name of ${legacy}` : '';
  return [{
    ...base,
    status: 'warn',
    observed: `elevator=${value}`,
    expected: '(not set)',
    why: `no effect since Linux 5.5 (kernel ${release ?? '?'} logs "Kernel parameter elevator= does not have any effect anymore. Please use sysfs to set IO scheduler for individual devices.")${legacyNote}: set schedulers per disk instead`,
    fix: fixText`sed -i -E ${`s/[[:space:]]*elevator=${sedRegex(value)}//`} /etc/default/grub && update-grub   # then persist per disk (sched.persisted)`,
  }];
}
