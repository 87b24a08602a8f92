// The recorded Proxmox node read into the neutral model: a golden file of every VM as
// decide/ sees it (effective values with their origin), and the facts around it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertGoldenFile, fixture } from '../helpers.js';
import { pveHostFacts, renderModel } from './fixtures.js';

test('pve-host dump: every VM of both nodes becomes a model VM (golden)', async () => {
  const facts = await pveHostFacts();
  assert.equal(facts.present, true);
  assert.deepEqual(facts.vms.map((v) => v.vmid), [101, 102, 103, 104, 105, 106, 190, 201]);
  assert.ok(facts.version.ok && facts.version.value.manager.major === 8 && facts.version.value.kernel === '6.8.12-1-pve');
  assert.ok(facts.storage.ok && facts.storage.value.storages.size === 7);
  assertGoldenFile(fixture('proxmox', 'golden', 'pve-host-model.txt'), renderModel(facts.vms));
});
