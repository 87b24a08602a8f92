// The three ways kvmio ships print the same thing: the dev build (bin/kvmio.js on
// dist/src), the bundle (dist/kvmio/, copied away from node_modules) and the
// single executable (dist/kvmio-linux-x64, copied too), the last with no node on PATH
// and an empty HOME. Both artefacts are built once, here, by the npm scripts' own code.
import assert from 'node:assert/strict';
import { copyFileSync, cpSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { exec, execOk } from '../../src/exec.js';
import { REPO, fixture } from '../helpers.js';

const DL360 = fixture('hosts', 'dl360-gen9');
const NODE_NAMES = new Set(['node', 'nodejs', 'npm', 'npx', 'corepack']);

let work = '';
let bundle = '';
let sea = '';
let env: Record<string, string> = {};

/** A PATH with every program of this one but node and npm: links in one directory. */
function pathWithoutNode(dir: string): string {
  mkdirSync(dir);
  for (const d of (process.env.PATH ?? '').split(':').filter((p) => p.startsWith('/'))) {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      continue;
    }
    for (const n of names) {
      if (NODE_NAMES.has(n)) continue;
      try {
        symlinkSync(join(d, n), join(dir, n));
      } catch {
        // the first directory on PATH wins, as it does for the shell
      }
    }
  }
  return dir;
}

type Way = 'dev' | 'bundle' | 'sea';
const WAYS: readonly Way[] = ['dev', 'bundle', 'sea'];

function argvOf(way: Way, args: readonly string[]): string[] {
  if (way === 'dev') return [process.execPath, join(REPO, 'bin', 'kvmio.js'), ...args];
  if (way === 'bundle') return [process.execPath, bundle, ...args];
  return [sea, ...args];
}

/** Paths in the output are relative to the repository (as in the audit goldens). */
const portable = (s: string): string => s.split(`${REPO}/`).join('');

async function runAll(args: (way: Way) => readonly string[]): Promise<Record<Way, { code: number; stdout: string; stderr: string }>> {
  const out = {} as Record<Way, { code: number; stdout: string; stderr: string }>;
  for (const way of WAYS) {
    const r = await exec(argvOf(way, args(way)), { env, cwd: work, timeoutMs: 60_000 });
    out[way] = { code: r.code, stdout: portable(r.stdout), stderr: portable(r.stderr) };
  }
  return out;
}

function assertSame(rs: Record<Way, { code: number; stdout: string; stderr: string }>, what: string): void {
  for (const way of ['bundle', 'sea'] as const) {
    assert.deepEqual(rs[way], rs.dev, `${what}: ${way} differs from the dev build`);
  }
}

