// The VM disk audit on vocabulary current libvirt (10.x/11.x) writes: the iothread–
// virtqueue mapping, iothread ids, error policies, and the judgements that need no
// image (cache, one source twice). Shapes from libvirt's formatdomain documentation.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { auditVmDisks } from '../../src/decide/audit-vm-disks.js';
import { aioCharge } from '../../src/decide/aio-cost.js';
import { planVmTune } from '../../src/decide/plan-vm-tune.js';
import { applyTunePlan } from '../../src/libvirt/edit-domain.js';
import { iothreadIds, readDomainXml } from '../../src/libvirt/read-domain.js';
import type { Vm } from '../../src/model/vm.js';
import { recordedFacts, vmFromXml, type RawSource } from '../vm-fixtures.js';

const PLATFORM = { qemu: '9.0.0', libvirt: '10.0.0', kernel: '6.1.0' };
const G = 1024 ** 3;
const raw = { kind: 'present', isBlock: false, fsType: 'ext4', directIo: true, image: { format: 'raw', virtualSize: G, actualSize: G } } as const satisfies RawSource;

const domain = (name: string, disks: string, extra = ''): string => `<domain type='kvm'><name>${name}</name><vcpu>4</vcpu>${extra}<devices>${disks}</devices></domain>`;
const vm = (name: string, disks: string, extra = ''): Vm => vmFromXml(domain(name, disks, extra));
const disk = (path: string, driver: string, dev = 'vda', inner = '', more = ''): string =>
  `<disk type='file' device='disk'><driver name='qemu' type='raw' ${driver}>${inner}</driver><source file='${path}'/><target dev='${dev}' bus='virtio'/>${more}</disk>`;
const mapping = (m: Record<number, number[]>): string =>
  `<iothreads>${Object.entries(m).map(([t, qs]) => `<iothread id='${t}'>${qs.map((q) => `<queue id='${q}'/>`).join('')}</iothread>`).join('')}</iothreads>`;

const audit = async (defs: Vm[], sources: Record<string, RawSource> = {}) => auditVmDisks(await recordedFacts(defs, { platform: PLATFORM, sources, aioMaxNr: 65536 }));
const statuses = (fs: Awaited<ReturnType<typeof audit>>, id: string) => fs.filter((f) => f.id === id).map((f) => f.status);

describe('libvirt adapter: iothreads as libvirt allocates them', () => {
  const cases: { xml: string; want: number[] }[] = [
    { xml: '<iothreads>2</iothreads>', want: [1, 2] },
    { xml: "<iothreads>2</iothreads><iothreadids><iothread id='5'/><iothread id='7'/></iothreadids>", want: [5, 7] },
    { xml: "<iothreads>3</iothreads><iothreadids><iothread id='2'/></iothreadids>", want: [1, 2, 3] },
    { xml: "<iothreads>4</iothreads><iothreadids><iothread id='2'/><iothread id='9'/></iothreadids>", want: [1, 2, 3, 9] },
    { xml: "<iothreads>1</iothreads><iothreadids><iothread id='3'/><iothread id='4'/></iothreadids>", want: [3, 4] },
    { xml: '', want: [] },
  ];
  for (const c of cases) {
    it(`${c.xml || 'no iothreads'} → ids ${c.want.join(',') || 'none'}`, () => {
      assert.deepEqual(vm('a', '', c.xml).iothreads, c.want);
    });
  }
  it('fills from 1 avoiding listed ids', () => assert.deepEqual(iothreadIds(3, [1, 3]), [1, 2, 3]));
  it('a count below the ids listed is kept for the finding', () => {
    assert.equal(vm('a', '', "<iothreads>1</iothreads><iothreadids><iothread id='3'/><iothread id='4'/></iothreadids>").iothreadCount, 1);
    assert.equal(vm('a', '', '<iothreads>2</iothreads>').iothreadCount, undefined);
  });
  it('parses the mapping, queues and error policies', () => {
    const v = vm('a', disk('/i/a.raw', "queues='3' error_policy='stop' rerror_policy='report' copy_on_read='on'", 'vda', mapping({ 2: [1], 3: [0, 2] })), '<iothreads>3</iothreads>');
    const d = v.disks[0];
    assert.deepEqual(d?.iothreadQueues, [
      { iothread: 2, queues: [1] },
      { iothread: 3, queues: [0, 2] },
    ]);
    assert.equal(d?.queues, 3);
    assert.equal(d?.errorPolicy, 'stop');
    assert.equal(d?.readErrorPolicy, 'report');
    assert.equal(d?.copyOnRead, 'on');
  });
});

