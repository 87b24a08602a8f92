import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { liveDiffers, readDomainXml } from '../../src/libvirt/read-domain.js';
import { fixture } from '../helpers.js';
import { DOMAIN_FIXTURES, domainXmlText } from '../vm-fixtures.js';

const FILE = { kind: 'libvirt-xml', file: 'f.xml' } as const;
const parseDomainXml = (xml: string) => readDomainXml(xml, FILE);
const model = (name: string) => {
  const r = parseDomainXml(domainXmlText(name));
  if (!r.ok) throw new Error(r.reason);
  return r.value;
};

describe('readDomainXml (libvirt XML → the Vm model)', () => {
  it('virt-install: q35, qcow2 on virtio, a block disk with native, a sata cdrom', () => {
    const m = model('virt-install');
    assert.equal(m.ref.name, 'debian12-vi');
    assert.deepEqual(m.ref.manager, FILE);
    assert.equal(m.machine, 'q35');
    assert.equal(m.vcpus, 2);
    assert.deepEqual(m.iothreads, []);
    assert.deepEqual(m.disks.map((d) => [d.source.kind, d.device, d.label, d.busName, d.bus]), [
      ['file', 'disk', 'vda', 'virtio', 'virtio-blk'],
      ['block', 'disk', 'vdb', 'virtio', 'virtio-blk'],
      ['file', 'cdrom', 'sda', 'sata', 'sata'],
    ]);
    const d0 = m.disks[0];
    assert.deepEqual([d0?.format, d0?.discard, d0?.cache, d0?.aio], ['qcow2', 'unmap', { value: 'writeback', origin: 'default', note: 'QEMU default' }, { value: 'threads', origin: 'default', note: 'QEMU default' }]);
    assert.deepEqual(m.disks[1]?.source, { kind: 'block', path: '/dev/vg0/debian12-data' });
    assert.equal(m.disks[2]?.readOnly, true);
  });

  it('virt-manager: live XML with aliases and drive addresses', () => {
    const m = model('virt-manager');
    assert.equal(m.machine, 'pc-q35-7.2');
    assert.equal(m.disks[0]?.controller, 'sata:0');
    assert.deepEqual(m.controllers.map((c) => c.key.split(':')[0]), ['usb', 'sata', 'pci']);
  });

  it('Proxmox-like: iothreads, virtio-scsi controller with iothread and queues, serial', () => {
    const m = model('proxmox-like');
    assert.deepEqual(m.iothreads, [1, 2]);
    assert.deepEqual(m.controllers[0], { key: 'scsi:0', model: 'virtio-scsi', iothread: 1, queues: 4 });
    const d0 = m.disks[0];
    assert.equal(d0?.serial, 'drive-scsi0');
    assert.equal(d0?.bus, 'virtio-scsi');
    assert.deepEqual([d0?.format, d0?.cache, d0?.aio, d0?.discard, d0?.detectZeroes], ['raw', { value: 'none', origin: 'explicit' }, { value: 'io_uring', origin: 'explicit' }, 'unmap', 'unmap']);
    assert.equal(m.disks[1]?.iothread, 2);
  });

  it('odd: network rbd/nbd, cdrom and floppy without source, nvme, volume, an empty <disk>, a hostdev, unknown elements', () => {
    const m = model('odd-network-unknown');
    assert.deepEqual(m.disks.map((d) => d.source.kind), ['network', 'network', 'none', 'none', 'other', 'volume', 'none']);
    assert.deepEqual(m.disks[0]?.source, { kind: 'network', protocol: 'rbd', name: 'rbd/vm-odd-disk0', hosts: ['10.0.0.1:6789', '10.0.0.2:6789'] });
    assert.deepEqual(m.disks[1]?.source, { kind: 'network', protocol: 'nbd', name: 'export0', hosts: ['/run/nbd/odd.sock'] });
    assert.deepEqual(m.disks[5]?.source, { kind: 'volume', pool: 'no-such-pool', volume: 'odd.qcow2' });
    assert.equal(m.disks[6]?.busName, undefined);
    assert.equal(m.disks[6]?.label, 'disk#6');
    assert.deepEqual(m.hostdevs, [{ type: 'pci', address: '0000:03:00.0' }]);
  });

  const bad: [string, string][] = [
    ['malformed XML', readFileSync(fixture('domains', 'malformed.xml'), 'utf8')],
    ['not a domain', '<pool type="dir"><name>x</name></pool>'],
    ['a domain without a name', '<domain type="kvm"><devices/></domain>'],
    ['empty text', ''],
  ];
  for (const [scenario, xml] of bad) {
    it(`${scenario}: a reason, not an exception`, () => {
      const r = parseDomainXml(xml);
      assert.equal(r.ok, false);
    });
  }

  it('fuzz: every prefix and byte-flipped variant of every fixture parses or gives a reason, never throws', () => {
    let seed = 7;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (const name of DOMAIN_FIXTURES) {
      const xml = domainXmlText(name);
      for (let i = 0; i < 60; i++) {
        const cut = xml.slice(0, rand(xml.length));
        const chars = xml.split('');
        for (let k = 0; k < 5; k++) chars[rand(chars.length)] = '<>"\'/= x'[rand(8)] as string;
        for (const text of [cut, chars.join('')]) {
          const r = parseDomainXml(text);
          assert.equal(typeof r.ok, 'boolean');
        }
      }
    }
  });

  it('liveDiffers: aliases and addresses do not count, a changed cache does', () => {
    const saved = model('virt-manager');
    const live = readDomainXml(domainXmlText('virt-manager').replace(/<address type='drive'[^>]*\/>/g, ''), FILE);
    assert.ok(live.ok);
    assert.equal(liveDiffers(saved, live.value), false);
    const changed = { ...saved, disks: saved.disks.map((d, i) => (i === 0 ? { ...d, cache: { value: 'none', origin: 'explicit' as const } } : d)) };
    assert.equal(liveDiffers(saved, changed), true);
  });
});
