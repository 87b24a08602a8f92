// Option parsers shared by commands. Bad values are usage errors (exit 2) naming the
// option, the value and what is expected.
import type { Command } from 'commander';
import { usageError } from '../errors.js';

/** Repeatable list option: `--only sched --only aio` or `--only sched,aio`. */
export const collect = (value: string, previous: string[] = []): string[] => [
  ...previous,
  ...value.split(',').map((v) => v.trim()).filter((v) => v !== ''),
];

/** What oneOf() allows, kept on the parser so `--help` and the completions can list it. */
const ALLOWED = Symbol('kvmio.allowed');

export function oneOf<T extends string>(option: string, allowed: readonly T[]): (value: string) => T {
  const parse = (value: string): T => {
    if ((allowed as readonly string[]).includes(value)) return value as T;
    throw usageError(`${option}: "${value}" is not valid; expected one of ${allowed.join(', ')}`);
  };
  return Object.assign(parse, { [ALLOWED]: allowed });
}

/**
 * Gives every option parsed by oneOf() commander's choices, so `--help` prints
 * `(choices: "udev", "tmpfiles", "auto")` and completions offer them. Commander's own
 * .choices() installs its parser; ours is put back so the message stays kvmio's
 * (option, value, what is expected) and the exit code 2.
 */
export function listChoices(cmd: Command): void {
  for (const o of cmd.options) {
    const allowed = (o.parseArg as { [ALLOWED]?: readonly string[] } | undefined)?.[ALLOWED];
    if (allowed === undefined || o.argChoices !== undefined) continue;
    const parse = o.parseArg;
    o.choices(allowed);
    o.parseArg = parse;
  }
  for (const c of cmd.commands) listChoices(c);
}

export function positiveInt(option: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n <= 0) throw usageError(`${option}: "${value}" is not valid; expected a positive integer`);
    return n;
  };
}
