// bind/unbind: guards, plan, and (with --yes) the journaled engine: modprobe vfio-pci
// (apply/module-load-handler.ts) and each member's sysfs writes. A bind that fails
// part-way is rolled back at once, so a group is never left half on vfio-pci; the
// journal keeps the original drivers (and whether kvmio loaded the module) for `unbind`
// and for rollback.
import { renderFix } from '../render/shell-quote.js';
import { usageError } from '../errors.js';
import { assessNamed, type CheckResult } from '../decide/passthrough-check.js';
import { blocksBinding } from '../decide/passthrough-readiness.js';
import { planVfioBind, planVfioUnbind, VFIO_DRIVER, type MemberState, type VfioPlan } from '../decide/plan-vfio.js';
import type { HostFacts } from '../facts/host-facts.js';
import type { PassthroughFacts } from '../facts/passthrough-facts.js';
import { renderHostdevXml, renderVfioDeviceArgs } from '../render/hostdev.js';
import { renderPersistOptions, type PersistOption } from '../render/vfio-persist.js';
import { applyActions, type Outcome } from './engine.js';
import { PASSTHROUGH_HANDLERS, readPciDriverState, vfioHandler, type PciDriverState, type VfioAction } from './vfio-handler.js';
import { moduleLoadHandler, readModuleState, type ModuleLoad, type ModuleState } from './module-load-handler.js';

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
  /** Commands run before the sysfs writes (argv each), journaled: modprobe vfio-pci when it is not loaded (after --yes: only when it ran). */
  readonly prepare: readonly (readonly string[])[];
  readonly qemuArgs: readonly string[];
  readonly persist: readonly PersistOption[];
}

/** What a bind/unbind would do, decided before anything is written: the guards' refusal, or the engine actions (modprobe first, then one per member). */
export interface PreparedPassthrough extends Omit<ActResult, 'yes' | 'outcomes' | 'rolledBack' | 'failed'> {
  readonly actions: readonly (ModuleLoad | VfioAction)[];
}

/**
 * The guards and actions of `passthrough bind|unbind ADDR` (pure: facts in): the whole
 * IOMMU group moves, and a group that carries the host's root or boot disk, a mount, a
 * PV, a pool or another domain's disk, or an unnamed non-storage member, is refused
 * (decide/passthrough.ts). `kvmio plan apply` uses the same function for its binds.
 */
export function preparePassthrough(
  direction: 'bind' | 'unbind',
  f: { readonly host: HostFacts; readonly pt: PassthroughFacts },
  address: string,
  named: readonly string[],
  sysfsRoot: string,
): PreparedPassthrough {
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
  const load = direction === 'bind' && plan.steps.length > 0 && vfio !== undefined && !vfio.loaded;
  const prepare = load ? [['modprobe', VFIO_DRIVER]] : [];
  const base = { direction, address, sysfsRoot, check, plan, hostdevXml, qemuArgs, persist, prepare };

  if (direction === 'bind') {
    const blocking = blocksBinding(check.readiness);
    const reasons = [
      ...blocking.map((b) => `${b.id}: ${b.observed ?? ''}${b.fix ? ` (fix: ${renderFix(b.fix)})` : ''}`),
      ...(a.verdict.status === 'refused' ? a.verdict.refusals.map((r) => r.message) : []),
    ];
    if (reasons.length > 0) return { ...base, refusal: `passthrough bind ${address}: refused, nothing written:\n  - ${reasons.join('\n  - ')}`, actions: [] };
  }
  const members: VfioAction[] = plan.members.map((m) => ({
    kind: 'vfio',
    id: direction === 'bind' ? 'pt.bind' : 'pt.unbind',
    object: m,
    reason: direction === 'bind' ? `hand IOMMU group ${a.iommuGroup} to vfio-pci for ${address}` : `give ${m} back to its kernel driver`,
    address: m,
    direction,
    sysfsRoot,
    steps: plan.steps.filter((s) => s.address === m),
  }));
  const module: ModuleLoad[] = load
    ? [{ kind: 'kernel-module', id: 'pt.modprobe', object: VFIO_DRIVER, reason: `drivers_probe does not load modules: vfio-pci must be loaded before ${plan.members.join(', ')} move to it`, module: VFIO_DRIVER, pciDriver: VFIO_DRIVER, sysfsRoot }]
    : [];
  return { ...base, actions: plan.steps.length === 0 ? [] : [...module, ...members] };
}

