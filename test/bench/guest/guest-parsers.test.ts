// Pure parts of the guest runner: the result port, the QEMU argv, the fio job, the matrix
// and its flags.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KvmioError } from '../../../src/errors.js';
import { guestMatrixFromFlags } from '../../../src/bench/guest/guest-flags.js';
import { expandGuestMatrix, guestPointId, parseWorkloadId } from '../../../src/bench/guest/guest-matrix.js';
import { parseGuestResult } from '../../../src/bench/guest/parse-guest-result.js';
import { renderFioJob } from '../../../src/bench/guest/render-fio-job.js';
import { renderGuestArgv, type GuestArgvInputs } from '../../../src/bench/guest/render-guest-argv.js';
import { cli } from '../../helpers.js';
import { tempDir } from '../temp.js';

const FIO = JSON.stringify({
  'fio version': 'fio-3.33',
  jobs: [{
    jobname: 'randread-4k-qd32', error: 0,
    read: { io_bytes: 4096000, bw_bytes: 2048000, iops: 500.5, runtime: 2000, total_ios: 1000, clat_ns: { percentile: { '50.000000': 1000, '99.000000': 5000, '99.900000': 9000 } } },
    write: { io_bytes: 0, bw_bytes: 0, iops: 0, runtime: 0, total_ios: 0, clat_ns: {} },
  }],
}, null, 2);

/** What the guest writes, with the tty's \r\n line ends. */
const port = (lines: readonly string[]): string => `${lines.join('\n')}\n`.replace(/\n/g, '\r\n');

describe('parseGuestResult', () => {
  it('reads facts and fio JSON through the tty line ends', () => {
    const r = parseGuestResult(port([
      'kvmio-guest scheduler [mq-deadline] none', 'kvmio-guest target /dev/vda', 'kvmio-guest kernel 6.1.0-57-cloud-amd64',
      'kvmio-guest start 1796164807', 'kvmio-guest uptime-at-start 4.25', 'kvmio-guest end 1796164811',
      '-----BEGIN FIO JSON-----', FIO, '-----END FIO JSON----- rc=0',
    ]));
    assert.equal(r?.kind, 'ok');
    if (r?.kind !== 'ok') return;
    assert.deepEqual(r.facts, { scheduler: 'mq-deadline', target: '/dev/vda', kernel: '6.1.0-57-cloud-amd64', startEpochS: 1796164807, endEpochS: 1796164811, uptimeAtStartS: 4.25 });
    assert.equal(r.fio.jobs[0]?.read.iops, 500.5);
  });
  it('a report without its end marker is not complete yet', () => {
    assert.equal(parseGuestResult(port(['kvmio-guest start 1', '-----BEGIN FIO JSON-----', FIO.slice(0, 100)])), undefined);
    assert.equal(parseGuestResult(''), undefined);
  });
  it('the init\'s error line and a failed fio are errors with the reason', () => {
    assert.deepEqual(parseGuestResult(port(['kvmio-guest-error disk /dev/vda did not appear'])), { kind: 'error', facts: {}, reason: 'guest: disk /dev/vda did not appear' });
    const bad = parseGuestResult(port(['-----BEGIN FIO JSON-----', FIO, '-----END FIO JSON----- rc=1']));
    assert.equal(bad?.kind, 'error');
    assert.match(bad?.kind === 'error' ? bad.reason : '', /fio exited 1/);
    const garbled = parseGuestResult(port(['-----BEGIN FIO JSON-----', '{"jobs": 3}', '-----END FIO JSON----- rc=0']));
    assert.equal(garbled?.kind, 'error');
  });
});

const base: GuestArgvInputs = {
  qemu: 'qemu-system-x86_64', accel: 'tcg', kernel: '/a/kernel', initrd: '/a/initrd.lz4', disk: '/s/d,1.raw',
  config: { bus: 'virtio-blk', iothread: true, queues: 2, aio: 'native' }, scheduler: 'mq-deadline', target: 'xfs',
  jobFile: '/t/vm0.fio', consoleFile: '/t/vm0.console', resultFile: '/t/vm0.result', cpus: 2, memoryMiB: 512, startAtEpochS: 1000,
};

