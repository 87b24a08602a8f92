// planHost(facts, policy, managed) → the actions `kvmio fix` takes, pure. Files come
// before live values, so a run killed between them and rerun plans the same files
// (the live value still differs) and reaches the same end state.
import type { HostFacts } from '../facts/host-facts.js';
import { GRUB_DROPIN_PATH, renderGrubDropin } from '../render/grub-dropin.js';
import { TMPFILES_PATH, UDEV_RULES_PATH, renderTmpfilesScheduler, renderUdevSchedulerRules, type SchedulerEntry } from '../render/scheduler-persist.js';
import { SYSCTL_PATH, renderSysctlConf } from '../render/sysctl-conf.js';
import { sysctlPath, type HostAction } from '../model/action.js';
import { AIO_MAX_NR_KEY, schedulerSysfsPath } from '../model/host-files.js';
import { matchesOnly } from '../model/finding.js';
import { AIO_MAX_NR_DEFAULT } from './host-defaults.js';
import { recommendedAioMaxNr, type AioDemand } from './recommend-aio.js';
import { chooseScheduler, kernelDefaultScheduler } from './choose-scheduler.js';
import { udevSchedulerRule } from './udev-match.js';

export type PersistMode = 'udev' | 'tmpfiles';

export interface HostPolicy {
  /** Rule ids or prefixes (`--only`); empty = all. */
  readonly only: readonly string[];
  /** Kernel names (`--device`); empty = every device. */
  readonly devices: readonly string[];
  readonly persist: PersistMode;
  /** Add intel_iommu=on iommu=pt to the kernel command line. */
  readonly passthrough: boolean;
  /** What fs.aio-max-nr must serve; absent = do not size it. */
  readonly aio?: AioDemand;
}

/** Current text of kvmio's own files (merged, not replaced). */
export interface ManagedFiles {
  readonly udevRules?: string;
  readonly tmpfiles?: string;
}

export interface Skipped {
  readonly id: string;
  readonly object: string;
  readonly why: string;
}

export interface HostPlan {
  readonly actions: readonly HostAction[];
  readonly skipped: readonly Skipped[];
}

export const AIO_KEY = AIO_MAX_NR_KEY;

