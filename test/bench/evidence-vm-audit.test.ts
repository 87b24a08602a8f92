// kvmio audit and vm tune read VM disks through probeVmFacts; withAioEvidence adds the
// saved bench results, and the vm.aio check then expects the measured winner and cites
// it. A real image and a domain XML file (no libvirt needed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LocalSource } from '../../src/facts/local-source.js';
import { vmFacts } from '../../src/cli/vm-facts.js';
import { auditVmDisks } from '../../src/decide/audit-vm-disks.js';
import { withAioEvidence } from '../../src/bench/evidence.js';
import { makeNativeVm, makeResults } from './results-fixture.js';
import { tempDir } from './temp.js';

test('vm audit: with saved results the vm.aio check expects the bench winner and cites it', async () => {
  const dir = tempDir('kvmio-ev-vm-');
  const state = tempDir('kvmio-ev-vm-state-');
  const { xml } = await makeNativeVm(dir, 'kvmio-ev-vm');
  const facts = await vmFacts({ source: new LocalSource(), libvirt: false, domainXml: [xml] }, 'qemu:///system');
  const aioOf = (f: typeof facts) => auditVmDisks(f).find((x) => x.id === 'vm.aio');
  assert.equal(aioOf(facts)?.status, 'pass', 'without results native is what the table wants');
  const base = { format: 'raw', preallocation: 'falloc', cache: 'none', allocation: 'preallocated' } as const;
  mkdirSync(join(state, 'bench'));
  writeFileSync(join(state, 'bench', 'run.json'), JSON.stringify(makeResults(dir, [
    { config: { ...base, aio: 'io_uring' }, iops: [30000, 30400, 29800] },
    { config: { ...base, aio: 'native' }, iops: [20000, 20300, 19900] },
  ])));
  const f = aioOf(withAioEvidence(facts, state));
  assert.equal(f?.status, 'warn');
  assert.equal(f?.expected, 'io_uring');
  assert.match(f?.why ?? '', /io_uring 1\.50× native/);
});
