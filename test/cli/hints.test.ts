// Hints that work: the commands kvmio prints for people to paste are parsed by a real
// POSIX shell and run (dry runs only), and do what the finding says; a disk spec that
// names nothing is a usage error.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execOk } from '../../src/exec.js';
import type { Finding } from '../../src/model/finding.js';
import { cli, fixture, uniqueName, withTempDir } from '../helpers.js';

type Rendered = Omit<Finding, 'fix'> & { fix?: string; action?: { kind: string } };

/** The words a POSIX shell makes of `command` (what a person pasting it runs). */
async function shellWords(command: string): Promise<string[]> {
  const r = await execOk(['sh', '-c', `set -- ${command}; for a in "$@"; do printf '%s\\0' "$a"; done`]);
  return r.stdout.split('\0').slice(0, -1);
}

const findingsOf = (stdout: string): Rendered[] => (JSON.parse(stdout) as { findings: Rendered[] }).findings;

describe('hints that work', () => {
  it("a --domain-xml domain's fixes point to kvmio vm tune --domain-xml FILE, quoted, and that command runs", () =>
    withTempDir(async (dir) => {
      const image = join(dir, 'a b.qcow2');
      await execOk(['qemu-img', 'create', '-q', '-f', 'qcow2', image, '64M']);
      const file = join(dir, "dom 'x' $(id).xml");
      writeFileSync(file, `<domain type='kvm'><name>h1</name><vcpu>2</vcpu><devices><disk type='file' device='disk'><driver name='qemu' type='qcow2' cache='writeback'/><source file='${image}'/><target dev='vda' bus='virtio'/></disk></devices></domain>\n`);
      const audit = await cli(['vm', 'audit', '--no-libvirt', '--domain-xml', file, '--json']);
      const tunes = findingsOf(audit.stdout).filter((f) => f.action?.kind === 'vm-tune');
      assert.ok(tunes.length >= 2, audit.stdout);
      for (const f of tunes) {
        const m = /kvmio vm tune --domain-xml ('(?:[^']|'\\'')*'|\S+)/.exec(f.fix ?? '');
        assert.ok(m, `${f.id}: ${f.fix}`);
        assert.deepEqual(await shellWords(m[0]), ['kvmio', 'vm', 'tune', '--domain-xml', file], f.id);
      }
      const words = await shellWords(/kvmio vm tune --domain-xml ('(?:[^']|'\\'')*'|\S+)/.exec(tunes[0]?.fix ?? '')?.[0] ?? '');
      const tune = await cli(words.slice(1));
      assert.equal(tune.code, 0, tune.stderr);
      assert.match(tune.stdout, /^\+.*cache=["']none["']/m);
    }));

  it('an aio finding points to kvmio fix --only aio --vms N, which plans the value it names in the one sysctl.d file kvmio manages', async () => {
    const audit = await cli(['audit', '--from', fixture('hosts', 'dl360-gen9'), '--json', '--only', 'aio.max-nr']);
    const f = findingsOf(audit.stdout).find((x) => x.id === 'aio.max-nr');
    const m = /^(kvmio fix --only aio --vms \d+ --yes) \(fs\.aio-max-nr ≥ (\d+), set live and persisted in (\S+)\)/.exec(f?.fix ?? '');
    assert.ok(m, f?.fix);
    const [, command, value, file] = m as unknown as [string, string, string, string];
    assert.equal(file, '/etc/sysctl.d/90-kvmio.conf');
    // The same command without --yes is a dry run on this host: it changes nothing.
    const words = (await shellWords(command)).filter((w) => w !== '--yes');
    const plan = await cli([...words.slice(1), '--json']);
    assert.equal(plan.code, 0, plan.stderr);
    const actions = (JSON.parse(plan.stdout) as { actions: { kind: string; path: string; content?: string; value?: string }[] }).actions;
    const persisted = actions.find((a) => a.kind === 'file' && a.path === file);
    const planned = Number(/fs\.aio-max-nr = (\d+)/.exec(persisted?.content ?? '')?.[1] ?? (actions.find((a) => a.kind === 'sysfs')?.value ?? 'NaN'));
    if (persisted) assert.ok(planned >= Number(value), `${file} gets ${planned}, the hint says ≥ ${value}`);
    else {
      // this host is already at or above the target: nothing planned is the right answer
      const live = Number((await execOk(['cat', '/proc/sys/fs/aio-max-nr'])).stdout.trim());
      assert.ok(live >= Number(value), `nothing planned, live ${live} < ${value}`);
    }
  });

  it('lv:VG/LV that does not exist is a usage error (exit 2), one line, like a missing file', async () => {
    const vg = uniqueName('kvmio-novg');
    for (const source of [`lv:${vg}/disk`, `/nonexistent/${vg}.raw`]) {
      const r = await cli(['disk', 'xml', source]);
      assert.equal(r.code, 2, `${source}: ${r.stdout}${r.stderr}`);
      assert.equal(r.stdout, '');
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, source.startsWith('lv:') ? new RegExp(`lv:${vg}/disk does not exist \\(lvs: .*not found\\)`) : /does not exist/);
    }
  });
});