describe('audit: iothread–virtqueue mapping', () => {
  const three = '<iothreads>3</iothreads>';
  const cases: { scenario: string; def: Vm; mapping: string[]; iothread: string[]; ids: string[] }[] = [
    { scenario: "libvirt's documented example (queues=3, iothread 2 → 1, iothread 3 → 0,2) passes", def: vm('a', disk('/i/a.raw', "cache='none' queues='3'", 'vda', mapping({ 2: [1], 3: [0, 2] })), three), mapping: ['pass'], iothread: ['pass'], ids: ['pass'] },
    { scenario: 'round-robin mapping without queues passes', def: vm('a', disk('/i/a.raw', "cache='none' queues='4'", 'vda', mapping({ 1: [], 2: [] })), three), mapping: ['pass'], iothread: ['pass'], ids: ['pass'] },
    { scenario: 'a queue mapped twice fails', def: vm('a', disk('/i/a.raw', "cache='none' queues='2'", 'vda', mapping({ 1: [0], 2: [0, 1] })), three), mapping: ['fail'], iothread: ['pass'], ids: ['pass'] },
    { scenario: 'a queue left unmapped fails', def: vm('a', disk('/i/a.raw', "cache='none' queues='3'", 'vda', mapping({ 1: [0], 2: [1] })), three), mapping: ['fail'], iothread: ['pass'], ids: ['pass'] },
    { scenario: 'queues listed without <driver queues> fails', def: vm('a', disk('/i/a.raw', "cache='none'", 'vda', mapping({ 1: [0], 2: [1] })), three), mapping: ['fail'], iothread: ['pass'], ids: ['pass'] },
    { scenario: 'a queue beyond queues fails', def: vm('a', disk('/i/a.raw', "cache='none' queues='2'", 'vda', mapping({ 1: [0], 2: [1, 2] })), three), mapping: ['fail'], iothread: ['pass'], ids: ['pass'] },
    { scenario: 'iothread= next to a mapping fails', def: vm('a', disk('/i/a.raw', "cache='none' iothread='1'", 'vda', mapping({ 2: [], 3: [] })), three), mapping: ['fail'], iothread: ['pass'], ids: ['pass'] },
    { scenario: 'a mapped iothread the domain does not define fails the ids check', def: vm('a', disk('/i/a.raw', "cache='none'", 'vda', mapping({ 1: [], 7: [] })), '<iothreads>2</iothreads>'), mapping: ['pass'], iothread: ['pass'], ids: ['fail'] },
    { scenario: 'iothread= naming an undefined id fails the ids check', def: vm('a', disk('/i/a.raw', "cache='none' iothread='3'"), '<iothreads>1</iothreads>'), mapping: [], iothread: ['pass'], ids: ['fail'] },
    { scenario: 'no iothreads anywhere: no ids finding, iothread warns', def: vm('a', disk('/i/a.raw', "cache='none'")), mapping: [], iothread: ['warn'], ids: [] },
  ];
  for (const c of cases) {
    it(c.scenario, async () => {
      const fs = await audit([c.def], { '/i/a.raw': raw });
      const show = JSON.stringify(fs.filter((f) => f.id.startsWith('vm.iothread')), null, 1);
      assert.deepEqual(statuses(fs, 'vm.iothread-mapping'), c.mapping, show);
      assert.deepEqual(statuses(fs, 'vm.iothread'), c.iothread, show);
      assert.deepEqual(statuses(fs, 'vm.iothread-ids'), c.ids, show);
    });
  }

  it('the failing mapping says which queue', async () => {
    const fs = await audit([vm('a', disk('/i/a.raw', "cache='none' queues='3'", 'vda', mapping({ 1: [0], 2: [0] })), three)], { '/i/a.raw': raw });
    const f = fs.find((x) => x.id === 'vm.iothread-mapping');
    assert.match(f?.why ?? '', /queue 0 mapped more than once/);
    assert.match(f?.why ?? '', /queue 1, 2 of 3 not mapped/);
  });

  it('AIO cost counts each mapped iothread (main loop + 3 iothreads)', () => {
    const v = vm('a', disk('/i/a.raw', "cache='none' io='native' queues='3'", 'vda', mapping({ 1: [0], 2: [1], 3: [2] })), three);
    assert.deepEqual(aioCharge(v), { nativeDisks: 1, contexts: 4, aioNr: 4096 });
  });

  it('vm tune never adds iothread= next to a mapping, and keeps the mapping', async () => {
    const xml = domain('a', disk('/i/a.raw', "queues='3'", 'vda', mapping({ 2: [1], 3: [0, 2] })), three);
    const v = vmFromXml(xml);
    const facts = await recordedFacts([v], { platform: PLATFORM, sources: { '/i/a.raw': raw }, aioMaxNr: 65536 });
    const plan = planVmTune(v, facts);
    assert.equal(plan.disks[0]?.set.iothread, undefined, JSON.stringify(plan));
    assert.equal(plan.iothreads, undefined);
    const out = applyTunePlan(xml, plan);
    assert.doesNotMatch(out, /iothread='\d+'|iothread="\d+"/);
    const back = readDomainXml(out, { kind: 'libvirt', origin: 'saved' });
    assert.ok(back.ok);
    assert.deepEqual(back.value.disks[0]?.iothreadQueues, v.disks[0]?.iothreadQueues);
  });
});

