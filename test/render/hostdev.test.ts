import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { exec } from '../../src/exec.js';
import { renderHostdevXml, renderVfioDeviceArgs } from '../../src/render/hostdev.js';
import { renderPersistOptions } from '../../src/render/vfio-persist.js';
import { uniqueName, withTempDir } from '../helpers.js';

describe('hostdev renderer', () => {
  it('renders <hostdev> with fixed attribute order and the QEMU -device words', () => {
    assert.equal(renderHostdevXml('0000:41:00.1'), [
      "<hostdev mode='subsystem' type='pci' managed='no'>",
      "  <driver name='vfio'/>",
      '  <source>',
      "    <address domain='0x0000' bus='0x41' slot='0x00' function='0x1'/>",
      '  </source>',
      '</hostdev>',
    ].join('\n'));
    assert.match(renderHostdevXml('0000:05:00.0', { managed: true }), /managed='yes'/);
    assert.deepEqual(renderVfioDeviceArgs('0000:05:00.0'), ['-device', 'vfio-pci,host=0000:05:00.0']);
    assert.throws(() => renderHostdevXml('05:00.0'), /is not DDDD:BB:SS.F/);
  });

  it('libvirt accepts it: virt-xml-validate and virsh define of a domain around it', async () => {
    await withTempDir(async (dir) => {
      const name = uniqueName('kvmio-hostdev');
      const file = join(dir, 'dom.xml');
      writeFileSync(file, `<domain type='qemu'>\n  <name>${name}</name>\n  <memory unit='MiB'>64</memory>\n  <vcpu>1</vcpu>\n  <os><type arch='x86_64' machine='q35'>hvm</type></os>\n  <devices>\n${renderHostdevXml('0000:05:00.0')}\n  </devices>\n</domain>\n`);
      const v = await exec(['virt-xml-validate', file, 'domain']);
      assert.equal(v.code, 0, v.stderr + v.stdout);
      const d = await exec(['virsh', '-c', 'qemu:///system', 'define', file], { timeoutMs: 60_000 });
      try {
        assert.equal(d.code, 0, d.stderr);
        const back = await exec(['virsh', '-c', 'qemu:///system', 'dumpxml', '--inactive', name]);
        assert.match(back.stdout, /<hostdev mode='subsystem' type='pci' managed='no'>[\s\S]*bus='0x05' slot='0x00' function='0x0'/);
      } finally {
        if (d.code === 0) await exec(['virsh', '-c', 'qemu:///system', 'undefine', name]);
      }
    });
  });
});

describe('persistent binding options', () => {
  const members = [{ address: '0000:05:00.0', vendor: '0x8086', device: '0x0a54', storageDriver: 'nvme' }];
  it('per-address override: a udev rule per member and the driverctl command; never dangerous', () => {
    const [override] = renderPersistOptions(members, []);
    assert.equal(override?.kind, 'driver-override');
    assert.equal(override?.content, '# kvmio: per-address vfio-pci override (what driverctl set-override writes)\nACTION=="add", SUBSYSTEM=="pci", KERNEL=="0000:05:00.0", ATTR{driver_override}="vfio-pci"\n');
    assert.deepEqual(override?.commands, [['driverctl', 'set-override', '0000:05:00.0', 'vfio-pci']]);
    assert.equal(override?.dangerous, false);
  });
  it('modprobe ids=: dangerous when another device with the ID carries host data, with a softdep on the storage driver', () => {
    const [, ids] = renderPersistOptions(members, [{ address: '0000:04:00.0', hostUse: 'nvme0n1 carries /' }, { address: '0000:06:00.0' }]);
    assert.equal(ids?.content, '# kvmio: bind these device IDs to vfio-pci at boot (every device with the ID!)\noptions vfio-pci ids=8086:0a54\nsoftdep nvme pre: vfio-pci\n');
    assert.equal(ids?.dangerous, true);
    assert.match(ids?.tradeoff ?? '', /0000:04:00\.0 \(nvme0n1 carries \/\), 0000:06:00\.0 would be taken from the host too/);
    const [, alone] = renderPersistOptions(members, []);
    assert.equal(alone?.dangerous, false);
    assert.match(alone?.tradeoff ?? '', /none other is present today/);
  });
});
