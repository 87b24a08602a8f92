// The exact command lines a bench runs, built here and only here (pure), so tests can
// assert them and the results file can record them.
import type { CacheMode } from '../model/disk-types.js';
import type { DiskConfiguration, Workload } from './results-schema.js';
import { FIO_PERCENTILES } from './fio-json.js';
import { isRandom, isWrite } from './workloads.js';

/** QEMU's option syntax doubles a comma inside a value (util/qemu-option.c get_opt_value). */
export const qemuOptValue = (s: string): string => s.replace(/,/g, ',,');

export function qemuImgCreateArgv(path: string, c: DiskConfiguration, sizeBytes: number): string[] {
  const o: string[] = [];
  if (c.preallocation) o.push(`preallocation=${c.preallocation}`);
  if (c.clusterSizeBytes !== undefined) o.push(`cluster_size=${c.clusterSizeBytes}`);
  if (c.extendedL2) o.push('extended_l2=on');
  return ['qemu-img', 'create', '-q', '-f', c.format, ...(o.length ? ['-o', o.join(',')] : []), path, String(sizeBytes)];
}

/**
 * How a cache mode maps onto block-node options and the export's writethrough flag
 * (QEMU qemu-options.hx, "-drive cache=": writeback = direct off; none = direct on;
 * writethrough = writeback + write cache off; directsync = none + write cache off;
 * unsafe = writeback + no-flush).
 */
export function cacheFlags(cache: CacheMode): { direct: boolean; noFlush: boolean; writethrough: boolean } {
  return {
    direct: cache === 'none' || cache === 'directsync',
    noFlush: cache === 'unsafe',
    writethrough: cache === 'writethrough' || cache === 'directsync',
  };
}

/** qemu-img bench for a configuration (image path), or for null-co when `image` is null: the in-process ceiling. */
export function qemuImgBenchArgv(image: string | null, c: DiskConfiguration | undefined, w: Workload, count: number): string[] {
  const common = ['qemu-img', 'bench', '-c', String(count), '-d', String(w.iodepth), '-s', String(w.blockSizeBytes), '-S', String(w.blockSizeBytes), ...(isWrite(w.pattern) ? ['-w'] : [])];
  if (image === null || c === undefined) return [...common, '-f', 'raw', 'null-co://'];
  return [...common, '-f', c.format, '-t', c.cache, '-i', c.aio, image];
}

export interface QsdExport {
  /** Image file or device; null: null-co of sizeBytes (the transport ceiling). */
  readonly image: string | null;
  readonly device?: boolean;
  readonly config?: DiskConfiguration;
  readonly socket: string;
  readonly sizeBytes: number;
}

export const NBD_EXPORT = 'd0';

/** qemu-storage-daemon exporting one block node over NBD on a unix socket. */
export function qsdArgv(x: QsdExport): string[] {
  const nodes: string[] = [];
  let writethrough = false;
  if (x.image === null || x.config === undefined) {
    nodes.push(`driver=null-co,node-name=${NBD_EXPORT},size=${x.sizeBytes}`);
  } else {
    const f = cacheFlags(x.config.cache);
    writethrough = f.writethrough;
    const cache = `cache.direct=${f.direct ? 'on' : 'off'},cache.no-flush=${f.noFlush ? 'on' : 'off'}`;
    nodes.push(`driver=${x.device ? 'host_device' : 'file'},node-name=f0,filename=${qemuOptValue(x.image)},aio=${x.config.aio},${cache}`);
    nodes.push(`driver=${x.config.format},node-name=${NBD_EXPORT},file=f0,${cache}`);
  }
  return [
    'qemu-storage-daemon',
    ...nodes.flatMap((n) => ['--blockdev', n]),
    '--nbd-server', `addr.type=unix,addr.path=${qemuOptValue(x.socket)}`,
    '--export', `type=nbd,id=e0,node-name=${NBD_EXPORT},name=${NBD_EXPORT},writable=on,writethrough=${writethrough ? 'on' : 'off'}`,
  ];
}

export interface FioTarget {
  /** fio on a file or device (bare), or through an NBD export (qsd-fio). */
  readonly kind: 'file' | 'nbd';
  /** File/device path, or the NBD unix socket. */
  readonly path: string;
  readonly sizeBytes: number;
}

export const BARE_ENGINE = 'io_uring';

/** One fio job, JSON to `output`. Bare: io_uring with O_DIRECT (the best the store gives); NBD: fio's nbd engine (libnbd). */
export function fioArgv(t: FioTarget, w: Workload, runtimeSec: number, output: string): string[] {
  const target =
    t.kind === 'nbd'
      ? ['--ioengine=nbd', `--uri=nbd+unix:///${NBD_EXPORT}?socket=${t.path}`]
      : [`--ioengine=${BARE_ENGINE}`, '--direct=1', `--filename=${t.path.replace(/:/g, '\\:')}`, `--size=${t.sizeBytes}`];
  return [
    'fio',
    '--name=kvmio',
    ...target,
    `--rw=${w.pattern}`,
    `--bs=${w.blockSizeBytes}`,
    `--iodepth=${w.iodepth}`,
    '--numjobs=1',
    // Jobs as threads, not forked processes: fio's one process is all there is to stop,
    // and the kernel's parent-death signal (exec.ts dieWithParent) reaches all of it.
    '--thread',
    `--runtime=${runtimeSec}`,
    '--time_based',
    ...(isRandom(w.pattern) ? ['--norandommap', '--randrepeat=0'] : []),
    `--percentile_list=${FIO_PERCENTILES}`,
    '--output-format=json',
    `--output=${output}`,
  ];
}
