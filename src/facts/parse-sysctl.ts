// sysctl.d(5) files: "key = value" lines; "#" and ";" start comments; a leading "-" on
// the key means "ignore failures" and does not change the key; "/" separators are the
// same as "." (sysctl.d(5)). Lines that are not assignments are skipped, as
// systemd-sysctl logs and skips them.
import type { SysctlSetting } from './host-facts.js';

export function normalizeSysctlKey(key: string): string {
  let k = key.trim();
  if (k.startsWith('-')) k = k.slice(1);
  // systemd: if the first separator is "/", all "/" and "." swap places
  const slash = k.indexOf('/');
  const dot = k.indexOf('.');
  if (slash >= 0 && (dot < 0 || slash < dot)) k = k.replace(/[./]/g, (c) => (c === '/' ? '.' : '/'));
  return k;
}

export function parseSysctlFile(text: string, file: string): SysctlSetting[] {
  const out: SysctlSetting[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;
    const eq = line.indexOf('=');
    if (eq <= 0) return;
    const key = normalizeSysctlKey(line.slice(0, eq));
    if (!/^[A-Za-z0-9_*][A-Za-z0-9_.*/:@-]*$/.test(key)) return;
    out.push({ key, value: line.slice(eq + 1).trim(), file, line: i + 1 });
  });
  return out;
}

/** The setting that wins at boot for `key`: the last one applied. */
export function winningSetting(settings: readonly SysctlSetting[], key: string): SysctlSetting | undefined {
  let found: SysctlSetting | undefined;
  for (const s of settings) if (s.key === key) found = s;
  return found;
}
