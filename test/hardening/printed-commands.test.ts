// Class 3 of issue 18 beyond the finding fixes (test/acceptance/hostile-fix.test.ts covers
// those): the other lines kvmio prints for people to paste — disk create's "would run",
// plan show's "$ argv" lines, export's "run:/then:" lines, passthrough's echo lines, the
// playbook's header comment, and the hints inside messages (shellLine). Hostile values
// (`$(touch X)`, backticks, `;`, quotes, newlines) go in; each printed command is parsed by
// a real /bin/sh and must give back exactly the argv kvmio meant, with no payload run.
// Commands run in a private mount namespace with tmpfs over /etc, /sys and /boot (a
// redirection such as `echo vfio-pci > /sys/…` lands there), PATH a directory of stubs
// that only record their argv (NUL-separated, one file per call), cwd a temp dir.
import assert from 'node:assert/strict';
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { exec } from '../../src/exec.js';
import { vfioHandler } from '../../src/apply/vfio-handler.js';
import { renderStep } from '../../src/provision/step.js';
import { formatChanges } from '../../src/report/plan-text.js';
import { shellCommand, shellComment, shellLine } from '../../src/render/shell-quote.js';
import { cli, REPO, withTempDir } from '../helpers.js';

const STUBS = ['kvmio', 'virsh', 'qemu-img', 'ansible-playbook', 'losetup', 'touch', 'id', 'cat', 'vgcreate'];

/** Runs each SCRIPT with /bin/sh in the sandbox; returns every stub call as [name, ...args]. */
async function runInSandbox(dir: string, scripts: readonly string[]): Promise<string[][]> {
  const bin = join(dir, 'bin');
  const cwd = join(dir, 'cwd');
  const log = join(dir, 'log');
  for (const d of [bin, cwd, log]) mkdirSync(d, { recursive: true });
  for (const s of STUBS) {
    writeFileSync(join(bin, s), `#!/bin/sh\nf=$(/bin/mktemp "${log}/c.XXXXXX")\nprintf '%s\\0' "${s}" "$@" > "$f"\n${s === 'cat' ? '/bin/cat\n' : ''}`);
    chmodSync(join(bin, s), 0o755);
  }
  for (const script of scripts) {
    const wrap = 'mount -t tmpfs none /etc && mount -t tmpfs none /sys && mount -t tmpfs none /boot && cd "$1" && PATH="$2" /bin/sh -c "$3"';
    const r = await exec(['unshare', '--mount', '--propagation', 'private', '/bin/sh', '-c', wrap, 'sandbox', cwd, bin, script], { timeoutMs: 20_000 });
    assert.equal(r.code, 0, `${script}\n${r.stderr}`);
  }
  return readdirSync(log).map((f) => readFileSync(join(log, f), 'utf8').replace(/\0$/, '').split('\0'));
}

/** `sh -n`: the text is one valid shell program (a broken quote would be a syntax error or swallow the rest). */
async function assertParses(text: string): Promise<void> {
  const r = await exec(['/bin/sh', '-n', '-c', text]);
  assert.equal(r.code, 0, `${text}\n${r.stderr}`);
}

const H = ["a;touch PWNED", "b$(touch PWNED)", "c`touch PWNED`", "it's", 'd"q', 'two\nlines', 'sp ace', '-', '~root', '*', '#x'];

