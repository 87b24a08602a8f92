// fs.aio-max-nr in a plan is a floor: a number at or below the live value, or "from-vms"
// sized below it, changes nothing and never lowers the limit (live or at boot); a number
// above it raises both. Pure: planChanges on the recorded DL360 with its aio facts varied.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, fixture } from '../helpers.js';
import { parsePlan } from '../../src/plan/parse-plan.js';
import { planChanges } from '../../src/plan/plan-changes.js';
import { probePlanFacts } from '../../src/facts/probe-plan-facts.js';
import type { PlanFacts } from '../../src/plan/plan-facts.js';
import type { Plan } from '../../src/plan/plan-schema.js';

const DL360 = fixture('hosts', 'dl360-gen9');

function planOf(yaml: string): Plan {
  const r = parsePlan(yaml, 'aio.yaml');
  assert.ok(r.ok, JSON.stringify(r));
  return r.value.plan;
}

/** The recorded host with fs.aio-max-nr LIVE and, when given, a sysctl.d setting of BOOT. */
function withAio(f: PlanFacts, live: number, boot?: number): PlanFacts {
  const sysctl = f.host.sysctl.ok ? f.host.sysctl.value.filter((s) => s.key !== 'fs.aio-max-nr') : [];
  return {
    ...f,
    host: {
      ...f.host,
      aio: { ok: true, value: { nr: 0, maxNr: live } },
      sysctl: { ok: true, value: [...sysctl, ...(boot === undefined ? [] : [{ key: 'fs.aio-max-nr', value: String(boot), file: '/etc/sysctl.d/90-kvmio.conf', line: 1 }])] },
    },
  };
}

const aioChanges = (plan: Plan, facts: PlanFacts) => planChanges(plan, facts).filter((c) => c.hostAction?.id === 'aio.max-nr').map((c) => c.hostAction);
const explicit = (n: number): Plan => planOf(`kvmio: kvmio-plan/1\nhost:\n  schedulers: { policy: keep }\n  aioMaxNr: ${n}\n`);

describe('plan host.aioMaxNr never lowers fs.aio-max-nr', () => {
  it('a number at or below the live value changes nothing, live or persisted', async () => {
    const f = await probePlanFacts(DL360, {}, { pci: [], domains: [] });
    for (const n of [65536, 262144, 1048576]) {
      assert.deepEqual(aioChanges(explicit(n), withAio(f, 1048576, 1048576)), [], `${n} ≤ live 1048576 (persisted)`);
      // live raised by hand and not persisted: the plan's lower number is no reason to write a lower boot value
      assert.deepEqual(aioChanges(explicit(n), withAio(f, 1048576)).filter((a) => a?.kind === 'sysfs'), [], `${n}: no live write`);
      for (const a of aioChanges(explicit(n), withAio(f, 1048576))) assert.doesNotMatch(a?.kind === 'file' ? a.content : '', /fs\.aio-max-nr = (?!1048576\b)/);
    }
  });

  it('a number above the live value raises it, and persists it', async () => {
    const f = await probePlanFacts(DL360, {}, { pci: [], domains: [] });
    const a = aioChanges(explicit(1048576), withAio(f, 65536));
    assert.deepEqual(a.map((x) => x?.kind), ['sysfs', 'file']);
    assert.equal(a[0]?.kind === 'sysfs' ? a[0].value : '', '1048576');
    assert.match(a[1]?.kind === 'file' ? a[1].content : '', /^fs\.aio-max-nr = 1048576$/m);
    // live already there but boot would set the kernel default: persist only
    assert.deepEqual(aioChanges(explicit(1048576), withAio(f, 1048576)).map((x) => x?.kind), ['file']);
  });

  it('"from-vms" sized below the live value changes nothing either', async () => {
    const seed = planOf(readFileSync(join(REPO, 'examples', 'seed-homelab.yaml'), 'utf8'));
    const f = await probePlanFacts(DL360, {}, { pci: [], domains: seed.vms.map((v) => v.name) });
    // the seed's five VMs need far less than 2^22
    assert.deepEqual(aioChanges(seed, withAio(f, 4194304, 4194304)), []);
    for (const a of aioChanges(seed, withAio(f, 4194304))) {
      assert.notEqual(a?.kind, 'sysfs', 'no live write below the live value');
      assert.match(a?.kind === 'file' ? a.content : '', /^fs\.aio-max-nr = 4194304$/m, 'persisting keeps the live value, never a lower one');
    }
    // five VMs fit in the kernel default (65536): a host below it is raised to it
    assert.deepEqual(aioChanges(seed, withAio(f, 65536, 65536)), []);
    assert.ok(aioChanges(seed, withAio(f, 16384)).some((a) => a?.kind === 'sysfs' && a.value === '65536'));
  });
});
