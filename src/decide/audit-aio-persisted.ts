// aio.persisted: the fs.aio-max-nr that sysctl.d will set at boot (last setting in
// systemd-sysctl's order wins) vs the live value; later-sorting files that override.
import type { HostFacts, SysctlSetting } from '../facts/host-facts.js';
import { fixAnd, fixText, type Finding, type Fix } from '../model/finding.js';
import { AIO_MAX_NR_KEY } from '../model/host-files.js';
import { fixWords, sedReplacement } from './fix-words.js';
import { AIO_MAX_NR_DEFAULT, REF, SYSCTL_FILE } from './host-defaults.js';

const KEY = AIO_MAX_NR_KEY;
const normKey = (k: string): string => k.trim().replace(/^-/, '').replace(/\//g, '.');
const where = (s: SysctlSetting): string => `${s.file}:${s.line}`;

/** One sed per file, all its lines at once (line numbers refer to the input, so deletions do not shift them). */
function deleteLines(settings: readonly SysctlSetting[]): Fix {
  const files = [...new Set(settings.map((s) => s.file))];
  return files.map((f) => fixWords(['sed', '-i', ...settings.filter((s) => s.file === f).flatMap((s) => ['-e', `${s.line}d`]), f])).reduce((a, b) => fixAnd(a, b));
}

export function auditAioPersisted(facts: HostFacts): Finding[] {
  const id = 'aio.persisted';
  const ref = REF.sysctlD;
  const obj = { id, object: 'host', ref };
  if (!facts.sysctl.ok) return [{ ...obj, status: 'skip', why: `sysctl.d unreadable: ${facts.sysctl.reason}` }];
  if (!facts.aio.ok) return [{ ...obj, status: 'skip', why: `live fs.aio-max-nr unreadable: ${facts.aio.reason}` }];
  const live = facts.aio.value.maxNr;
  const settings = facts.sysctl.value.filter((s) => normKey(s.key) === KEY);
  const winner = settings[settings.length - 1];
  const bootValue = winner ? Number(winner.value.trim()) : AIO_MAX_NR_DEFAULT;
  const bootText = winner ? `${winner.value.trim()} from ${where(winner)}` : `kernel default ${AIO_MAX_NR_DEFAULT} (no sysctl.d setting)`;
  const observed = `live ${live}, boot ${bootText}`;
  const losers = settings.filter((s) => s !== winner && Number(s.value.trim()) !== bootValue);
  if (winner && !Number.isFinite(bootValue)) {
    return [{ ...obj, status: 'warn', observed, expected: 'a number', why: `${where(winner)} sets "${winner.value}", which sysctl rejects`, fix: fixWords(['sed', '-i', `${winner.line}d`, winner.file]) }];
  }
  if (live !== bootValue) {
    const target = Math.max(live, bootValue);
    const fix = winner
      ? (target === bootValue ? fixAnd(fixWords(['sed', '-i', `${winner.line}s/.*/${sedReplacement(`${KEY} = ${target}`)}/`, winner.file]), fixWords(['sysctl', '-w', `${KEY}=${target}`])) : fixWords(['sed', '-i', `${winner.line}s/.*/${sedReplacement(`${KEY} = ${target}`)}/`, winner.file]))
      : fixText`printf ${`${KEY} = ${target}\\n`} > ${SYSCTL_FILE}`;
    const why = live > bootValue
      ? `raised at runtime but not persisted: the next boot sets ${bootValue}${losers.length > 0 ? `; ${where(winner as SysctlSetting)} sorts later and overrides ${losers.map(where).join(', ')}` : ''}`
      : `live value is below what boot sets; a reboot (or sysctl --system) restores ${bootValue}`;
    return [{ ...obj, status: 'warn', observed, expected: `live = boot = ${target}`, why, fix }];
  }
  if (losers.length > 0) {
    return [{
      ...obj, status: 'warn', observed, expected: `one setting of ${KEY}`,
      why: `${where(winner as SysctlSetting)} sorts later and overrides ${losers.map((s) => `${where(s)} (${s.value.trim()})`).join(', ')}: a change to the earlier file would silently not apply`,
      fix: deleteLines(losers),
    }];
  }
  return [{ ...obj, status: 'pass', observed, expected: 'live = boot', why: 'the value survives a reboot' }];
}
