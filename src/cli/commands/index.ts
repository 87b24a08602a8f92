// Every kvmio command, in the order `kvmio --help` lists them: the top-level name it
// registers under, and its module, loaded only when needed. `kvmio audit` loads
// audit.ts alone, so start-up does not parse or run the other commands' definitions;
// help, completion and the man page load them all (loadRegisters()). One line each.
import type { Command } from 'commander';
import type { Ctx } from '../context.js';

export type Register = (program: Command, ctx: Ctx) => void;

export interface CommandEntry {
  /** The word after `kvmio` (several entries may share one: `disk` has two files). */
  readonly name: string;
  readonly load: () => Promise<{ readonly register: Register }>;
}

export const COMMANDS: readonly CommandEntry[] = [
  { name: 'audit', load: () => import('./audit.js') },
  { name: 'collect', load: () => import('./collect.js') },
  { name: 'fix', load: () => import('./fix.js') },
  { name: 'verify', load: () => import('./verify.js') },
  { name: 'rollback', load: () => import('./rollback.js') },
  { name: 'journal', load: () => import('./journal.js') },
  { name: 'disk', load: () => import('./disk.js') },
  { name: 'disk', load: () => import('./disk-create.js') },
  { name: 'vg', load: () => import('./vg.js') },
  { name: 'vm', load: () => import('./vm.js') },
  { name: 'passthrough', load: () => import('./passthrough.js') },
  { name: 'bench', load: () => import('./bench.js') },
  { name: 'report', load: () => import('./report.js') },
  { name: 'export', load: () => import('./export.js') },
  { name: 'plan', load: () => import('./plan.js') },
  { name: 'pool', load: () => import('./pool.js') },
];

/**
 * The registers a command line needs, in COMMANDS order: only those of its command when
 * its first word names one; none for a bare `--version`; all of them otherwise (help,
 * completion, man, an unknown command, which commander must list).
 */
export async function loadRegisters(argv: readonly string[]): Promise<Register[]> {
  const word = argv.find((a) => !a.startsWith('-'));
  const wanted =
    word === undefined && argv.length > 0 && argv.every((a) => a === '-V' || a === '--version')
      ? []
      : COMMANDS.some((c) => c.name === word)
        ? COMMANDS.filter((c) => c.name === word)
        : COMMANDS;
  return (await Promise.all(wanted.map((c) => c.load()))).map((m) => m.register);
}
