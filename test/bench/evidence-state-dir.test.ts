// `kvmio audit`, `kvmio vm audit` and `kvmio vm tune` read saved bench results from any
// state directory (--state-dir), not only /var/lib/kvmio: the aio rule cites the bench
// winner for a disk on the measured store, and the guest scheduler rule cites a saved
// guest-tier answer (a KVM winner counts; a TCG one is only cited, never followed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, fixture } from '../helpers.js';
import { makeGuestSchedResults, makeNativeVm, makeResults } from './results-fixture.js';
import { tempDir } from './temp.js';

interface JsonFinding { id: string; object: string; status: string; expected?: string; why?: string }

const save = (state: string, name: string, results: unknown): void => {
  mkdirSync(join(state, 'bench'), { recursive: true });
  writeFileSync(join(state, 'bench', name), JSON.stringify(results));
};

const guestSched = async (state?: string): Promise<JsonFinding[]> => {
  const r = await cli(['audit', '--from', fixture('hosts', 'guest-virtio'), '--only', 'sched.guest-virtual', '--json', ...(state ? ['--state-dir', state] : [])]);
  assert.ok(r.code === 0 || r.code === 1, r.stderr);
  const found = (JSON.parse(r.stdout) as { findings: JsonFinding[] }).findings;
  assert.ok(found.length > 0, 'the guest fixture has virtual disks');
  return found;
};

test('audit --state-dir: a saved KVM guest-tier answer becomes what sched.guest-virtual expects, and is cited', async () => {
  const state = tempDir('kvmio-ev-sched-');
  assert.ok((await guestSched()).every((f) => f.expected === 'none' && !/measured/.test(f.why ?? '')), 'a dump without --state-dir reads no results');
  save(state, 'kvm.json', makeGuestSchedResults([1000, 1010], [1500, 1490], 'kvm'));
  for (const f of await guestSched(state)) {
    assert.equal(f.expected, 'mq-deadline', f.object);
    assert.match(f.why ?? '', /measured here: none 1005 vs mq-deadline 1495 IOPS per VM \(randwrite-4k-qd32, xfs, 1 VM\(s\), bench 20261201T000000Z-kvm\): mq-deadline wins beyond the spread/);
  }
});

test('audit --state-dir: a TCG guest-tier answer is cited as functional only and changes nothing, even when it is the newest', async () => {
  const state = tempDir('kvmio-ev-sched-tcg-');
  save(state, 'tcg.json', makeGuestSchedResults([1000, 1010], [1500, 1490], 'tcg'));
  for (const f of await guestSched(state)) {
    assert.equal(f.expected, 'none', f.object);
    assert.match(f.why ?? '', /under TCG: functional only, not evidence/);
  }
  // An older KVM answer still counts: TCG figures never do.
  save(state, 'kvm.json', makeGuestSchedResults([1000, 1010], [1500, 1490], 'kvm', { finishedAt: '2026-11-30T00:00:00.000Z' }));
  assert.ok((await guestSched(state)).every((f) => f.expected === 'mq-deadline'));
});

test('audit, vm audit and vm tune --state-dir: vm.aio and the tune plan cite the bench winner saved there', async () => {
  const dir = tempDir('kvmio-ev-cli-');
  const state = tempDir('kvmio-ev-cli-state-');
  const { xml } = await makeNativeVm(dir, 'kvmio-ev-cli');
  const base = { format: 'raw', preallocation: 'falloc', cache: 'none', allocation: 'preallocated' } as const;
  save(state, 'run.json', makeResults(dir, [
    { config: { ...base, aio: 'io_uring' }, iops: [30000, 30400, 29800] },
    { config: { ...base, aio: 'native' }, iops: [20000, 20300, 19900] },
  ]));
  const aioOf = (stdout: string): JsonFinding | undefined => (JSON.parse(stdout) as { findings: JsonFinding[] }).findings.find((f) => f.id === 'vm.aio' && f.object.startsWith('vm:kvmio-ev-cli/'));

  const plain = await cli(['vm', 'audit', '--no-libvirt', '--domain-xml', xml, '--json', '--state-dir', tempDir('kvmio-ev-cli-empty-')]);
  assert.equal(aioOf(plain.stdout)?.status, 'pass', 'an empty state directory: native is what the table wants');
  const vmAudit = await cli(['vm', 'audit', '--no-libvirt', '--domain-xml', xml, '--json', '--state-dir', state]);
  assert.equal(aioOf(vmAudit.stdout)?.expected, 'io_uring', vmAudit.stdout);
  assert.match(aioOf(vmAudit.stdout)?.why ?? '', /io_uring 1\.50× native/);

  const audit = await cli(['audit', '--only', 'vm.aio', '--domain-xml', xml, '--json', '--state-dir', state]);
  assert.equal(aioOf(audit.stdout)?.expected, 'io_uring', audit.stderr);
  assert.match(aioOf(audit.stdout)?.why ?? '', /io_uring 1\.50× native/);

  const tune = await cli(['vm', 'tune', '--domain-xml', xml, '--state-dir', state]);
  assert.equal(tune.code, 0, tune.stderr);
  assert.match(tune.stdout, /^\+.*io=["']io_uring["']/m);
  assert.match(tune.stdout, /io_uring 30000 ± 300 beats native 20000 ± 200/);
});

test('--state-dir on a virtual file system is a usage error for audit', async () => {
  const r = await cli(['audit', '--from', fixture('hosts', 'guest-virtio'), '--state-dir', '/proc/kvmio']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--state-dir \/proc\/kvmio: lies in \/proc, a virtual file system; expected a directory on a real file system/);
});
