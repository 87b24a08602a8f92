// The command definitions as data, read from commander's own tree (what `--help` shows),
// so shell completions and the man page can never list a command or flag that does not
// exist, nor miss one.
import type { Command, Option } from 'commander';

export interface FlagSpec {
  /** As written in help: "-o, --out <dir>". */
  readonly flags: string;
  /** Every spelling: ["-o", "--out"]. */
  readonly names: readonly string[];
  readonly description: string;
  readonly takesValue: boolean;
  readonly choices: readonly string[];
}

export interface CommandSpec {
  /** Words after `kvmio`: [] for the program, ["disk", "xml"]. */
  readonly path: readonly string[];
  readonly description: string;
  readonly usage: string;
  readonly flags: readonly FlagSpec[];
  /** The first argument's choices (`kvmio completion <shell>`: bash, zsh). */
  readonly argumentChoices: readonly string[];
  readonly subcommands: readonly CommandSpec[];
  readonly command: Command;
}

function flagOf(o: Option): FlagSpec {
  return {
    flags: o.flags,
    names: [o.short, o.long].filter((n): n is string => n !== undefined),
    description: o.description,
    takesValue: o.required || o.optional,
    choices: o.argChoices ?? [],
  };
}

/** The visible commands under `cmd` (hidden ones and the implicit help command excluded), depth first. */
export function commandTree(cmd: Command, path: readonly string[] = []): CommandSpec {
  const help = cmd.createHelp();
  return {
    path,
    description: cmd.description(),
    usage: cmd.usage(),
    flags: help.visibleOptions(cmd).map(flagOf),
    argumentChoices: cmd.registeredArguments[0]?.argChoices ?? [],
    subcommands: help
      .visibleCommands(cmd)
      .filter((c) => c.name() !== 'help' || c.commands.length > 0 || c.options.length > 0)
      .map((c) => commandTree(c, [...path, c.name()])),
    command: cmd,
  };
}

/** Every command of the tree, the program first. */
export function flattenTree(t: CommandSpec): CommandSpec[] {
  return [t, ...t.subcommands.flatMap(flattenTree)];
}
