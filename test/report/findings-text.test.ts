import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fixText, type Finding } from '../../src/model/finding.js';
import { countFindings, countsLine, renderFindingsText } from '../../src/report/findings-text.js';

const F: Finding[] = [
  { id: 'aio.max-nr', object: 'host', status: 'fail', observed: '65000 of 65536', expected: '< 90%', why: 'near the limit', fix: fixText`sysctl -w ${'fs.aio-max-nr=1048576'}`, ref: 'fs.rst' },
  { id: 'boot.elevator', object: 'host', status: 'pass', observed: '(not set)', expected: '(not set)', why: 'per disk', ref: 'elevator.c' },
  { id: 'sched.host-ssd', object: 'sda', status: 'skip', why: 'scheduler unreadable: EACCES' },
  { id: 'sched.persisted', object: 'sda', status: 'warn', observed: 'no rule', expected: 'udev rule', why: 'reboot resets it', fix: fixText(['printf …']) },
];

describe('renderFindingsText', () => {
  it('groups by object, aligns ids, shows why/fix for warn and fail only, reasons for skip, and counts', () => {
    assert.equal(renderFindingsText(F), [
      'host',
      '  FAIL  aio.max-nr       seen 65000 of 65536; expected < 90%',
      '        why: near the limit',
      '        fix: sysctl -w fs.aio-max-nr=1048576',
      '  PASS  boot.elevator    seen (not set); expected (not set)',
      '',
      'sda',
      '  SKIP  sched.host-ssd   scheduler unreadable: EACCES',
      '  WARN  sched.persisted  seen no rule; expected udev rule',
      '        why: reboot resets it',
      '        fix: printf …',
      '',
      '4 checks: 1 fail, 1 warn, 1 skip, 1 pass',
      '',
    ].join('\n'));
  });

  it('verbose adds why and ref to passing checks', () => {
    const t = renderFindingsText(F, { verbose: true });
    assert.match(t, /PASS {2}boot\.elevator .*\n {8}why: per disk\n {8}ref: elevator\.c/);
  });

  it('says so when nothing matched', () => assert.equal(renderFindingsText([]), 'no checks matched\n'));

  it('counts', () => {
    assert.deepEqual(countFindings(F), { fail: 1, warn: 1, skip: 1, pass: 1 });
    assert.equal(countsLine(F.slice(0, 1)), '1 check: 1 fail, 0 warn, 0 skip, 0 pass');
  });
});
