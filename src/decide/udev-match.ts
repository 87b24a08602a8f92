// Evaluates the matches of a udev rule (or a tmpfiles path) against a block device's
// facts, and renders the stable-identity match kvmio recommends (match by wwid or
// serial, not by kernel name, since kernel names are not stable: udev(7), docs/host-facts.md).
import type { BlockDevice, SchedulerRule } from '../facts/host-facts.js';

/** udev glob (udev(7): *, ?, [...], and | between alternatives) → RegExp. */
export function udevGlob(pattern: string): RegExp {
  const alt = pattern.split('|').map((p) => {
    let out = '';
    for (let i = 0; i < p.length; i++) {
      const c = p[i] as string;
      if (c === '*') out += '.*';
      else if (c === '?') out += '.';
      else if (c === '[') {
        const end = p.indexOf(']', i + 1);
        if (end < 0) out += '\\[';
        else {
          const body = p.slice(i + 1, end).replace(/\\/g, '\\\\');
          out += `[${body.startsWith('!') ? '^' + body.slice(1) : body}]`;
          i = end;
        }
      } else out += c.replace(/[.+^${}()\\/]/g, '\\$&');
    }
    return out;
  });
  return new RegExp(`^(?:${alt.join('|')})$`);
}

const safeTest = (pattern: string, value: string): boolean => {
  try {
    return udevGlob(pattern).test(value);
  } catch {
    return false;
  }
};

export type RuleMatch = { readonly applies: boolean; readonly unknown: readonly string[] };

/** Does this rule apply to the device? Matches kvmio cannot evaluate from sysfs are assumed to hold and listed. */
export function ruleApplies(rule: SchedulerRule, dev: BlockDevice): RuleMatch {
  if (rule.kernel !== undefined && !safeTest(rule.kernel, dev.name)) return { applies: false, unknown: [] };
  const unknown: string[] = [];
  for (const [rawKey, want] of Object.entries(rule.matches)) {
    const negate = rawKey.endsWith('!');
    const key = negate ? rawKey.slice(0, -1) : rawKey;
    const k = key.replace(/\s+/g, '');
    const check = (have: string | undefined): boolean | undefined => (have === undefined ? undefined : safeTest(want, have.trim()));
    let r: boolean | undefined;
    if (k === 'KERNEL' || k === 'KERNELS') r = safeTest(want, dev.name);
    else if (k === 'SUBSYSTEM') r = safeTest(want, 'block');
    else if (k === 'SUBSYSTEMS') r = safeTest(want, 'block') ? true : undefined;
    else if (k === 'ACTION') r = true;
    else if (k === 'ENV{DEVTYPE}') r = safeTest(want, dev.kind === 'part' ? 'partition' : 'disk');
    else if (k === 'ATTR{queue/rotational}') r = dev.rotational.ok ? safeTest(want, dev.rotational.value ? '1' : '0') : undefined;
    else if (k === 'ATTR{wwid}' || k === 'ATTRS{wwid}' || k === 'ATTR{device/wwid}') r = check(dev.wwid);
    else if (k === 'ATTR{serial}' || k === 'ATTRS{serial}' || k === 'ATTR{device/serial}') r = check(dev.serial);
    else if (k === 'ATTRS{model}' || k === 'ATTR{device/model}') r = check(dev.model);
    if (negate && r !== undefined && k !== 'ACTION') r = !r;
    if (r === false) return { applies: false, unknown: [] };
    if (r === undefined) unknown.push(rawKey);
  }
  return { applies: true, unknown };
}

const sq = (s: string): string => s.replace(/"/g, '\\"');

/** The udev rule line kvmio recommends to persist `sched` on `dev`, matched by stable identity when it can. */
export function udevSchedulerRule(dev: BlockDevice, sched: string): string {
  let match: string;
  if (dev.wwid && dev.transport === 'nvme') match = `KERNEL=="nvme*", ATTR{wwid}=="${sq(dev.wwid)}"`;
  else if (dev.wwid) match = `ENV{DEVTYPE}=="disk", ATTRS{wwid}=="${sq(dev.wwid)}"`;
  else if (dev.serial && dev.transport === 'virtio') match = `ENV{DEVTYPE}=="disk", ATTR{serial}=="${sq(dev.serial)}"`;
  else if (dev.serial) match = `ENV{DEVTYPE}=="disk", ATTRS{serial}=="${sq(dev.serial)}"`;
  else match = `KERNEL=="${dev.name}"`;
  return `ACTION=="add|change", SUBSYSTEM=="block", ${match}, ATTR{queue/scheduler}="${sched}"`;
}