describe('audit: judgements that need no image', () => {
  const unprobed = (name: string, driver: string): Vm => vm(name, disk('/nonexistent/kvmio-depth/a.raw', driver));
  const cases: { scenario: string; defs: Vm[]; id: string; want: string[] }[] = [
    { scenario: 'cache=unsafe fails when the source cannot be probed', defs: [unprobed('a', "cache='unsafe'")], id: 'vm.cache', want: ['fail'] },
    { scenario: 'cache=writeback warns when the source cannot be probed', defs: [unprobed('a', "cache='writeback'")], id: 'vm.cache', want: ['warn'] },
    { scenario: 'cache unset (QEMU writeback) warns when the source cannot be probed', defs: [unprobed('a', '')], id: 'vm.cache', want: ['warn'] },
    { scenario: 'cache=none is not judged without the store', defs: [unprobed('a', "cache='none'")], id: 'vm.cache', want: ['skip'] },
    { scenario: 'io=native with writeback fails without the image', defs: [unprobed('a', "cache='writeback' io='native'")], id: 'vm.aio-native-no-direct', want: ['fail'] },
    { scenario: 'two disks of one domain on one source fail', defs: [vm('a', disk('/i/a.raw', "cache='none'") + disk('/i/a.raw', "cache='none'", 'vdb'))], id: 'vm.shared-image', want: ['fail', 'fail'] },
    { scenario: 'two disks of one domain on one source, both readonly, pass', defs: [vm('a', disk('/i/a.raw', "cache='none'", 'vda', '', '<readonly/>') + disk('/i/a.raw', "cache='none'", 'vdb', '', '<readonly/>'))], id: 'vm.shared-image', want: ['pass', 'pass'] },
    { scenario: 'two domains on one unprobed source fail', defs: [unprobed('a', "cache='none'"), unprobed('b', "cache='none'")], id: 'vm.shared-image', want: ['fail', 'fail'] },
    { scenario: "error_policy='ignore' fails", defs: [vm('a', disk('/i/a.raw', "cache='none' error_policy='ignore'"))], id: 'vm.error-policy', want: ['fail'] },
    { scenario: "rerror_policy='ignore' warns", defs: [vm('a', disk('/i/a.raw', "cache='none' error_policy='stop' rerror_policy='ignore'"))], id: 'vm.error-policy', want: ['warn'] },
    { scenario: "error_policy='stop' passes", defs: [vm('a', disk('/i/a.raw', "cache='none' error_policy='stop'"))], id: 'vm.error-policy', want: ['pass'] },
    { scenario: 'no error policy: no finding', defs: [vm('a', disk('/i/a.raw', "cache='none'"))], id: 'vm.error-policy', want: [] },
    { scenario: 'copy_on_read is noted', defs: [vm('a', disk('/i/a.raw', "cache='none' copy_on_read='on'"))], id: 'vm.copy-on-read', want: ['skip'] },
  ];
  for (const c of cases) {
    it(c.scenario, async () => {
      const fs = await audit(c.defs, { '/i/a.raw': raw, '/nonexistent/kvmio-depth/a.raw': { kind: 'missing', reason: 'No such file or directory' } });
      assert.deepEqual(statuses(fs, c.id), c.want, JSON.stringify(fs.filter((f) => f.id === c.id), null, 1));
    });
  }
  it('the same judgements hold for a --domain-xml file', async () => {
    const v = vmFromXml(domain('f', disk('/nonexistent/kvmio-depth/a.raw', "cache='unsafe' error_policy='ignore'")), { kind: 'libvirt-xml', file: 'f.xml' });
    const fs = await audit([v], { '/nonexistent/kvmio-depth/a.raw': { kind: 'missing', reason: 'No such file or directory' } });
    assert.deepEqual(statuses(fs, 'vm.cache'), ['fail']);
    assert.deepEqual(statuses(fs, 'vm.error-policy'), ['fail']);
  });
});
