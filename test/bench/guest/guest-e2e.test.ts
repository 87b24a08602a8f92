// The guest tier on this machine, with real tools: the appliance built from Debian's
// cloud kernel package (downloaded with apt-get into a cache outside the repository,
// unpacked, never installed), booted under TCG with real QEMU on virtio-blk and
// virtio-scsi, 4 VMs at once through the CLI, a guest that never finishes, and SIGINT.
// One appliance is built in `before` and shared by every test here.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildAppliance, type Appliance } from '../../../src/bench/appliance/build-appliance.js';
import { findKernelIn } from '../../../src/bench/appliance/kernel-package.js';
import { GuestDetailsSchema } from '../../../src/bench/guest/guest-details.js';
import { renderFioJob } from '../../../src/bench/guest/render-fio-job.js';
import { runGuests } from '../../../src/bench/guest/run-guests.js';
import { ResultsSchema } from '../../../src/bench/results-schema.js';
import { execOk, start } from '../../../src/exec.js';
import { REPO, cli } from '../../helpers.js';

/** Kernel packages are kept across runs here (outside the repository). */
const CACHE = process.env.KVMIO_TEST_CACHE ?? '/var/tmp/kvmio-test-cache';
const work = mkdtempSync(join('/var/tmp', 'kvmio-guest-test-'));
const state = join(work, 'state');
const store = join(work, 'store');
/** This file's own TMPDIR for the runs it starts, so other processes' scratch dirs never count. */
const scratch = join(work, 'tmp');
mkdirSync(store, { recursive: true });
mkdirSync(scratch, { recursive: true });
let appliance: Appliance;

after(() => rmSync(work, { recursive: true, force: true }));

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
/** PIDs of QEMU processes whose command line names this test's store. */
const qemusOnStore = (): number[] => readdirSync('/proc').filter((d) => /^\d+$/.test(d)).flatMap((d) => {
  try {
    const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8');
    return cmd.startsWith('qemu-system') && cmd.includes(store) ? [Number(d)] : [];
  } catch {
    return [];
  }
});
const scratchDirs = (): string[] => readdirSync(scratch).filter((f) => f.startsWith('kvmio-guest-'));
const storeFiles = (): string[] => readdirSync(store);
const disk = async (name: string): Promise<string> => {
  const p = join(store, name);
  await execOk(['qemu-img', 'create', '-q', '-f', 'raw', '-o', 'preallocation=falloc', p, '128M']);
  return p;
};
const SHORT = { name: 'randread-4k-qd4', rw: 'randread', bs: '4k', iodepth: 4, runtimeS: 1, sizeMiB: 64 } as const;

