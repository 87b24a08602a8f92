// kvmio fix / verify / rollback on this machine: real loop devices, the real
// fs.aio-max-nr (restored in finally), files under a temp --root.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execOk } from '../../../src/exec.js';
import { acquireLock } from '../../../src/apply/lock.js';
import { readJournal } from '../../../src/apply/journal.js';
import { checkUdevRules } from '../../../src/render/udev-grammar.js';
import { cli, cliProcess, withLoop, withTempDir } from '../../helpers.js';
import { aioMax, devName, sched, setAioMax, setSched, treeSnapshot } from './host-fix-helpers.js';

const TMPFILES = 'etc/tmpfiles.d/kvmio-scheduler.conf';
const UDEV = 'etc/udev/rules.d/60-kvmio-scheduler.rules';
const SYSCTL = 'etc/sysctl.d/90-kvmio.conf';

describe('kvmio fix on loop devices (schedulers)', () => {
  it('dry run prints old → new and the file diff, and changes nothing', async () => {
    await withTempDir(async (dir) => {
      await withLoop(dir, 4, async (path) => {
        const dev = devName(path);
        const orig = sched(dev);
        try {
          setSched(dev, 'mq-deadline');
          const r = await cli(['fix', '--device', dev, '--only', 'sched', '--persist', 'tmpfiles', '--root', join(dir, 'root')]);
          assert.equal(r.code, 0, r.stderr);
          assert.match(r.stdout, new RegExp(`${dev}: /sys/block/${dev}/queue/scheduler: mq-deadline → none`));
          assert.match(r.stdout, new RegExp(`\\+w /sys/block/${dev}/queue/scheduler - - - - none`));
          assert.match(r.stdout, /dry run/);
          assert.equal(sched(dev), 'mq-deadline');
          assert.equal(existsSync(join(dir, 'root')), false);
        } finally {
          setSched(dev, orig);
        }
      });
    });
  });

  it('--yes changes the scheduler, persists it with tmpfiles (which the real systemd-tmpfiles applies), is idempotent, verifies, reports drift and rolls back', async () => {
    await withTempDir(async (dir) => {
      await withLoop(dir, 4, async (path) => {
        const dev = devName(path);
        const orig = sched(dev);
        const root = join(dir, 'root');
        const state = join(dir, 'state');
        const args = ['--device', dev, '--persist', 'tmpfiles', '--root', root, '--state-dir', state];
        try {
          setSched(dev, 'mq-deadline');
          const r = await cli(['fix', '--yes', ...args]);
          assert.equal(r.code, 0, r.stderr + r.stdout);
          assert.equal(sched(dev), 'none');
          const conf = readFileSync(join(root, TMPFILES), 'utf8');
          assert.match(conf, new RegExp(`^w /sys/block/${dev}/queue/scheduler - - - - none$`, 'm'));

          // the generated file, applied by the real systemd-tmpfiles, sets the scheduler
          setSched(dev, 'bfq');
          await execOk(['systemd-tmpfiles', '--create', join(root, TMPFILES)]);
          assert.equal(sched(dev), 'none');

          const journal = readFileSync(join(state, 'journal.jsonl'), 'utf8');
          const again = await cli(['fix', '--yes', ...args]);
          assert.equal(again.code, 0);
          assert.match(again.stdout, /nothing to change|unchanged/);
          assert.doesNotMatch(again.stdout, /^changed/m);
          assert.equal(readFileSync(join(state, 'journal.jsonl'), 'utf8'), journal, 'a second fix --yes journals nothing');

          const ok = await cli(['verify', '--root', root, '--state-dir', state]);
          assert.equal(ok.code, 0, ok.stdout);
          assert.match(ok.stdout, /everything kvmio applied still holds/);

          setSched(dev, 'kyber'); // something else changes it
          const drift = await cli(['verify', '--root', root, '--state-dir', state, '--json']);
          assert.equal(drift.code, 1);
          const j = JSON.parse(drift.stdout) as { applied: { object: string; drift?: string }[] };
          assert.match(j.applied.find((a) => a.object === dev)?.drift ?? '', /is "kyber", kvmio set "none"/);

          const rb = await cli(['rollback', '--yes', '--state-dir', state]);
          assert.equal(rb.code, 0, rb.stderr);
          assert.equal(sched(dev), 'mq-deadline', 'back to the value before the first fix');
          assert.equal(existsSync(join(root, 'etc')), false, 'the tmpfiles file and the directories kvmio created are gone');
          assert.match((await cli(['verify', '--state-dir', state])).stdout, /nothing to verify/);
        } finally {
          setSched(dev, orig);
        }
      });
    });
  });

  it('--persist udev writes a grammatical rule matched on the loop backing file', async () => {
    await withTempDir(async (dir) => {
      await withLoop(dir, 4, async (path) => {
        const dev = devName(path);
        const orig = sched(dev);
        const root = join(dir, 'root');
        try {
          setSched(dev, 'bfq');
          const r = await cli(['fix', '--yes', '--device', dev, '--persist', 'udev', '--root', root]);
          assert.equal(r.code, 0, r.stderr);
          const rules = readFileSync(join(root, UDEV), 'utf8');
          assert.deepEqual(checkUdevRules(rules), []);
          assert.match(rules, /ATTR\{queue\/scheduler\}="none"/);
          assert.ok(existsSync(join(root, 'var/lib/kvmio/journal.jsonl')), 'state dir defaults under --root');
          assert.equal((await cli(['rollback', '--yes', '--root', root])).code, 0);
          assert.equal(sched(dev), 'bfq');
        } finally {
          setSched(dev, orig);
        }
      });
    });
  });

  it('refuses an unknown --device and --only as usage errors', async () => {
    assert.equal((await cli(['fix', '--device', 'nosuchdev0'])).code, 2);
    assert.equal((await cli(['fix', '--only', 'nosuch'])).code, 2);
  });
});

