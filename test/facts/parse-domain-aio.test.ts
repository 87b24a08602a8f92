import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseDomainAio } from '../../src/facts/parse-domain-aio.js';

const dom = (disks: string): string => `<domain type='kvm'><name>vm1</name><iothreads>2</iothreads><devices>${disks}</devices></domain>`;
const disk = (io: string | undefined, iothread?: number): string =>
  `<disk type='block' device='disk'><driver name='qemu' type='raw' cache='none'${io ? ` io='${io}'` : ''}${iothread ? ` iothread='${iothread}'` : ''}/><source dev='/dev/x'/><target dev='vda' bus='virtio'/></disk>`;

describe('parseDomainAio', () => {
  const cases: { name: string; xml: string; native: number; iothreads: number }[] = [
    { name: 'two native disks on two iothreads', xml: dom(disk('native', 1) + disk('native', 2)), native: 2, iothreads: 2 },
    { name: 'two native disks sharing one iothread', xml: dom(disk('native', 1) + disk('native', 1)), native: 2, iothreads: 1 },
    { name: 'native without iothread (main loop only)', xml: dom(disk('native')), native: 1, iothreads: 0 },
    { name: 'threads and io_uring do not count', xml: dom(disk('threads', 1) + disk('io_uring', 2) + disk(undefined)), native: 0, iothreads: 0 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = parseDomainAio(c.xml);
      assert.ok(r.ok);
      assert.deepEqual(r.value, { name: 'vm1', nativeDisks: c.native, nativeIothreads: c.iothreads });
    });
  }
  it('refuses a document that is not a domain', () => assert.equal(parseDomainAio('<pool/>').ok, false));
  it('refuses garbage without throwing', () => assert.equal(parseDomainAio('<<<').ok, false));
});
