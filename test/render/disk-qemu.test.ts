// Acceptance: every rendered argv runs in real QEMU (paused, TCG). QMP shows cache.direct
// as chosen; the process shows the chosen aio mode.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chooseDiskConfig } from '../../src/decide/choose-disk-config.js';
import { isDirectCache, type DiskConfig, type DiskDeviceConfig, type DiskIntent } from '../../src/model/disk-types.js';
import { probeBackend, probePlatform } from '../../src/facts/probe-disk.js';
import { renderQemuDiskArgs } from '../../src/render/qemu-disk-args.js';
import { aioOfProcess, queryBlock, QemuFailed, startPausedQemu, type PausedQemu } from './qemu-run.js';
import { withRealBackends, type RealBackends } from './disk-backends.js';

interface Case {
  readonly name: string;
  readonly disks: readonly [(b: RealBackends) => string, DiskIntent][];
  /** Expected aio of each disk (checks the table's outcome on this host). */
  readonly aio: readonly string[];
}

const CASES: readonly Case[] = [
  { name: 'sparse raw → io_uring, cache none', disks: [[(b) => b.rawSparse, {}]], aio: ['io_uring'] },
  { name: 'preallocated raw → native, cache none', disks: [[(b) => b.rawFull, {}]], aio: ['native'] },
  { name: 'preallocated raw, virtio-scsi → native', disks: [[(b) => b.rawFull, { bus: 'virtio-scsi' }]], aio: ['native'] },
  { name: 'sparse qcow2 → io_uring', disks: [[(b) => b.qcow2, {}]], aio: ['io_uring'] },
  { name: 'sparse qcow2 virtio-scsi, explicit threads', disks: [[(b) => b.qcow2, { bus: 'virtio-scsi', aio: 'threads' }]], aio: ['threads'] },
  { name: 'sparse raw, explicit writethrough → buffered io_uring', disks: [[(b) => b.rawSparse, { cache: 'writethrough' }]], aio: ['io_uring'] },
  { name: 'preallocated raw, explicit writeback + threads, no iothread, machine pc', disks: [[(b) => b.rawFull, { cache: 'writeback', aio: 'threads', iothread: false, machine: 'pc' }]], aio: ['threads'] },
  { name: 'preallocated raw, shareable + read-only + serial', disks: [[(b) => b.rawFull, { shareable: true, readOnly: true, serial: 'KVMIO-1' }]], aio: ['native'] },
  { name: 'loop device (whole) → native', disks: [[(b) => b.loop, {}]], aio: ['native'] },
  { name: 'loop device virtio-scsi, 2 queues, directsync', disks: [[(b) => b.loop, { bus: 'virtio-scsi', queues: 2, cache: 'directsync' }]], aio: ['native'] },
  { name: 'loop partition → native', disks: [[(b) => b.partition, {}]], aio: ['native'] },
  { name: 'seed: virtio-blk on a partition, iothread, aio=threads (pc)', disks: [[(b) => b.partition, { iothreadId: 1, cache: 'none', aio: 'threads', machine: 'pc' }]], aio: ['threads'] },
  { name: 'seed: virtio-scsi, 4 queues, root port on q35', disks: [[(b) => b.partition, { bus: 'virtio-scsi', iothreadId: 1, queues: 4, cache: 'none', aio: 'threads', machine: 'q35' }]], aio: ['threads'] },
  {
    name: 'one VM with every runnable kind on two iothreads',
    disks: [
      [(b) => b.rawSparse, {}],
      [(b) => b.qcow2, { bus: 'virtio-scsi', target: 'sda', iothreadId: 2 }],
      [(b) => b.loop, { target: 'vdb' }],
      [(b) => b.partition, { bus: 'virtio-scsi', target: 'sdb', iothreadId: 2, queues: 2 }],
    ],
    aio: ['io_uring', 'io_uring', 'native', 'native'],
  },
];

async function configs(c: Case, b: RealBackends): Promise<DiskDeviceConfig[]> {
  const out: DiskDeviceConfig[] = [];
  for (const [pick, intent] of c.disks) {
    const { backend } = await probeBackend(pick(b));
    const cfg: DiskConfig = chooseDiskConfig(backend, intent, await probePlatform(undefined, backend));
    assert.equal(cfg.kind, 'disk');
    out.push(cfg as DiskDeviceConfig);
  }
  return out;
}

interface Prepared {
  readonly c: Case;
  readonly cfgs: readonly DiskDeviceConfig[];
}

/** QEMU locks its images, so cases sharing a backend go to different waves. */
function waves(prepared: readonly Prepared[]): Prepared[][] {
  const out: Prepared[][] = [];
  for (const p of prepared) {
    const paths = new Set(p.cfgs.map((x) => x.backend.path));
    const wave = out.find((w) => w.every((o) => o.cfgs.every((x) => !paths.has(x.backend.path))));
    if (wave) wave.push(p);
    else out.push([p]);
  }
  return out;
}

