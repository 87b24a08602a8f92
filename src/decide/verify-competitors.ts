// Which other file or tool would undo what kvmio persisted, at the next boot (like
// `tuned-adm verify`, but also naming the winner). Pure: facts + what kvmio wrote.
//  - sysctl.d: the last setting of a key wins (sysctl.d(5)); a later-sorting file wins.
//  - udev: every matching rule runs in file-name order; the last assignment wins (udev(7)).
//  - tmpfiles.d: for the same path the earliest-sorting file's line is used (tmpfiles.d(5)),
//    and it runs at boot independently of udev.
//  - tuned: an active profile may set [disk] elevator= or [sysctl] values.
import { basename } from 'node:path';
import type { BlockDevice, HostFacts, SchedulerRule } from '../facts/host-facts.js';
import { parseSysctlFile } from '../facts/parse-sysctl.js';
import { SYSCTL_FILE, TMPFILES_SCHED_FILE, UDEV_SCHED_FILE } from '../model/host-files.js';
import { ruleApplies } from './udev-match.js';

export interface Competitor {
  readonly object: string;
  /** The other file (with line) or tool. */
  readonly source: string;
  readonly message: string;
  /** It would win over kvmio's setting at boot (drift); false = may interfere. */
  readonly wins: boolean;
}

export interface PersistedByKvmio {
  /** sysctl keys and values kvmio wrote, and the file (host path). */
  readonly sysctl?: { readonly file: string; readonly settings: readonly { key: string; value: string }[] };
  /** kvmio's scheduler file, its kind, and the devices (kernel names) it covers. */
  readonly schedulers?: { readonly file: string; readonly kind: 'udev' | 'tmpfiles'; readonly devices: readonly { readonly name: string; readonly scheduler: string }[] };
}

const later = (a: string, b: string): boolean => basename(a) > basename(b);

export function findCompetitors(facts: HostFacts, ours: PersistedByKvmio): Competitor[] {
  const out: Competitor[] = [];
  if (ours.sysctl && facts.sysctl.ok) {
    for (const { key, value } of ours.sysctl.settings) {
      const all = facts.sysctl.value.filter((s) => s.key === key);
      const winner = all[all.length - 1];
      if (winner && winner.file !== ours.sysctl.file) {
        out.push({
          object: key,
          source: `${winner.file}:${winner.line}`,
          message: `${winner.file}:${winner.line} sets ${key} = ${winner.value} and is applied after ${ours.sysctl.file} (${value}): it wins at boot`,
          wins: winner.value !== value,
        });
      }
    }
  }
  const s = ours.schedulers;
  if (s && facts.schedulerRules.ok && facts.blockDevices.ok) {
    const devs = new Map<string, BlockDevice>(facts.blockDevices.value.map((d) => [d.name, d]));
    for (const { name, scheduler } of s.devices) {
      const dev = devs.get(name);
      if (!dev) continue;
      for (const r of facts.schedulerRules.value) {
        if (r.file === s.file) continue;
        if (!applies(r, dev)) continue;
        const where = `${r.file}:${r.line}`;
        const wins = r.kind === 'tmpfiles' ? s.kind === 'udev' || !later(r.file, s.file) : s.kind === 'udev' && later(r.file, s.file);
        const how =
          r.kind === 'tmpfiles'
            ? s.kind === 'udev' ? 'tmpfiles.d runs at boot after udev has applied the rules' : wins ? 'the earliest-sorting tmpfiles.d file wins for a path' : 'sorts after kvmio’s line for the same path, so it is ignored'
            : s.kind === 'udev' ? (wins ? 'a later-sorting udev rule assigns last' : 'sorts before kvmio’s rule, which assigns last') : 'udev may apply it when the device is (re)added';
        // blk-mq keeps "deadline" as an alias of mq-deadline; noop and cfq writes fail (Linux 5.0)
        const effective = r.scheduler === 'deadline' ? 'mq-deadline' : r.scheduler;
        const fails = r.scheduler === 'noop' || r.scheduler === 'cfq';
        const tail = fails ? `; "${r.scheduler}" no longer exists, so that write fails` : '';
        out.push({ object: name, source: where, message: `${where} sets ${name}'s scheduler to "${r.scheduler}": ${how}${tail}`, wins: wins && !fails && effective !== scheduler });
      }
    }
  }
  if (facts.tunedProfile.ok && facts.tunedProfile.value !== '') {
    out.push({
      object: 'host',
      source: `tuned profile ${facts.tunedProfile.value}`,
      message: `tuned profile "${facts.tunedProfile.value}" is active: a [disk] elevator= or [sysctl] entry in it would override kvmio at boot (check with tuned-adm verify)`,
      wins: false,
    });
  }
  return out;
}

const applies = (r: SchedulerRule, dev: BlockDevice): boolean => ruleApplies(r, dev).applies;

/** Devices and schedulers in a kvmio scheduler file ("# kvmio: DEV: …" + the rule line). */
export function devicesInSchedulerFile(text: string): { name: string; scheduler: string }[] {
  const out: { name: string; scheduler: string }[] = [];
  const lines = text.split('\n');
  lines.forEach((l, i) => {
    const m = /^# kvmio: ([^:\s]+): /.exec(l);
    const rule = lines[i + 1] ?? '';
    const s = /ATTR\{queue\/scheduler\}="([^"]*)"/.exec(rule)?.[1] ?? (rule.startsWith('w') ? rule.trim().split(/\s+/)[6] : undefined);
    if (m && s) out.push({ name: m[1]!, scheduler: s });
  });
  return out;
}

/** What kvmio persists, from its files (host paths and contents): planned by fix, or journaled for verify. */
export function persistedFromFiles(files: readonly { readonly path: string; readonly content: string }[]): PersistedByKvmio {
  let ours: PersistedByKvmio = {};
  for (const { path, content } of files) {
    if (path === SYSCTL_FILE) ours = { ...ours, sysctl: { file: path, settings: parseSysctlFile(content, path).map((x) => ({ key: x.key, value: x.value })) } };
    if (path === UDEV_SCHED_FILE || path === TMPFILES_SCHED_FILE) {
      ours = { ...ours, schedulers: { file: path, kind: path === UDEV_SCHED_FILE ? 'udev' : 'tmpfiles', devices: devicesInSchedulerFile(content) } };
    }
  }
  return ours;
}
