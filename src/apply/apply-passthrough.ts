// bind/unbind: guards, plan, and (with --yes) the journaled engine. A bind that fails
// part-way is rolled back at once, so a group is never left half on vfio-pci; the
// journal keeps the original drivers for `unbind` and for rollback.
import { renderFix } from '../render/shell-quote.js';
import { KvmioError, usageError } from '../errors.js';
import { exec } from '../exec.js';
import { assessNamed, type CheckResult } from '../decide/passthrough-check.js';
import { blocksBinding } from '../decide/passthrough-readiness.js';
import { planVfioBind, planVfioUnbind, type MemberState, type VfioPlan } from '../decide/plan-vfio.js';
import type { HostFacts } from '../facts/host-facts.js';
import type { PassthroughFacts } from '../facts/passthrough-facts.js';
import { renderHostdevXml, renderVfioDeviceArgs } from '../render/hostdev.js';
import { renderPersistOptions, type PersistOption } from '../render/vfio-persist.js';
import { applyActions, type Outcome } from './engine.js';
import { PASSTHROUGH_HANDLERS, readPciDriverState, vfioHandler, type PciDriverState, type VfioAction } from './vfio-handler.js';

export interface ActOptions {
  readonly yes: boolean;
  /** "/" for the live host. */
  readonly sysfsRoot: string;
  readonly stateDir: string;
  /** Wait for the lock instead of refusing. */
  readonly wait?: boolean;
  /** Test hook (KVMIO_FAULT_AFTER_STEP): SIGKILL after N durable steps. */
  readonly faultAfterStep?: number;
  /** Told when a provably stale lock was taken over (engine.ts onNote). */
  readonly onNote?: (text: string) => void;
}

export interface ActResult {
  readonly direction: 'bind' | 'unbind';
  readonly address: string;
  readonly yes: boolean;
  /** "/" for the live host, else the test tree written under. */
  readonly sysfsRoot: string;
  readonly check: CheckResult;
  readonly plan: VfioPlan;
  /** Why nothing was done (a guard), when refused. */
  readonly refusal?: string;
  readonly outcomes: readonly { readonly address: string; readonly status: string; readonly change: string; readonly error?: string }[];
  /** Members put back after a failure part-way. */
  readonly rolledBack: readonly string[];
  readonly failed: boolean;
  /** For bind: what the VM definition needs. */
  readonly hostdevXml: readonly string[];
  /** Commands run before the sysfs writes (argv each): modprobe vfio-pci when it is not loaded. */
  readonly prepare: readonly (readonly string[])[];
  readonly qemuArgs: readonly string[];
  readonly persist: readonly PersistOption[];
}

