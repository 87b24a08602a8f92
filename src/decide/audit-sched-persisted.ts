// sched.persisted: what udev rules and tmpfiles.d lines will set at boot (or hot-plug)
// vs the scheduler each device should run; rules for devices that no longer exist.
import type { BlockDevice, HostFacts, SchedulerRule } from '../facts/host-facts.js';
import { fixAnd, fixText, type Finding } from '../model/finding.js';
import { REF, TMPFILES_SCHED_FILE, UDEV_SCHED_FILE } from './host-defaults.js';
import { LEGACY_SCHEDULERS, chooseScheduler, kernelDefaultScheduler } from './choose-scheduler.js';
import { ruleObject, ruleWhere } from './audit-legacy-names.js';
import { ruleApplies, udevSchedulerRule } from './udev-match.js';
import { fixWords, sedRegex, sedReplacement } from './fix-words.js';

const ID = 'sched.persisted';
const REFS = `${REF.udevSched}; ${REF.tmpfiles}`;
const base = (file: string): string => file.slice(file.lastIndexOf('/') + 1);

/** udev reads rules files sorted by file name across directories; within a file, in line order. The last assignment wins. */
const udevOrder = (a: SchedulerRule, b: SchedulerRule): number =>
  base(a.file) < base(b.file) ? -1 : base(a.file) > base(b.file) ? 1 : a.line - b.line;

/** What the kernel does with a written name: blk-mq names as is, "deadline" via mq-deadline's alias, noop/cfq rejected. */
const effectiveName = (s: string): string | undefined => (s === 'deadline' ? 'mq-deadline' : LEGACY_SCHEDULERS[s] !== undefined ? undefined : s);

export function auditSchedPersisted(facts: HostFacts): Finding[] {
  if (!facts.blockDevices.ok) return [];
  if (!facts.schedulerRules.ok) {
    return facts.blockDevices.value
      .filter((d) => d.kind !== 'part')
      .map((d) => ({ id: ID, object: d.name, status: 'skip' as const, why: `udev/tmpfiles rules unreadable: ${facts.schedulerRules.ok ? '' : facts.schedulerRules.reason}`, ref: REFS }));
  }
  const rules = facts.schedulerRules.value;
  const devices = facts.blockDevices.value;
  const out: Finding[] = [];
  for (const dev of devices) {
    if (dev.kind === 'part') continue;
    const f = auditDevice(dev, rules, facts);
    if (f) out.push(f);
  }
  const names = new Set(devices.map((d) => d.name));
  for (const r of rules) {
    const obj = ruleObject(r);
    if (obj === 'host' || names.has(obj)) continue;
    out.push({
      id: ID, object: 'host', status: 'warn',
      observed: `${r.kind} ${ruleWhere(r)} sets ${r.scheduler} on ${obj}, which does not exist`,
      expected: 'rules only for existing disks, matched by wwid/serial',
      why: `stale: kernel names are not stable (a disk added or removed renames the others), so this ${r.kind} line now misses, or will hit the wrong disk later`,
      fix: fixWords(['sed', '-i', `${r.line}d`, r.file]),
      ref: REFS,
    });
  }
  return out;
}

