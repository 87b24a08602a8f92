// sched.guest-virtual cites the guest tier's measured none-vs-mq-deadline answer: a KVM
// winner beyond the spread becomes the expected scheduler, a TCG figure is only cited.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { auditSchedulers } from '../../../src/decide/audit-schedulers.js';
import { DumpSource } from '../../../src/facts/dump-source.js';
import { probeHost } from '../../../src/facts/probe-host.js';
import { guestSchedulerEvidence } from '../../../src/bench/guest/guest-sched-evidence.js';
import { fixture } from '../../helpers.js';
import { makeGuestSchedResults as schedResults, makeResults } from '../results-fixture.js';

describe('guest scheduler evidence', () => {
  it('a KVM winner beyond the spread becomes what sched.guest-virtual expects, with the figures cited', async () => {
    const ev = guestSchedulerEvidence(schedResults([1000, 1010], [1500, 1490], 'kvm'));
    assert.equal(ev?.winner, 'mq-deadline');
    const facts = await probeHost(new DumpSource(fixture('hosts', 'guest-virtio')));
    const plain = auditSchedulers(facts).filter((f) => f.id === 'sched.guest-virtual');
    const cited = auditSchedulers(facts, ev).filter((f) => f.id === 'sched.guest-virtual');
    assert.ok(plain.length > 0);
    assert.ok(plain.every((f) => f.expected === 'none'));
    assert.ok(cited.every((f) => f.expected === 'mq-deadline'));
    assert.ok(cited.every((f) => /measured here: none 1005 vs mq-deadline 1495 IOPS per VM \(randwrite-4k-qd32, xfs, 1 VM\(s\), bench .*\): mq-deadline wins beyond the spread/.test(f.why ?? '')));
  });
  it('overlapping spreads keep none', () => {
    assert.equal(guestSchedulerEvidence(schedResults([1000, 1400], [1100, 1300], 'kvm'))?.winner, undefined);
  });
  it('a TCG measurement is cited as functional only and changes nothing', async () => {
    const ev = guestSchedulerEvidence(schedResults([1000, 1010], [1500, 1490], 'tcg'));
    assert.equal(ev?.functionalOnly, true);
    const facts = await probeHost(new DumpSource(fixture('hosts', 'guest-virtio')));
    const cited = auditSchedulers(facts, ev).filter((f) => f.id === 'sched.guest-virtual');
    assert.ok(cited.every((f) => f.expected === 'none' && /under TCG: functional only, not evidence/.test(f.why ?? '')));
  });
  it('no pair of schedulers measured, no evidence', () => {
    assert.equal(guestSchedulerEvidence(makeResults('/store', [{ config: { format: 'raw', preallocation: 'falloc', cache: 'none', aio: 'native' }, iops: [1] }])), undefined);
  });
});
