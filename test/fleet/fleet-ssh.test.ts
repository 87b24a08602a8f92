// kvmio audit/collect over real ssh: sshd in network namespaces made by the test (three
// reachable hosts, one unreachable, one whose host key changed since known_hosts was
// written, one that refuses our key). Each host gets its own result; the changed key is
// never accepted; the dump a host sends audits like a local collect of the same machine.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { exec } from '../../src/exec.js';
import { cli } from '../helpers.js';
import { withSshLab, type SshLab } from '../netns.js';

interface JsonReport {
  hosts: { host: string; ok: boolean; error?: { kind: string; message: string }; status?: string }[];
  findings: { host: string; id: string; object: string; status: string }[];
  status: string;
}

const hostArgs = (lab: SshLab): string[] => lab.hosts.flatMap((h) => ['--host', `root@${h.address}`]);

describe('fleet over ssh (network namespaces)', { timeout: 300_000 }, () => {
  it('audits reachable hosts and reports the unreachable, changed-key, refused-key and no-sh ones, each as such', async () => {
    await withSshLab(['ok', 'ok', 'ok', 'unreachable', 'changed-key', 'refused-key', 'no-sh'], async (lab) => {
      const knownBefore = readFileSync(lab.knownHosts, 'utf8');
      const r = await lab.kvmio(['audit', ...hostArgs(lab), '--ssh-config', lab.sshConfig, '--timeout', '30', '--json']);
      assert.equal(r.code, 1, r.stderr);
      const rep = JSON.parse(r.stdout) as JsonReport;
      const byHost = new Map(rep.hosts.map((h) => [h.host, h]));
      for (const h of lab.hosts) {
        const got = byHost.get(`root@${h.address}`);
        assert.ok(got, `no result for ${h.address}`);
        const expected = { ok: undefined, unreachable: 'unreachable', 'changed-key': 'host-key-changed', 'refused-key': 'auth-refused', 'no-sh': 'no-sh', hangs: 'timeout' }[h.kind];
        assert.equal(got.error?.kind, expected, `${h.kind} ${h.address}: ${JSON.stringify(got)}`);
        const findings = rep.findings.filter((f) => f.host === `root@${h.address}`);
        if (h.kind === 'ok') assert.ok(findings.length > 5, `findings for ${h.address}`);
        else assert.equal(findings.length, 0);
      }
      assert.ok(rep.findings.every((f) => typeof f.host === 'string'));
      assert.equal(rep.status, 'fail');
      assert.equal(readFileSync(lab.knownHosts, 'utf8'), knownBefore, 'known_hosts unchanged: the new key was not accepted');
      const changed = lab.hosts.findIndex((h) => h.kind === 'changed-key');
      assert.doesNotMatch(readFileSync(join(lab.dir, `sshd${changed}.log`), 'utf8'), /Accepted publickey/, 'no session on the changed-key host');

      const text = await lab.kvmio(['audit', ...hostArgs(lab).slice(0, 4), '--host', `root@${lab.hosts[3]?.address}`, '--ssh-config', lab.sshConfig]);
      assert.equal(text.code, 1);
      assert.match(text.stdout, /^host\s+result\s+\S/m);
      assert.match(text.stdout, new RegExp(`root@${lab.hosts[3]?.address.replace(/\./g, '\\.')}\\s+ERROR unreachable`));
      assert.match(text.stdout, /3 hosts: 2 audited, 1 failed/);
    });
  });

  it('--timeout: a host that never answers is reported as timeout, the others still audited', async () => {
    await withSshLab(['ok', 'hangs'], async (lab) => {
      const started = Date.now();
      const r = await lab.kvmio(['audit', ...hostArgs(lab), '--ssh-config', lab.sshConfig, '--timeout', '15', '--json']);
      assert.equal(r.code, 1, r.stderr);
      const rep = JSON.parse(r.stdout) as JsonReport;
      assert.deepEqual(rep.hosts.map((h) => [h.ok, h.error?.kind]), [[true, undefined], [false, 'timeout']]);
      assert.ok(Date.now() - started < 90_000, 'the hung host did not hold the run');
    });
  });

  it('a namespace host\'s dump audits to the same findings as a local kvmio collect', async () => {
    await withSshLab(['ok'], async (lab) => {
      const h = lab.hosts[0]?.address as string;
      let remote = '';
      let local = '';
      let fa: unknown[] = [];
      let fb: unknown[] = [1];
      // two snapshots a moment apart on a machine other tests change: retry a live difference, a real one stays
      for (let attempt = 0; attempt < 3 && JSON.stringify(fa) !== JSON.stringify(fb); attempt++) {
        remote = join(lab.dir, `remote${attempt}`);
        local = join(lab.dir, `local${attempt}`);
        const c = await lab.kvmio(['collect', '--host', h, '--ssh-config', lab.sshConfig, '-o', remote]);
        assert.equal(c.code, 0, c.stderr + c.stdout);
        const l = await cli(['collect', '-o', local]);
        assert.equal(l.code, 0, l.stderr);
        const a = await cli(['audit', '--from', join(remote, h), '--json']);
        const b = await cli(['audit', '--from', local, '--json']);
        fa = (JSON.parse(a.stdout) as { findings: unknown[] }).findings;
        fb = (JSON.parse(b.stdout) as { findings: unknown[] }).findings;
        assert.ok(fb.length > 5);
      }
      assert.deepEqual(fa, fb);
      // several dumps side by side: the same table as over ssh
      const both = await cli(['audit', '--from', remote, '--from', local, '--json']);
      const rep = JSON.parse(both.stdout) as JsonReport;
      assert.deepEqual(rep.hosts.map((x) => x.host), [h, local.slice(local.lastIndexOf('/') + 1)]);
    });
  });

  it('--format prometheus passes promtool check metrics; --format junit is well-formed XML', async () => {
    await withSshLab(['ok', 'unreachable'], async (lab) => {
      const prom = join(lab.dir, 'kvmio.prom');
      const r = await lab.kvmio(['audit', ...hostArgs(lab), '--ssh-config', lab.sshConfig, '--format', 'prometheus', '-o', prom]);
      assert.equal(r.code, 1, r.stderr);
      const text = readFileSync(prom, 'utf8');
      assert.match(text, /^# TYPE kvmio_check_status gauge$/m);
      assert.match(text, new RegExp(`^kvmio_check_status\\{host="root@${lab.hosts[0]?.address.replace(/\./g, '\\.')}",check="[a-z.-]+",object="[^"]+"\\} [012]$`, 'm'));
      assert.match(text, /^kvmio_probe_success\{host="[^"]+",reason="unreachable"\} 0$/m);
      assert.match(text, /^kvmio_audit_timestamp_seconds\{host="[^"]+"\} \d{10}$/m);
      const check = await exec(['sh', '-c', 'promtool check metrics < "$1"', 'sh', prom]);
      assert.equal(check.code, 0, check.stdout + check.stderr);
      const junit = join(lab.dir, 'kvmio.xml');
      const j = await lab.kvmio(['audit', ...hostArgs(lab), '--ssh-config', lab.sshConfig, '--format', 'junit', '-o', junit]);
      assert.equal(j.code, 1);
      const lint = await exec(['xmllint', '--noout', junit]);
      assert.equal(lint.code, 0, lint.stderr);
      assert.match(readFileSync(junit, 'utf8'), /<testcase classname="kvmio.probe" name="probe"><error type="unreachable"/);
    });
  });

  it('--inventory (INI and YAML) with groups, ansible_host/port/user and --limit', async () => {
    await withSshLab(['ok', 'ok', 'unreachable'], async (lab) => {
      const [a, b, c] = lab.hosts.map((h) => h.address);
      const ini = join(lab.dir, 'hosts.ini');
      writeFileSync(ini, `# lab\n[kvm]\nhv1 ansible_host=${a}\nhv2 ansible_host=${b} ansible_port=22\n\n[broken]\nhv3 ansible_host=${c}\n\n[kvm:vars]\nansible_user=root\n\n[prod:children]\nkvm\n`);
      const yml = join(lab.dir, 'hosts.yml');
      writeFileSync(yml, `all:\n  children:\n    prod:\n      children:\n        kvm:\n          hosts:\n            hv1: {ansible_host: ${a}}\n            hv2:\n              ansible_host: ${b}\n          vars: {ansible_user: root}\n    broken:\n      hosts:\n        hv3: {ansible_host: ${c}}\n`);
      for (const inv of [ini, yml]) {
        const r = await lab.kvmio(['audit', '--inventory', inv, '--limit', 'prod', '--ssh-config', lab.sshConfig, '--json']);
        const rep = JSON.parse(r.stdout) as JsonReport;
        assert.deepEqual(rep.hosts.map((h) => [h.host, h.ok]), [['hv1', true], ['hv2', true]], `${inv}: ${r.stderr}`);
        const all = await lab.kvmio(['audit', '--inventory', inv, '--ssh-config', lab.sshConfig, '--json']);
        assert.equal(all.code, 1);
        assert.deepEqual((JSON.parse(all.stdout) as JsonReport).hosts.map((h) => [h.host, h.ok]), [['hv1', true], ['hv2', true], ['hv3', false]]);
      }
    });
  });

  it('bad input: one clear line, exit 2, and no session opened on any host', async () => {
    await withSshLab(['ok'], async (lab) => {
      const good = `root@${lab.hosts[0]?.address}`;
      const bad = join(lab.dir, 'bad.ini');
      writeFileSync(bad, '[kvm\nhv1\n');
      const badYaml = join(lab.dir, 'bad.yml');
      writeFileSync(badYaml, 'all:\n  hosts: [a, b\n');
      const inv = join(lab.dir, 'ok.ini');
      writeFileSync(inv, `[kvm]\nhv1 ansible_host=${lab.hosts[0]?.address}\n`);
      const badPort = join(lab.dir, 'port.ini');
      writeFileSync(badPort, `hv1 ansible_host=${lab.hosts[0]?.address} ansible_port=0\n`);
      const cases: [string[], RegExp][] = [
        [['--inventory', bad], /bad\.ini: line 1: section "\[kvm" is not valid/],
        [['--inventory', badYaml], /bad\.yml: not valid YAML/],
        [['--inventory', inv, '--limit', 'nosuch'], /--limit nosuch: no such group or host/],
        [['--inventory', badPort], /ansible_port: port "0" is out of range; expected 1-65535/],
        [['--host', `${good}:70000`], /port "70000" is out of range; expected 1-65535/],
        [['--host', 'hv1;reboot'], /host "hv1;reboot" is not valid/],
        [['--host', '$(touch /tmp/kvmio-pwned)'], /is not valid/],
        [['--host', '-oProxyCommand=touch /tmp/kvmio-pwned'], /is not valid/],
        [['--host', 'ro ot@hv1'], /user "ro ot" is not valid/],
      ];
      for (const [args, message] of cases) {
        const r = await lab.kvmio(['audit', '--host', good, ...args, '--ssh-config', lab.sshConfig]);
        assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
        const lines = r.stderr.trim().split('\n').filter((l) => !l.startsWith('  hint:'));
        assert.equal(lines.length, 1, r.stderr);
        assert.match(lines[0] as string, message);
        assert.equal(r.stdout, '');
      }
      assert.doesNotMatch(readFileSync(join(lab.dir, 'sshd0.log'), 'utf8'), /Accepted publickey/, 'nothing ran remotely');
    });
  });
});