describe('kvmio fix on fs.aio-max-nr', () => {
  it('raises it from --vms/--iothreads, persists it in sysctl.d, verify names a later sysctl.d file, rollback restores', async () => {
    const orig = aioMax();
    await withTempDir(async (dir) => {
      const root = join(dir, 'root');
      const state = join(dir, 'state');
      try {
        const r = await cli(['fix', '--yes', '--only', 'aio', '--vms', '100', '--iothreads', '1', '--root', root, '--state-dir', state]);
        assert.equal(r.code, 0, r.stderr + r.stdout);
        const want = Math.max(524288, orig);
        assert.equal(aioMax(), want);
        const conf = readFileSync(join(root, SYSCTL), 'utf8');
        assert.match(conf, new RegExp(`^fs\\.aio-max-nr = ${want}$`, 'm'));
        assert.match(conf, /100 VMs × \(1 main loop \+ 1 iothread serving native-AIO disks\) = 200 AIO contexts/);
        assert.equal((await cli(['verify', '--root', root, '--state-dir', state])).code, 0);

        // a competing file that sorts later wins at boot
        writeFileSync(join(root, 'etc/sysctl.d/95-other.conf'), 'fs.aio-max-nr = 65536\n');
        const v = await cli(['verify', '--root', root, '--state-dir', state]);
        assert.equal(v.code, 1);
        assert.match(v.stdout, /WINS .*\/etc\/sysctl\.d\/95-other\.conf:1 sets fs\.aio-max-nr = 65536/);

        setAioMax(want + 1); // and something else changes the live value
        const d = await cli(['verify', '--root', root, '--state-dir', state]);
        assert.match(d.stdout, new RegExp(`DRIFT aio.max-nr host: /proc/sys/fs/aio-max-nr is "${want + 1}", kvmio set "${want}"`));

        assert.equal((await cli(['rollback', '--yes', '--state-dir', state])).code, 0);
        assert.equal(aioMax(), orig);
        assert.equal(existsSync(join(root, SYSCTL)), false);
      } finally {
        setAioMax(orig);
      }
    });
  });
});

