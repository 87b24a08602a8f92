// sysctl.d drop-in for the values kvmio sets (systemd-sysctl applies files in name
// order across /etc, /run, /usr/lib; the last setting of a key wins: sysctl.d(5)).
import { SYSCTL_FILE } from '../model/host-files.js';
import { refused } from '../errors.js';

export const SYSCTL_PATH = SYSCTL_FILE;

export interface SysctlEntry {
  readonly key: string;
  readonly value: string;
  /** Lines of explanation written above the setting. */
  readonly why: readonly string[];
}

// sysctl.d(5) reads one "key = value" per line: a line break in a value would start a
// new setting, so keys and values are refused unless printable; comments are split.
const SYSCTL_KEY = /^[A-Za-z0-9_./-]+$/;
const SYSCTL_VALUE = /^[\x20-\x7e]*$/;

export function renderSysctlConf(entries: readonly SysctlEntry[]): string {
  const lines = ['# Written by kvmio fix; `kvmio verify` checks it, `kvmio rollback` restores the previous file.'];
  for (const e of entries) {
    if (!SYSCTL_KEY.test(e.key)) throw refused(`sysctl.d: key ${JSON.stringify(e.key)} cannot be written safely; expected letters, digits, ".", "/", "_" or "-"`);
    if (!SYSCTL_VALUE.test(e.value)) throw refused(`sysctl.d: ${e.key} value ${JSON.stringify(e.value)} cannot be written safely; expected printable ASCII on one line`);
    lines.push(...e.why.flatMap((w) => w.split(/\r\n|\r|\n/)).map((w) => `# ${w}`), `${e.key} = ${e.value}`);
  }
  return lines.join('\n') + '\n';
}
