// Persisted block schedulers, rendered two ways:
//  - udev rules (the documented way, RHEL "Set the disk scheduler using udev rules"):
//    matched on stable identity so a renamed or hot-plugged disk still gets it;
//  - tmpfiles.d `w` lines (the seed's way): by kernel name, once at boot.
// Both files are owned by kvmio; entries for devices outside this run are kept (merge),
// so `--device sdb` then `--device sdc` accumulates rather than replaces.
import { TMPFILES_SCHED_FILE, UDEV_SCHED_FILE, schedulerSysfsPath } from '../model/host-files.js';
import { refused } from '../errors.js';

export interface SchedulerEntry {
  /** Kernel name today (tmpfiles and comments). */
  readonly device: string;
  readonly scheduler: string;
  /** The whole udev rule line (decide/udev-match.ts udevSchedulerRule: stable identity). */
  readonly udevRule: string;
  /** Short: which rule ("sched.host-ssd"). */
  readonly comment: string;
}

export const UDEV_RULES_PATH = UDEV_SCHED_FILE;
export const TMPFILES_PATH = TMPFILES_SCHED_FILE;

// tmpfiles.d(5) splits a line on whitespace, expands "%" specifiers and C escapes: a
// device or scheduler name outside this set would change the line's meaning.
const TMPFILES_WORD = /^[A-Za-z0-9_.:!+-]+$/;

export function tmpfilesLine(e: SchedulerEntry): string {
  for (const v of [e.device, e.scheduler]) {
    if (!TMPFILES_WORD.test(v)) throw refused(`tmpfiles.d: ${JSON.stringify(v)} cannot be written safely into a tmpfiles.d line; expected letters, digits, "_", ".", ":", "!", "+" or "-"`);
  }
  return `w ${schedulerSysfsPath(e.device)} - - - - ${e.scheduler}`;
}

interface Block {
  readonly key: string;
  readonly lines: readonly string[];
}

/** Blocks of "# comment" + rule line in a kvmio-owned file; KEY identifies the target. */
function parseBlocks(text: string, keyOf: (rule: string) => string): Block[] {
  const out: Block[] = [];
  let comments: string[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('# kvmio: ')) comments.push(line);
    else if (line.trim() !== '' && !line.startsWith('#')) {
      out.push({ key: keyOf(line), lines: [...comments, line] });
      comments = [];
    } else comments = [];
  }
  return out;
}

function merge(existing: string | undefined, fresh: readonly Block[], keyOf: (rule: string) => string): Block[] {
  const byKey = new Map<string, Block>();
  for (const b of existing === undefined ? [] : parseBlocks(existing, keyOf)) byKey.set(b.key, b);
  for (const b of fresh) byKey.set(b.key, b);
  return [...byKey.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** The match part of a rule (everything but the scheduler assignment): one target. */
const udevKey = (rule: string): string => rule.replace(/,\s*ATTR\{queue\/scheduler\}="[^"]*"\s*$/, '');
const tmpfilesKey = (rule: string): string => rule.trim().split(/\s+/)[1] ?? rule;

const HEADER = (how: string): string[] => [
  `# Written by kvmio fix (${how}); \`kvmio verify\` checks it, \`kvmio rollback\` restores the previous file.`,
  '# Block I/O schedulers chosen by kvmio audit rules sched.* (see `kvmio audit --only sched`).',
];

export function renderUdevSchedulerRules(entries: readonly SchedulerEntry[], existing?: string): string {
  const fresh = entries.map((e) => ({ key: udevKey(e.udevRule), lines: [`# kvmio: ${e.device}: ${e.comment}`, e.udevRule] }));
  const blocks = merge(existing, fresh, udevKey);
  return [...HEADER('--persist udev; matched on stable identity, applies to hot-plugged disks too'), ...blocks.flatMap((b) => b.lines)].join('\n') + '\n';
}

export function renderTmpfilesScheduler(entries: readonly SchedulerEntry[], existing?: string): string {
  const fresh = entries.map((e) => ({ key: tmpfilesKey(tmpfilesLine(e)), lines: [`# kvmio: ${e.device}: ${e.comment}`, tmpfilesLine(e)] }));
  const blocks = merge(existing, fresh, tmpfilesKey);
  return [...HEADER('--persist tmpfiles; by kernel name, applied once at boot: misses hot-plugged and renamed disks'), ...blocks.flatMap((b) => b.lines)].join('\n') + '\n';
}
