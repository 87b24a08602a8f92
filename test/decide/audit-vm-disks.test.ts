import { describe, it } from 'node:test';
import { readFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import { auditAioHeadroom, auditVmDisks } from '../../src/decide/audit-vm-disks.js';
import type { VmFacts } from '../../src/facts/vm-disk-facts.js';
import type { Vm } from '../../src/model/vm.js';
import { readDomainXml } from '../../src/libvirt/read-domain.js';
import { ok, missing } from '../../src/facts/source.js';
import { renderFindingsText } from '../../src/report/findings-text.js';
import { sortFindings } from '../../src/decide/sort-findings.js';
import { fixture } from '../helpers.js';
import { DOMAIN_FIXTURES, assertGolden, fixtureFacts, fixtureVm, recordedFacts, vmFromXml, type RawSource } from '../vm-fixtures.js';

const PLATFORM = { qemu: '7.2.0', libvirt: '9.0.0', kernel: '6.1.0' };

/** One VM with the given <disk> elements (and extra domain children), read by the libvirt adapter. */
const vm = (name: string, disks: string, extra = ''): Vm => vmFromXml(`<domain type='kvm'><name>${name}</name><vcpu>2</vcpu>${extra}<devices>${disks}</devices></domain>`);

const file = (path: string, driver: string, target = "dev='vda' bus='virtio'", more = ''): string =>
  `<disk type='file' device='disk'><driver name='qemu' ${driver}/><source file='${path}'/><target ${target}/>${more}</disk>`;

const img = (format: string, virtual: number, actual: number, cluster?: number, extendedL2?: boolean) =>
  ({ kind: 'present', isBlock: false, fsType: 'ext4', directIo: true, image: { format, virtualSize: virtual, actualSize: actual, ...(cluster ? { clusterSize: cluster } : {}), ...(extendedL2 ? { extendedL2 } : {}) } }) as const;

/** The facts the real probe reads from a host with these sources (recorded tool outputs). */
const facts = (vms: Vm[], sources: Record<string, RawSource>, aio: { nr?: number; max?: number } = {}): Promise<VmFacts> =>
  recordedFacts(vms, { platform: PLATFORM, sources, ...(aio.nr === undefined ? {} : { aioNr: aio.nr }), aioMaxNr: aio.max ?? 65536 });

const G = 1024 ** 3;
const statusOf = (fs: ReturnType<typeof auditVmDisks>, id: string, object?: string) =>
  fs.filter((f) => f.id === id && (object === undefined || f.object === object)).map((f) => f.status);

describe('auditVmDisks: golden findings for domain XML from other tools', () => {
  for (const name of DOMAIN_FIXTURES) {
    it(`${name}: audited without a crash, findings as recorded`, async () => {
      const findings = sortFindings(auditVmDisks(await fixtureFacts([fixtureVm(name)], name)));
      assertGolden(fixture('golden', 'vm-disks', `${name}.txt`), renderFindingsText(findings, { verbose: true }));
    });
  }
});

describe('auditVmDisks: one rule at a time', () => {
  const cases: { scenario: string; defs: Vm[]; sources: Record<string, RawSource>; id: string; object?: string; want: string[] }[] = [
    { scenario: 'io=native on a sparse qcow2 with cache=none fails', defs: [vm('a', file('/i/a.qcow2', "type='qcow2' cache='none' io='native'"))], sources: { '/i/a.qcow2': img('qcow2', 10 * G, 200_000, 65536) }, id: 'vm.aio-native-sparse', want: ['fail'] },
    { scenario: 'io=native on a preallocated raw passes', defs: [vm('a', file('/i/a.raw', "type='raw' cache='none' io='native'"))], sources: { '/i/a.raw': img('raw', G, G) }, id: 'vm.aio-native-sparse', want: ['pass'] },
    { scenario: 'io=native with cache=writeback fails (QEMU refuses)', defs: [vm('a', file('/i/a.raw', "type='raw' cache='writeback' io='native'"))], sources: { '/i/a.raw': img('raw', G, G) }, id: 'vm.aio-native-no-direct', want: ['fail'] },
    { scenario: 'io=native with directsync passes the direct check', defs: [vm('a', file('/i/a.raw', "type='raw' cache='directsync' io='native'"))], sources: { '/i/a.raw': img('raw', G, G) }, id: 'vm.aio-native-no-direct', want: ['pass'] },
    { scenario: 'cache=writeback where O_DIRECT works warns', defs: [vm('a', file('/i/a.raw', "type='raw' cache='writeback'"))], sources: { '/i/a.raw': img('raw', G, G) }, id: 'vm.cache', want: ['warn'] },
    { scenario: 'cache unset (QEMU writeback) warns', defs: [vm('a', file('/i/a.raw', "type='raw'"))], sources: { '/i/a.raw': img('raw', G, G) }, id: 'vm.cache', want: ['warn'] },
    { scenario: 'cache=unsafe fails', defs: [vm('a', file('/i/a.raw', "type='raw' cache='unsafe'"))], sources: { '/i/a.raw': img('raw', G, G) }, id: 'vm.cache', want: ['fail'] },
    { scenario: 'cache=writethrough where O_DIRECT fails passes (the table says writethrough)', defs: [vm('a', file('/i/a.raw', "type='raw' cache='writethrough'"))], sources: { '/i/a.raw': { ...img('raw', G, G), directIo: false } }, id: 'vm.cache', want: ['pass'] },
    { scenario: 'cache=none on a store that refuses O_DIRECT fails (QEMU cannot open it)', defs: [vm('a', file('/i/a.raw', "type='raw' cache='none'"))], sources: { '/i/a.raw': { ...img('raw', G, G), directIo: false } }, id: 'vm.cache', want: ['fail'] },
    { scenario: 'ide disk warns', defs: [vm('a', file('/i/a.raw', "type='raw' cache='none'", "dev='hda' bus='ide'"))], sources: { '/i/a.raw': img('raw', G, G) }, id: 'vm.bus-emulated', want: ['warn'] },
    { scenario: 'scsi on lsilogic warns', defs: [vm('a', file('/i/a.raw', "type='raw'", "dev='sda' bus='scsi'"), '') ], sources: {}, id: 'vm.bus-emulated', want: ['warn'] },
    { scenario: 'virtio disk without iothread warns', defs: [vm('a', file('/i/a.raw', "type='raw' cache='none'"))], sources: { '/i/a.raw': img('raw', G, G) }, id: 'vm.iothread', want: ['warn'] },
    { scenario: 'virtio disk with iothread passes', defs: [vm('a', file('/i/a.raw', "type='raw' cache='none' iothread='1'"), '<iothreads>1</iothreads>')], sources: { '/i/a.raw': img('raw', G, G) }, id: 'vm.iothread', want: ['pass'] },
    { scenario: 'qcow2 512 GiB at 64 KiB clusters exceeds the L2 cache', defs: [vm('a', file('/i/a.qcow2', "type='qcow2' cache='none'"))], sources: { '/i/a.qcow2': img('qcow2', 512 * G, G, 65536) }, id: 'vm.qcow2-cluster', want: ['warn'] },
    { scenario: 'qcow2 256 GiB at 64 KiB clusters is covered exactly', defs: [vm('a', file('/i/a.qcow2', "type='qcow2' cache='none'"))], sources: { '/i/a.qcow2': img('qcow2', 256 * G, G, 65536) }, id: 'vm.qcow2-cluster', want: ['pass'] },
    { scenario: 'qcow2 256 GiB at 64 KiB with extended L2 is not', defs: [vm('a', file('/i/a.qcow2', "type='qcow2' cache='none'"))], sources: { '/i/a.qcow2': img('qcow2', 256 * G, G, 65536, true) }, id: 'vm.qcow2-cluster', want: ['warn'] },
    { scenario: 'sparse file without discard warns', defs: [vm('a', file('/i/a.raw', "type='raw' cache='none'"))], sources: { '/i/a.raw': img('raw', G, 4096) }, id: 'vm.discard', want: ['warn'] },
    { scenario: 'preallocated native file with discard=unmap warns (TRIM would make it sparse)', defs: [vm('a', file('/i/a.raw', "type='raw' cache='none' io='native' discard='unmap'"))], sources: { '/i/a.raw': img('raw', G, G) }, id: 'vm.discard', want: ['warn'] },
    { scenario: 'a source that does not exist is SKIP', defs: [vm('a', file('/i/gone.raw', "type='raw'"))], sources: { '/i/gone.raw': { kind: 'missing', reason: 'No such file or directory' } }, id: 'vm.source-missing', want: ['skip'] },
    {
      scenario: 'one image written by two domains fails on both',
      defs: [vm('a', file('/i/s.raw', "type='raw' cache='none'")), vm('b', file('/i/s.raw', "type='raw' cache='none'"))],
      sources: { '/i/s.raw': img('raw', G, G) },
      id: 'vm.shared-image',
      want: ['fail', 'fail'],
    },
    {
      scenario: 'one image shareable in both domains passes',
      defs: [vm('a', file('/i/s.raw', "type='raw' cache='none'", "dev='vda' bus='virtio'", '<shareable/>')), vm('b', file('/i/s.raw', "type='raw' cache='none'", "dev='vda' bus='virtio'", '<shareable/>'))],
      sources: { '/i/s.raw': img('raw', G, G) },
      id: 'vm.shared-image',
      want: ['pass', 'pass'],
    },
  ];
  for (const c of cases) {
    it(c.scenario, async () => {
      const fs = auditVmDisks(await facts(c.defs, c.sources));
      assert.deepEqual(statusOf(fs, c.id, c.object), c.want, JSON.stringify(fs.filter((f) => f.id === c.id), null, 1));
    });
  }
});

describe('auditAioHeadroom', () => {
  const native = (name: string, running: boolean, iothread = false): Vm => ({
    ...vm(name, file(`/i/${name}.raw`, `type='raw' cache='none' io='native'${iothread ? " iothread='1'" : ''}`), iothread ? '<iothreads>1</iothreads>' : ''),
    running,
  });
  const cases: { scenario: string; defs: Vm[]; nr?: number; max: number; want: string }[] = [
    { scenario: 'plenty of room', defs: [native('a', false)], nr: 0, max: 65536, want: 'pass' },
    { scenario: 'stopped VMs would push past 90%', defs: [native('a', false, true), native('b', false)], nr: 57344, max: 65536, want: 'warn' },
    { scenario: 'stopped VMs would exceed the limit', defs: [native('a', false, true), native('b', false, true)], nr: 62000, max: 65536, want: 'fail' },
    { scenario: 'running VMs are already in fs.aio-nr (not counted twice)', defs: [native('a', true, true)], nr: 2048, max: 4096, want: 'pass' },
    { scenario: 'fs.aio-nr unreadable: running VMs are estimated', defs: [native('a', true, true), native('b', false, true)], max: 8192, want: 'pass' },
    { scenario: 'fs.aio-nr unreadable, too many', defs: [native('a', true, true), native('b', false, true), native('c', false)], max: 4096, want: 'fail' },
  ];
  for (const c of cases) {
    it(c.scenario, () => {
      const f = auditAioHeadroom(c.defs, { aioNr: c.nr === undefined ? missing('unreadable') : ok(c.nr), aioMaxNr: ok(c.max) });
      assert.equal(f.status, c.want, f.observed);
    });
  }
  it('fs.aio-max-nr unreadable is SKIP', () => {
    assert.equal(auditAioHeadroom([native('a', false)], { aioNr: ok(0), aioMaxNr: missing('no /proc') }).status, 'skip');
  });
});

describe('auditVmDisks: fuzz', () => {
  it('damaged fixtures that still parse are audited without an exception', async () => {
    let seed = 11;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    let audited = 0;
    for (const name of DOMAIN_FIXTURES) {
      const xml = readFileSync(fixture('domains', `${name}.xml`), 'utf8');
      for (let i = 0; i < 80; i++) {
        const chars = xml.split('');
        for (let k = 0; k < 3; k++) chars[rand(chars.length)] = 'a1 "\'/-'[rand(7)] as string;
        const m = readDomainXml(chars.join(''), { kind: 'libvirt-xml', file: `${name}.xml` });
        if (!m.ok) continue;
        audited++;
        const fs = auditVmDisks(await fixtureFacts([m.value], name));
        assert.ok(fs.every((f) => typeof f.id === 'string' && ['pass', 'warn', 'fail', 'skip'].includes(f.status)));
      }
    }
    assert.ok(audited > 50, `only ${audited} variants parsed`);
  });
});
