// kvmio export ansible --collect: the playbook runs with Debian's ansible-playbook against
// two namespace hosts (script module, no Python needed on them), and the dumps it fetched
// audit like the same hosts reached over ssh by kvmio itself.
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { withSshLab } from '../netns.js';

interface JsonReport {
  hosts: { host: string; ok: boolean; status?: string }[];
  findings: { host: string; id: string; object: string; status: string }[];
}

describe('kvmio export ansible --collect', { timeout: 300_000 }, () => {
  it('runs under ansible-playbook on two hosts and kvmio audit --from audits the fetched dumps', async () => {
    await withSshLab(['ok', 'ok'], async (lab) => {
      const out = join(lab.dir, 'export');
      const e = await lab.kvmio(['export', 'ansible', '--collect', '-o', out]);
      assert.equal(e.code, 0, e.stderr);
      const inv = join(lab.dir, 'inventory.ini');
      writeFileSync(inv, `[kvm]\n${lab.hosts.map((h, i) => `hv${i + 1} ansible_host=${h.address} ansible_user=root`).join('\n')}\n`);
      const env = {
        ANSIBLE_HOME: join(lab.dir, 'ansible-home'), ANSIBLE_LOCAL_TEMP: join(lab.dir, 'ansible-local'), ANSIBLE_REMOTE_TMP: join(lab.dir, 'ansible-remote'),
        ANSIBLE_SSH_ARGS: `-F ${lab.sshConfig}`, ANSIBLE_HOST_KEY_CHECKING: 'True', ANSIBLE_NOCOLOR: '1', ANSIBLE_RETRY_FILES_ENABLED: 'False',
      };
      // exec.ts sets LC_ALL=C; Ansible insists on a UTF-8 locale
      const p = await lab.run(['env', 'LC_ALL=C.UTF-8', 'ansible-playbook', '-i', inv, join(out, 'kvmio-collect.yml')], { env, timeoutMs: 240_000 });
      assert.equal(p.code, 0, p.stdout + p.stderr);
      const dumps = join(out, 'dumps');
      assert.deepEqual(readdirSync(dumps).sort(), ['hv1.kvmio-probe', 'hv2.kvmio-probe']);
      const viaAnsible = await lab.kvmio(['audit', '--from', dumps, '--json']);
      const a = JSON.parse(viaAnsible.stdout) as JsonReport;
      assert.deepEqual(a.hosts.map((h) => [h.host, h.ok]), [['hv1', true], ['hv2', true]], viaAnsible.stderr);
      const viaSsh = await lab.kvmio(['audit', '--inventory', inv, '--ssh-config', lab.sshConfig, '--json']);
      const b = JSON.parse(viaSsh.stdout) as JsonReport;
      // The two collections are ~20 s apart on a machine other tests change (loop devices
      // come and go, schedulers and fs.aio-max-nr are set and restored): compare which
      // checks ran on which objects; test/fleet/remote-probe.test.ts compares statuses exactly.
      const strip = (r: JsonReport, host: string): string[] =>
        r.findings.filter((f) => f.host === host && !/^loop\d+/.test(f.object)).map((f) => `${f.id} ${f.object}`).sort();
      assert.ok(strip(a, 'hv1').length > 5);
      assert.deepEqual(strip(a, 'hv1'), strip(b, 'hv1'));
      assert.deepEqual(strip(a, 'hv2'), strip(b, 'hv2'));
      const table = await lab.kvmio(['audit', '--from', dumps]);
      assert.match(table.stdout, /^hv1\s+\d+ fail/m);
      assert.match(table.stdout, /^hv2\s+\d+ fail/m);
    });
  });

  it('refuses without --collect and into a non-empty directory (exit 2)', async () => {
    const { cli, withTempDir } = await import('../helpers.js');
    const r = await cli(['export', 'ansible', '-o', '/nonexistent-kvmio-dir']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /nothing to export; expected --collect/);
    await withTempDir(async (dir) => {
      writeFileSync(join(dir, 'x'), '');
      const n = await cli(['export', 'ansible', '--collect', '-o', dir]);
      assert.equal(n.code, 2);
      assert.match(n.stderr, /directory is not empty/);
    });
  });
});
