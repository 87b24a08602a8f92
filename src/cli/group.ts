// Commands with subcommands (`kvmio disk xml`, `kvmio disk create`) are registered from
// several files; each gets the shared parent through here.
import type { Command } from 'commander';

export function group(program: Command, name: string, description: string): Command {
  const found = program.commands.find((c) => c.name() === name);
  return found ?? program.command(name).description(description);
}