function auditDevice(dev: BlockDevice, rules: readonly SchedulerRule[], facts: HostFacts): Finding | undefined {
  const choice = chooseScheduler(dev, facts.roles);
  if (!choice.ok) return { id: ID, object: dev.name, status: 'skip', why: `${choice.reason}`, ref: REFS };
  if (choice.id === 'sched.not-scheduled') return undefined;
  const wanted = [choice.expected, ...choice.alsoOk];
  const expected = wanted.join(' or ');
  const matching = rules.map((r) => ({ r, m: ruleApplies(r, dev) })).filter((x) => x.m.applies);
  const udev = matching.filter((x) => x.r.kind === 'udev').sort((a, b) => udevOrder(a.r, b.r));
  const tmpfiles = matching.filter((x) => x.r.kind === 'tmpfiles');
  const lastUdev = udev[udev.length - 1];
  const lastTmp = tmpfiles[tmpfiles.length - 1];
  const winner = lastUdev ?? lastTmp;
  // Without udev (containers, minimal hosts: docs/host-facts.md) a udev rule would never run: tmpfiles.d by kernel name is the fallback.
  const noUdev = facts.udevPresent?.ok === true && !facts.udevPresent.value;
  const persistFix = noUdev
    ? fixText`printf '%s\\n' ${`w /sys/block/${dev.name}/queue/scheduler - - - - ${choice.expected}`} >> ${TMPFILES_SCHED_FILE}`
    : fixText`printf '%s\\n' ${udevSchedulerRule(dev, choice.expected)} >> ${UDEV_SCHED_FILE}`;
  const how = noUdev ? `a tmpfiles.d line (udev is not installed here; it runs once at boot by kernel name)` : 'a udev rule matched by stable identity';
  const obj = { id: ID, object: dev.name, ref: REFS };

  if (winner === undefined) {
    const dflt = kernelDefaultScheduler(dev);
    if (dflt === undefined) return { ...obj, status: 'skip', expected, why: 'no rule persists a scheduler and the kernel default is unknown (nr_hw_queues unreadable)' };
    const live = dev.scheduler.ok ? dev.scheduler.value.current : undefined;
    if (wanted.includes(dflt)) {
      const changed = live !== undefined && live !== dflt ? `; live ${live} was set at runtime and a reboot returns to ${dflt}` : '';
      return { ...obj, status: 'pass', observed: `no rule (boot: kernel default ${dflt})`, expected, why: `the kernel default is already right, nothing to persist${changed}` };
    }
    const changed = live !== undefined && live !== dflt ? `live ${live} was set at runtime but nothing persists it: ` : '';
    return {
      ...obj, status: 'warn', observed: `no rule (boot: kernel default ${dflt})`, expected: `${noUdev ? 'a tmpfiles.d line' : 'a udev rule'} setting ${choice.expected}`,
      why: `${changed}after a reboot or hot-plug the kernel picks ${dflt}; ${how} keeps ${choice.expected}`,
      fix: persistFix,
    };
  }

  const notes: string[] = [];
  const unknown = winner.m.unknown;
  if (unknown.length > 0) notes.push(`assumed to apply: ${unknown.join(', ')} cannot be checked from sysfs`);
  if (lastUdev && lastTmp && effectiveName(lastUdev.r.scheduler) !== effectiveName(lastTmp.r.scheduler)) {
    return {
      ...obj, status: 'warn',
      observed: `udev ${ruleWhere(lastUdev.r)} sets ${lastUdev.r.scheduler}, tmpfiles ${ruleWhere(lastTmp.r)} sets ${lastTmp.r.scheduler}`,
      expected: `one rule setting ${choice.expected}`,
      why: 'two mechanisms set different schedulers and their order at boot is not guaranteed (udev coldplug vs systemd-tmpfiles-setup)',
      fix: wanted.includes(effectiveName(lastUdev.r.scheduler) ?? '') ? fixWords(['sed', '-i', `${lastTmp.r.line}d`, lastTmp.r.file]) : fixAnd(fixWords(['sed', '-i', `${lastTmp.r.line}d`, lastTmp.r.file]), persistFix),
    };
  }
  const r = winner.r;
  const eff = effectiveName(r.scheduler);
  const observed = `${r.scheduler} (${r.kind} ${ruleWhere(r)})`;
  if (eff === undefined) {
    return {
      ...obj, status: 'warn', observed, expected,
      why: `"${r.scheduler}" no longer exists (Linux 5.0): the write fails with EINVAL and boot keeps the kernel default`,
      fix: fixWords(['sed', '-i', `${r.line}s/\\b${sedRegex(r.scheduler)}\\b/${sedReplacement(choice.expected)}/`, r.file]),
    };
  }
  if (r.kind === 'tmpfiles' && !noUdev) notes.push('tmpfiles.d matches by kernel name and runs once at boot: hot-plugged or renamed disks are missed; a udev rule by wwid/serial is sturdier');
  if (udev.length > 1 && udev.some((x) => effectiveName(x.r.scheduler) !== eff)) {
    notes.push(`overrides ${udev.filter((x) => x !== lastUdev).map((x) => ruleWhere(x.r)).join(', ')} (later file name wins)`);
  }
  const noteText = notes.length > 0 ? `; note: ${notes.join('; ')}` : '';
  if (wanted.includes(eff)) {
    return { ...obj, status: 'pass', observed, expected, why: `boot sets ${eff}, as recommended${noteText}` };
  }
  return {
    ...obj, status: 'warn', observed, expected,
    why: `at boot this rule sets ${eff}, not ${choice.expected} (${choice.why})${noteText}`,
    fix: fixWords(['sed', '-i', `${r.line}s/\\b${sedRegex(r.scheduler)}\\b/${sedReplacement(choice.expected)}/`, r.file]),
  };
}
