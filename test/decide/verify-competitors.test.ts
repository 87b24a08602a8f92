import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { findCompetitors } from '../../src/decide/verify-competitors.js';
import { ok } from '../../src/facts/source.js';
import type { SchedulerRule } from '../../src/facts/host-facts.js';
import { disk, host } from './fake-facts.js';

const UDEV = '/etc/udev/rules.d/60-kvmio-scheduler.rules';
const udevRule = (file: string, scheduler: string, kernel = 'sd*'): SchedulerRule => ({ kind: 'udev', file, line: 3, text: '', kernel, matches: {}, scheduler });
const tmpRule = (file: string, scheduler: string, dev: string): SchedulerRule => ({ kind: 'tmpfiles', file, line: 1, text: '', kernel: dev, matches: {}, scheduler });

describe('findCompetitors', () => {
  const ours = { schedulers: { file: UDEV, kind: 'udev' as const, devices: [{ name: 'sda', scheduler: 'mq-deadline' }] } };
  const cases: { name: string; rules: SchedulerRule[]; wins: boolean[] }[] = [
    { name: 'a later-sorting udev rule with another value wins', rules: [udevRule('/etc/udev/rules.d/99-local.rules', 'bfq')], wins: [true] },
    { name: 'an earlier udev rule does not win (ours assigns last)', rules: [udevRule('/usr/lib/udev/rules.d/10-x.rules', 'bfq')], wins: [false] },
    { name: 'a later rule setting the same value is harmless', rules: [udevRule('/etc/udev/rules.d/99-local.rules', 'mq-deadline')], wins: [false] },
    { name: 'a rule for another device is ignored', rules: [udevRule('/etc/udev/rules.d/99-local.rules', 'bfq', 'nvme*')], wins: [] },
    { name: 'a tmpfiles.d line runs after udev at boot and wins', rules: [tmpRule('/usr/lib/tmpfiles.d/IO_ioscheduler.conf', 'bfq', 'sda')], wins: [true] },
    { name: 'the seed\'s "deadline" is an alias of mq-deadline: same value', rules: [tmpRule('/usr/lib/tmpfiles.d/IO_ioscheduler.conf', 'deadline', 'sda')], wins: [false] },
    { name: 'the seed\'s "noop" fails on blk-mq: does not win', rules: [tmpRule('/usr/lib/tmpfiles.d/IO_ioscheduler.conf', 'noop', 'sda')], wins: [false] },
    { name: 'our own file is not a competitor', rules: [udevRule(UDEV, 'bfq')], wins: [] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const facts = host([disk('sda')], { schedulerRules: ok(c.rules) });
      assert.deepEqual(findCompetitors(facts, ours).map((x) => x.wins), c.wins);
    });
  }

  it('names the later sysctl.d file that sets the key', () => {
    const facts = host([], {
      sysctl: ok([
        { key: 'fs.aio-max-nr', value: '524288', file: '/etc/sysctl.d/90-kvmio.conf', line: 3 },
        { key: 'fs.aio-max-nr', value: '65536', file: '/etc/sysctl.d/99-sysctl.conf', line: 7 },
      ]),
    });
    const c = findCompetitors(facts, { sysctl: { file: '/etc/sysctl.d/90-kvmio.conf', settings: [{ key: 'fs.aio-max-nr', value: '524288' }] } });
    assert.equal(c.length, 1);
    assert.equal(c[0]!.wins, true);
    assert.match(c[0]!.message, /99-sysctl\.conf:7 sets fs\.aio-max-nr = 65536/);
  });

  it('mentions an active tuned profile without calling it drift', () => {
    const c = findCompetitors(host([], { tunedProfile: ok('virtual-host') }), {});
    assert.deepEqual(c.map((x) => [x.source, x.wins]), [['tuned profile virtual-host', false]]);
  });
});
