// planHost on the recorded and hand-made hosts (facts from their dumps): the whole plan
// as a golden file, so a change in any rule or renderer shows up in review.
import { describe, it } from 'node:test';
import { planHost } from '../../src/decide/plan-host.js';
import { aioDemandFromCounts } from '../../src/decide/recommend-aio.js';
import { DumpSource } from '../../src/facts/dump-source.js';
import { probeHost } from '../../src/facts/probe-host.js';
import { fixture } from '../helpers.js';
import { assertGolden } from '../render/golden-check.js';

const HOSTS = ['dl360-gen9', 'guest-virtio', 'nvme-bfq'];

describe('planHost on fixture hosts', () => {
  for (const name of HOSTS) {
    for (const persist of ['udev', 'tmpfiles'] as const) {
      it(`${name}, --persist ${persist}, 100 VMs with one iothread, --passthrough`, async () => {
        const facts = await probeHost(new DumpSource(fixture('hosts', name)));
        const plan = planHost(facts, { only: [], devices: [], persist, passthrough: true, aio: aioDemandFromCounts(100, 1) });
        const text = [
          ...plan.actions.map((a) => (a.kind === 'sysfs' ? `sysfs ${a.id} ${a.path} = ${a.value}` : `file ${a.id} ${a.path}\n${a.content.replace(/^/gm, '  | ')}`)),
          ...plan.skipped.map((s) => `skipped ${s.id} ${s.object}: ${s.why}`),
        ].join('\n');
        assertGolden(`fix/plan-${name}-${persist}.txt`, `${text}\n`);
      });
    }
  }
});
