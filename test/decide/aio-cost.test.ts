import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { aioCharge } from '../../src/decide/aio-cost.js';
import { auditAioHeadroom } from '../../src/decide/audit-vm-disks.js';
import { aioDemandFromVms } from '../../src/decide/recommend-aio.js';
import { ok } from '../../src/facts/source.js';
import { vmFromXml } from '../vm-fixtures.js';
import { execOk } from '../../src/exec.js';
import { withTempDir } from '../helpers.js';

const model = (iothreads: number, disks: string, name = 'x') => vmFromXml(`<domain type='kvm'><name>${name}</name><iothreads>${iothreads}</iothreads><devices>${disks}</devices></domain>`);
const disk = (dev: string, io: string, iothread?: number, bus = 'virtio') =>
  `<disk type='file'><driver name='qemu' type='raw' cache='none' io='${io}'${iothread ? ` iothread='${iothread}'` : ''}/><source file='/i/${dev}'/><target dev='${dev}' bus='${bus}'/></disk>`;

describe('aioCharge: the measured figures (QEMU 7.2.22, 2026-11-25)', () => {
  const cases: [string, string, number, number][] = [
    ['1 native disk, no iothread', disk('vda', 'native'), 0, 1024],
    ['2 native disks, no iothread', disk('vda', 'native') + disk('vdb', 'native'), 0, 1024],
    ['1 native disk on 1 iothread', disk('vda', 'native', 1), 1, 2048],
    ['2 native disks on 2 iothreads', disk('vda', 'native', 1) + disk('vdb', 'native', 2), 2, 3072],
    ['2 native disks on 1 shared iothread', disk('vda', 'native', 1) + disk('vdb', 'native', 1), 1, 2048],
    ['threads and io_uring charge nothing', disk('vda', 'threads', 1) + disk('vdb', 'io_uring'), 1, 0],
    ['an iothread serving only an io_uring disk adds nothing', disk('vda', 'native') + disk('vdb', 'io_uring', 1), 1, 1024],
  ];
  for (const [scenario, disks, iothreads, want] of cases) {
    it(scenario, () => assert.equal(aioCharge(model(iothreads, disks)).aioNr, want));
  }
  it('a virtio-scsi disk is served by its controller\'s iothread', () => {
    const m = model(1, `<controller type='scsi' index='0' model='virtio-scsi'><driver iothread='1'/></controller>${disk('sda', 'native', undefined, 'scsi')}`);
    assert.equal(aioCharge(m).aioNr, 2048);
  });
  it('kvmio fix (AIO demand) and aio.vm-headroom count the same contexts, the virtio-scsi controller\'s iothread included', () => {
    // parse-domain-aio.ts used to forget the controller's iothread: fix sized 1 context where the check counted 2.
    const scsi = model(1, `<controller type='scsi' index='0' model='virtio-scsi'><driver iothread='1'/></controller>${disk('sda', 'native', undefined, 'scsi')}`, 's');
    const blk = model(2, disk('vda', 'native', 1) + disk('vdb', 'native', 2), 'b');
    const demand = aioDemandFromVms([scsi, blk]);
    assert.equal(demand.contexts, 2 + 3);
    const headroom = auditAioHeadroom([scsi, blk], { aioNr: ok(0), aioMaxNr: ok(65536) });
    assert.match(headroom.observed ?? '', new RegExp(`\\+ ${demand.contexts * 1024} for 2 defined VM`));
  });
});

/** Total [aio] mappings' count of a process: one per Linux AIO context. */
const aioContexts = (pid: number): number => readFileSync(`/proc/${pid}/maps`, 'utf8').split('\n').filter((l) => l.includes('[aio]')).length;
const aioNr = (): number => Number(readFileSync('/proc/sys/fs/aio-nr', 'utf8').trim());

describe('aioCharge: re-measured with real QEMU', () => {
  it('1 native disk on 1 iothread: fs.aio-nr grows by what aioCharge predicts', async () => {
    await withTempDir(async (dir) => {
      const img = join(dir, 'd.raw');
      await execOk(['qemu-img', 'create', '-q', '-f', 'raw', '-o', 'preallocation=falloc', img, '16M']);
      const predicted = aioCharge(model(1, disk('vda', 'native', 1))).aioNr;
      // Other tests on this machine may start QEMU meanwhile: retry when the global counter moved by something else.
      const seen: string[] = [];
      for (let attempt = 0; attempt < 3; attempt++) {
        const before = aioNr();
        const q = spawn('qemu-system-x86_64', [
          '-accel', 'tcg', '-m', '64', '-nodefaults', '-display', 'none', '-machine', 'q35',
          '-object', 'iothread,id=io1',
          '-blockdev', `driver=file,node-name=f0,filename=${img},aio=native,cache.direct=on`,
          '-blockdev', 'driver=raw,node-name=d0,file=f0',
          '-device', 'virtio-blk-pci,drive=d0,iothread=io1,bootindex=1',
        ], { stdio: 'ignore' });
        try {
          const pid = q.pid as number;
          // SeaBIOS reads the disk through the iothread: wait for the second context.
          let contexts = 0;
          for (let i = 0; i < 100 && contexts < 2; i++) {
            await sleep(100);
            contexts = aioContexts(pid);
          }
          await sleep(300);
          const delta = aioNr() - before;
          seen.push(`contexts ${aioContexts(pid)}, fs.aio-nr +${delta}`);
          if (delta === predicted) {
            assert.equal(aioContexts(pid) * 1024, predicted);
            return;
          }
        } finally {
          q.kill('SIGKILL');
          await new Promise((r) => q.once('exit', r));
        }
      }
      assert.fail(`predicted ${predicted}, measured: ${seen.join('; ')}`);
    });
  });
});