describe('kvmio fix killed at every step (SIGKILL), rerun, rollback', () => {
  it('reaches the same end state on rerun and rollback restores values and file bytes exactly', async () => {
    const origAio = aioMax();
    await withTempDir(async (dir) => {
      await withLoop(dir, 4, async (path) => {
        const dev = devName(path);
        const origSched = sched(dev);
        const root = join(dir, 'root');
        const state = join(dir, 'state');
        // an existing admin file kvmio replaces: its bytes and mode must come back
        const seedRoot = (): void => {
          mkdirSync(join(root, 'etc/sysctl.d'), { recursive: true });
          writeFileSync(join(root, SYSCTL), '# admin\nfs.aio-max-nr = 65536\n');
          chmodSync(join(root, SYSCTL), 0o600);
        };
        // --device leaves host-wide changes out, so schedulers and aio are two runs
        const schedArgs = ['fix', '--yes', '--only', 'sched', '--device', dev, '--persist', 'tmpfiles', '--root', root, '--state-dir', state];
        const aioArgs = ['fix', '--yes', '--only', 'aio', '--vms', '100', '--iothreads', '1', '--root', root, '--state-dir', state];
        const world = (): unknown => ({ sched: sched(dev), aio: aioMax(), tree: treeSnapshot(root) });
        const runAll = async (): Promise<void> => {
          for (const a of [schedArgs, aioArgs]) {
            const r = await cli(a);
            assert.equal(r.code, 0, r.stderr + r.stdout);
          }
        };
        try {
          setSched(dev, 'mq-deadline');
          setAioMax(65536);
          seedRoot();
          const original = world();
          await runAll();
          const end = world();
          assert.notDeepEqual(end, original);
          assert.equal((await cli(['rollback', '--yes', '--state-dir', state])).code, 0);
          assert.deepEqual(world(), original);

          let kills = 0;
          for (const [name, args] of [['sched', schedArgs], ['aio', aioArgs]] as const) {
            for (let n = 1; ; n++) {
              const child = await cliProcess(args, { env: { KVMIO_FAULT_AFTER_STEP: String(n) } });
              if (child.code === 0) break; // finished before step n: every step has been tried
              assert.equal(child.code, 128, `${name} step ${n}: killed by its own SIGKILL (${child.stderr})`);
              kills++;
              await runAll(); // rerun (takes over the dead run's lock) reaches the same end state
              assert.deepEqual(world(), end, `${name}: rerun after a kill at step ${n}`);
              const rb = await cli(['rollback', '--yes', '--state-dir', state]);
              assert.equal(rb.code, 0, rb.stdout + rb.stderr);
              assert.deepEqual(world(), original, `${name}: rollback after a kill at step ${n}`);
              assert.equal(existsSync(join(state, 'journal.jsonl')), false);
            }
            // a complete child run leaves the end state too; roll it back for the next scope
            await cli(['rollback', '--yes', '--state-dir', state]);
            assert.deepEqual(world(), original);
          }
          // sched: file + live value; aio: file + live value; 3 durable steps each
          assert.equal(kills, 12);

          // a rollback killed after each restore is rerun to the same original state
          for (let n = 1; ; n++) {
            await runAll();
            const child = await cliProcess(['rollback', '--yes', '--state-dir', state], { env: { KVMIO_FAULT_AFTER_STEP: String(n) } });
            if (child.code === 0) break;
            assert.equal(child.code, 128);
            assert.equal((await cli(['rollback', '--yes', '--state-dir', state])).code, 0);
            assert.deepEqual(world(), original, `rollback killed after restore ${n}, then rerun`);
          }
          assert.deepEqual(world(), original);
        } finally {
          setSched(dev, origSched);
          setAioMax(origAio);
        }
      });
    });
  });
});

