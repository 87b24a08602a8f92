// Acceptance: every XML `vm tune` makes of the domain corpus (test/vm-corpus.ts), with and
// without --bus, passes virt-xml-validate and `virsh define --validate` on the running
// libvirtd (qemu:///system). Each is defined under a unique name and undefined in finally.
// A row whose XML uses vocabulary newer than this machine's libvirt (9.0), or an input
// libvirt refuses and vm tune does not own, is skipped with the reason its row gives.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { planIsEmpty, planVmTune } from '../../src/decide/plan-vm-tune.js';
import { exec } from '../../src/exec.js';
import { applyTunePlan, normalizeDomainXml } from '../../src/libvirt/edit-domain.js';
import { uniqueName, withTempDir } from '../helpers.js';
import { recordedFacts } from '../vm-fixtures.js';
import { CORPUS, corpusHost, corpusVm, corpusXml } from '../vm-corpus.js';

const URI = process.env.LIBVIRT_DEFAULT_URI ?? 'qemu:///system';

/**
 * The tuned XML as this machine can define it: a unique name, no UUID (libvirt makes one),
 * and machine type aliases, because this QEMU (7.2) knows no 9.x or 10.x machine types
 * ("pc-q35-9.2" → "q35", "pc-i440fx-9.2" → "pc"). Nothing kvmio wrote is touched.
 */
function forThisHost(xml: string, name: string): string {
  return xml
    .replace(/<name>[^<]*<\/name>/, `<name>${name}</name>`)
    .replace(/\s*<uuid>[^<]*<\/uuid>/, '')
    .replace(/machine="pc-q35-[^"]*"/, 'machine="q35"')
    .replace(/machine="pc-i440fx-[^"]*"/, 'machine="pc"');
}

describe('vm tune output of the corpus: virt-xml-validate and virsh define --validate', () => {
  for (const c of CORPUS) {
    it(c.file, { skip: c.noDefine }, async () => {
      const vm = corpusVm(c.file);
      const facts = await recordedFacts([vm], corpusHost());
      const xml = corpusXml(c.file);
      const outputs = new Set<string>();
      for (const bus of [false, true]) {
        const plan = planVmTune(vm, facts, { bus });
        outputs.add(planIsEmpty(plan) ? normalizeDomainXml(xml) : applyTunePlan(xml, plan));
      }
      await withTempDir(async (dir) => {
        for (const tuned of outputs) {
          const name = uniqueName('kvmio-corpus');
          const file = join(dir, `${name}.xml`);
          writeFileSync(file, forThisHost(tuned, name));
          const v = await exec(['virt-xml-validate', file, 'domain']);
          assert.equal(v.code, 0, `virt-xml-validate: ${v.stdout}${v.stderr}`);
          const d = await exec(['virsh', '-q', '-c', URI, 'define', '--validate', file], { timeoutMs: 60_000 });
          try {
            assert.equal(d.code, 0, `virsh define --validate: ${d.stderr.trim()}`);
          } finally {
            if (d.code === 0) await exec(['virsh', '-q', '-c', URI, 'undefine', name], { timeoutMs: 60_000 });
          }
        }
      });
    });
  }
});
