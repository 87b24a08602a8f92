// The install scripts and what they install: CI runs the README's test command, every
// script parses, uninstall removes only what setup put outside the clone, and the
// generated bash and zsh completions complete in a real bash and a real zsh.
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { exec, execOk } from '../../src/exec.js';
import { REPO, cli, withTempDir } from '../helpers.js';

const SCRIPTS = join(REPO, 'scripts');

describe('install scripts', () => {
  it('.ci/run calls exactly the README test command', () => {
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
    const m = /Set up and run every test[^\n]*\n\n {4}(\S[^\n]*)\n/.exec(readme);
    assert.ok(m, 'README: the test command block');
    const ci = readFileSync(join(REPO, '.ci', 'run'), 'utf8').trim().split('\n');
    assert.equal(ci[ci.length - 1], m[1]);
  });

  it('every shell script parses (bash -n)', async () => {
    for (const f of readdirSync(SCRIPTS).filter((n) => n.endsWith('.sh'))) {
      const r = await exec(['bash', '-n', join(SCRIPTS, f)]);
      assert.equal(r.code, 0, `${f}: ${r.stderr}`);
    }
  });

  it('setup.sh, test.sh and uninstall.sh: --help prints what they do and changes nothing; an argument is a usage error', async () => {
    for (const f of ['setup.sh', 'test.sh', 'uninstall.sh']) {
      const r = await exec(['bash', join(SCRIPTS, f), '--help']);
      assert.equal(r.code, 0, `${f}: ${r.stderr}`);
      assert.match(r.stdout, new RegExp(`^usage: \\S*scripts/${f.replace('.', '\\.')}\\n[A-Z]`), f);
      assert.doesNotMatch(r.stdout, /^kvmio: /m, `${f} --help only prints its usage`);
      const bad = await exec(['bash', join(SCRIPTS, f), '--bogus']);
      assert.equal(bad.code, 2, f);
      assert.match(bad.stderr, /no arguments; --help says what it does/);
    }
  });

  it('deps.sh: runtime and test lists are apart; a wrong list name is a usage error', async () => {
    const text = readFileSync(join(SCRIPTS, 'deps.sh'), 'utf8');
    const list = (name: string): string[] => {
      const body = new RegExp(`${name}=\\(([\\s\\S]*?)\\n\\)`).exec(text)?.[1] ?? '';
      return body.split('\n').flatMap((l) => (l.split('#')[0] ?? '').trim().split(/\s+/)).filter((w) => w !== '');
    };
    const runtime = list('RUNTIME_PKGS');
    const tests = list('TEST_PKGS');
    for (const p of ['qemu-utils', 'util-linux', 'lvm2', 'libvirt-clients']) assert.ok(runtime.includes(p), p);
    for (const p of ['qemu-system-x86', 'fio', 'libvirt-daemon-system', 'openssh-server', 'ansible', 'strace']) assert.ok(tests.includes(p) && !runtime.includes(p), p);
    assert.deepEqual(runtime.filter((p) => tests.includes(p)), []);
    const r = await exec(['bash', join(SCRIPTS, 'deps.sh'), 'everything']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /usage: .*deps\.sh runtime\|test/);
  });

  it('uninstall.sh removes what setup installs, and leaves a kvmio that is not its own', () =>
    withTempDir(async (dir) => {
      const env = {
        KVMIO_PREFIX: join(dir, 'opt'),
        KVMIO_BIN: join(dir, 'bin', 'kvmio'),
        KVMIO_MAN: join(dir, 'man', 'kvmio.1'),
        KVMIO_BASH_COMPLETION: join(dir, 'bash', 'kvmio'),
        KVMIO_ZSH_COMPLETION: join(dir, 'zsh', '_kvmio'),
      };
      for (const d of ['opt/lib/kvmio/chunks', 'opt/node/bin', 'bin', 'man', 'bash', 'zsh']) mkdirSync(join(dir, d), { recursive: true });
      writeFileSync(join(dir, 'opt', 'lib', 'kvmio', 'kvmio.mjs'), '#!/bin/true\n');
      writeFileSync(join(dir, 'opt', 'lib', 'kvmio', 'chunks', 'main.mjs'), '');
      writeFileSync(join(dir, 'opt', 'node', 'bin', 'node'), '');
      symlinkSync(join(env.KVMIO_PREFIX, 'lib', 'kvmio', 'kvmio.mjs'), env.KVMIO_BIN);
      for (const f of [env.KVMIO_MAN, env.KVMIO_BASH_COMPLETION, env.KVMIO_ZSH_COMPLETION]) writeFileSync(f, 'x');
      const r = await execOk(['bash', join(SCRIPTS, 'uninstall.sh')], { env });
      for (const p of Object.values(env)) assert.ok(!existsSync(p), `${p} removed`);
      assert.match(r.stdout, new RegExp(`removed ${env.KVMIO_BIN}\\n`));
      assert.match(r.stdout, /uninstalled; kept the Debian packages and \/var\/lib\/kvmio/);
      // Someone else's kvmio on that path stays.
      mkdirSync(join(dir, 'other'));
      writeFileSync(join(dir, 'other', 'kvmio'), '');
      symlinkSync(join(dir, 'other', 'kvmio'), env.KVMIO_BIN);
      const again = await execOk(['bash', join(SCRIPTS, 'uninstall.sh')], { env });
      assert.ok(lstatSync(env.KVMIO_BIN).isSymbolicLink());
      assert.match(again.stdout, /kept .*: it links to .*other\/kvmio, not to kvmio's install/);
    }));

  it('the bash completion completes commands, subcommands, options and choices in a real bash', () =>
    withTempDir(async (dir) => {
      const script = join(dir, 'kvmio.bash');
      writeFileSync(script, (await cli(['completion', 'bash'])).stdout);
      const complete = async (...words: string[]): Promise<string[]> => {
        const w = ['kvmio', ...words].map((x) => `'${x}'`).join(' ');
        const r = await execOk(['bash', '-c', `source '${script}'; COMP_WORDS=(${w}); COMP_CWORD=${words.length}; _kvmio; printf '%s\\n' "\${COMPREPLY[@]}"`]);
        return r.stdout.split('\n').filter((l) => l !== '').sort();
      };
      assert.deepEqual(await complete('di'), ['disk']);
      assert.deepEqual(await complete('disk', ''), ['args', 'create', 'xml']);
      assert.deepEqual(await complete('fix', '--persist', ''), ['auto', 'tmpfiles', 'udev']);
      assert.deepEqual(await complete('disk', 'xml', '--bus', 'virtio-s'), ['virtio-scsi']);
      assert.ok((await complete('audit', '--j')).includes('--json'));
      assert.deepEqual(await complete('completion', ''), ['bash', 'zsh']);
    }));

  it('the zsh completion, autoloaded from $fpath as setup installs it, offers subcommands, options and choices', () =>
    withTempDir(async (dir) => {
      mkdirSync(join(dir, 'site-functions'));
      writeFileSync(join(dir, 'site-functions', '_kvmio'), (await cli(['completion', 'zsh'])).stdout);
      // The function runs in a real zsh with words/CURRENT as zsh's completion system sets
      // them (zshcompwid(1)); compadd, _describe and _files, which only exist inside a
      // completion widget, print what they were given.
      const driver = join(dir, 'complete.zsh');
      writeFileSync(driver, [
        'fpath=("$KVMIO_FPATH" $fpath)',
        'autoload -Uz _kvmio',
        "compadd() { [[ $1 == -- ]] && shift; print -rl -- \"$@\"; }",
        '_describe() { print -rl -- ${${(P)2}%%:*}; }',
        "_files() { print -r -- '(files)'; }",
        'words=(kvmio "$@"); CURRENT=${#words}',
        '_kvmio',
        '',
      ].join('\n'));
      const complete = async (...words: string[]): Promise<string[]> => {
        const r = await execOk(['zsh', '-f', driver, ...words], { env: { ...process.env, KVMIO_FPATH: join(dir, 'site-functions') } });
        return r.stdout.split('\n').filter((l) => l !== '').sort();
      };
      assert.deepEqual(await complete('vm', ''), ['audit', 'tune']);
      assert.deepEqual(await complete('disk', ''), ['args', 'create', 'xml']);
      const top = await complete('');
      for (const c of ['audit', 'collect', 'disk', 'vm', 'completion']) assert.ok(top.includes(c), c);
      assert.ok(!top.includes('man'), 'hidden commands are not offered');
      assert.deepEqual(await complete('fix', '--persist', ''), ['auto', 'tmpfiles', 'udev']);
      assert.deepEqual(await complete('completion', ''), ['bash', 'zsh']);
      assert.ok((await complete('audit', '--j')).includes('--json'));
      assert.deepEqual(await complete('disk', 'xml', '/tm'), ['(files)']);
    }));
});
