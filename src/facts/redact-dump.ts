// What `--redact` hides in a dump, local or remote: values that identify hardware or the
// host (serials, WWNs/WWIDs, UUIDs, the host name) everywhere they appear, and anything
// in a recorded file that looks like a key or a password (a config line such as
// `password = …`, a PEM private key block). Hidden values become `redacted-<hash>`: the
// same value maps to the same token, so a dump still shows which disks share an id.
import { createHash } from 'node:crypto';

/** Sysfs attributes whose values identify hardware (and the host name file). */
export const SENSITIVE_NAMES: ReadonlySet<string> = new Set([
  'serial', 'wwid', 'wwn', 'eui', 'nguid', 'uuid', 'hostname', 'product_serial', 'product_uuid', 'board_serial', 'chassis_serial',
]);

export const redactToken = (s: string): string => `redacted-${createHash('sha256').update(s).digest('hex').slice(0, 8)}`;

/** Shorter values (e.g. a host named "vm") would match inside unrelated text. */
export const MIN_SECRET_LENGTH = 4;

const PEM_PRIVATE = /-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----[\s\S]*?-----END \1PRIVATE KEY-----/g;
// key = value / key: value / key "value", for names that carry credentials
const CREDENTIAL = /\b([A-Za-z0-9_.-]*(?:password|passwd|passphrase|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|auth[_-]?key|credential)s?)(\s*[:=]\s*|\s+)("[^"\n]*"|'[^'\n]*'|[^\s"'#;,]+)/gi;

/** Replaces key- or password-looking values in a recorded text. */
export function scrubCredentials(text: string): string {
  return text
    .replace(PEM_PRIVATE, (m) => `-----REDACTED PRIVATE KEY ${redactToken(m)}-----`)
    .replace(CREDENTIAL, (_m, key: string, sep: string, value: string) => `${key}${sep}${redactToken(value)}`);
}

export interface Redactor {
  /** Text of a file at PATH (a sensitive attribute's file is replaced whole). */
  file(path: string, text: string): string;
  /** Any other recorded text (command output). */
  text(text: string): string;
}

/** A redactor hiding `secrets` (longest first, so one never hides part of another) and credentials. */
export function makeRedactor(secrets: Iterable<string>): Redactor {
  const sorted = [...new Set([...secrets].map((s) => s.trim()).filter((s) => s.length >= MIN_SECRET_LENGTH))].sort((a, b) => b.length - a.length);
  const hide = (text: string): string => scrubCredentials(sorted.reduce((t, s) => t.split(s).join(redactToken(s)), text));
  return {
    file(path, text) {
      const base = path.slice(path.lastIndexOf('/') + 1);
      if (!SENSITIVE_NAMES.has(base) || text.trim() === '') return hide(text);
      return `${redactToken(text.trim())}${text.endsWith('\n') ? '\n' : ''}`;
    },
    text: hide,
  };
}

/** The value of a file worth hiding everywhere, or undefined. */
export function sensitiveValue(path: string, text: string): string | undefined {
  const base = path.slice(path.lastIndexOf('/') + 1);
  const v = text.trim();
  return SENSITIVE_NAMES.has(base) && v.length >= MIN_SECRET_LENGTH ? v : undefined;
}
