// Probe and decide in one call: the verdict for handing a device to a writer or a VM
// (bench --destroy-data, passthrough of a partition). The probe is facts/probe-device.ts,
// the decision guards.ts.
import { probeDevice, type ProbeDeviceOptions } from '../facts/probe-device.js';
import type { DeviceFacts } from '../facts/device-facts.js';
import type { Source } from '../facts/source.js';
import { localDomainUses } from '../libvirt/domain-uses.js';
import { checkDeviceGuards, type GuardVerdict } from './guards.js';

export async function guardDevice(src: Source, path: string, opts: Partial<ProbeDeviceOptions> & { readonly force?: boolean } = {}): Promise<{ readonly facts: DeviceFacts; readonly verdict: GuardVerdict }> {
  const facts = await probeDevice(src, path, { ...opts, domainUses: opts.domainUses ?? localDomainUses });
  return { facts, verdict: checkDeviceGuards(facts, { force: opts.force === true }) };
}