describe('renderGuestArgv', () => {
  it('virtio-blk with an iothread and 2 queues, under TCG', () => {
    assert.deepEqual(renderGuestArgv(base), [
      'qemu-system-x86_64', '-accel', 'tcg,thread=multi', '-cpu', 'max', '-machine', 'q35', '-m', '512', '-smp', '2',
      '-nodefaults', '-display', 'none', '-no-reboot', '-no-user-config', '-kernel', '/a/kernel', '-initrd', '/a/initrd.lz4',
      '-append', 'console=ttyS0 quiet panic=-1 KVMIO_DISK=/dev/vda KVMIO_SCHED=mq-deadline KVMIO_FS=xfs KVMIO_START=1000',
      '-serial', 'file:/t/vm0.console', '-serial', 'file:/t/vm0.result', '-fw_cfg', 'name=opt/fio.job,file=/t/vm0.fio',
      '-object', 'iothread,id=io0',
      '-blockdev', 'driver=file,node-name=f0,filename=/s/d,,1.raw,aio=native,cache.direct=on', '-blockdev', 'driver=raw,node-name=d0,file=f0',
      '-device', 'virtio-blk-pci,drive=d0,num-queues=2,iothread=io0',
    ]);
  });
  it('virtio-scsi without an iothread under KVM: the disk is a scsi-hd on the controller, seen as /dev/sda', () => {
    const a = renderGuestArgv({ ...base, accel: 'kvm', config: { bus: 'virtio-scsi', iothread: false, queues: 1, aio: 'threads' } });
    assert.deepEqual(a.slice(1, 5), ['-accel', 'kvm', '-cpu', 'host,-arch-capabilities']);
    assert.deepEqual(a.slice(-4), ['-device', 'virtio-scsi-pci,id=scsi0,num_queues=1', '-device', 'scsi-hd,drive=d0,bus=scsi0.0']);
    assert.ok(!a.includes('iothread,id=io0'));
    assert.match(a[a.indexOf('-append') + 1] ?? '', /KVMIO_DISK=\/dev\/sda/);
  });
});

describe('renderFioJob', () => {
  it('targets ${KVMIO_TARGET} with direct libaio, time based', () => {
    const job = renderFioJob({ name: 'randread-4k-qd32', rw: 'randread', bs: '4k', iodepth: 32, runtimeS: 5, sizeMiB: 256 });
    for (const line of ['filename=${KVMIO_TARGET}', 'size=256m', 'rw=randread', 'iodepth=32', 'ioengine=libaio', 'direct=1', 'runtime=5', 'time_based=1', '[randread-4k-qd32]']) {
      assert.ok(job.split('\n').includes(line), `${line} in\n${job}`);
    }
  });
});

describe('guest matrix and flags', () => {
  it('expands every dimension', () => {
    const m = guestMatrixFromFlags({ vms: ['1', '4'], bus: ['virtio-blk', 'virtio-scsi'], iothread: ['on', 'off'], guestSched: ['none', 'mq-deadline'], guestTarget: ['raw', 'xfs'] }, { repeat: 1 });
    const points = expandGuestMatrix(m);
    assert.equal(points.length, 2 * 2 * 2 * 2 * 2);
    assert.equal(new Set(points.flatMap((p) => [guestPointId(p, 0)])).size, points.length);
  });
  it('parses workload ids', () => {
    assert.deepEqual(parseWorkloadId('write-1m-qd8'), { id: 'write-1m-qd8', pattern: 'write', blockSizeBytes: 1048576, iodepth: 8 });
    assert.equal(parseWorkloadId('randrw-4k-qd1'), undefined);
  });
  const bad: [string, Parameters<typeof guestMatrixFromFlags>[0], RegExp][] = [
    ['bus', { bus: ['ide'] }, /^--bus: "ide" is not valid; expected one of virtio-blk, virtio-scsi$/],
    ['vms zero', { vms: ['0'] }, /^--vms: "0" is not valid; expected a whole number from 1 to 64$/],
    ['vms text', { vms: ['four'] }, /^--vms: "four"/],
    ['iothread', { iothread: ['yes'] }, /^--iothread: "yes" is not valid; expected one of on, off$/],
    ['scheduler', { guestSched: ['noop'] }, /^--guest-sched: "noop" is not valid; expected one of none, mq-deadline$/],
    ['target', { guestTarget: ['btrfs'] }, /^--guest-target: "btrfs"/],
    ['workload', { guestWorkload: ['fast'] }, /^--guest-workload: "fast" is not valid/],
  ];
  for (const [name, flags, message] of bad) {
    it(`refuses a bad ${name} as a usage error`, () => {
      assert.throws(() => guestMatrixFromFlags(flags, { repeat: 1 }), (e: unknown) => e instanceof KvmioError && e.code === 'usage' && message.test(e.message));
    });
  }
});

describe('kvmio bench guest flags', () => {
  const cases: [string, string[], RegExp][] = [
    ['a bad bus', ['--guest-only', '--bus', 'ide'], /^kvmio: --bus: "ide" is not valid; expected one of virtio-blk, virtio-scsi\n/],
    ['a bad accelerator', ['--guest', '--accel', 'xen'], /--accel: "xen" is not valid; expected one of auto, kvm, tcg/],
    ['guest flags without --guest', ['--vms', '4'], /^kvmio: --kernel, --modules, --vms and --bus belong to the guest tier; expected --guest or --guest-only with them\n/],
  ];
  for (const [name, args, message] of cases) {
    it(`${name}: exit 2, one line, nothing written`, async () => {
      const state = tempDir('kvmio-guest-flags-');
      const r = await cli(['bench', ...args, '--state-dir', state, '--target', state]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, message);
      assert.equal(r.stdout, '');
    });
  }
});
