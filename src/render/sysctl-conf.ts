// sysctl.d drop-in for the values kvmio sets (systemd-sysctl applies files in name
// order across /etc, /run, /usr/lib; the last setting of a key wins: sysctl.d(5)).
import { SYSCTL_FILE } from '../model/host-files.js';

export const SYSCTL_PATH = SYSCTL_FILE;

export interface SysctlEntry {
  readonly key: string;
  readonly value: string;
  /** Lines of explanation written above the setting. */
  readonly why: readonly string[];
}

export function renderSysctlConf(entries: readonly SysctlEntry[]): string {
  const lines = ['# Written by kvmio fix; `kvmio verify` checks it, `kvmio rollback` restores the previous file.'];
  for (const e of entries) lines.push(...e.why.map((w) => `# ${w}`), `${e.key} = ${e.value}`);
  return lines.join('\n') + '\n';
}
