// `kvmio man`: the man page (roff, man(7) macros), generated from the command tree: each
// command's own --help text, so the page says exactly what the CLI does. setup.sh
// installs it as /usr/local/share/man/man1/kvmio.1 (`man kvmio`).
import type { Command } from 'commander';
import { flattenTree, type CommandSpec } from './command-tree.js';

/** Text safe in roff: backslashes doubled; a line starting with . or ' is not a request (groff_man(7)). */
const roff = (s: string): string =>
  s
    .replace(/\\/g, '\\e')
    .split('\n')
    .map((l) => (/^[.']/.test(l) ? `\\&${l}` : l))
    .join('\n');

/** A command's full --help (with the texts added after it), wrapped for a man page's indent. */
function helpText(cmd: Command): string {
  let out = '';
  const saved = cmd.configureOutput();
  cmd.configureOutput({ ...saved, writeOut: (s) => void (out += s), getOutHelpWidth: () => 72, getOutHasColors: () => false });
  try {
    cmd.outputHelp();
  } finally {
    cmd.configureOutput(saved);
  }
  return out.trimEnd();
}

export function renderManPage(tree: CommandSpec, opts: { version: string; date: string }): string {
  const prog = tree.command.name();
  const cmds = flattenTree(tree).filter((c) => c.path.length > 0);
  const lines = [
    `.TH ${prog.toUpperCase()} 1 "${opts.date}" "${prog} ${opts.version}" "User Commands"`,
    '.SH NAME',
    `${prog} \\- ${roff(tree.description)}`,
    '.SH SYNOPSIS',
    `.B ${prog}`,
    '.I COMMAND',
    '[\\fIOPTIONS\\fR] [\\fIARGUMENTS\\fR]',
    '.SH DESCRIPTION',
    roff(tree.description) + '.',
    'Anything that changes a host only prints what it would do unless',
    '.B \\-\\-yes',
    'is given. Commands that report take',
    '.BR \\-\\-json .',
    '.SH COMMANDS',
    ...cmds.flatMap((c: CommandSpec) => ['.TP', `.B ${prog} ${c.path.join(' ')}`, roff((c.description.split('\n')[0] ?? '').trim())]),
    '.SH EXIT STATUS',
    '.TP', '.B 0', 'nothing failed',
    '.TP', '.B 1', 'something failed, or a guard refused',
    '.TP', '.B 2', 'usage error (bad flag, bad value, bad input file)',
    '.SH COMMAND REFERENCE',
    ...[tree, ...cmds].flatMap((c) => [`.SS "${[prog, ...c.path].join(' ')}"`, '.nf', roff(helpText(c.command)), '.fi']),
    '.SH FILES',
    '.TP', '.I /var/lib/kvmio', 'the journal of changes made with --yes (kvmio rollback restores from it)',
    '.SH SEE ALSO',
    '.BR virsh (1),',
    '.BR qemu-img (1),',
    '.BR fio (1)',
    '',
  ];
  return lines.join('\n');
}
