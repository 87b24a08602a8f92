// KVM only when the appliance boots under it; the probe's answer is kept per host kernel.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { chooseAccel } from '../../../src/bench/guest/choose-accel.js';
import { tempDir } from '../temp.js';

describe('chooseAccel', () => {
  it('tcg when asked, without probing', async () => {
    const d = await chooseAccel('tcg', { applianceDir: tempDir('kvmio-accel-'), probe: () => assert.fail('probed') });
    assert.deepEqual(d, { accel: 'tcg', reason: 'asked for (--accel tcg)', functionalOnly: true });
  });
  it('tcg when /dev/kvm is missing, even when kvm is asked for', async () => {
    const dir = tempDir('kvmio-accel-');
    const missing = join(dir, 'no-kvm');
    assert.equal((await chooseAccel('auto', { applianceDir: dir, probe: () => assert.fail('probed'), kvmDevice: missing })).accel, 'tcg');
    const asked = await chooseAccel('kvm', { applianceDir: dir, probe: () => assert.fail('probed'), kvmDevice: missing });
    assert.equal(asked.accel, 'tcg');
    assert.match(asked.reason, /--accel kvm asked for, but .*no-kvm does not exist/);
  });
  it('auto probes once: a failed boot gives TCG, and the cached answer is reused', async () => {
    const dir = tempDir('kvmio-accel-');
    const dev = join(dir, 'kvm');
    writeFileSync(dev, '');
    let probes = 0;
    const probe = async (): Promise<string | undefined> => {
      probes++;
      return 'no result within 20000 ms; killed (pid 1)';
    };
    const first = await chooseAccel('auto', { applianceDir: dir, probe, kvmDevice: dev });
    assert.equal(first.accel, 'tcg');
    assert.equal(first.functionalOnly, true);
    assert.match(first.reason, /did not boot under KVM on this host \(no result within 20000 ms/);
    const again = await chooseAccel('auto', { applianceDir: dir, probe, kvmDevice: dev });
    assert.equal(again.accel, 'tcg');
    assert.match(again.reason, /probed earlier/);
    assert.equal(probes, 1);
    assert.match(readFileSync(join(dir, 'accel-probe.json'), 'utf8'), /kvmFailure/);
  });
  it('auto with a booting guest gives KVM, a performance figure', async () => {
    const dir = tempDir('kvmio-accel-');
    const dev = join(dir, 'kvm');
    writeFileSync(dev, '');
    const d = await chooseAccel('auto', { applianceDir: dir, probe: async () => undefined, kvmDevice: dev });
    assert.deepEqual(d, { accel: 'kvm', reason: 'the appliance boots under KVM here', functionalOnly: false });
  });
});