/**
 * After a failed run: puts back, newest first, every member (and the module) that run
 * touched, so a group is never left half on vfio-pci. Returns what was put back.
 */
export async function undoPartialBind(outcomes: readonly Outcome[], before: ReadonlyMap<string, PciDriverState | ModuleState>): Promise<string[]> {
  const rolledBack: string[] = [];
  const touched = outcomes.filter((o) => (o.status === 'changed' || o.status === 'failed') && (o.action.kind === 'vfio' || o.action.kind === 'kernel-module'));
  for (const o of [...touched].reverse()) {
    const act = o.action as VfioAction | ModuleLoad;
    const key = act.kind === 'vfio' ? act.address : `module:${act.module}`;
    const old = before.get(key);
    if (!old) continue;
    try {
      if (act.kind === 'vfio') await vfioHandler.restore(act, old as PciDriverState);
      else if (moduleLoadHandler.refuseRestore?.(act, old as ModuleState, readModuleState(act), undefined) === undefined) await moduleLoadHandler.restore(act, old as ModuleState);
      else continue;
      rolledBack.push(act.kind === 'vfio' ? act.address : `module ${act.module}`);
    } catch {
      /* reported as not rolled back; the journal still has the original */
    }
  }
  return rolledBack;
}

/** The state of each action's target before a run, keyed as undoPartialBind looks it up. */
export const statesBefore = (actions: readonly EngineActionLike[]): Map<string, PciDriverState | ModuleState> =>
  new Map(actions.flatMap((x): [string, PciDriverState | ModuleState][] => (x.kind === 'vfio' ? [[(x as VfioAction).address, readPciDriverState(x as VfioAction)]] : x.kind === 'kernel-module' ? [[`module:${(x as ModuleLoad).module}`, readModuleState(x as ModuleLoad)]] : [])));

type EngineActionLike = { readonly kind: string };

export async function applyPassthrough(
  direction: 'bind' | 'unbind',
  f: { readonly host: HostFacts; readonly pt: PassthroughFacts },
  address: string,
  named: readonly string[],
  opts: ActOptions,
): Promise<ActResult> {
  const { actions, ...prepared } = preparePassthrough(direction, f, address, named, opts.sysfsRoot);
  const base = { ...prepared, yes: opts.yes };
  if (prepared.refusal !== undefined) return { ...base, outcomes: [], rolledBack: [], failed: true };
  if (!opts.yes || actions.length === 0) return { ...base, outcomes: [], rolledBack: [], failed: false };
  const before = statesBefore(actions);
  const outcomes: Outcome[] = await applyActions(actions, {
    stateDir: opts.stateDir,
    handlers: PASSTHROUGH_HANDLERS,
    wait: opts.wait ?? false,
    purpose: `passthrough ${direction} --yes`,
    ...(opts.faultAfterStep === undefined ? {} : { faultAfterStep: opts.faultAfterStep }),
    ...(opts.onNote === undefined ? {} : { onNote: opts.onNote }),
  });
  const failed = outcomes.some((o) => o.status === 'failed' || o.status === 'refused');
  const rolledBack = failed ? await undoPartialBind(outcomes, before) : [];
  const loaded = outcomes.some((o) => o.action.kind === 'kernel-module' && o.status === 'changed');
  return {
    ...base,
    prepare: loaded ? base.prepare : [],
    outcomes: outcomes.filter((o) => o.action.kind === 'vfio').map((o) => ({ address: (o.action as VfioAction).address, status: o.status, change: o.change, ...(o.error ? { error: o.error } : {}) })),
    rolledBack,
    failed,
  };
}