async function check({ c, cfgs }: Prepared, q: PausedQemu): Promise<void> {
  const blocks = await queryBlock(q.qmp);
  assert.equal(blocks.length, cfgs.length, `${c.name}: one block device per disk`);
  for (const [j, cfg] of cfgs.entries()) {
    const seen = blocks.find((x) => x.device === `disk${j}`);
    assert.ok(seen, `${c.name}: disk${j} in query-block`);
    assert.equal(seen.direct, isDirectCache(cfg.cache.value), `${c.name}: disk${j} cache.direct for cache=${cfg.cache.value}`);
    assert.equal(seen.writeback, cfg.cache.value !== 'writethrough' && cfg.cache.value !== 'directsync', `${c.name}: disk${j} writeback`);
    assert.equal(seen.readOnly, cfg.readOnly, `${c.name}: disk${j} read-only`);
    assert.equal(seen.detectZeroes, cfg.detectZeroes.value ?? 'off', `${c.name}: disk${j} detect_zeroes`);
  }
  const aio = aioOfProcess(q.pid);
  const modes = new Set(cfgs.map((x) => x.aio.value));
  assert.equal(aio.aioRings > 0, modes.has('native'), `${c.name}: [aio] mapping present iff a disk uses native (${JSON.stringify(aio)})`);
  assert.equal(aio.ioUrings > 0, modes.has('io_uring'), `${c.name}: io_uring fd present iff a disk uses io_uring (${JSON.stringify(aio)})`);
}

async function runWave(wave: readonly Prepared[], dir: string): Promise<void> {
  const runs = await Promise.allSettled(wave.map((p) => startPausedQemu(renderQemuDiskArgs(p.cfgs), dir, `q${CASES.indexOf(p.c)}`)));
  try {
    for (const [i, r] of runs.entries()) {
      const p = wave[i] as Prepared;
      if (r.status === 'rejected') assert.fail(`${p.c.name}: QEMU did not start: ${String(r.reason)}`);
      await check(p, r.value);
    }
  } finally {
    // every QEMU of this wave is killed (by PID) before the next wave opens the same images
    await Promise.all(runs.flatMap((r) => (r.status === 'fulfilled' ? [r.value.stop()] : [])));
  }
}

describe('rendered QEMU argv in real QEMU (paused, TCG)', () => {
  it('every case starts; QMP shows cache.direct as chosen; the process shows the aio mode', async () => {
    await withRealBackends(async (b) => {
      const prepared = await Promise.all(CASES.map(async (c) => ({ c, cfgs: await configs(c, b) })));
      for (const { c, cfgs } of prepared) assert.deepEqual(cfgs.map((x) => x.aio.value), c.aio, `${c.name}: aio outcome`);
      for (const wave of waves(prepared)) await runWave(wave, b.dir);
    });
  });

  it('the seed\'s literal virtio-scsi argv needs q35: it runs on q35 and fails on pc (no pcie.0)', async () => {
    await withRealBackends(async (b) => {
      const seed = (machine: string): string[] => [
        '-machine', machine,
        '-device', 'pcie-root-port,bus=pcie.0,addr=1c.0,multifunction=on,port=1,chassis=1,id=root.1',
        '-object', 'iothread,id=io1',
        '-device', 'virtio-scsi-pci,id=scsi0,iothread=io1,num_queues=4,bus=pcie.0',
        '-drive', `id=scsi0,file=${b.partition},if=none,format=raw,aio=threads,cache=none`,
        '-device', 'scsi-hd,drive=scsi0',
      ];
      const q = await startPausedQemu(seed('q35'), b.dir, 'seed-q35');
      try {
        assert.equal((await queryBlock(q.qmp))[0]?.direct, true);
      } finally {
        await q.stop();
      }
      await assert.rejects(startPausedQemu(seed('pc'), b.dir, 'seed-pc'), (e: unknown) => e instanceof QemuFailed && /pcie\.0/.test(e.stderr));
    });
  });

  it('a PCI pass-through argv is parsed by QEMU, which then stops at VFIO (no IOMMU here)', async () => {
    await withRealBackends(async (b) => {
      const cfg = chooseDiskConfig({ kind: 'pci', address: '0000:00:1f.6', class: '0x010802' }, {}, {});
      await assert.rejects(startPausedQemu(renderQemuDiskArgs([cfg]), b.dir, 'vfio'), (e: unknown) => e instanceof QemuFailed && /vfio.*0000:00:1f\.6/.test(e.stderr) && !/invalid|Property .* not found/i.test(e.stderr));
    });
  });
});