describe('two kvmio fix --yes at once', () => {
  it('the second refuses on the lock, names the holder and changes nothing; --wait waits', async () => {
    await withTempDir(async (dir) => {
      await withLoop(dir, 4, async (path) => {
        const dev = devName(path);
        const orig = sched(dev);
        const state = join(dir, 'state');
        const args = ['fix', '--yes', '--device', dev, '--persist', 'tmpfiles', '--root', join(dir, 'root'), '--state-dir', state];
        try {
          setSched(dev, 'mq-deadline');
          const lock = await acquireLock(state, { purpose: 'test holder' });
          let released = false;
          try {
            const r = await cliProcess(args);
            assert.equal(r.code, 1);
            assert.match(r.stderr, new RegExp(`held by another kvmio run \\(${process.pid}, test holder`));
            assert.equal(sched(dev), 'mq-deadline');
            assert.deepEqual(readJournal(state), []);
            const waiting = cliProcess([...args, '--wait']);
            setTimeout(() => {
              lock.release();
              released = true;
            }, 400);
            const w = await waiting;
            assert.equal(w.code, 0, w.stderr);
            assert.equal(sched(dev), 'none');
          } finally {
            if (!released) lock.release();
          }
          await cli(['rollback', '--yes', '--state-dir', state]);

          // two real processes at once: each target is journaled once, never interleaved
          const [a, b] = await Promise.all([cliProcess(args), cliProcess(args)]);
          for (const r of [a, b]) assert.ok(r.code === 0 || /held by another kvmio run/.test(r.stderr), r.stderr);
          const befores = readJournal(state).filter((x) => x.event === 'before');
          assert.deepEqual(befores.map((x) => x.key).sort(), [`file:${join(dir, 'root', TMPFILES)}`, `sysfs:/sys/block/${dev}/queue/scheduler`].sort());
          assert.equal(sched(dev), 'none');
          await cli(['rollback', '--yes', '--state-dir', state]);
          assert.equal(sched(dev), 'mq-deadline');
        } finally {
          setSched(dev, orig);
        }
      });
    });
  });
});

describe('kvmio fix on the kernel command line', () => {
  it('--passthrough writes the GRUB drop-in under --root, says update-grub and reboot, and rollback removes it', async () => {
    await withTempDir(async (dir) => {
      const root = join(dir, 'root');
      const dry = await cli(['fix', '--only', 'iommu', '--passthrough', '--root', root, '--json']);
      assert.equal(dry.code, 0, dry.stderr);
      const j = JSON.parse(dry.stdout) as { mode: string; actions: { id: string; path: string; status: string }[]; notes: string[] };
      assert.equal(j.mode, 'dry-run');
      assert.deepEqual(j.actions.map((a) => [a.id, a.path, a.status]), [['iommu.intel-cmdline', join(root, 'etc/default/grub.d/kvmio.cfg'), 'would-change']]);
      assert.match(j.notes.join(' '), /update-grub.*reboot/);
      const r = await cli(['fix', '--yes', '--only', 'iommu', '--passthrough', '--root', root]);
      assert.equal(r.code, 0);
      assert.match(readFileSync(join(root, 'etc/default/grub.d/kvmio.cfg'), 'utf8'), /intel_iommu=on iommu=pt/);
      const rb = await cli(['rollback', '--yes', '--root', root]);
      assert.match(rb.stdout, /run update-grub/);
      assert.equal(existsSync(join(root, 'etc/default')), false);
    });
  });
});

describe('kvmio fix warns about what would undo it at boot', () => {
  it('names a later-sorting sysctl.d file in the dry run', async () => {
    await withTempDir(async (dir) => {
      const root = join(dir, 'root');
      mkdirSync(join(root, 'etc/sysctl.d'), { recursive: true });
      writeFileSync(join(root, 'etc/sysctl.d/99-zz-local.conf'), 'fs.aio-max-nr = 65536\n');
      const r = await cli(['fix', '--only', 'aio', '--vms', '100', '--iothreads', '1', '--root', root]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /warning: \/etc\/sysctl\.d\/99-zz-local\.conf:1 sets fs\.aio-max-nr = 65536 and is applied after \/etc\/sysctl\.d\/90-kvmio\.conf/);
    });
  });
});