export async function applyPassthrough(
  direction: 'bind' | 'unbind',
  f: { readonly host: HostFacts; readonly pt: PassthroughFacts },
  address: string,
  named: readonly string[],
  opts: ActOptions,
): Promise<ActResult> {
  const check = assessNamed(f, address, named);
  if (!check.found) throw usageError(`ADDR: no PCI device ${address} (not in /sys/bus/pci/devices); list candidates with: kvmio passthrough list`);
  const a = check.assessment;
  if (check.strayNamed.length > 0) {
    throw usageError(`--with ${check.strayNamed.join(', ')}: not in IOMMU group ${a.iommuGroup ?? '(none)'}; expected one of its members: ${a.members.map((m) => m.address).join(', ')}`);
  }
  const pci = new Map((f.host.pci.ok ? f.host.pci.value : []).map((p) => [p.address, p]));
  const states: MemberState[] = a.members.map((m) => {
    const p = pci.get(m.address);
    return { address: m.address, bridge: m.bridge, ...(m.driver ? { driver: m.driver } : {}), ...(p?.driverOverride ? { driverOverride: p.driverOverride } : {}) };
  });
  const plan = direction === 'bind' ? planVfioBind(a, states) : planVfioUnbind(a, states);
  const given = a.members.filter((m) => !m.bridge).map((m) => m.address);
  const storageDriver = (addr: string): string | undefined => a.members.find((m) => m.address === addr)?.driver;
  const hostdevXml = direction === 'bind' ? given.map((g) => renderHostdevXml(g)) : [];
  const qemuArgs = direction === 'bind' ? given.flatMap((g) => renderVfioDeviceArgs(g)) : [];
  const persist = direction === 'bind'
    ? renderPersistOptions(
      a.members.filter((m) => !m.bridge && m.vendor && m.device).map((m) => ({ address: m.address, vendor: m.vendor as string, device: m.device as string, ...(storageDriver(m.address) ? { storageDriver: storageDriver(m.address) as string } : {}) })),
      check.sameId.map((s) => ({ address: s.address, ...(s.hostUse ? { hostUse: s.hostUse } : {}) })),
    )
    : [];
  // drivers_probe does not load modules: with the override set and vfio-pci absent the device would end up driverless
  const vfio = f.pt.vfioPci.ok ? f.pt.vfioPci.value : undefined;
  const prepare = direction === 'bind' && plan.steps.length > 0 && vfio !== undefined && !vfio.loaded ? [['modprobe', 'vfio-pci']] : [];
  const base = { direction, address, yes: opts.yes, sysfsRoot: opts.sysfsRoot, check, plan, hostdevXml, qemuArgs, persist, prepare };

  if (direction === 'bind') {
    const blocking = blocksBinding(check.readiness);
    const reasons = [
      ...blocking.map((b) => `${b.id}: ${b.observed ?? ''}${b.fix ? ` (fix: ${renderFix(b.fix)})` : ''}`),
      ...(a.verdict.status === 'refused' ? a.verdict.refusals.map((r) => r.message) : []),
    ];
    if (reasons.length > 0) {
      return { ...base, refusal: `passthrough bind ${address}: refused, nothing written:\n  - ${reasons.join('\n  - ')}`, outcomes: [], rolledBack: [], failed: true };
    }
  }
  if (!opts.yes || plan.steps.length === 0) return { ...base, outcomes: [], rolledBack: [], failed: false };

  const live = opts.sysfsRoot === '/' || opts.sysfsRoot === '';
  for (const argv of live ? prepare : []) {
    const r = await exec(argv, { timeoutMs: 30_000 });
    if (r.code !== 0) throw new KvmioError('failed', `${argv.join(' ')}: exit ${r.code}: ${r.stderr.trim().split('\n').slice(-1)[0] ?? ''}; nothing written`, { hint: 'install the kernel modules package that provides vfio-pci' });
  }
  const actions: VfioAction[] = plan.members.map((m) => ({
    kind: 'vfio',
    id: direction === 'bind' ? 'pt.bind' : 'pt.unbind',
    object: m,
    reason: direction === 'bind' ? `hand IOMMU group ${a.iommuGroup} to vfio-pci for ${address}` : `give ${m} back to its kernel driver`,
    address: m,
    direction,
    sysfsRoot: opts.sysfsRoot,
    steps: plan.steps.filter((s) => s.address === m),
  }));
  const before = new Map<string, PciDriverState>(actions.map((x) => [x.address, readPciDriverState(x)]));
  const outcomes: Outcome[] = await applyActions(actions, {
    stateDir: opts.stateDir,
    handlers: PASSTHROUGH_HANDLERS,
    wait: opts.wait ?? false,
    purpose: `passthrough ${direction} --yes`,
    ...(opts.faultAfterStep === undefined ? {} : { faultAfterStep: opts.faultAfterStep }),
    ...(opts.onNote === undefined ? {} : { onNote: opts.onNote }),
  });
  const failed = outcomes.some((o) => o.status === 'failed' || o.status === 'refused');
  const rolledBack: string[] = [];
  if (failed) {
    // Put back, newest first, every member this run touched (the failed one included).
    const touched = outcomes.filter((o) => o.status === 'changed' || o.status === 'failed').map((o) => o.action as VfioAction);
    for (const act of touched.reverse()) {
      const old = before.get(act.address);
      if (!old) continue;
      try {
        await vfioHandler.restore(act, old);
        rolledBack.push(act.address);
      } catch {
        /* reported below as not rolled back; the journal still has the original */
      }
    }
  }
  return {
    ...base,
    outcomes: outcomes.map((o) => ({ address: (o.action as VfioAction).address, status: o.status, change: o.change, ...(o.error ? { error: o.error } : {}) })),
    rolledBack,
    failed,
  };
}
