// Golden files of `kvmio audit --from <fixture>` (text and JSON) for every recorded
// host under test/fixtures/hosts/. UPDATE_GOLDEN=1 rewrites them; read the diff.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { REPO, cli, fixture } from '../helpers.js';

const HOSTS = fixture('hosts');
const GOLDEN = fixture('golden', 'audit');
const hosts = readdirSync(HOSTS).filter((h) => existsSync(join(HOSTS, h, 'kvmio-dump.json'))).sort();

/** Paths in the output are relative to the repository, so goldens do not depend on where it is cloned. */
const portable = (s: string): string => s.split(`${REPO}/`).join('');

async function audit(host: string, json: boolean): Promise<{ code: number; out: string }> {
  const r = await cli(['audit', '--from', join(HOSTS, host), ...(json ? ['--json'] : [])]);
  assert.equal(r.stderr, '');
  return { code: r.code, out: portable(r.stdout) };
}

function golden(name: string, actual: string): void {
  const file = join(GOLDEN, name);
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(GOLDEN, { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  assert.ok(existsSync(file), `${file} missing: run with UPDATE_GOLDEN=1 and review it`);
  assert.equal(actual, readFileSync(file, 'utf8'), `${name} differs from its golden file (UPDATE_GOLDEN=1 rewrites it)`);
}

interface J {
  findings: { id: string; object: string; status: string; observed?: string; expected?: string; fix?: string }[];
}
const one = (j: J, id: string, object: string) => {
  const f = j.findings.find((x) => x.id === id && x.object === object);
  assert.ok(f, `${id} ${object}`);
  return f;
};

describe('kvmio audit --from fixture: golden files', () => {
  it('has the four recorded hosts', () => {
    for (const h of ['dl360-gen9', 'guest-virtio', 'nvme-bfq', 'this-machine']) assert.ok(hosts.includes(h), h);
  });
  for (const host of hosts) {
    it(`${host}: text and JSON match their golden files`, async () => {
      const text = await audit(host, false);
      const json = await audit(host, true);
      assert.equal(text.code, json.code);
      golden(`${host}.txt`, text.out);
      golden(`${host}.json`, json.out);
    });
  }
});

describe('kvmio audit --from fixture: the findings the seed predicts', () => {
  it('DL360 Gen9: elevator=deadline warns, sda mq-deadline and NVMe none pass, HDDs pass, aio headroom warns', async () => {
    const j = JSON.parse((await audit('dl360-gen9', true)).out) as J;
    assert.equal(one(j, 'boot.elevator', 'host').status, 'warn');
    assert.equal(one(j, 'boot.elevator', 'host').observed, 'elevator=deadline');
    assert.equal(one(j, 'sched.host-ssd', 'sda').status, 'pass');
    for (const n of [0, 1, 2, 3]) assert.equal(one(j, 'sched.multiqueue', `nvme${n}n1`).status, 'pass');
    for (const d of ['sdb', 'sdc']) assert.equal(one(j, 'sched.host-hdd', d).status, 'pass');
    assert.equal(one(j, 'aio.max-nr', 'host').status, 'warn');
    assert.equal(one(j, 'iommu.intel-cmdline', 'host').status, 'pass');
    assert.deepEqual(j.findings.filter((f) => f.object === 'sda4'), [], 'partitions have no scheduler findings');
  });

  it('guest with virtio disks: vda mq-deadline → none, and nothing persists it', async () => {
    const j = JSON.parse((await audit('guest-virtio', true)).out) as J;
    const vda = one(j, 'sched.guest-virtual', 'vda');
    assert.equal(vda.status, 'warn');
    assert.equal(vda.observed, 'mq-deadline');
    assert.equal(vda.expected, 'none');
    assert.equal(vda.fix, 'echo none > /sys/block/vda/queue/scheduler');
    assert.equal(one(j, 'sched.persisted', 'vda').status, 'warn');
    assert.equal(one(j, 'aio.max-nr', 'host').status, 'pass');
  });

  it('NVMe host with bfq: bfq → none live and persisted, stale tmpfiles line, legacy name', async () => {
    const j = JSON.parse((await audit('nvme-bfq', true)).out) as J;
    for (const d of ['nvme0n1', 'nvme1n1']) {
      const live = one(j, 'sched.multiqueue', d);
      assert.equal(live.status, 'warn');
      assert.equal(live.observed, 'bfq');
      assert.equal(live.expected, 'none');
      assert.equal(one(j, 'sched.persisted', d).status, 'warn');
    }
    const stale = j.findings.find((f) => f.id === 'sched.persisted' && f.object === 'host');
    assert.match(stale?.observed ?? '', /tmpfiles .* on sda, which does not exist/);
    assert.equal(one(j, 'sched.legacy-name', 'host').status, 'warn');
    assert.equal(one(j, 'iommu.intel-cmdline', 'host').status, 'pass', 'ivhd0: AMD, intel_iommu not needed');
  });

  it('this machine recorded: host + guest, vda takes the guest rule', async () => {
    const j = JSON.parse((await audit('this-machine', true)).out) as J;
    assert.equal(one(j, 'sched.guest-virtual', 'vda').expected, 'none');
    assert.equal(one(j, 'kvm.device', 'host').status, 'pass');
  });
});

describe('README', () => {
  it('shows the DL360 audit exactly as kvmio prints it (its golden file)', () => {
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
    const text = readFileSync(join(GOLDEN, 'dl360-gen9.txt'), 'utf8');
    const indented = text.trimEnd().split('\n').map((l) => (l === '' ? '' : `    ${l}`)).join('\n');
    assert.ok(readme.includes(indented), 'README example differs from test/fixtures/golden/audit/dl360-gen9.txt: paste the new output');
  });
});
