// tuned.profile: an active tuned profile sets sysctls and readahead too, and
// `tuned-adm verify` may then disagree with what kvmio persisted. It sets no scheduler
// in virtual-host/virtual-guest, so it does not fight the sched.* rules.
import type { HostFacts } from '../facts/host-facts.js';
import type { Finding } from '../model/finding.js';
import { REF } from './host-defaults.js';

export function auditTuned(facts: HostFacts): Finding[] {
  const base = { id: 'tuned.profile', object: 'host', ref: REF.tuned };
  const t = facts.tunedProfile;
  if (!t.ok) {
    if (/ENOENT|not in dump|not installed|unavailable/i.test(t.reason)) {
      return [{ ...base, status: 'pass', observed: 'tuned not installed', expected: 'no conflicting profile', why: 'nothing else sets sysctls or readahead behind kvmio\'s back' }];
    }
    return [{ ...base, status: 'skip', why: `tuned's active profile unreadable: ${t.reason}` }];
  }
  const profile = t.value.trim();
  const virt = /virtual-(host|guest)/.test(profile);
  return [{
    ...base, status: 'pass', observed: `active profile ${profile || '(none)'}`, expected: 'no conflicting profile',
    why: `note: tuned applies its profile's sysctls and readahead at start${virt ? ` (${profile} sets no scheduler, so sched.* is unaffected)` : ''}; if it sets fs.aio-max-nr or a scheduler too, the later writer wins: check with tuned-adm verify`,
  }];
}
