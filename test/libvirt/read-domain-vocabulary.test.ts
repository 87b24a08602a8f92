// The libvirt adapter reads the disk and controller vocabulary of libvirt 10/11 (shapes
// from libvirt formatdomain) into the model: one row per element.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { scaledSize } from '../../src/libvirt/read-domain.js';
import { machineVersion, defaultQueues } from '../../src/decide/virtio-queue-defaults.js';
import { version } from '../../src/decide/version.js';
import type { Vm } from '../../src/model/vm.js';
import { vmFromXml } from '../vm-fixtures.js';

const dom = (devices: string, head = '<vcpu>4</vcpu>'): Vm => vmFromXml(`<domain type='kvm'><name>v</name>${head}<devices>${devices}</devices></domain>`);
const disk = (driver: string, inner = '', more = '', type = 'file', source = "<source file='/i/a.qcow2'/>"): string =>
  `<disk type='${type}' device='disk'><driver name='qemu' type='qcow2' ${driver}>${inner}</driver>${source}<target dev='vda' bus='virtio'/>${more}</disk>`;

describe('libvirt adapter: current disk vocabulary', () => {
  const cases: { element: string; vm: Vm; want: (v: Vm) => unknown; equals: unknown }[] = [
    { element: 'queues and queue_size', vm: dom(disk("queues='4' queue_size='256'")), want: (v) => [v.disks[0]?.queues, v.disks[0]?.queueSize], equals: [4, 256] },
    { element: 'discard_no_unref', vm: dom(disk("discard='unmap' discard_no_unref='on'")), want: (v) => v.disks[0]?.discardNoUnref, equals: 'on' },
    { element: "metadata_cache max_size unit='bytes' (as libvirt writes it)", vm: dom(disk('', "<metadata_cache><max_size unit='bytes'>67108864</max_size></metadata_cache>")), want: (v) => v.disks[0]?.metadataCacheMax, equals: { bytes: 64 * 1024 ** 2 } },
    { element: "metadata_cache max_size unit='MiB'", vm: dom(disk('', "<metadata_cache><max_size unit='MiB'>48</max_size></metadata_cache>")), want: (v) => v.disks[0]?.metadataCacheMax, equals: { bytes: 48 * 1024 ** 2 } },
    { element: 'metadata_cache with a unit libvirt does not know is ignored', vm: dom(disk('', "<metadata_cache><max_size unit='parsecs'>4</max_size></metadata_cache>")), want: (v) => v.disks[0]?.metadataCacheMax, equals: undefined },
    { element: 'blockio', vm: dom(disk('', '', "<blockio logical_block_size='512' physical_block_size='4096' discard_granularity='4096'/>")), want: (v) => v.disks[0]?.blockio, equals: { logical: { bytes: 512 }, physical: { bytes: 4096 }, discardGranularity: { bytes: 4096 } } },
    {
      element: 'statistics and a latency histogram',
      vm: dom(disk('', "<statistics><statistic interval='1'/><statistic interval='10'/><latency-histogram type='read'><bin start='0'/><bin start='1000'/></latency-histogram><latency-histogram><bin start='10'/></latency-histogram></statistics>")),
      want: (v) => v.disks[0]?.statistics,
      equals: { intervals: [1, 10], histograms: [{ type: 'read', bins: [0, 1000] }, { type: 'all', bins: [10] }] },
    },
    { element: 'vhostuser source', vm: dom(disk("queues='2'", '', '', 'vhostuser', "<source type='unix' path='/run/vu.sock'><reconnect enabled='yes' timeout='10'/></source>")), want: (v) => v.disks[0]?.source, equals: { kind: 'other', type: 'vhostuser', path: '/run/vu.sock' } },
    { element: "vcpu current='2' below the maximum", vm: dom('', "<vcpu placement='static' current='2'>8</vcpu>"), want: (v) => [v.vcpus, v.vcpusCurrent], equals: [8, 2] },
    { element: 'vcpu current equal to the maximum says nothing', vm: dom('', "<vcpu current='4'>4</vcpu>"), want: (v) => v.vcpusCurrent, equals: undefined },
    {
      element: 'a virtio-scsi controller with an iothread mapping',
      vm: dom("<controller type='scsi' index='0' model='virtio-scsi'><driver queues='4'><iothreads><iothread id='1'><queue id='0'/><queue id='2'/></iothread><iothread id='2'><queue id='1'/><queue id='3'/></iothread></iothreads></driver></controller>"),
      want: (v) => v.controllers[0],
      equals: { key: 'scsi:0', model: 'virtio-scsi', queues: 4, iothreadQueues: [{ iothread: 1, queues: [0, 2] }, { iothread: 2, queues: [1, 3] }] },
    },
    { element: 'nothing set: none of the new fields appear', vm: dom(disk("cache='none'")), want: (v) => Object.keys(v.disks[0] ?? {}).filter((k) => ['queueSize', 'discardNoUnref', 'metadataCacheMax', 'blockio', 'statistics'].includes(k)), equals: [] },
  ];
  for (const c of cases) it(c.element, () => assert.deepEqual(c.want(c.vm), c.equals));

  it("scaled sizes as libvirt's virScaleInteger reads them", () => {
    const rows: [string, string | undefined, number | undefined][] = [
      ['1', undefined, 1],
      ['1', 'bytes', 1],
      ['2', 'k', 2048],
      ['2', 'KiB', 2048],
      ['2', 'KB', 2000],
      ['3', 'G', 3 * 1024 ** 3],
      ['3', 'GB', 3e9],
      ['x', 'MiB', undefined],
      ['1', 'Q', undefined],
    ];
    for (const [v, u, want] of rows) assert.equal(scaledSize(v, u)?.bytes, want, `${v} ${u}`);
  });
});

