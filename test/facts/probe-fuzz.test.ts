// Garbled, missing and truncated files in copies of the fixtures (random bytes, empty
// files, deleted files, broken and looping links, directories where files were) never
// make probeHost throw; parsers never throw on random text. Seeded, so a failure
// reproduces: the message names the seed, the case and the mutations.
import assert from 'node:assert/strict';
import { cpSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DumpSource } from '../../src/facts/dump-source.js';
import { parseCmdline } from '../../src/facts/parse-cmdline.js';
import { parseCpuVirtFlags } from '../../src/facts/parse-cpuinfo.js';
import { parseMountinfo, parseProcMounts, parseSwaps } from '../../src/facts/parse-mounts.js';
import { parseFlag, parseUnsigned } from '../../src/facts/parse-number.js';
import { parsePciClass } from '../../src/facts/parse-pci.js';
import { parseScheduler } from '../../src/facts/parse-scheduler.js';
import { parseSysctlFile } from '../../src/facts/parse-sysctl.js';
import { parseTmpfiles } from '../../src/facts/parse-tmpfiles.js';
import { parseUdevRules } from '../../src/facts/parse-udev-rules.js';
import { probeHost } from '../../src/facts/probe-host.js';
import { fixture, prng, withTempDir } from '../helpers.js';


const SEED = Number(process.env['KVMIO_FUZZ_SEED'] ?? 20261125);
const CASES = 300;
const HOSTS = ['dl360-gen9', 'guest-virtio', 'nvme-bfq', 'this-machine'];

function entries(root: string, rel = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(root, rel))) {
    const r = rel === '' ? name : `${rel}/${name}`;
    const st = lstatSync(join(root, r));
    if (st.isDirectory()) out.push(...entries(root, r));
    else out.push(r);
  }
  return out;
}

type Saved = { kind: 'file'; data: Buffer } | { kind: 'link'; target: string };

const save = (p: string): Saved => (lstatSync(p).isSymbolicLink() ? { kind: 'link', target: readlinkSync(p) } : { kind: 'file', data: readFileSync(p) });
function restore(p: string, s: Saved): void {
  rmSync(p, { recursive: true, force: true });
  if (s.kind === 'link') symlinkSync(s.target, p);
  else writeFileSync(p, s.data);
}

const MUTATIONS = ['random-bytes', 'empty', 'delete', 'truncate', 'broken-link', 'link-loop', 'directory', 'garbage-text'] as const;

function mutate(p: string, how: (typeof MUTATIONS)[number], rnd: () => number): void {
  const old = save(p);
  rmSync(p, { recursive: true, force: true });
  switch (how) {
    case 'random-bytes':
      writeFileSync(p, Buffer.from(Array.from({ length: Math.floor(rnd() * 300) }, () => Math.floor(rnd() * 256))));
      break;
    case 'empty':
      writeFileSync(p, '');
      break;
    case 'delete':
      break;
    case 'truncate': {
      const data = old.kind === 'file' ? old.data : Buffer.from(old.target);
      writeFileSync(p, data.subarray(0, Math.floor(data.length * rnd())));
      break;
    }
    case 'broken-link':
      symlinkSync('../../nonexistent/../../../x', p);
      break;
    case 'link-loop':
      symlinkSync(p.slice(p.lastIndexOf('/') + 1), p);
      break;
    case 'directory':
      mkdirSync(p);
      break;
    case 'garbage-text':
      writeFileSync(p, ['[', '{"a":', 'none [', '0x', '-1\n', '\n\n\n', 'ÿÿ', '[x] [y]', 'flags : \u0000'][Math.floor(rnd() * 9)] as string);
      break;
  }
}

describe('probeHost fuzz', () => {
  it(`never throws on ${CASES} damaged copies of the fixtures (seed ${SEED})`, async () => {
    await withTempDir(async (tmp) => {
      const rnd = prng(SEED);
      const pools = HOSTS.map((h) => {
        const dir = join(tmp, h);
        cpSync(fixture('hosts', h), dir, { recursive: true, verbatimSymlinks: true });
        // the metadata is checked up front (a usage error by design); everything else is fair game
        return { dir, files: entries(dir).filter((e) => e !== 'kvmio-dump.json') };
      });
      let probed = 0;
      for (let c = 0; c < CASES; c++) {
        const pool = pools[Math.floor(rnd() * pools.length)] as (typeof pools)[number];
        const picks = new Map<string, (typeof MUTATIONS)[number]>();
        const n = 1 + Math.floor(rnd() * 4);
        for (let k = 0; k < n; k++) {
          picks.set(pool.files[Math.floor(rnd() * pool.files.length)] as string, MUTATIONS[Math.floor(rnd() * MUTATIONS.length)] as (typeof MUTATIONS)[number]);
        }
        const saved = [...picks.keys()].map((f) => [join(pool.dir, f), save(join(pool.dir, f))] as const);
        try {
          for (const [f, how] of picks) mutate(join(pool.dir, f), how, rnd);
          const facts = await probeHost(new DumpSource(pool.dir));
          JSON.stringify(facts);
          assert.equal(typeof facts.roles.kvmHost, 'boolean');
          probed++;
        } catch (e) {
          assert.fail(`seed ${SEED} case ${c}: ${[...picks].map(([f, h]) => `${h} ${f}`).join('; ')}: ${e instanceof Error ? e.stack : String(e)}`);
        } finally {
          for (const [p, s] of saved.reverse()) restore(p, s);
        }
      }
      assert.equal(probed, CASES);
    });
  });
});

describe('parser fuzz', () => {
  it('no parser throws on random text', () => {
    const rnd = prng(SEED + 1);
    const alphabet = 'abcdefxyz0123456789 \t\n[]{}=:,;#"\'\\/-_.=!+*?$\u0000\u00ff\u2028';
    for (let i = 0; i < 2000; i++) {
      const text = Array.from({ length: Math.floor(rnd() * 120) }, () => alphabet[Math.floor(rnd() * alphabet.length)]).join('');
      parseScheduler(text);
      parseUnsigned(text, 'x');
      parseFlag(text, 'x');
      parseMountinfo(text);
      parseSwaps(text);
      parseProcMounts(text);
      parseCmdline(text);
      parseSysctlFile(text, 'f');
      parseUdevRules(text, 'f');
      parseTmpfiles(text, 'f');
      parsePciClass(text);
      parseCpuVirtFlags(text);
    }
  });
});
