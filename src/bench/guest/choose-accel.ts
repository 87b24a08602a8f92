// KVM when a guest boots under it, TCG otherwise. /dev/kvm alone proves little: on a
// PVM-based host (kvm_pvm) firmware runs but stock guest kernels hang or crash, so the
// only test is to boot the appliance once with a null job. The answer is kept next to the
// appliance, keyed by the host's kernel, so the probe costs its seconds once.
import { accessSync, constants, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { release } from 'node:os';
import { join } from 'node:path';
import type { Accel } from './guest-types.js';

export type AccelChoice = 'auto' | Accel;

export interface AccelDecision {
  readonly accel: Accel;
  readonly reason: string;
  /** TCG figures show the path works, not how fast it is. */
  readonly functionalOnly: boolean;
}

export { TCG_NOTE } from './guest-details.js';

export interface AccelProbe {
  /** Boots the appliance under KVM with a null job; resolves with undefined on success, else why it failed. */
  (): Promise<string | undefined>;
}

export const decided = (accel: Accel, reason: string): AccelDecision => ({ accel, reason, functionalOnly: accel === 'tcg' });

function kvmUsable(dev: string): string | undefined {
  if (!existsSync(dev)) return `${dev} does not exist`;
  try {
    accessSync(dev, constants.R_OK | constants.W_OK);
    return undefined;
  } catch (e) {
    return `${dev} is not usable (${(e as Error).message})`;
  }
}

export async function chooseAccel(want: AccelChoice, opts: { readonly applianceDir: string; readonly probe: AccelProbe; readonly kvmDevice?: string }): Promise<AccelDecision> {
  if (want === 'tcg') return decided('tcg', 'asked for (--accel tcg)');
  const dev = opts.kvmDevice ?? '/dev/kvm';
  const unusable = kvmUsable(dev);
  if (want === 'kvm') {
    if (unusable) return decided('tcg', `--accel kvm asked for, but ${unusable}`);
    return decided('kvm', 'asked for (--accel kvm)');
  }
  if (unusable) return decided('tcg', `no KVM: ${unusable}`);
  const cache = join(opts.applianceDir, 'accel-probe.json');
  const hostKernel = release();
  try {
    const c = JSON.parse(readFileSync(cache, 'utf8')) as { hostKernel?: string; kvmFailure?: string | null };
    if (c.hostKernel === hostKernel) {
      return c.kvmFailure ? decided('tcg', `the appliance did not boot under KVM on this host (${c.kvmFailure}; probed earlier)`) : decided('kvm', 'the appliance boots under KVM here (probed earlier)');
    }
  } catch {
    // no cached probe yet
  }
  const failure = await opts.probe();
  writeFileSync(cache, `${JSON.stringify({ hostKernel, kvmFailure: failure ?? null })}\n`);
  return failure ? decided('tcg', `the appliance did not boot under KVM on this host (${failure})`) : decided('kvm', 'the appliance boots under KVM here');
}
