import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyTunePlan, unmanagedDigest } from '../../src/libvirt/edit-domain.js';
import { planIsEmpty, planVmTune } from '../../src/decide/plan-vm-tune.js';
import { exactDiff } from '../../src/render/unified-diff.js';
import { fixture } from '../helpers.js';
import { DOMAIN_FIXTURES, assertGolden, domainXmlText, fixtureFacts, fixtureVm, recordedFacts, vmFromXml } from '../vm-fixtures.js';

const model = (xml: string) => vmFromXml(xml, { kind: 'libvirt-xml', file: 't.xml' });

describe('vm tune: plan, edit and diff of other tools\' domain XML', () => {
  for (const name of DOMAIN_FIXTURES) {
    for (const bus of [false, true]) {
      it(`${name}${bus ? ' --bus' : ''}: only managed parts change, a second plan is empty, the diff is as recorded`, async () => {
        const xml = domainXmlText(name);
        const vm = fixtureVm(name);
        const facts = await fixtureFacts([vm], name);
        const plan = planVmTune(vm, facts, { bus });
        const after = planIsEmpty(plan) ? xml : applyTunePlan(xml, plan);
        const busChanged = plan.disks.some((d) => d.bus !== undefined);
        assert.equal(unmanagedDigest(after, { ignoreAddresses: busChanged }), unmanagedDigest(xml, { ignoreAddresses: busChanged }));
        // Unknown elements and comments survive verbatim.
        for (const kept of ['<futureElement answer="42"><nested/></futureElement>', '<acme:tier>gold</acme:tier>', '<!-- Hand-written', '<description>Converted by hand']) {
          if (xml.includes(kept)) assert.ok(after.includes(kept), kept);
        }
        const again = planVmTune(model(after), facts, { bus });
        assert.ok(planIsEmpty(again), JSON.stringify(again));
        const diff = exactDiff(xml, after, { from: `${name} (saved)`, to: `${name} (tuned)` });
        const notes = [...plan.skipped.map((s) => `kept: ${s}`), ...plan.warnings.map((w) => `warning: ${w}`)].join('\n');
        assertGolden(fixture('golden', 'vm-tune', `${name}${bus ? '.bus' : ''}.diff`), `${diff}${notes}\n`);
      });
    }
  }

  it('a store without O_DIRECT gets writethrough and threads/io_uring, with a live-migration warning; host devices are noted', async () => {
    const xml = `<domain type='kvm'><name>t</name><devices>
  <disk type='file' device='disk'><driver name='qemu' type='raw' cache='writeback'/><source file='/z/a.raw'/><target dev='vda' bus='virtio'/></disk>
  <hostdev mode='subsystem' type='pci' managed='yes'><source><address domain='0x0000' bus='0x03' slot='0x00' function='0x0'/></source></hostdev>
</devices></domain>`;
    const vm = model(xml);
    const facts = { ...(await recordedFacts([vm], { sources: { '/z/a.raw': { kind: 'present', fsType: 'zfs', directIo: false, image: { format: 'raw', virtualSize: 1 << 30, actualSize: 1 << 30 } } } })), platform: {} };
    const plan = planVmTune(vm, facts);
    assert.deepEqual(plan.disks[0]?.set, { cache: 'writethrough', iothread: 1 });
    assert.ok(plan.warnings.some((w) => /vda: cache=writethrough .*live-migrate/.test(w)), plan.warnings.join('\n'));
    assert.ok(plan.warnings.some((w) => /host device/.test(w)));
  });

  it('a disk without <driver> gets one (name qemu first, indented like its siblings)', async () => {
    const xml = `<domain type='kvm'><name>t</name><devices>
    <disk type='block' device='disk'>
      <source dev='/dev/x'/>
      <target dev='vda' bus='virtio'/>
    </disk>
</devices></domain>`;
    const facts = { ...(await recordedFacts([model(xml)], { sources: { '/dev/x': { kind: 'present', isBlock: true, directIo: true } } })), platform: {} };
    const after = applyTunePlan(xml, planVmTune(model(xml), facts));
    assert.match(after, /\n {6}<driver name='qemu' cache='none' io='native' iothread='1'\/>\n {6}<source dev='\/dev\/x'\/>/);
    assert.ok(planIsEmpty(planVmTune(model(after), facts)));
  });

  it('a domain with <iothreadids> gets the new ids listed too', () => {
    const xml = `<domain type='kvm'><name>t</name><vcpu>2</vcpu><iothreads>1</iothreads><iothreadids><iothread id='1'/></iothreadids><devices>
  <disk type='block' device='disk'><driver name='qemu' type='raw' cache='none' io='native' iothread='1'/><source dev='/dev/x'/><target dev='vda' bus='virtio'/></disk>
  <disk type='block' device='disk'><driver name='qemu' type='raw' cache='none' io='native'/><source dev='/dev/y'/><target dev='vdb' bus='virtio'/></disk>
</devices></domain>`;
    const facts = { sources: new Map(), platform: {} };
    const plan = planVmTune(model(xml), facts);
    assert.equal(plan.iothreads, 2);
    const edited = applyTunePlan(xml, plan);
    assert.match(edited, /<iothreads>2<\/iothreads>/);
    const after = model(edited);
    assert.deepEqual(after.iothreads, [1, 2]);
    assert.match(edited, /<iothreadids><iothread id='1'\/>\s*<iothread id='2'\/><\/iothreadids>/);
    assert.equal(after.disks[1]?.iothread, 2);
  });

  it('a virtio-scsi controller without iothread gets one; its disks are not given their own', () => {
    const xml = `<domain type='kvm'><name>t</name><vcpu>2</vcpu><devices>
  <controller type='scsi' index='0' model='virtio-scsi'/>
  <disk type='block' device='disk'><driver name='qemu' type='raw' cache='none' io='native'/><source dev='/dev/x'/><target dev='sda' bus='scsi'/><address type='drive' controller='0' bus='0' target='0' unit='0'/></disk>
</devices></domain>`;
    const plan = planVmTune(model(xml), { sources: new Map(), platform: {} });
    assert.deepEqual(plan.controllers, [{ key: 'scsi:0', iothread: 1 }]);
    assert.equal(plan.disks.length, 0);
    const after = model(applyTunePlan(xml, plan));
    assert.equal(after.controllers[0]?.iothread, 1);
    assert.deepEqual(after.iothreads, [1]);
  });
});