describe('bundle and single executable: same output as the dev build, no node needed', { timeout: 300_000 }, () => {
  before(async () => {
    // The npm scripts' code (npm run bundle, npm run package), on the node running the tests.
    await execOk([process.execPath, join(REPO, 'scripts', 'bundle.mjs')], { timeoutMs: 120_000 });
    await execOk([process.execPath, join(REPO, 'scripts', 'package-sea.mjs')], { timeoutMs: 240_000 });
    work = mkdtempSync(join(tmpdir(), 'kvmio-pkg-'));
    bundle = join(work, 'kvmio', 'kvmio.mjs');
    sea = join(work, 'kvmio-linux-x64');
    cpSync(join(REPO, 'dist', 'kvmio'), join(work, 'kvmio'), { recursive: true });
    copyFileSync(join(REPO, 'dist', 'kvmio-linux-x64'), sea);
    await execOk(['chmod', '755', sea]);
    mkdirSync(join(work, 'home'));
    env = { PATH: pathWithoutNode(join(work, 'bin')), HOME: join(work, 'home'), LC_ALL: 'C' };
  });
  after(() => {
    if (work !== '') rmSync(work, { recursive: true, force: true });
  });

  it('the test environment really has no node: PATH finds none, HOME is empty', async () => {
    const r = await exec(['sh', '-c', 'command -v node || command -v npm || echo none'], { env, cwd: work });
    assert.equal(r.stdout.trim(), 'none');
    assert.deepEqual(readdirSync(env.HOME as string), []);
    assert.ok(!readdirSync(work).includes('node_modules'));
  });

  it('audit --from dl360-gen9: the three print the golden file', async () => {
    const rs = await runAll(() => ['audit', '--from', DL360]);
    assertSame(rs, 'audit');
    assert.equal(rs.sea.code, 0, rs.sea.stderr);
    assert.equal(rs.sea.stdout, readFileSync(fixture('golden', 'audit', 'dl360-gen9.txt'), 'utf8'));
  });

  it('audit --json --from dl360-gen9: the three print the golden file', async () => {
    const rs = await runAll(() => ['audit', '--json', '--from', DL360]);
    assertSame(rs, 'audit --json');
    assert.equal(rs.sea.stdout, readFileSync(fixture('golden', 'audit', 'dl360-gen9.json'), 'utf8'));
  });

  it('disk xml on a temporary raw image (real qemu-img, O_DIRECT probe)', async () => {
    const img = join(work, 'disk.raw');
    await execOk(['qemu-img', 'create', '-q', '-f', 'raw', '-o', 'preallocation=falloc', img, '16M']);
    const rs = await runAll(() => ['disk', 'xml', img]);
    assertSame(rs, 'disk xml');
    assert.equal(rs.sea.code, 0, rs.sea.stderr);
    assert.ok(rs.sea.stdout.includes(`<source file='${img}'/>`), rs.sea.stdout);
  });

  it('collect: the same dump files (process ids and the time aside)', async () => {
    // The live host is shared: another test may attach a loop device or mount between the
    // three runs. A real difference repeats; a passing change does not: up to 5 tries.
    let differences: string[] = [];
    for (let attempt = 1; attempt <= 5; attempt++) {
      const rs = await runAll((way) => ['collect', '-o', join(work, `dump-${attempt}-${way}`)]);
      for (const way of WAYS) {
        assert.equal(rs[way].code, 0, rs[way].stderr);
        rs[way] = { ...rs[way], stdout: rs[way].stdout.replace(`dump-${attempt}-${way}`, 'dump-WAY') };
      }
      const dump = (way: Way): Record<string, string> => {
        const root = join(work, `dump-${attempt}-${way}`);
        const files: Record<string, string> = {};
        const walk = (dir: string): void => {
          for (const n of readdirSync(dir)) {
            const p = join(dir, n);
            const key = relative(root, p).replace(/^fs\/proc\/\d+/, 'fs/proc/PID');
            // Other tests on this machine attach loop devices and mount file systems all the time.
            if (/\bloop\d+\b/.test(key) || key === 'fs/proc/PID/mountinfo') continue;
            const st = lstatSync(p);
            if (st.isDirectory()) walk(p);
            else if (st.isSymbolicLink()) files[key] = key === 'fs/proc/self' ? '-> PID' : `-> ${readlinkSync(p)}`;
            else if (key === 'kvmio-dump.json') files[key] = readFileSync(p, 'utf8').replace(/"collectedAt": "[^"]+"/, '"collectedAt": "T"');
            else if (key === 'fs/proc/sys/fs/aio-nr') files[key] = '(changes as VMs run)';
            // open.json's keys come in the order the parallel probes finish: compare sorted.
            else if (key === 'open.json') files[key] = JSON.stringify(Object.entries(JSON.parse(readFileSync(p, 'utf8')) as object).sort());
            else files[key] = readFileSync(p, 'utf8');
          }
        };
        walk(root);
        return files;
      };
      const dev = dump('dev');
      assert.ok(Object.keys(dev).length > 20, 'a real dump');
      differences = WAYS.filter((w) => rs[w].stdout !== rs.dev.stdout).map((w) => `${w}: stdout`);
      for (const way of ['bundle', 'sea'] as const) {
        const other = dump(way);
        const keys = [...new Set([...Object.keys(dev), ...Object.keys(other)])].sort();
        differences.push(...keys.filter((k) => dev[k] !== other[k]).map((k) => `${way}: ${k}`));
      }
      if (differences.length === 0) return;
    }
    assert.deepEqual(differences, [], 'these differ from the dev build in 5 tries');
  });

  it('--help, a group without subcommand and an unknown command: same text and exit code', async () => {
    const help = await runAll(() => ['--help']);
    assertSame(help, '--help');
    assert.match(help.sea.stdout, /^Usage: kvmio \[options\] \[command\]/);
    assertSame(await runAll(() => ['disk']), 'disk');
    const bad = await runAll(() => ['nosuch']);
    assertSame(bad, 'nosuch');
    assert.equal(bad.sea.code, 2);
  });

  it('the bundle imports only node: built-ins and its own chunks; --version and audit load only their part', async () => {
    const dir = join(work, 'kvmio');
    const files = [join(dir, 'kvmio.mjs'), ...readdirSync(join(dir, 'chunks')).map((n) => join(dir, 'chunks', n))];
    const specifiers = files.flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/\b(?:import|from)\s*\(?\s*["']([\w@./:-]+)["']/g)].map((m) => m[1] as string));
    assert.ok(specifiers.length > 0);
    assert.deepEqual([...new Set(specifiers.filter((s) => !s.startsWith('node:') && !/^\.\.?\/[\w./-]+\.mjs$/.test(s)))], []);
    assert.ok(!files.some((f) => /\brequire\(["'](commander|@xmldom\/xmldom|vega|yaml|zod)["']\)/.test(readFileSync(f, 'utf8'))), 'dependencies are inlined');
    // What a command opens of the bundle (strace: every file the process opens).
    const opens = async (args: readonly string[]): Promise<Set<string>> => {
      const trace = join(work, 'opens.strace');
      const r = await exec(['strace', '-f', '-qq', '-e', 'trace=openat', '-o', trace, process.execPath, bundle, ...args], { env, cwd: work, timeoutMs: 60_000 });
      assert.equal(r.code, 0, r.stderr);
      return new Set([...readFileSync(trace, 'utf8').matchAll(/openat\([^"]*"([^"]+\.mjs)"/g)].map((m) => m[1] as string));
    };
    const size = (fs: Iterable<string>): number => [...fs].reduce((n, f) => n + lstatSync(f).size, 0);
    const version = await opens(['--version']);
    assert.ok(size(version) < size(files) / 10, `--version opens ${size(version)} of ${size(files)} bytes`);
    // A dynamically imported module is a chunk named after it (chunkNames in bundle.mjs);
    // yaml is in the one chunk that has its error class.
    const audit = await opens(['audit', '--from', DL360]);
    const name = (f: string): string => f.slice(f.lastIndexOf('/') + 1).replace(/-[A-Z0-9]+\.mjs$/, '');
    const yaml = files.filter((f) => readFileSync(f, 'utf8').includes('YAMLParseError'));
    assert.equal(yaml.length, 1, 'yaml is inlined once');
    assert.deepEqual([...audit].filter((f) => yaml.includes(f) || /^(bench|report|plan|passthrough|export|fix|journal|rollback|vg|pool|disk)/.test(name(f))).map(name), [], 'audit loads none of these');
    assert.ok([...audit].some((f) => name(f) === 'audit-host'), 'the audit chunks are what it loads');
  });
});
