// The corpus of domain XMLs (test/vm-corpus.ts): each audited without a crash, with what
// its table row says it must and must not produce, golden findings and a golden vm tune
// diff; the tuned XML plans nothing more and keeps everything kvmio does not manage.
import { readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { auditVmDisks } from '../../src/decide/audit-vm-disks.js';
import { planIsEmpty, planVmTune } from '../../src/decide/plan-vm-tune.js';
import { sortFindings } from '../../src/decide/sort-findings.js';
import { VM_CHECKS } from '../../src/decide/vm-checks.js';
import { applyTunePlan, normalizeDomainXml, unmanagedDigest } from '../../src/libvirt/edit-domain.js';
import { renderFindingsText } from '../../src/report/findings-text.js';
import { unifiedDiff } from '../../src/render/unified-diff.js';
import type { Finding } from '../../src/model/finding.js';
import { fixture } from '../helpers.js';
import { assertGolden, recordedFacts, vmFromXml } from '../vm-fixtures.js';
import { CORPUS, corpusHost, corpusVm, corpusXml } from '../vm-corpus.js';

const matches = (f: Finding, rule: string): boolean => {
  const [id, status] = rule.split(':');
  return (id === '' || f.id === id) && (status === undefined || f.status === status);
};

describe('domain corpus: the table covers every file, and there are at least 30', () => {
  it('every XML in the corpus has a row, every row a file', () => {
    const files = readdirSync(fixture('domains-corpus')).filter((f) => f.endsWith('.xml')).map((f) => f.replace(/\.xml$/, '')).sort();
    assert.deepEqual([...CORPUS.map((c) => c.file)].sort(), files);
    assert.ok(files.length >= 30, `${files.length} files`);
  });
  it('the corpus covers every bus, source type, cache and io mode, and each controller kind', () => {
    const all = CORPUS.map((c) => corpusXml(c.file)).join('\n');
    for (const want of ["bus='virtio'", "bus='scsi'", "bus='sata'", "bus='ide'", "bus='usb'", "bus='fdc'"]) assert.ok(all.includes(want), want);
    for (const t of ['file', 'block', 'volume', 'network', 'vhostuser', 'nvme']) assert.ok(all.includes(`<disk type='${t}'`), t);
    for (const p of ['rbd', 'iscsi', 'nbd', 'gluster']) assert.ok(all.includes(`protocol='${p}'`), p);
    for (const c of ['none', 'writeback', 'writethrough', 'directsync', 'unsafe']) assert.ok(all.includes(`cache='${c}'`), c);
    for (const io of ['native', 'threads', 'io_uring']) assert.ok(all.includes(`io='${io}'`), io);
    for (const d of ['disk', 'cdrom', 'floppy', 'lun']) assert.ok(all.includes(`device='${d}'`), d);
    for (const m of ["model='virtio-scsi'", "model='lsilogic'", "type='sata'", "type='ide'", "type='fdc'", "model='pcie-root'", "model='pci-root'"]) assert.ok(all.includes(m), m);
  });
});

describe('domain corpus: audit and vm tune', () => {
  for (const c of CORPUS) {
    it(`${c.file}: findings as its row says and as recorded; the tune diff as recorded, idempotent`, async () => {
      const xml = corpusXml(c.file);
      const vm = corpusVm(c.file);
      const facts = await recordedFacts([vm], corpusHost());
      const findings = sortFindings(auditVmDisks(facts));
      const show = findings.map((f) => `${f.object} ${f.id} ${f.status}`).join('\n');
      const known = new Set(VM_CHECKS.map((k) => k.id));
      for (const f of findings) assert.ok(known.has(f.id), `${f.id} is not in the VM check catalogue`);
      for (const [id, statuses] of Object.entries(c.must)) {
        const seen = findings.filter((f) => f.id === id).map((f) => f.status);
        for (const s of new Set(statuses)) assert.ok(seen.filter((x) => x === s).length >= statuses.filter((x) => x === s).length, `${id} must be ${statuses.join(', ')}; seen ${seen.join(', ') || 'none'}\n${show}`);
      }
      for (const rule of c.mustNot) assert.ok(!findings.some((f) => matches(f, rule)), `must not produce ${rule}\n${show}`);
      assertGolden(fixture('golden', 'vm-corpus', `${c.file}.txt`), renderFindingsText(findings, { verbose: true }));

      const plan = planVmTune(vm, facts);
      const after = planIsEmpty(plan) ? normalizeDomainXml(xml) : applyTunePlan(xml, plan);
      assert.equal(unmanagedDigest(after), unmanagedDigest(xml), 'only managed parts change');
      const again = planVmTune(vmFromXml(after, { kind: 'libvirt-xml', file: `${c.file}.xml` }), facts);
      assert.ok(planIsEmpty(again), `a second tune plans nothing: ${JSON.stringify(again)}`);
      // queues only ever stay on virtio-blk disks.
      for (const d of vmFromXml(after).disks) assert.ok(d.queues === undefined || d.bus === 'virtio-blk', `${d.label}: queues on ${d.bus}`);
      const diff = unifiedDiff(normalizeDomainXml(xml), after, { from: `${c.file} (saved)`, to: `${c.file} (tuned)` });
      const notes = [...plan.skipped.map((s) => `kept: ${s}`), ...plan.warnings.map((w) => `warning: ${w}`)].join('\n');
      assertGolden(fixture('golden', 'vm-corpus', `${c.file}.diff`), `${diff}${notes}\n`);
    });
  }
});
