import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { REPO, cli, cliProcess, fixture, withTempDir } from '../helpers.js';
import { exec } from '../../src/exec.js';
import { DUMP_FORMAT } from '../../src/facts/dump-format.js';

/** A hand-made dump with only the files given (everything else reads as missing). */
function writeDump(dir: string, files: Record<string, string>): void {
  writeFileSync(join(dir, 'kvmio-dump.json'), JSON.stringify({ format: DUMP_FORMAT, collectedAt: '2026-01-01T00:00:00Z', origin: 'test', redacted: false }));
  for (const [path, text] of Object.entries(files)) {
    const p = join(dir, 'fs', path);
    mkdirSync(join(p, '..'), { recursive: true });
    writeFileSync(p, text);
  }
}

interface AuditJson {
  facts: { hostname: string | null; kernel: string | null; aio: { nr: number; maxNr: number } | null; devices: { name: string; kind: string; scheduler: string | null; rotational: boolean | null; nrHwQueues: number | null }[]; roles: { kvmHost: boolean; guest: boolean } };
  findings: { id: string; object: string; status: string }[];
  counts: Record<string, number>;
  status: string;
}

describe('kvmio audit: exit codes (real bin)', () => {
  it('exits 1 when a check fails (aio exhausted) and 0 when nothing fails', async () => {
    await withTempDir(async (dir) => {
      const bad = join(dir, 'bad');
      const good = join(dir, 'good');
      mkdirSync(bad);
      mkdirSync(good);
      writeDump(bad, { '/proc/sys/fs/aio-nr': '65000\n', '/proc/sys/fs/aio-max-nr': '65536\n' });
      writeDump(good, { '/proc/sys/fs/aio-nr': '0\n', '/proc/sys/fs/aio-max-nr': '1048576\n' });
      const b = await cliProcess(['audit', '--from', bad]);
      assert.equal(b.code, 1, b.stderr);
      assert.match(b.stdout, /FAIL {2}aio\.max-nr/);
      const g = await cliProcess(['audit', '--from', good]);
      assert.equal(g.code, 0, g.stderr);
      assert.match(g.stdout, /\d+ checks: 0 fail/);
    });
  });

  const usage: [string, string[], RegExp][] = [
    ['bad flag', ['audit', '--bogus'], /unknown option '--bogus'/],
    ['missing --from dir', ['audit', '--from', '/nonexistent/kvmio-dump'], /--from \/nonexistent\/kvmio-dump: no such directory/],
    ['--from a directory that is not a dump', ['audit', '--from', '/tmp'], /not a kvmio dump/],
    ['unknown --only id', ['audit', '--only', 'nosuch'], /--only nosuch: no such check id or prefix/],
    ['unknown --device', ['audit', '--device', 'sdzz9'], /--device sdzz9: no such block device/],
  ];
  for (const [name, args, msg] of usage) {
    it(`${name} → exit 2 with one line`, async () => {
      const r = await cliProcess(args);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, msg);
      assert.equal(r.stdout, '');
      const lines = r.stderr.trim().split('\n').filter((l) => !l.startsWith('(run with --help'));
      assert.equal(lines.length, 1, r.stderr);
    });
  }

  it('--help documents exit codes, check ids and the JSON shape', async () => {
    const r = await cliProcess(['audit', '--help']);
    assert.equal(r.code, 0);
    for (const s of ['Exit codes:', '0  no check failed', '1  at least one check failed', '2  usage error', 'sched.host-ssd', 'sched.persisted', 'boot.elevator', 'aio.max-nr', 'iommu.enabled', 'kvm.device', '"findings"', 'vm.cache', 'aio.vm-headroom', 'It changes nothing']) {
      assert.ok(r.stdout.includes(s), s);
    }
  });
});

