// The kvmio command line: parse, call the library, print. Each command lives in
// src/cli/commands/NAME.ts and registers itself (one line in commands/index.ts, loaded
// only when its command runs); heavy modules are imported inside the action so
// `kvmio audit` does not pay for `kvmio bench`.
// Exit codes follow the peers (git, virsh): an unknown command or help topic, or a group
// without its subcommand, is a usage error (2).
import { Command, CommanderError } from 'commander';
import { KvmioError, exitCodeOf } from '../errors.js';
import { makeCtx, type CliDeps, type Ctx } from './context.js';
import { loadRegisters, type Register } from './commands/index.js';
import { validateArgv } from './validate.js';
import { exitQuietlyOnClosedPipe } from './closed-pipe.js';
import { registerCompletion } from './completion.js';
import { listChoices } from './options.js';

export const EXIT_HELP = `
Exit codes:
  0  nothing failed
  1  something failed, or a guard refused
  2  usage error (bad flag, bad value, bad input file)

Anything that changes a host only prints what it would do unless --yes is given.`;

/** The program with the given commands registered (loadRegisters picks them for an argv). */
export function buildProgram(ctx: Ctx, registers: readonly Register[]): Command {
  const program = new Command('kvmio')
    .description('Audit, fix, provision, render and benchmark KVM storage I/O')
    .version(VERSION, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', EXIT_HELP)
    .configureOutput({
      writeOut: (s) => ctx.stdout.write(s),
      writeErr: (s) => ctx.stderr.write(s),
    })
    .exitOverride();
  for (const register of registers) register(program, ctx);
  registerCompletion(program, ctx, VERSION);
  listChoices(program);
  for (const c of program.commands) {
    c.exitOverride().configureOutput({ writeOut: (s) => ctx.stdout.write(s), writeErr: (s) => ctx.stderr.write(s) });
  }
  return program;
}

const VERSION = '0.1.0';

const processDeps = (): CliDeps => {
  exitQuietlyOnClosedPipe(process.stdout);
  exitQuietlyOnClosedPipe(process.stderr);
  return processDepsOf();
};

const visibleNames = (cmd: Command): string[] => cmd.createHelp().visibleCommands(cmd).map((c) => c.name());

/** `kvmio help X [Y]`: the first word that names no command (commander would print the top help and exit 0). */
function unknownHelpTopic(program: Command, argv: readonly string[]): { word: string; parent: Command } | undefined {
  if (argv[0] !== 'help') return undefined;
  let cmd = program;
  for (const word of argv.slice(1)) {
    if (word.startsWith('-')) return undefined;
    const next = cmd.commands.find((c) => c.name() === word || c.aliases().includes(word));
    if (next === undefined) return cmd.commands.length > 0 ? { word, parent: cmd } : undefined;
    cmd = next;
  }
  return undefined;
}

const processDepsOf = (): CliDeps => ({
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
});

/** Runs the CLI and resolves with the exit code (never calls process.exit). */
export async function run(argv: readonly string[], deps: CliDeps = processDeps()): Promise<number> {
  const ctx = makeCtx(deps);
  const program = buildProgram(ctx, await loadRegisters(argv));
  const topic = unknownHelpTopic(program, argv);
  if (topic !== undefined) {
    const where = topic.parent === program ? 'kvmio' : `kvmio ${topic.parent.name()}`;
    ctx.stderr.write(`error: unknown command '${topic.word}' for ${where}; expected one of ${visibleNames(topic.parent).join(', ')}\n(run with --help for usage)\n`);
    return 2;
  }
  try {
    validateArgv(argv);
    await program.parseAsync([...argv], { from: 'user' });
    return ctx.exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version') return 0;
      // Help shown because something was missing (`kvmio disk`, or no command at all).
      if (e.code === 'commander.help') return e.exitCode === 0 ? 0 : 2;
      return 2;
    }
    ctx.warn(e instanceof Error ? e.message : String(e));
    if (e instanceof KvmioError && e.hint) ctx.stderr.write(`  hint: ${e.hint}\n`);
    if (!(e instanceof KvmioError)) ctx.stderr.write(`${e instanceof Error ? (e.stack ?? '') : ''}\n`);
    return exitCodeOf(e);
  }
}
