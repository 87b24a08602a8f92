// Builds small, schema-valid results files for tests (figures chosen per test, so each
// test states the numbers it depends on).
import { RESULTS_SCHEMA_ID, ResultsSchema, type DiskConfiguration, type Figures, type Results, type Workload } from '../../src/bench/results-schema.js';
import { summarize } from '../../src/bench/stats.js';
import { configId } from '../../src/bench/anchors.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execOk } from '../../src/exec.js';

export const W_RANDWRITE: Workload = { id: 'randwrite-4k-qd32', pattern: 'randwrite', blockSizeBytes: 4096, iodepth: 32 };

export interface PointSpec {
  readonly config: Omit<DiskConfiguration, 'id'>;
  readonly iops: readonly number[];
  readonly anchors?: readonly string[];
}

const fig = (iops: number): Figures => ({ iops, bandwidthBytesPerSec: iops * 4096, durationMs: 2000, ios: iops * 2, latency: { p50Ns: 1e9 / iops, p99Ns: 3e9 / iops, p999Ns: 6e9 / iops } });

export function makeResults(store: string, specs: readonly PointSpec[], o: { bare?: number; ceiling?: number; finishedAt?: string } = {}): Results {
  const points = [
    { id: 'bare/fio/randwrite-4k-qd32', tier: 'bare', runner: 'fio', transport: 'none', workload: W_RANDWRITE, repeats: [fig(o.bare ?? 40000)] },
    { id: 'ceiling/qsd-fio/null-co/randwrite-4k-qd32', tier: 'ceiling', runner: 'qsd-fio', transport: 'nbd', workload: W_RANDWRITE, repeats: [fig(o.ceiling ?? 60000)] },
    ...specs.map((s) => {
      const config = { id: configId(s.config), ...s.config };
      return { id: `backend/qsd-fio/${config.id}/randwrite-4k-qd32`, tier: 'backend', runner: 'qsd-fio', transport: 'nbd', workload: W_RANDWRITE, config, anchors: s.anchors ?? [], repeats: s.iops.map(fig) };
    }),
  ].map((p) => ({ ...p, summary: summarize(p.repeats), functionalOnly: false }));
  const anchorOf = (id: string): string => specs.find((s) => s.anchors?.includes(id))?.config !== undefined ? configId((specs.find((s) => s.anchors?.includes(id)) as PointSpec).config) : configId((specs[0] as PointSpec).config);
  return ResultsSchema.parse({
    schema: RESULTS_SCHEMA_ID,
    runId: '20261201T000000Z-test',
    startedAt: '2026-12-01T00:00:00.000Z',
    finishedAt: o.finishedAt ?? '2026-12-01T00:05:00.000Z',
    kvmio: { version: '0.1.0' },
    tools: { 'qemu-img': 'qemu-img version 7.2.22', 'qemu-storage-daemon': 'qemu-storage-daemon version 7.2.22', fio: 'fio-3.33', libvirt: '9.0.0' },
    host: { hostname: 'test', kernel: '6.18.0', cpus: 2, loadAvgStart: [0.5, 0.5, 0.5], loadAvgEnd: [0.5, 0.5, 0.5] },
    target: { kind: 'file', path: store, store, fsType: 'ext4', sizeBytes: 256 * 1024 ** 2 },
    matrix: { name: 'test', repeat: Math.max(...specs.map((s) => s.iops.length)), runtimeSec: 2, notes: [] },
    anchors: ['virt-install', 'proxmox', 'kubevirt-nova', 'seed', 'kvmio'].map((id) => ({ id, name: id, configId: anchorOf(id), why: 'test', ref: 'test' })),
    points,
  });
}

/** A results file whose guest tier measured the guest scheduler: none vs mq-deadline, one VM, XFS, under `accel`. */
export function makeGuestSchedResults(none: readonly number[], mq: readonly number[], accel: 'kvm' | 'tcg', o: { finishedAt?: string } = {}): Results {
  const base = makeResults('/store', [{ config: { format: 'raw', preallocation: 'falloc', cache: 'none', aio: 'native' }, iops: [1] }], o);
  const point = (sched: 'none' | 'mq-deadline', iops: readonly number[]) => {
    const repeats = iops.map(fig);
    return {
      id: `guest:${sched}`, tier: 'guest', runner: 'appliance-fio', transport: 'virtio-blk', workload: W_RANDWRITE,
      config: { id: 'raw-falloc-none-native.virtio-blk.iothread.q1', format: 'raw', preallocation: 'falloc', aio: 'native', cache: 'none' },
      repeats, summary: summarize(repeats), functionalOnly: accel === 'tcg',
      guest: { accel, accelReason: 'test', machine: 'q35', vcpus: 2, memoryMiB: 512, vmCount: 1, vmIndex: 0, scheduler: sched, target: 'xfs' },
    };
  };
  return ResultsSchema.parse({ ...base, runId: `20261201T000000Z-${accel}`, points: [...base.points, point('none', none), point('mq-deadline', mq)] });
}

/** A 16 MiB falloc raw image in `dir` and a domain XML file NAME whose virtio disk uses it with cache=none, io=native (what the static table wants). */
export async function makeNativeVm(dir: string, name: string): Promise<{ img: string; xml: string }> {
  const img = join(dir, 'vm.raw');
  await execOk(['qemu-img', 'create', '-q', '-f', 'raw', '-o', 'preallocation=falloc', img, '16M']);
  const xml = join(dir, 'vm.xml');
  writeFileSync(xml, `<domain type='kvm'><name>${name}</name><memory unit='MiB'>64</memory><os><type arch='x86_64' machine='q35'>hvm</type></os><iothreads>1</iothreads><devices><disk type='file' device='disk'><driver name='qemu' type='raw' cache='none' io='native' iothread='1'/><source file='${img}'/><target dev='vda' bus='virtio'/></disk></devices></domain>`);
  return { img, xml };
}
