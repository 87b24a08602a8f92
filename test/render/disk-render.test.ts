import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderDomainXml, renderLibvirtFragment } from '../../src/render/libvirt-disk.js';
import { formatArgv, renderQemuDiskArgs } from '../../src/render/qemu-disk-args.js';
import { renderExplain } from '../../src/render/disk-explain.js';
import { assertGoldenFile, fixture } from '../helpers.js';
import { CASES, configsOf } from './disk-cases.js';

const golden = (rel: string, actual: string): void => assertGoldenFile(fixture('golden', 'disk', rel), actual);

describe('disk renderers: golden files', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const configs = configsOf(c);
      const first = configs[0];
      if (c.aio !== undefined && first?.kind === 'disk') assert.equal(first.aio.value, c.aio, 'the case shows the outcome its name says');
      golden(`${c.name}.domain.xml`, renderDomainXml(configs, { name: 'kvmio-golden' }));
      golden(`${c.name}.fragment.xml`, renderLibvirtFragment(configs));
      golden(`${c.name}.args`, formatArgv(renderQemuDiskArgs(configs)));
      golden(`${c.name}.explain.txt`, renderExplain(configs));
    });
  }
});

// The seed's examples as printed in seed/README.md §5; kvmio must say the same things.
const SEED_BLK = ['-object', 'iothread,id=io1', '-device', 'virtio-blk-pci,drive=disk0,iothread=io1', '-drive', 'if=none,id=disk0,cache=none,format=raw,aio=threads,file=/dev/sdb1'];
const SEED_SCSI = [
  '-device', 'pcie-root-port,bus=pcie.0,addr=1c.0,multifunction=on,port=1,chassis=1,id=root.1',
  '-object', 'iothread,id=io1',
  '-device', 'virtio-scsi-pci,id=scsi0,iothread=io1,num_queues=4,bus=pcie.0',
  '-drive', 'id=scsi0,file=/dev/sdb1,if=none,format=raw,aio=threads,cache=none',
  '-device', 'scsi-hd,drive=scsi0',
];

/** Splits "driver,k=v,…" into the driver and its properties. */
const props = (v: string): { head: string; kv: Map<string, string> } => {
  const [head = '', ...rest] = v.split(',');
  return { head: head.includes('=') ? '' : head, kv: new Map([...(head.includes('=') ? [head] : []), ...rest].map((p) => p.split('=') as [string, string])) };
};

describe('disk renderers: the seed examples', () => {
  it('virtio-blk on a partition with aio=threads (machine pc) is the seed\'s argv, after -machine', () => {
    const c = CASES.find((x) => x.name === 'seed-virtio-blk-partition-threads');
    assert.ok(c);
    assert.deepEqual(renderQemuDiskArgs(configsOf(c)), ['-machine', 'pc', ...SEED_BLK]);
  });
  it('virtio-scsi with num_queues=4 on q35 has the seed\'s root port, iothread, controller, drive and scsi-hd', () => {
    const c = CASES.find((x) => x.name === 'seed-virtio-scsi-queues4-q35');
    assert.ok(c);
    const ours = renderQemuDiskArgs(configsOf(c));
    assert.deepEqual(ours.slice(0, 6), ['-machine', 'q35', ...SEED_SCSI.slice(0, 4)]);
    const [ctl, drive, hd] = [ours[7], ours[9], ours[11]].map((v) => props(v ?? ''));
    const [sctl, sdrive] = [SEED_SCSI[5], SEED_SCSI[7]].map((v) => props(v ?? ''));
    assert.equal(ctl?.head, 'virtio-scsi-pci');
    for (const k of ['id', 'iothread', 'num_queues']) assert.equal(ctl?.kv.get(k), sctl?.kv.get(k), k);
    // Deliberate difference: the controller sits on the seed's root port (root.1), which the seed declares but leaves unused.
    assert.equal(ctl?.kv.get('bus'), 'root.1');
    for (const k of ['file', 'if', 'format', 'aio', 'cache']) assert.equal(drive?.kv.get(k), sdrive?.kv.get(k), k);
    assert.equal(hd?.head, 'scsi-hd');
    assert.equal(hd?.kv.get('drive'), drive?.kv.get('id'));
  });
});
