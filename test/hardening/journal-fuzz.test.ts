// The journal is input (docs/security.md): ≥ 10,000 mutated journals (wrong shapes,
// hostile paths and modes, truncations, duplicated and reordered lines, a journal that is
// a directory, a FIFO or a symlink) under `kvmio verify` and `kvmio rollback --yes --root`,
// in process (verify on every fifth: it probes the host for competing files). Never a write outside the root (a sentinel tree next to it, and a symlink
// inside the root pointing at it, must keep their bytes), never a crash (no stack trace,
// exit 0, 1 or 2 only), always one clear line on stderr when refused. Sysfs records name
// only paths that do not exist, so nothing live is ever touched.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, lstatSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { cli, prng } from '../helpers.js';
import { withScratch } from './scratch.js';

import { MANAGED_FILES } from '../../src/apply/journal-schema.js';


/** Every file and link under DIR with its bytes (or target) and mode: what must not change. */
export function treeHash(dir: string): string {
  const h = createHash('sha256');
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = lstatSync(p);
      h.update(`${p}\0${st.mode}\0`);
      if (st.isDirectory()) walk(p);
      else if (st.isFile()) h.update(readFileSync(p));
    }
  };
  walk(dir);
  return h.digest('hex');
}

const b64 = (s: string): string => Buffer.from(s).toString('base64');

