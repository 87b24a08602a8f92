// sched.guest-virtual cites the guest tier's measured none-vs-mq-deadline answer: a KVM
// winner beyond the spread becomes the expected scheduler, a TCG figure is only cited.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { auditSchedulers } from '../../../src/decide/audit-schedulers.js';
import { DumpSource } from '../../../src/facts/dump-source.js';
import { probeHost } from '../../../src/facts/probe-host.js';
import { guestSchedulerEvidence } from '../../../src/bench/guest/guest-sched-evidence.js';
import { ResultsSchema, type Results } from '../../../src/bench/results-schema.js';
import { summarize } from '../../../src/bench/stats.js';
import { fixture } from '../../helpers.js';
import { makeResults, W_RANDWRITE } from '../results-fixture.js';

const fig = (iops: number) => ({ iops, bandwidthBytesPerSec: iops * 4096, durationMs: 2000 });

function schedResults(none: readonly number[], mq: readonly number[], accel: 'kvm' | 'tcg'): Results {
  const base = makeResults('/store', [{ config: { format: 'raw', preallocation: 'falloc', cache: 'none', aio: 'native' }, iops: [1] }]);
  const point = (sched: 'none' | 'mq-deadline', iops: readonly number[]) => {
    const repeats = iops.map(fig);
    return {
      id: `guest:${sched}`, tier: 'guest', runner: 'appliance-fio', transport: 'virtio-blk', workload: W_RANDWRITE,
      config: { id: 'raw-falloc-none-native.virtio-blk.iothread.q1', format: 'raw', preallocation: 'falloc', aio: 'native', cache: 'none' },
      repeats, summary: summarize(repeats), functionalOnly: accel === 'tcg',
      guest: { accel, accelReason: 'test', machine: 'q35', vcpus: 2, memoryMiB: 512, vmCount: 1, vmIndex: 0, scheduler: sched, target: 'xfs' },
    };
  };
  return ResultsSchema.parse({ ...base, points: [...base.points, point('none', none), point('mq-deadline', mq)] });
}

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
