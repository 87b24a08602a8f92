// Integer sysfs/procfs attributes ("128\n"). Garbled text is a failure, never NaN.
import { missing, ok, type Read } from './source.js';

export function parseUnsigned(text: string, what: string): Read<number> {
  const t = text.trim();
  if (!/^\d+$/.test(t)) return missing(`${what}: "${t.slice(0, 40)}" is not a number`);
  const n = Number(t);
  return Number.isSafeInteger(n) ? ok(n) : missing(`${what}: ${t} is out of range`);
}

/** queue/rotational and similar flags: "0" or "1". */
export function parseFlag(text: string, what: string): Read<boolean> {
  const t = text.trim();
  if (t === '0') return ok(false);
  if (t === '1') return ok(true);
  return missing(`${what}: "${t.slice(0, 40)}" is not 0 or 1`);
}
