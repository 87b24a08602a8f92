import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyTunePlan, normalizeDomainXml, unmanagedDigest } from '../../src/render/edit-domain-xml.js';
import { planIsEmpty, planVmTune } from '../../src/decide/plan-vm-tune.js';
import { parseDomainXml } from '../../src/facts/parse-domain.js';
import { unifiedDiff } from '../../src/render/unified-diff.js';
import { fixture } from '../helpers.js';
import { DOMAIN_FIXTURES, assertGolden, domainXmlText, fixtureDefinition, fixtureFacts, toSourceFacts } from '../vm-fixtures.js';

const model = (xml: string) => {
  const r = parseDomainXml(xml);
  if (!r.ok) throw new Error(r.reason);
  return r.value;
};

describe('vm tune: plan, edit and diff of other tools\' domain XML', () => {
  for (const name of DOMAIN_FIXTURES) {
    for (const bus of [false, true]) {
      it(`${name}${bus ? ' --bus' : ''}: only managed parts change, a second plan is empty, the diff is as recorded`, () => {
        const xml = domainXmlText(name);
        const def = fixtureDefinition(name);
        const facts = fixtureFacts([def], name);
        const plan = planVmTune(def.model, facts, { bus });
        const after = planIsEmpty(plan) ? normalizeDomainXml(xml) : applyTunePlan(xml, plan);
        const busChanged = plan.disks.some((d) => d.bus !== undefined);
        assert.equal(unmanagedDigest(after, { ignoreAddresses: busChanged }), unmanagedDigest(xml, { ignoreAddresses: busChanged }));
        // Unknown elements and comments survive verbatim.
        for (const kept of ['<futureElement answer="42"><nested/></futureElement>', '<acme:tier>gold</acme:tier>', '<!-- Hand-written', '<description>Converted by hand']) {
          if (normalizeDomainXml(xml).includes(kept)) assert.ok(after.includes(kept), kept);
        }
        const again = planVmTune(model(after), facts, { bus });
        assert.ok(planIsEmpty(again), JSON.stringify(again));
        const diff = unifiedDiff(normalizeDomainXml(xml), after, { from: `${name} (saved)`, to: `${name} (tuned)` });
        const notes = [...plan.skipped.map((s) => `kept: ${s}`), ...plan.warnings.map((w) => `warning: ${w}`)].join('\n');
        assertGolden(fixture('golden', 'vm-tune', `${name}${bus ? '.bus' : ''}.diff`), `${diff}${notes}\n`);
      });
    }
  }

  it('a store without O_DIRECT gets writethrough and threads/io_uring, with a live-migration warning; host devices are noted', () => {
    const xml = `<domain type='kvm'><name>t</name><devices>
  <disk type='file' device='disk'><driver name='qemu' type='raw' cache='writeback'/><source file='/z/a.raw'/><target dev='vda' bus='virtio'/></disk>
  <hostdev mode='subsystem' type='pci' managed='yes'><source><address domain='0x0000' bus='0x03' slot='0x00' function='0x0'/></source></hostdev>
</devices></domain>`;
    const facts = { sources: new Map([['/z/a.raw', toSourceFacts('/z/a.raw', { kind: 'present', fsType: 'zfs', directIo: false, image: { format: 'raw', virtualSize: 1 << 30, actualSize: 1 << 30 } })]]), volumes: new Map(), platform: {} };
    const plan = planVmTune(model(xml), facts);
    assert.deepEqual(plan.disks[0]?.driver, { cache: 'writethrough', iothread: '1' });
    assert.ok(plan.warnings.some((w) => /vda: cache=writethrough .*live-migrate/.test(w)), plan.warnings.join('\n'));
    assert.ok(plan.warnings.some((w) => /host device/.test(w)));
  });

  it('a disk without <driver> gets one (name qemu first, indented like its siblings)', () => {
    const xml = `<domain type='kvm'><name>t</name><devices>
    <disk type='block' device='disk'>
      <source dev='/dev/x'/>
      <target dev='vda' bus='virtio'/>
    </disk>
</devices></domain>`;
    const facts = { sources: new Map([['/dev/x', toSourceFacts('/dev/x', { kind: 'present', isBlock: true, directIo: true })]]), volumes: new Map(), platform: {} };
    const after = applyTunePlan(xml, planVmTune(model(xml), facts));
    assert.match(after, /\n {6}<driver name="qemu" cache="none" io="native" iothread="1"\/>\n {6}<source dev="\/dev\/x"\/>/);
    assert.ok(planIsEmpty(planVmTune(model(after), facts)));
  });

  it('a domain with <iothreadids> gets the new ids listed too', () => {
    const xml = `<domain type='kvm'><name>t</name><vcpu>2</vcpu><iothreads>1</iothreads><iothreadids><iothread id='1'/></iothreadids><devices>
  <disk type='block' device='disk'><driver name='qemu' type='raw' cache='none' io='native' iothread='1'/><source dev='/dev/x'/><target dev='vda' bus='virtio'/></disk>
  <disk type='block' device='disk'><driver name='qemu' type='raw' cache='none' io='native'/><source dev='/dev/y'/><target dev='vdb' bus='virtio'/></disk>
</devices></domain>`;
    const facts = { sources: new Map(), volumes: new Map(), platform: {} };
    const plan = planVmTune(model(xml), facts);
    assert.equal(plan.iothreads, 2);
    const after = model(applyTunePlan(xml, plan));
    assert.equal(after.iothreads, 2);
    assert.deepEqual(after.iothreadIds, [1, 2]);
    assert.equal(after.disks[1]?.driver.iothread, 2);
  });

  it('a virtio-scsi controller without iothread gets one; its disks are not given their own', () => {
    const xml = `<domain type='kvm'><name>t</name><vcpu>2</vcpu><devices>
  <controller type='scsi' index='0' model='virtio-scsi'/>
  <disk type='block' device='disk'><driver name='qemu' type='raw' cache='none' io='native'/><source dev='/dev/x'/><target dev='sda' bus='scsi'/><address type='drive' controller='0' bus='0' target='0' unit='0'/></disk>
</devices></domain>`;
    const plan = planVmTune(model(xml), { sources: new Map(), volumes: new Map(), platform: {} });
    assert.deepEqual(plan.controllers, [{ index: 0, iothread: 1 }]);
    assert.equal(plan.disks.length, 0);
    const after = model(applyTunePlan(xml, plan));
    assert.equal(after.controllers[0]?.iothread, 1);
    assert.equal(after.iothreads, 1);
  });
});

describe('unifiedDiff', () => {
  const cases: [string, string, string, string][] = [
    ['identical texts: empty', 'a\nb', 'a\nb', ''],
    ['one changed line', 'a\nb\nc', 'a\nB\nc', '--- before\n+++ after\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n'],
    ['an inserted line', 'a\nc', 'a\nb\nc', '--- before\n+++ after\n@@ -1,2 +1,3 @@\n a\n+b\n c\n'],
    ['two distant changes: two hunks', 'x\n1\n2\n3\n4\n5\n6\n7\n8\ny', 'X\n1\n2\n3\n4\n5\n6\n7\n8\nY', '--- before\n+++ after\n@@ -1,4 +1,4 @@\n-x\n+X\n 1\n 2\n 3\n@@ -7,4 +7,4 @@\n 6\n 7\n 8\n-y\n+Y\n'],
  ];
  for (const [scenario, a, b, want] of cases) it(scenario, () => assert.equal(unifiedDiff(a, b), want));
});