export function planHost(facts: HostFacts, policy: HostPolicy, managed: ManagedFiles = {}): HostPlan {
  const files: HostAction[] = [];
  const live: HostAction[] = [];
  const skipped: Skipped[] = [];
  const inScope = (name: string): boolean => policy.devices.length === 0 || policy.devices.includes(name);

  // --- schedulers ---------------------------------------------------------------------
  const entries: SchedulerEntry[] = [];
  const persistInScope = matchesOnly('sched.persisted', policy.only);
  if (!facts.blockDevices.ok) skipped.push({ id: 'sched', object: 'host', why: `block devices unreadable: ${facts.blockDevices.reason}` });
  for (const dev of facts.blockDevices.ok ? facts.blockDevices.value : []) {
    if (!inScope(dev.name) || dev.kind === 'part') continue; // partitions use their disk's queue
    const choice = chooseScheduler(dev, facts.roles);
    if (!choice.ok) {
      if (matchesOnly(choice.id, policy.only)) skipped.push({ id: choice.id, object: dev.name, why: choice.reason });
      continue;
    }
    // --only sched.persisted: persist without touching live values
    const liveInScope = matchesOnly(choice.id, policy.only);
    if (choice.expected === 'any' || !(liveInScope || persistInScope)) continue;
    if (!dev.scheduler.ok) {
      skipped.push({ id: choice.id, object: dev.name, why: `scheduler unreadable: ${dev.scheduler.reason}` });
      continue;
    }
    const { current, available } = dev.scheduler.value;
    if (!available.includes(choice.expected)) {
      skipped.push({ id: choice.id, object: dev.name, why: `"${choice.expected}" is not available (${available.join(', ')}); load its module first` });
      continue;
    }
    const fixLive = current !== choice.expected && !choice.alsoOk.includes(current);
    // Persist when the kernel's boot default would not give us the value again, or when
    // something set it differently (it may do so again at boot).
    if (fixLive || choice.expected !== kernelDefaultScheduler(dev)) {
      const udevRule = udevSchedulerRule(dev, choice.expected);
      entries.push({
        device: dev.name,
        scheduler: choice.expected,
        udevRule,
        comment: `${choice.id}${udevRule.includes(`KERNEL=="${dev.name}"`) ? ' (no stable identity: matched by kernel name)' : ''}`,
      });
    }
    if (fixLive && liveInScope) {
      live.push({ kind: 'sysfs', id: choice.id, object: dev.name, reason: `${choice.why} (${choice.ref})`, path: schedulerSysfsPath(dev.name), value: choice.expected });
    }
  }
  if (entries.length > 0) {
    const udev = policy.persist === 'udev';
    files.push({
      kind: 'file',
      id: 'sched.persisted',
      object: udev ? UDEV_RULES_PATH : TMPFILES_PATH,
      reason: udev ? 'persist schedulers as udev rules matched on stable identity (RHEL docs)' : 'persist schedulers with tmpfiles.d (applied once at boot, by kernel name)',
      path: udev ? UDEV_RULES_PATH : TMPFILES_PATH,
      content: udev ? renderUdevSchedulerRules(entries, managed.udevRules) : renderTmpfilesScheduler(entries, managed.tmpfiles),
    });
  }

  // --- fs.aio-max-nr ----------------------------------------------------------------
  if ((matchesOnly('aio.max-nr', policy.only) || matchesOnly('aio.persisted', policy.only)) && policy.devices.length === 0) {
    if (!facts.aio.ok) skipped.push({ id: 'aio.max-nr', object: 'host', why: `fs.aio-max-nr unreadable: ${facts.aio.reason}` });
    else if (!policy.aio) skipped.push({ id: 'aio.max-nr', object: 'host', why: 'no VM count to size it from: give --vms N [--iothreads M], or run where libvirt lists the domains' });
    else {
      const current = facts.aio.value.maxNr;
      const advice = recommendedAioMaxNr(policy.aio, current);
      const persisted = facts.sysctl.ok ? [...facts.sysctl.value].reverse().find((s) => s.key === AIO_KEY) : undefined;
      const persistedValue = persisted ? Number(persisted.value) : undefined;
      // Persist when raising, or when what boot would set is below the target (a live value
      // raised by hand, or nothing persisted while the target is above the kernel default).
      const bootValue = persistedValue ?? AIO_MAX_NR_DEFAULT;
      if (current < advice.target || bootValue < advice.target) {
        files.push({
          kind: 'file',
          id: 'aio.max-nr',
          object: SYSCTL_PATH,
          reason: `persist ${AIO_KEY} = ${advice.target}`,
          path: SYSCTL_PATH,
          content: renderSysctlConf([{ key: AIO_KEY, value: String(advice.target), why: advice.explain }]),
        });
      }
      if (current < advice.target && matchesOnly('aio.max-nr', policy.only)) {
        live.push({ kind: 'sysfs', id: 'aio.max-nr', object: 'host', reason: advice.explain.join('; '), path: sysctlPath(AIO_KEY), value: String(advice.target) });
      }
    }
  }

  // --- kernel command line ----------------------------------------------------------
  if (policy.devices.length === 0) {
    const cmd = facts.cmdline.ok ? facts.cmdline.value : undefined;
    const dropElevator = cmd?.elevator !== undefined && matchesOnly('boot.elevator', policy.only);
    const iommu = policy.passthrough && (matchesOnly('iommu.intel-cmdline', policy.only) || matchesOnly('iommu.passthrough-mode', policy.only)) && !(cmd?.intelIommu === 'on' && cmd.iommu === 'pt');
    if (dropElevator || iommu) {
      files.push({
        kind: 'file',
        id: dropElevator ? 'boot.elevator' : 'iommu.intel-cmdline',
        object: GRUB_DROPIN_PATH,
        reason: [dropElevator ? `drop elevator=${cmd?.elevator} (no effect since Linux 5.5)` : '', iommu ? 'add intel_iommu=on iommu=pt for PCI pass-through' : ''].filter((s) => s).join('; '),
        path: GRUB_DROPIN_PATH,
        content: renderGrubDropin({ dropElevator, iommu }),
        notes: ['run update-grub (or grub-mkconfig -o /boot/grub/grub.cfg) and reboot for the kernel command line to change'],
      });
    }
  }
  return { actions: [...files, ...live], skipped };
}
