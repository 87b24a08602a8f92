// The audit reads only the model: the same VM built by hand (no XML, as another manager's
// adapter would) and read from libvirt XML by the libvirt adapter gets identical findings
// and an identical tune plan.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { auditVmDisks } from '../../src/decide/audit-vm-disks.js';
import { planVmTune } from '../../src/decide/plan-vm-tune.js';
import type { Vm } from '../../src/model/vm.js';
import { recordedFacts, vmFromXml } from '../vm-fixtures.js';

const XML = `<domain type='kvm'>
  <name>parity</name>
  <vcpu>4</vcpu>
  <iothreads>1</iothreads>
  <os><type arch='x86_64' machine='pc-q35-7.2'>hvm</type></os>
  <devices>
    <controller type='scsi' index='0' model='virtio-scsi'><driver queues='4'/></controller>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2' cache='none' io='native' iothread='1'/>
      <source file='/i/sparse.qcow2'/><target dev='vda' bus='virtio'/>
    </disk>
    <disk type='block' device='disk'>
      <driver name='qemu' type='raw'/>
      <source dev='/dev/vg0/data'/><target dev='sda' bus='scsi'/>
      <address type='drive' controller='0' bus='0' target='0' unit='0'/>
    </disk>
    <disk type='file' device='disk'>
      <driver name='qemu' type='raw' cache='writeback' discard='unmap'/>
      <source file='/i/ide.raw'/><target dev='hda' bus='ide'/><shareable/>
    </disk>
    <disk type='file' device='cdrom'><driver name='qemu' type='raw'/><source file='/i/boot.iso'/><target dev='sdb' bus='sata'/><readonly/></disk>
    <hostdev mode='subsystem' type='pci' managed='yes'><source><address domain='0x0000' bus='0x03' slot='0x00' function='0x0'/></source></hostdev>
  </devices>
</domain>`;

const QEMU_DEFAULT = { origin: 'default', note: 'QEMU default' } as const;

const BY_HAND: Vm = {
  ref: { name: 'parity', manager: { kind: 'libvirt', origin: 'saved' } },
  running: false,
  vcpus: 4,
  machine: 'pc-q35-7.2',
  iothreads: [1],
  controllers: [{ key: 'scsi:0', model: 'virtio-scsi', queues: 4 }],
  hostdevs: [{ type: 'pci', address: '0000:03:00.0' }],
  notes: [],
  disks: [
    { key: 'disk#0', label: 'vda', device: 'disk', source: { kind: 'file', path: '/i/sparse.qcow2' }, format: 'qcow2', bus: 'virtio-blk', busName: 'virtio', cache: { value: 'none', origin: 'explicit' }, aio: { value: 'native', origin: 'explicit' }, iothread: 1, readOnly: false, shareable: false },
    { key: 'disk#1', label: 'sda', device: 'disk', source: { kind: 'block', path: '/dev/vg0/data' }, format: 'raw', bus: 'virtio-scsi', busName: 'scsi', controller: 'scsi:0', cache: { value: 'writeback', ...QEMU_DEFAULT }, aio: { value: 'threads', ...QEMU_DEFAULT }, readOnly: false, shareable: false },
    { key: 'disk#2', label: 'hda', device: 'disk', source: { kind: 'file', path: '/i/ide.raw' }, format: 'raw', bus: 'ide', busName: 'ide', controller: 'ide:0', cache: { value: 'writeback', origin: 'explicit' }, aio: { value: 'threads', ...QEMU_DEFAULT }, discard: 'unmap', readOnly: false, shareable: true },
    { key: 'disk#3', label: 'sdb', device: 'cdrom', source: { kind: 'file', path: '/i/boot.iso' }, format: 'raw', bus: 'sata', busName: 'sata', controller: 'sata:0', cache: { value: 'writeback', ...QEMU_DEFAULT }, aio: { value: 'threads', ...QEMU_DEFAULT }, readOnly: true, shareable: false },
  ],
};

const G = 1024 ** 3;
const HOST = {
  platform: { qemu: '7.2.0', libvirt: '9.0.0', kernel: '6.1.0' },
  aioNr: 1024,
  aioMaxNr: 65536,
  sources: {
    '/i/sparse.qcow2': { kind: 'present', fsType: 'ext4', directIo: true, image: { format: 'qcow2', virtualSize: 512 * G, actualSize: G, clusterSize: 65536 } },
    '/dev/vg0/data': { kind: 'present', isBlock: true, lv: { vg: 'vg0', lv: 'data', thin: true }, directIo: true },
    '/i/ide.raw': { kind: 'present', fsType: 'xfs', directIo: false, image: { format: 'raw', virtualSize: G, actualSize: G } },
  },
} as const;

describe('the model is the only input of the VM audit', () => {
  it('a VM built by hand and the same VM read from libvirt XML: identical model, findings and tune plan', async () => {
    const fromXml = vmFromXml(XML);
    assert.deepEqual(fromXml, BY_HAND);
    const [a, b] = await Promise.all([recordedFacts([BY_HAND], HOST), recordedFacts([fromXml], HOST)]);
    const byHand = auditVmDisks(a);
    assert.ok(byHand.length > 10);
    assert.ok(byHand.some((f) => f.status === 'fail' || f.status === 'warn'));
    assert.deepEqual(auditVmDisks(b), byHand);
    assert.deepEqual(planVmTune(fromXml, b, { bus: true }), planVmTune(BY_HAND, a, { bus: true }));
  });
});