describe('journal fuzz: verify and rollback --yes --root on mutated journals', () => {
  it('10,000 journals: no write outside the root, no crash, exit 0/1/2, a clear line', async () => {
    // tmpfs when there is one: the engine fsyncs every record, and 20,000 runs on a disk are slow
    await withScratch(async (dir) => {
      const root = join(dir, 'root');
      const sentinel = join(dir, 'sentinel');
      const state = join(dir, 'state');
      mkdirSync(join(sentinel, 'etc/tmpfiles.d'), { recursive: true });
      mkdirSync(join(sentinel, 'empty'), { recursive: true });
      writeFileSync(join(sentinel, 'passwd'), 'root:x:0:0::/root:/bin/sh\n');
      writeFileSync(join(sentinel, 'etc/tmpfiles.d/kvmio-scheduler.conf'), 'sentinel\n');
      mkdirSync(join(root, 'etc/sysctl.d'), { recursive: true });
      mkdirSync(join(root, 'etc/udev'), { recursive: true });
      // a symlinked directory inside the root that leads out of it (class 2)
      symlinkSync(join(sentinel, 'etc/tmpfiles.d'), join(root, 'etc/tmpfiles.d'));
      symlinkSync(sentinel, join(root, 'etc/udev/rules.d'));
      mkdirSync(state, { mode: 0o700 });
      const before = treeHash(sentinel);
      const liveManaged = MANAGED_FILES.map((m) => [m, existsSync(m)] as const);

      const rand = prng(Number(process.env.KVMIO_FUZZ_SEED ?? 18));
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
      const hostilePaths = [
        join(sentinel, 'passwd'), '/etc/passwd', `${root}/../sentinel/passwd`, `${root}/etc/sysctl.d/../../../sentinel/passwd`, `${root}/etc/tmpfiles.d/kvmio-scheduler.conf`,
        `${root}/etc/udev/rules.d/60-kvmio-scheduler.rules`, `${root}/etc/udev/rules.d/90-kvmio-vfio.rules`, '/etc/sysctl.d/90-kvmio.conf', `${root}//etc/sysctl.d/90-kvmio.conf`, `${root}/etc/sysctl.d/90-kvmio.conf/`,
        `${root}/etc/./sysctl.d/90-kvmio.conf`, 'relative/etc/sysctl.d/90-kvmio.conf', '', '/', `${sentinel}/etc/sysctl.d/90-kvmio.conf`, `${root}/etc/sysctl.d/90-kvmio.conf\0x`, `${root}/etc/sysctl.d/\n90-kvmio.conf`,
      ];
      const okFile = (): string => `${root}${pick(MANAGED_FILES.filter((m) => !m.startsWith('/etc/udev/') && !m.startsWith('/etc/tmpfiles.d/')))}`;
      const fakeSysfs = (): string => pick(['/sys/block/kvmio-fuzz-none/queue/scheduler', '/proc/sys/kvmio-fuzz/none', '/sys/../etc/passwd', '/proc/sys/../../etc/passwd', '/etc/passwd']);
      let seq = 0;
      const run = 'r1';
      const fileRecord = (): object[] => {
        const s = ++seq;
        const path = rand() < 0.15 ? pick(hostilePaths) : okFile();
        const old = rand() < 0.5 ? { exists: true, base64: b64(`old ${s}\n`), mode: rand() < 0.1 ? pick([0o4755, 0o2755, 0o1777, 0o10644, -1, 1.5]) : 0o644 } : { exists: false, missingDirs: rand() < 0.1 ? [pick([sentinel, join(sentinel, 'empty'), '/tmp', root])] : [] };
        return [
          { v: 1, event: 'before', seq: s, run, time: '2026-12-01T00:00:00Z', key: `file:${path}`, action: { kind: 'file', id: 'fuzz.file', object: path, reason: 'fuzz', path, content: `new ${s}\n`, ...(rand() < 0.1 ? { mode: pick([0o4755, 0o644, 0o6777]) } : {}) }, old },
          ...(rand() < 0.8 ? [{ v: 1, event: 'done', seq: s, run }] : []),
        ];
      };
      const sysfsRecord = (): object[] => {
        const s = ++seq;
        const path = fakeSysfs();
        return [
          { v: 1, event: 'before', seq: s, run, time: 't', key: `sysfs:${path}`, action: { kind: 'sysfs', id: 'fuzz.sysfs', object: 'x', reason: 'fuzz', path, value: 'none' }, old: { exists: true, value: 'mq-deadline' } },
          { v: 1, event: 'done', seq: s, run },
        ];
      };
      const imageRecord = (): object[] => {
        const s = ++seq;
        const path = rand() < 0.5 ? join(sentinel, 'passwd') : `${root}/img-${s}.raw`;
        return [{ v: 1, event: 'before', seq: s, run, time: 't', key: `image:${path}`, action: { kind: 'image-create', id: 'disk.create', object: path, reason: 'fuzz', path, format: 'raw', virtualBytes: 1048576, argv: ['qemu-img', 'create', '-f', 'raw', path, '1M'] }, old: { exists: false } }];
      };
      const mutateValue = (v: unknown): unknown => pick([null, 0, -1, 1e308, 'x', '', [], {}, true, { exists: true }, '../../x', '\u0000', 'a'.repeat(5000), v]);
      const mutateRecord = (r: Record<string, unknown>): Record<string, unknown> => {
        const keys = Object.keys(r);
        const k = pick(keys);
        const c = { ...r };
        switch (Math.floor(rand() * 6)) {
          case 0: delete c[k]; break;
          case 1: c[k] = mutateValue(c[k]); break;
          case 2: if (typeof c.action === 'object' && c.action !== null) c.action = { ...(c.action as object), kind: pick(['sysfs', 'file', 'vfio', 'nope', 'lvm-vg-create', 'libvirt-define', '__proto__']) }; break;
          case 3: if (typeof c.action === 'object' && c.action !== null) c.action = { ...(c.action as object), path: pick(hostilePaths) }; break;
          case 4: if (typeof c.old === 'object' && c.old !== null) c.old = { ...(c.old as object), mode: pick([0o4755, 0o7777, 0o777]) }; break;
          default: c.seq = pick([1, 0, -5, 2 ** 60, '1']);
        }
        return c;
      };
      const journalLines = (): string[] => {
        seq = 0;
        const recs: object[] = [];
        const n = 1 + Math.floor(rand() * 4);
        for (let i = 0; i < n; i++) recs.push(...pick([fileRecord, fileRecord, fileRecord, sysfsRecord, imageRecord])());
        let lines = recs.map((r) => JSON.stringify(rand() < 0.3 ? mutateRecord(r as Record<string, unknown>) : r));
        const m = rand();
        if (m < 0.1 && lines.length > 1) lines.push(lines[Math.floor(rand() * lines.length)]!); // duplicated
        else if (m < 0.2 && lines.length > 1) lines = [...lines].reverse(); // reordered
        else if (m < 0.3) lines.push(pick(['{', 'garbage', '[]', 'null', '{"v":1}', '\u0000\u0001', '{"v":1,"event":"rolled-back","run":"zz","time":"t"}']));
        else if (m < 0.35) lines.splice(0, 0, '{"v":1,"event":"before"');
        return lines;
      };

      const N = Number(process.env.KVMIO_FUZZ_N ?? 10_000);
      const codes = new Map<number, number>();
      const jpath = join(state, 'journal.jsonl');
      for (let i = 0; i < N; i++) {
        rmSync(jpath, { recursive: true, force: true });
        const special = rand();
        if (special < 0.005) mkdirSync(jpath);
        else if (special < 0.01) execFileSync('mkfifo', [jpath]);
        else if (special < 0.015) symlinkSync(join(sentinel, 'passwd'), jpath);
        else {
          let text = `${journalLines().join('\n')}\n`;
          if (rand() < 0.1) text = text.slice(0, Math.floor(rand() * text.length)); // truncated
          writeFileSync(jpath, text);
        }
        const rmLock = (): void => rmSync(join(state, 'lock'), { recursive: true, force: true });
        if (rand() < 0.01) mkdirSync(join(state, 'lock'), { recursive: true });
        // verify probes the host for competing files when the journal holds sysctl/scheduler files: every 5th journal
        const argvs = [...(i % 5 === 0 ? [['verify', '--root', root, '--state-dir', state]] : []), ['rollback', '--yes', '--root', root, '--state-dir', state]];
        for (const argv of argvs) {
          const r = await cli(argv);
          const where = `iteration ${i} (${argv[0]}): exit ${r.code}\n${r.stderr}\n${existsSync(jpath) && lstatSync(jpath).isFile() ? readFileSync(jpath, 'utf8').slice(0, 2000) : '(special journal)'}`;
          assert.ok(r.code === 0 || r.code === 1 || r.code === 2, where);
          assert.doesNotMatch(r.stderr + r.stdout, /\n\s+at .+:\d+:\d+\)?\n/, where);
          if (r.code !== 0 && r.stdout === '') assert.match(r.stderr, /^kvmio: .+/, where);
          codes.set(r.code, (codes.get(r.code) ?? 0) + 1);
        }
        rmLock();
        if (i % 500 === 0 || i === N - 1) assert.equal(treeHash(sentinel), before, `iteration ${i}: the sentinel tree outside the root changed`);
      }
      assert.equal(treeHash(sentinel), before);
      for (const [m, existed] of liveManaged) assert.equal(existsSync(m), existed, `${m} on the live host`);
      // the fuzz reaches both outcomes: refused journals and accepted ones
      assert.ok((codes.get(1) ?? 0) > N / 10 && (codes.get(0) ?? 0) > N / 20, JSON.stringify([...codes]));
    });
  });
});