describe("QEMU's queue defaults by machine type (hw_compat_5_1, hw_compat_4_2)", () => {
  const q = version(9, 2);
  const vm = (machine: string | undefined, vcpus = 4): Vm => ({ ...dom('', `<vcpu>${vcpus}</vcpu>`), ...(machine ? { machine } : {}) });
  const cases: { machine: string | undefined; qemu?: typeof q; queues: number | undefined; queueSize?: number }[] = [
    { machine: 'pc-q35-9.2', queues: 4, queueSize: 256 },
    { machine: 'pc-q35-5.2', queues: 4, queueSize: 256 },
    { machine: 'pc-i440fx-5.1', queues: 1, queueSize: 256 },
    { machine: 'pc-i440fx-4.2', queues: 1, queueSize: 128 },
    { machine: 'pc-1.0', queues: 1, queueSize: 128 },
    { machine: 'q35', qemu: q, queues: 4, queueSize: 256 },
    { machine: undefined, qemu: version(5, 1), queues: 1, queueSize: 256 },
    { machine: 'q35', queues: undefined },
    { machine: 'pc-q35-rhel9.4.0', qemu: q, queues: undefined },
  ];
  for (const c of cases) {
    it(`${c.machine ?? '(unset)'}${c.qemu ? ` on QEMU ${c.qemu.major}.${c.qemu.minor}` : ''} → ${c.queues ?? 'unknown'}`, () => {
      const d = defaultQueues(vm(c.machine), c.qemu);
      assert.equal(d.queues, c.queues, d.why);
      if (c.queueSize !== undefined) assert.equal(d.queueSize, c.queueSize);
    });
  }
  it('machine versions parse from the name, aliases from the QEMU', () => {
    assert.deepEqual(machineVersion('pc-q35-10.1', undefined).version, version(10, 1));
    assert.deepEqual(machineVersion('virt-8.2', undefined).version, version(8, 2));
    assert.equal(machineVersion('pc', undefined).version, undefined);
  });
});
