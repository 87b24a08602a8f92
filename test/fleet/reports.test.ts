// Fleet reports from fixed results: the host x check table, Prometheus text (checked by
// promtool when installed: scripts/deps.sh installs it), JUnit XML (xmllint).
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { exec } from '../../src/exec.js';
import { fixText, type Finding } from '../../src/model/finding.js';
import { renderFleetTable } from '../../src/report/fleet-table.js';
import { renderJunit } from '../../src/report/junit.js';
import { renderPrometheus } from '../../src/report/prometheus.js';
import { withTempDir } from '../helpers.js';

const f = (id: string, object: string, status: Finding['status'], extra: Partial<Finding> = {}): Finding => ({ id, object, status, why: `${id} matters`, ...extra });

const HOSTS = [
  { host: 'hv1', durationMs: 1200, findings: [f('sched.host-ssd', 'sda', 'fail', { observed: 'bfq', expected: 'mq-deadline', fix: fixText`echo mq-deadline > ${'/sys/block/sda/queue/scheduler'}` }), f('sched.host-ssd', 'sdb', 'fail'), f('sched.host-ssd', 'sdc', 'pass'), f('aio.max-nr', 'host', 'warn'), f('kvm.device', 'host', 'pass')] },
  { host: 'hv2 "quoted"\\', durationMs: 900, findings: [f('sched.host-ssd', 'nvme0n1', 'pass'), f('aio.max-nr', 'host', 'pass'), f('kvm.device', 'host', 'skip', { observed: '<no /dev/kvm> & more' })] },
  { host: 'hv3', durationMs: 30_000, findings: [], failure: { kind: 'host-key-changed', message: 'host key changed since it was recorded in known_hosts; not accepted' } },
];

describe('fleet reports', () => {
  it('table: one row per host, worst status and count per check, failures with their reason', () => {
    const t = renderFleetTable(HOSTS);
    const lines = t.split('\n');
    assert.match(lines[0] as string, /^host\s+result\s+aio\.max-nr\s+kvm\.device\s+sched\.host-ssd$/);
    assert.match(lines[1] as string, /^hv1\s+2 fail 1 warn 0 skip 2 ok\s+WARN 1\s+ok\s+FAIL 2$/);
    assert.match(lines[2] as string, /^hv2 "quoted"\\\s+0 fail 0 warn 1 skip 2 ok\s+ok\s+skip 1\s+ok$/);
    assert.match(lines[3] as string, /^hv3\s+ERROR host-key-changed$/);
    assert.match(t, /^hv3: host key changed since it was recorded in known_hosts; not accepted$/m);
    assert.match(t, /^3 hosts: 2 audited, 1 failed; findings 2 fail, 1 warn, 1 skip, 4 pass$/m);
    assert.match(renderFleetTable(HOSTS, { verbose: true }), /^== hv1$/m);
  });

  it('prometheus: textfile format with HELP/TYPE, escaped labels, no status for SKIP; promtool accepts it', async () => {
    const text = renderPrometheus(HOSTS, new Date('2026-12-01T12:00:00Z'));
    assert.match(text, /^kvmio_check_status\{host="hv1",check="sched\.host-ssd",object="sda"\} 2$/m);
    assert.match(text, /^kvmio_check_status\{host="hv1",check="aio\.max-nr",object="host"\} 1$/m);
    assert.match(text, /^kvmio_check_status\{host="hv2 \\"quoted\\"\\\\",check="aio\.max-nr",object="host"\} 0$/m);
    assert.doesNotMatch(text, /^kvmio_check_status\{host="hv2[^}]*check="kvm\.device"/m, 'a SKIP has no status');
    assert.match(text, /^kvmio_checks\{host="hv2 \\"quoted\\"\\\\",status="skip"\} 1$/m);
    assert.match(text, /^kvmio_probe_success\{host="hv3",reason="host-key-changed"\} 0$/m);
    assert.match(text, /^kvmio_audit_timestamp_seconds\{host="hv1"\} 1796126400$/m);
    assert.match(text, /^# HELP kvmio_check_status /m);
    assert.match(text, /^# TYPE kvmio_audit_timestamp_seconds gauge$/m);
    const promtool = await exec(['sh', '-c', 'command -v promtool']);
    if (promtool.code !== 0) assert.fail('promtool is not installed: run scripts/deps.sh (Debian package prometheus)');
    await withTempDir(async (dir) => {
      writeFileSync(join(dir, 'kvmio.prom'), text);
      const r = await exec(['sh', '-c', 'promtool check metrics < "$1"', 'sh', join(dir, 'kvmio.prom')]);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      writeFileSync(join(dir, 'broken.prom'), 'kvmio_check_status{host="a" 2\n');
      assert.notEqual((await exec(['sh', '-c', 'promtool check metrics < "$1"', 'sh', join(dir, 'broken.prom')])).code, 0, 'promtool can fail');
    });
  });

  it('junit: a suite per host, failures, skips and probe errors; well-formed XML', async () => {
    const xml = renderJunit(HOSTS, new Date('2026-12-01T12:00:00Z'));
    assert.match(xml, /<testsuites name="kvmio audit" tests="9" failures="2" errors="1">/);
    assert.match(xml, /<testsuite name="hv1" tests="5" failures="2" errors="0" skipped="0" time="1\.200"/);
    assert.match(xml, /<testcase classname="kvmio\.sched\.host-ssd" name="sda"><failure message="bfq">observed: bfq\nexpected: mq-deadline\nwhy: sched\.host-ssd matters\nfix: echo mq-deadline &gt; \/sys\/block\/sda\/queue\/scheduler/);
    assert.match(xml, /<testsuite name="hv2 &quot;quoted&quot;\\"/);
    assert.match(xml, /<skipped message="&lt;no \/dev\/kvm&gt; &amp; more"\/>/);
    assert.match(xml, /<error type="host-key-changed" message="host key changed/);
    await withTempDir(async (dir) => {
      writeFileSync(join(dir, 'k.xml'), xml);
      const r = await exec(['xmllint', '--noout', join(dir, 'k.xml')]);
      assert.equal(r.code, 0, r.stderr);
    });
  });
});