describe('class 3: printed commands are safe to paste (a real shell parses them back)', () => {
  it('shellLine and shellCommand: each hostile value comes back as exactly one argument', async () => {
    await withTempDir(async (dir) => {
      const lines = H.map((h) => shellLine`virsh detach-disk ${h} ${[h, 'vdb']} --config`);
      for (const l of lines) await assertParses(l);
      const calls = await runInSandbox(dir, lines);
      assert.equal(calls.length, H.length);
      for (const h of H) assert.ok(calls.some((c) => JSON.stringify(c) === JSON.stringify(['virsh', 'detach-disk', h, h, 'vdb', '--config'])), `${h}: ${JSON.stringify(calls)}`);
      assert.ok(calls.every((c) => c[0] !== 'touch'));
      assert.equal(existsSync(join(dir, 'cwd', 'PWNED')), false);
    });
  });

  it('disk create dry run into a hostile directory: its "would run" lines give qemu-img the exact path; the reserve line stays a comment', async () => {
    await withTempDir(async (dir) => {
      const target = join(dir, "img;touch PWNED $(touch PWNED) 'q'\nnext");
      mkdirSync(target);
      const r = await cli(['disk', 'create', 'web', '--on', target, '--size', '16M', '--state-dir', join(dir, 'state')]);
      assert.equal(r.code, 0, r.stderr);
      const block = r.stdout.slice(r.stdout.indexOf('would run:\n') + 'would run:\n'.length, r.stdout.indexOf('\ndisk XML:'));
      const cmds = block.split('\n  ').map((l) => l.replace(/^ {2}/, ''));
      // the reserve step is a comment on every line, so pasting it runs nothing
      assert.match(cmds[0] ?? '', /^# create /);
      const script = cmds.join('\n').split('\nnote: ')[0] ?? '';
      await assertParses(script);
      const calls = await runInSandbox(join(dir, 'sb'), [script]);
      assert.deepEqual(calls.map((c) => c[0]), ['qemu-img'], JSON.stringify(calls));
      assert.equal(calls[0]?.at(-2), join(target, 'web.raw'));
      assert.equal(existsSync(join(dir, 'sb', 'cwd', 'PWNED')), false);
    });
  });

  it('a here-document step whose content holds its delimiter cannot end early and run the rest', async () => {
    await withTempDir(async (dir) => {
      const content = "<disk>\nEOF\ntouch PWNED\nEOF_\n</disk>\n";
      const text = renderStep({ kind: 'exec', argv: ['virsh', 'attach-device', "dom;touch PWNED", 'disk.xml', '--config'], why: 'attach', file: { name: 'disk.xml', content } });
      await assertParses(text);
      const calls = await runInSandbox(dir, [text]);
      assert.deepEqual(calls.find((c) => c[0] === 'virsh'), ['virsh', 'attach-device', 'dom;touch PWNED', 'disk.xml', '--config']);
      assert.equal(calls.some((c) => c[0] === 'touch'), false);
      assert.equal(readFileSync(join(dir, 'cwd', 'disk.xml'), 'utf8'), content.trimEnd() + '\n');
    });
  });

  it('plan show: each "$ argv" line of a change with hostile names parses back to its argv', async () => {
    await withTempDir(async (dir) => {
      const argv = ['vgcreate', "vg$(touch PWNED)", "/dev/loop0;touch PWNED", "it's\nx"];
      const text = formatChanges([{ section: 'lvm', status: 'create', object: 'vg', summary: 'vgcreate …', argv: [argv] }], { file: "p'$(touch PWNED).yaml", against: 'this host' });
      const line = text.slice(text.indexOf('$ ') + 2, text.indexOf('\n\n1 change'));
      assert.equal(line, shellCommand(argv));
      assert.ok(text.startsWith(`kvmio plan show 'p'\\''$(touch PWNED).yaml' against 'this host'`), text);
      const calls = await runInSandbox(dir, [line]);
      assert.deepEqual(calls, [argv]);
    });
  });

  it('export ansible --collect into a hostile directory: "run:" and "then:" give ansible-playbook and kvmio the exact paths', async () => {
    await withTempDir(async (dir) => {
      const out = join(dir, "out $(touch PWNED);'x'");
      const r = await cli(['export', 'ansible', '--collect', '-o', out]);
      assert.equal(r.code, 0, r.stderr);
      const run = r.stdout.slice(r.stdout.indexOf('run:  ') + 6, r.stdout.indexOf('\nthen: '));
      const then = r.stdout.slice(r.stdout.indexOf('then: ') + 6).trimEnd();
      const calls = await runInSandbox(join(dir, 'sb'), [run, then]);
      assert.ok(calls.some((c) => c[0] === 'ansible-playbook' && c.at(-1)?.startsWith(out)), JSON.stringify(calls));
      assert.ok(calls.some((c) => JSON.stringify(c) === JSON.stringify(['kvmio', 'audit', '--from', join(out, 'dumps')])), JSON.stringify(calls));
      assert.equal(calls.some((c) => c[0] === 'touch'), false);
    });
  });

  it('export ansible PLAN with a newline in the plan file name: the header stays comments and the playbook parses', async () => {
    await withTempDir(async (dir) => {
      const plan = join(dir, "plan\n- hosts: all\n  tasks: [{shell: 'touch PWNED'}]\n#.yaml");
      cpSync(join(REPO, 'examples/seed-homelab.yaml'), plan);
      const out = join(dir, 'out');
      const r = await cli(['export', 'ansible', plan, '-o', out]);
      assert.equal(r.code, 0, r.stderr);
      const yml = readdirSync(out).filter((f) => f.endsWith('.yml'));
      assert.ok(yml.length > 0, readdirSync(out).join(', '));
      for (const f of yml) {
        const text = readFileSync(join(out, f), 'utf8');
        const doc = parse(text) as { hosts?: string; tasks?: Record<string, unknown>[] }[];
        assert.ok(Array.isArray(doc) && doc.length === 1, `${f}: one play expected, got ${JSON.stringify(doc).slice(0, 300)}`);
        // the name only appears inside strings (comments, the play's name), never as a task of its own
        assert.equal(doc[0]?.hosts, "{{ kvmio_hosts | default('all') }}");
        assert.ok((doc[0]?.tasks ?? []).every((t) => !('shell' in t)), JSON.stringify(doc[0]?.tasks).slice(0, 500));
        const header = text.slice(0, text.indexOf('\n- '));
        assert.ok(header.split('\n').every((l) => l.startsWith('#')), header);
      }
    });
  });

  it('passthrough sysfs echo lines: a hostile value and path stay one word each (not JSON.stringify, whose "$(…)" runs)', async () => {
    await withTempDir(async (dir) => {
      const step = { address: '0000:01:00.0', describe: 'bind\nto vfio-pci; touch PWNED', write: { path: '/sys/bus/pci/devices/0000:01:00.0/$(touch PWNED)', value: 'vfio-pci$(touch PWNED)\n' }, undo: [] };
      const a = { kind: 'vfio' as const, id: 'vfio.bind', object: '0000:01:00.0', reason: 'r', address: '0000:01:00.0', direction: 'bind' as const, sysfsRoot: '/', steps: [step] };
      const text = vfioHandler.describe(a, { exists: true, driver: 'nvme', override: '' });
      const echo = text.split('\n')[1]?.trim() ?? '';
      assert.equal(echo, `echo 'vfio-pci$(touch PWNED)' > '/sys/bus/pci/devices/0000:01:00.0/$(touch PWNED)'`);
      await assertParses(echo);
      // /sys is a tmpfs in the sandbox: make the device directory, paste the line, read back what it wrote
      await runInSandbox(dir, [`/bin/mkdir -p /sys/bus/pci/devices/0000:01:00.0 && ${echo} && /bin/cat '/sys/bus/pci/devices/0000:01:00.0/$(touch PWNED)' > written`]);
      assert.equal(readFileSync(join(dir, 'cwd', 'written'), 'utf8'), 'vfio-pci$(touch PWNED)\n');
      assert.equal(existsSync(join(dir, 'cwd', 'PWNED')), false);
      assert.equal(shellComment('a\nb; touch PWNED'), '# a\n# b; touch PWNED');
    });
  });
});
