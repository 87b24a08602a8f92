// scripts/node.sh's choice of runtime (lib.sh choose_node), with fake `node` binaries that
// answer `node -p` with their major version: none at all → install Debian's nodejs and
// npm first; one too old → fetch Node 24 with it; 22 or 24 → use it; the one setup
// provided under $KVMIO_PREFIX/node wins when it is recent enough. Nothing is installed.
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { exec } from '../../src/exec.js';
import { REPO, withTempDir } from '../helpers.js';

const LIB = join(REPO, 'scripts', 'lib.sh');

/** A fake node in DIR: prints MAJOR for any `-p`/`--version`, or fails when MAJOR is undefined. */
function fakeNode(dir: string, major?: number, npm = true): void {
  mkdirSync(dir, { recursive: true });
  const body = major === undefined ? 'exit 1' : `case "$1" in --version) echo v${major}.0.0 ;; *) echo ${major} ;; esac`;
  writeFileSync(join(dir, 'node'), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  if (npm) writeFileSync(join(dir, 'npm'), '// fake npm-cli.js\n');
}

interface Machine {
  /** Directories on PATH, before the one with the few tools lib.sh uses. */
  readonly path: readonly string[];
  readonly prefix: string;
  readonly debianBin: string;
}

async function machine(dir: string, setup: (m: Machine) => void, pathDirs: readonly string[] = []): Promise<Machine> {
  const tools = join(dir, 'tools');
  mkdirSync(tools);
  for (const t of ['dirname', 'readlink']) symlinkSync(`/usr/bin/${t}`, join(tools, t));
  const m: Machine = { path: [...pathDirs.map((p) => join(dir, p)), tools], prefix: join(dir, 'opt'), debianBin: join(dir, 'debian-bin') };
  mkdirSync(m.prefix);
  mkdirSync(m.debianBin);
  setup(m);
  return m;
}

const env = (m: Machine): Record<string, string> => ({ PATH: m.path.join(':'), KVMIO_PREFIX: m.prefix, KVMIO_DEBIAN_BIN: m.debianBin });

async function choice(m: Machine): Promise<string[]> {
  const r = await exec(['/bin/bash', '-c', `. '${LIB}' && choose_node`], { env: env(m) });
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.replace(/\n$/, '').split('\t');
}

describe('node.sh: which node it uses, fetches with, or bootstraps', () => {
  it('no node anywhere: apt (Debian nodejs + npm, only to fetch Node 24)', () =>
    withTempDir(async (dir) => {
      assert.deepEqual(await choice(await machine(dir, () => {})), ['apt']);
    }));

  it('a node that does not run counts as none', () =>
    withTempDir(async (dir) => {
      const m = await machine(dir, () => fakeNode(join(dir, 'broken')), ['broken']);
      assert.deepEqual(await choice(m), ['apt']);
    }));

  it('node 18 and npm on PATH: fetch with them', () =>
    withTempDir(async (dir) => {
      const m = await machine(dir, () => fakeNode(join(dir, 'old'), 18), ['old']);
      assert.deepEqual(await choice(m), ['fetch', join(dir, 'old', 'node'), join(dir, 'old', 'npm')]);
    }));

  it("node 18 on PATH without npm: fetch with Debian's node and npm", () =>
    withTempDir(async (dir) => {
      const m = await machine(dir, (mm) => {
        fakeNode(join(dir, 'old'), 18, false);
        fakeNode(mm.debianBin, 18);
      }, ['old']);
      assert.deepEqual(await choice(m), ['fetch', join(m.debianBin, 'node'), join(m.debianBin, 'npm')]);
    }));

  it('node 22 on PATH: used as it is', () =>
    withTempDir(async (dir) => {
      const m = await machine(dir, () => fakeNode(join(dir, 'n22'), 22), ['n22']);
      assert.deepEqual(await choice(m), ['use', join(dir, 'n22')]);
    }));

  it('node 24 on PATH through a link: the directory of the real binary', () =>
    withTempDir(async (dir) => {
      const m = await machine(dir, () => {
        fakeNode(join(dir, 'real'), 24);
        mkdirSync(join(dir, 'links'));
        symlinkSync(join(dir, 'real', 'node'), join(dir, 'links', 'node'));
      }, ['links']);
      assert.deepEqual(await choice(m), ['use', join(dir, 'real')]);
    }));

  it('the provided $KVMIO_PREFIX/node 24 wins over a node 22 on PATH; an old one there does not', () =>
    withTempDir(async (dir) => {
      const m = await machine(dir, (mm) => {
        fakeNode(join(dir, 'n22'), 22);
        fakeNode(join(mm.prefix, 'node', 'bin'), 24);
      }, ['n22']);
      assert.deepEqual(await choice(m), ['use', join(m.prefix, 'node', 'bin')]);
      fakeNode(join(m.prefix, 'node', 'bin'), 20);
      assert.deepEqual(await choice(m), ['use', join(dir, 'n22')]);
    }));

  it('node.sh with a supported node: installs nothing, prints its directory last', () =>
    withTempDir(async (dir) => {
      const m = await machine(dir, () => fakeNode(join(dir, 'n24'), 24), ['n24']);
      const r = await exec(['/bin/bash', join(REPO, 'scripts', 'node.sh')], { env: env(m) });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, `${join(dir, 'n24')}\n`);
      assert.equal(r.stderr, `kvmio: node v24.0.0 in ${join(dir, 'n24')}\n`);
    }));
});
