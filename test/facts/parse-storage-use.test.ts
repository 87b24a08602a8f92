import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDomainStorage, parsePoolXml, parsePvsJson } from '../../src/facts/parse-storage-use.js';

describe('storage-use parsers', () => {
  it('pvs JSON, orphan PVs with an empty VG', () => {
    const r = parsePvsJson('{"report":[{"pv":[{"pv_name":"/dev/sdb","vg_name":"vg0"},{"pv_name":"/dev/sdc","vg_name":""}]}]}');
    assert.deepEqual(r, { ok: true, value: [{ pv: '/dev/sdb', vg: 'vg0' }, { pv: '/dev/sdc', vg: '' }] });
  });
  it('pool XML: logical with device and VG name; dir with target path', () => {
    assert.deepEqual(parsePoolXml("<pool type='logical'><name>vmpool</name><source><device path='/dev/nvme0n1'/><name>vmpool</name></source><target><path>/dev/vmpool</path></target></pool>"), {
      ok: true,
      value: { name: 'vmpool', type: 'logical', sourceDevices: ['/dev/nvme0n1'], sourceName: 'vmpool', targetPath: '/dev/vmpool' },
    });
    assert.deepEqual(parsePoolXml("<pool type='dir'><name>default</name><target><path>/var/lib/libvirt/images</path></target></pool>"), {
      ok: true,
      value: { name: 'default', type: 'dir', sourceDevices: [], targetPath: '/var/lib/libvirt/images' },
    });
  });
  it('domain XML: disk sources of every kind and PCI hostdev addresses', () => {
    const xml = `<domain type='kvm'><name>vm</name><devices>
      <disk type='file'><source file='/img/a.qcow2'/></disk>
      <disk type='block'><source dev='/dev/vg/lv'/></disk>
      <disk type='volume'><source pool='p1' volume='v1'/></disk>
      <disk type='file' device='cdrom'/>
      <hostdev mode='subsystem' type='pci'><source><address domain='0x0000' bus='0x41' slot='0x00' function='0x1'/></source></hostdev>
      <hostdev mode='subsystem' type='usb'><source><vendor id='0x1'/></source></hostdev>
    </devices></domain>`;
    assert.deepEqual(parseDomainStorage(xml), { ok: true, value: { name: 'vm', diskSources: ['/img/a.qcow2', '/dev/vg/lv', 'pool:p1/v1'], hostdevs: ['0000:41:00.1'] } });
  });
  it('garbage never throws (fuzz)', () => {
    const seeds = ['{"report":', '<pool', '<domain><devices><hostdev type="pci"><source><address bus="zz"/></source></hostdev></devices></domain>', '\u0000\u00ff<<>>', '[]', 'null', '<pool type="x"/>'];
    let rnd = 42;
    const next = (): number => (rnd = (rnd * 1103515245 + 12345) % 2 ** 31);
    for (let i = 0; i < 300; i++) {
      const s = seeds[i % seeds.length] as string;
      const cut = s.slice(0, next() % (s.length + 1)) + String.fromCharCode(next() % 256).repeat(next() % 3);
      for (const parse of [parsePvsJson, parsePoolXml, parseDomainStorage]) {
        const r = parse(cut);
        assert.equal(typeof r.ok, 'boolean');
      }
    }
    assert.equal(parsePoolXml('<domain/>').ok, false);
    assert.equal(parseDomainStorage('<pool/>').ok, false);
  });
});