describe('kvmio audit on this machine', () => {
  it('JSON facts match sysfs and procfs read independently', async () => {
    const r = await cli(['audit', '--json']);
    assert.ok(r.code === 0 || r.code === 1, r.stderr);
    const j = JSON.parse(r.stdout) as AuditJson;
    const sysNames = readdirSync('/sys/block').sort();
    const whole = j.facts.devices.filter((d) => d.kind !== 'part');
    assert.deepEqual(whole.map((d) => d.name).sort(), sysNames);
    for (const d of whole) {
      const q = `/sys/block/${d.name}/queue`;
      let sched: string | null = null;
      try {
        sched = /\[([^\]]+)\]/.exec(readFileSync(`${q}/scheduler`, 'utf8'))?.[1] ?? 'none';
      } catch {
        sched = null;
      }
      assert.equal(d.scheduler, sched, `${d.name} scheduler`);
      assert.equal(d.rotational, readFileSync(`${q}/rotational`, 'utf8').trim() === '1', `${d.name} rotational`);
      let hw: number | null = null;
      try {
        hw = readdirSync(`/sys/block/${d.name}/mq`).length;
      } catch {
        hw = null;
      }
      if (hw !== null && hw > 0) assert.equal(d.nrHwQueues, hw, `${d.name} nr_hw_queues`);
    }
    assert.equal(j.facts.kernel, readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim());
    assert.equal(j.facts.hostname, readFileSync('/proc/sys/kernel/hostname', 'utf8').trim());
    assert.equal(j.facts.aio?.maxNr, Number(readFileSync('/proc/sys/fs/aio-max-nr', 'utf8')));
    // This machine is both (FACTS.md): /dev/kvm opens and vda is virtio.
    assert.equal(j.facts.roles.kvmHost, true);
    assert.equal(j.facts.roles.guest, true);
    const vda = j.findings.find((f) => f.object === 'vda' && f.id.startsWith('sched.') && f.id !== 'sched.persisted');
    assert.equal(vda?.id, 'sched.guest-virtual');
    assert.equal(j.status, j.counts.fail ? 'fail' : j.counts.warn ? 'warn' : j.counts.skip ? 'skip' : 'pass');
  });

  // The host checks start no process and open no socket. VM disks (issue 4) are read through
  // virsh only when libvirtd's socket exists, so: libvirtd absent → nothing; host checks only
  // (--only sched,aio,…) → nothing even with libvirtd running.
  const traced = async (args: string[], env: Record<string, string> = {}): Promise<string[]> =>
    withTempDir(async (dir) => {
      const log = join(dir, 'trace');
      const r = await exec(['strace', '-f', '-qq', '-e', 'trace=execve,connect', '-o', log, process.execPath, join(REPO, 'bin', 'kvmio.js'), 'audit', '--json', ...args], { env });
      assert.ok(r.code === 0 || r.code === 1, r.stderr);
      return readFileSync(log, 'utf8').split('\n').filter((l) => /execve\(|connect\(/.test(l));
    });
  for (const [scenario, args, env] of [
    ['libvirtd not running (its socket absent)', [], { LIBVIRT_DEFAULT_URI: 'qemu+unix:///system?socket=/nonexistent/kvmio-test-libvirt-sock' }],
    ['host checks only, libvirtd running', ['--only', 'sched,boot,aio.max-nr,aio.persisted,iommu,kvm,tuned'], {}],
  ] as [string, string[], Record<string, string>][]) {
    it(`${scenario}: starts no process and connects to no socket, checked with strace`, async (t) => {
      if (!existsSync('/usr/bin/strace')) return t.skip('strace not installed');
      const calls = await traced(args, env);
      assert.equal(calls.length, 1, calls.join('\n'));
      assert.match(calls[0] as string, /execve\(".*node"/);
    });
  }

  it('--only and --device filter the findings', async () => {
    const r = await cli(['audit', '--json', '--only', 'sched', '--device', '/dev/vda']);
    const j = JSON.parse(r.stdout) as AuditJson;
    assert.ok(j.findings.length >= 2);
    for (const f of j.findings) {
      assert.equal(f.object, 'vda');
      assert.match(f.id, /^sched\./);
    }
    const a = JSON.parse((await cli(['audit', '--json', '--only', 'aio.max-nr,kvm'])).stdout) as AuditJson;
    assert.deepEqual(a.findings.map((f) => f.id).sort(), ['aio.max-nr', 'kvm.device']);
  });

  it('text output has the summary header, groups by object and ends with the counts', async () => {
    const r = await cli(['audit']);
    assert.match(r.stdout, /^host \S+ {2}kernel \S+ {2}source local\nroles: KVM host \+ guest/);
    assert.match(r.stdout, /\nvda\n {2}WARN {2}sched\.guest-virtual/);
    assert.match(r.stdout, /\n\d+ checks: \d+ fail, \d+ warn, \d+ skip, \d+ pass\n$/);
  });
});

describe('kvmio audit on garbled dumps', () => {
  // Every file the probe commonly reads, filled with junk: no uncaught exception, valid JSON.
  const paths = [
    '/proc/sys/fs/aio-nr', '/proc/sys/fs/aio-max-nr', '/proc/cmdline', '/proc/cpuinfo', '/proc/sys/kernel/hostname',
    '/proc/sys/kernel/osrelease', '/proc/self/mountinfo', '/proc/swaps', '/etc/tuned/active_profile',
    '/etc/sysctl.d/99-x.conf', '/etc/udev/rules.d/60-x.rules', '/etc/tmpfiles.d/x.conf',
    '/sys/block/sda/queue/scheduler', '/sys/block/sda/queue/rotational', '/sys/block/sda/size', '/sys/block/sda/dev',
  ];
  const junk = ['', '\n', '\u0000\u0001\u00ff', '[[[', '-1', '99999999999999999999999', 'a=b=c\n==\n', 'w /sys/block/\n', 'KERNEL=="sd*", ATTR{queue/scheduler}="', '[none] [bfq]'];
  for (let seed = 0; seed < 6; seed++) {
    it(`junk set ${seed}`, async () => {
      await withTempDir(async (dir) => {
        const files: Record<string, string> = {};
        paths.forEach((p, i) => (files[p] = junk[(i * 7 + seed * 3) % junk.length] as string));
        writeDump(dir, files);
        const r = await cli(['audit', '--from', dir, '--json']);
        assert.ok(r.code === 0 || r.code === 1, r.stderr);
        const j = JSON.parse(r.stdout) as AuditJson;
        assert.ok(j.findings.length > 0);
        assert.ok(j.findings.some((f) => f.status === 'skip'));
      });
    });
  }
});

describe('kvmio audit on a corrupted copy of the DL360 dump', () => {
  /** Small seeded PRNG (mulberry32) so a failure names a reproducible seed. */
  const prng = (seed: number) => () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  // Walked by hand: Node 24's recursive readdir follows the dump's symlink loops (sysfs
  // links back up the tree) and never ends; a Dirent of a symlink is never a directory.
  const files = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.isFile() ? [join(dir, e.name)] : []));
  for (let seed = 1; seed <= 8; seed++) {
    it(`seed ${seed}: a third of the files garbled or deleted, still audited`, async () => {
      await withTempDir(async (dir) => {
        const copy = join(dir, 'dump');
        cpSync(fixture('hosts', 'dl360-gen9'), copy, { recursive: true, verbatimSymlinks: true });
        const rnd = prng(seed);
        for (const f of files(join(copy, 'fs'))) {
          const r = rnd();
          if (r < 0.15) rmSync(f);
          else if (r < 0.33) writeFileSync(f, Buffer.from(Array.from({ length: Math.floor(rnd() * 40) }, () => Math.floor(rnd() * 256))));
        }
        const r = await cli(['audit', '--from', copy, '--json']);
        assert.ok(r.code === 0 || r.code === 1, `seed ${seed}: exit ${r.code}: ${r.stderr}`);
        assert.equal(r.stderr, '');
        const j = JSON.parse(r.stdout) as AuditJson;
        const pristine = await cli(['audit', '--from', fixture('hosts', 'dl360-gen9'), '--json']);
        const strip = (o: AuditJson) => JSON.stringify({ ...o, facts: { ...o.facts, source: '' } });
        assert.notEqual(strip(j), strip(JSON.parse(pristine.stdout) as AuditJson), `seed ${seed}: corruption left no trace`);
        assert.ok(j.findings.length > 0);
      });
    });
  }
});