describe('guest appliance (TCG)', { timeout: 240_000 }, () => {
  before(async () => {
    appliance = await buildAppliance({ stateDir: state, cacheDir: CACHE });
  });

  it('is built from the Debian package with both virtio buses and fw_cfg, and reused while its inputs stay the same', async () => {
    assert.match(appliance.kernelSource, /^linux-image-\d[\w.-]*-cloud-amd64/);
    for (const m of ['virtio_pci', 'virtio_blk', 'virtio_scsi', 'sd_mod', 'qemu_fw_cfg', 'xfs']) assert.ok(appliance.modules.includes(m), m);
    assert.ok(appliance.modules.indexOf('virtio_ring') < appliance.modules.indexOf('virtio_blk'));
    assert.ok(appliance.modules.indexOf('scsi_mod') < appliance.modules.indexOf('virtio_scsi'));
    // lz4 legacy frame magic (lib/decompress_unlz4.c: ARCHIVE_MAGICNUMBER 0x184C2102).
    assert.deepEqual([...readFileSync(appliance.initrd).subarray(0, 4)], [0x02, 0x21, 0x4c, 0x18]);
    const manifest = JSON.parse(readFileSync(join(appliance.dir, 'manifest.json'), 'utf8')) as { files: string[] };
    for (const f of ['/usr/bin/fio', '/bin/busybox', '/sbin/mke2fs', '/sbin/mkfs.xfs', '/lib64/ld-linux-x86-64.so.2']) assert.ok(manifest.files.includes(f), f);
    const again = await buildAppliance({ stateDir: state, cacheDir: CACHE });
    assert.equal(again.key, appliance.key);
    assert.equal(again.built, false);
    // The CLI finds the same one.
    const r = await cli(['bench', 'appliance', 'build', '--state-dir', state, '--cache-dir', CACHE, '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { key: string }).key, appliance.key);
  });

  it('boots on virtio-blk and on virtio-scsi at once and returns fio\'s JSON parsed, leaving no scratch file', async () => {
    const before = scratchDirs();
    const [d0, d1] = [await disk('blk.raw'), await disk('scsi.raw')];
    const run = await runGuests([
      { name: 'blk', disk: d0, config: { bus: 'virtio-blk', iothread: true, queues: 1, aio: 'native' }, scheduler: 'mq-deadline', target: 'raw', job: renderFioJob(SHORT), timeoutMs: 150_000 },
      { name: 'scsi', disk: d1, config: { bus: 'virtio-scsi', iothread: false, queues: 2, aio: 'threads' }, scheduler: 'none', target: 'ext4', job: renderFioJob(SHORT), timeoutMs: 150_000 },
    ], { kernel: appliance.kernel, initrd: appliance.initrd, accel: 'tcg', scratchParent: scratch });
    const [blk, scsi] = run.vms;
    assert.equal(blk?.status, 'ok', `${blk?.reason}\n${blk?.consoleTail}`);
    assert.equal(scsi?.status, 'ok', `${scsi?.reason}\n${scsi?.consoleTail}`);
    assert.equal(blk?.facts.target, '/dev/vda');
    assert.equal(blk?.facts.scheduler, 'mq-deadline');
    assert.equal(scsi?.facts.target, '/mnt/kvmio.fio');
    assert.equal(scsi?.facts.scheduler, 'none');
    for (const v of [blk, scsi]) {
      assert.equal(v?.fio?.jobs[0]?.jobname, 'randread-4k-qd4');
      assert.ok((v?.fio?.jobs[0]?.read.total_ios ?? 0) > 0);
      assert.ok(v?.pid !== undefined && !alive(v.pid));
    }
    assert.ok((run.aioNr.max ?? 0) >= 1024, 'the native disk charged fs.aio-nr');
    assert.deepEqual(scratchDirs(), before);
    rmSync(d0);
    rmSync(d1);
  });

  it('a guest whose job never ends is killed at its timeout by PID; the other keeps its result', async () => {
    const [d0, d1] = [await disk('ok.raw'), await disk('hang.raw')];
    const cfg = { bus: 'virtio-blk', iothread: false, queues: 1, aio: 'threads' } as const;
    const t0 = Date.now();
    const run = await runGuests([
      { name: 'ok', disk: d0, config: cfg, scheduler: 'none', target: 'raw', job: renderFioJob(SHORT), timeoutMs: 150_000 },
      { name: 'hang', disk: d1, config: cfg, scheduler: 'none', target: 'raw', job: renderFioJob(SHORT, { neverEnds: true }), timeoutMs: 20_000 },
    ], { kernel: appliance.kernel, initrd: appliance.initrd, accel: 'tcg' });
    const [ok, hang] = run.vms;
    assert.equal(ok?.status, 'ok', `${ok?.reason}\n${ok?.consoleTail}`);
    assert.equal(hang?.status, 'timeout');
    assert.match(hang?.reason ?? '', /^no result within 20000 ms; killed \(pid \d+\)$/);
    assert.ok(hang?.wallMs !== undefined && hang.wallMs >= 20_000 && hang.wallMs < 30_000, `killed at ${hang?.wallMs} ms`);
    assert.ok(hang?.pid !== undefined && !alive(hang.pid));
    assert.ok(Date.now() - t0 < 150_000);
    rmSync(d0);
    rmSync(d1);
  });

  it('kvmio bench --guest-only --vms 4 boots 4 VMs together and writes 4 guest results into one file, TCG marked', async () => {
    const out = join(work, 'four.json');
    const r = await cli(['bench', '--guest-only', '--vms', '4', '--accel', 'tcg', '--repeat', '1', '--runtime', '2', '--size', '64M',
      '--target', store, '--state-dir', state, '--cache-dir', CACHE, '-o', out]);
    assert.equal(r.code, 0, r.stderr);
    const results = ResultsSchema.parse(JSON.parse(readFileSync(out, 'utf8')));
    const guests = results.points.filter((p) => p.tier === 'guest');
    assert.equal(guests.length, 4);
    assert.equal(results.points.filter((p) => p.tier === 'bare').length, 1);
    for (const p of guests) {
      assert.equal(p.error, undefined, p.error);
      assert.equal(p.functionalOnly, true);
      assert.ok((p.summary?.iops ?? 0) > 0);
      const d = GuestDetailsSchema.parse(p.guest);
      assert.equal(d.vmCount, 4);
      assert.equal(d.accel, 'tcg');
      assert.match(d.note ?? '', /functional only, not a performance figure/);
      // native with an iothread charges 1024 for the main loop and 1024 for the iothread per VM;
      // fs.aio-nr is system-wide, so other processes' AIO may add to it.
      assert.ok((d.aioNr?.perVm ?? 0) >= 1024, `aio-nr per VM ${d.aioNr?.perVm}`);
      assert.ok((d.aioNr?.samples.length ?? 0) > 0);
      assert.ok(d.window !== undefined);
    }
    assert.deepEqual(guests.map((p) => GuestDetailsSchema.parse(p.guest).vmIndex).sort(), [0, 1, 2, 3]);
    assert.match(r.stdout, /tcg \(functional only\)/);
    assert.match(r.stdout, /fs\.aio-nr with 4 VM\(s\) on raw-falloc-none-native: peak \d+ of fs\.aio-max-nr \d+/);
    const md = await cli(['report', out, '--format', 'md']);
    assert.equal(md.code, 0, md.stderr);
    assert.match(md.stdout, /## Guest tier/);
    assert.match(md.stdout, /functional only/);
    assert.deepEqual(storeFiles(), []);
  });

  it('--kernel FILE --modules DIR: a kernel the user names is booted, and the results say which', async () => {
    // The cached package's kernel file stands in for the user's own (same bytes, another path, so another appliance key).
    const own = join(work, 'my-vmlinuz');
    copyFileSync(appliance.kernel, own);
    const { modulesDir } = findKernelIn(join(CACHE, 'kernel', appliance.kernelSource), appliance.kernelSource);
    const mine = join(work, 'state-own-kernel');
    const out = join(work, 'own-kernel.json');
    const r = await cli(['bench', '--guest-only', '--kernel', own, '--modules', modulesDir, '--accel', 'tcg', '--repeat', '1', '--runtime', '1', '--size', '64M',
      '--target', store, '--state-dir', mine, '-o', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`appliance [0-9a-f]+ \\(${own.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}, built\\)`));
    const results = ResultsSchema.parse(JSON.parse(readFileSync(out, 'utf8')));
    assert.match(results.tools.appliance ?? '', new RegExp(`^[0-9a-f]+ ${own}$`));
    const guest = results.points.find((p) => p.tier === 'guest');
    assert.equal(guest?.error, undefined, guest?.error);
    assert.ok((guest?.summary?.iops ?? 0) > 0);
    assert.equal(GuestDetailsSchema.parse(guest?.guest).guestKernel, appliance.kernelVersion, 'the guest ran the named kernel (uname -r)');
    assert.notEqual(readdirSync(join(mine, 'appliance'))[0], appliance.key, 'its own appliance, not the package kernel\'s');
    // Bad input: one line, exit 2, nothing built.
    const bad = await cli(['bench', '--guest-only', '--kernel', join(work, 'no-such-kernel'), '--accel', 'tcg', '--target', store, '--state-dir', join(work, 'state-bad')]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--kernel .*no-such-kernel: not a file; expected a bootable kernel image \(bzImage or vmlinux\)/);
    assert.equal(existsSync(join(work, 'state-bad', 'appliance')), false);
    assert.deepEqual(storeFiles(), []);
  });

  it('SIGINT stops every guest: no QEMU, no disk, no scratch file is left, exit 130', async () => {
    const before = scratchDirs();
    const h = start([process.execPath, join(REPO, 'bin', 'kvmio.js'), 'bench', '--guest-only', '--vms', '2', '--accel', 'tcg', '--repeat', '1', '--runtime', '60',
      '--size', '64M', '--target', store, '--state-dir', state, '--cache-dir', CACHE], { processGroup: false, env: { TMPDIR: scratch } });
    let qemus: number[] = [];
    for (let i = 0; i < 600 && qemus.length < 2; i++) {
      await new Promise((res) => setTimeout(res, 100));
      qemus = qemusOnStore();
    }
    assert.equal(qemus.length, 2, 'both guests started');
    await new Promise((res) => setTimeout(res, 1000));
    process.kill(h.pid as number, 'SIGINT');
    const r = await h.result;
    assert.equal(r.code, 130, r.stderr);
    assert.match(r.stderr, /bench interrupted/);
    for (const pid of qemus) assert.ok(!alive(pid), `QEMU ${pid} still running`);
    assert.deepEqual(qemusOnStore(), []);
    assert.deepEqual(storeFiles(), []);
    assert.deepEqual(scratchDirs(), before);
    assert.ok(!existsSync(join(state, 'bench')) || readdirSync(join(state, 'bench')).every((f) => !f.includes('tmp')));
  });
});
