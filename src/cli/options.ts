// Option parsers shared by commands. Bad values are usage errors (exit 2) naming the
// option, the value and what is expected.
import { usageError } from '../errors.js';

/** Repeatable list option: `--only sched --only aio` or `--only sched,aio`. */
export const collect = (value: string, previous: string[] = []): string[] => [
  ...previous,
  ...value.split(',').map((v) => v.trim()).filter((v) => v !== ''),
];

export function oneOf<T extends string>(option: string, allowed: readonly T[]): (value: string) => T {
  return (value) => {
    if ((allowed as readonly string[]).includes(value)) return value as T;
    throw usageError(`${option}: "${value}" is not valid; expected one of ${allowed.join(', ')}`);
  };
}

export function positiveInt(option: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n <= 0) throw usageError(`${option}: "${value}" is not valid; expected a positive integer`);
    return n;
  };
}
