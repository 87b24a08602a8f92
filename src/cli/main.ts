// The kvmio command line: parse, call the library, print. Each command lives in
// src/cli/commands/NAME.ts and registers itself; heavy modules are imported inside the
// action so `kvmio audit` does not pay for `kvmio bench`.
import { Command, CommanderError } from 'commander';
import { KvmioError, exitCodeOf } from '../errors.js';
import { makeCtx, type CliDeps, type Ctx } from './context.js';
import { COMMANDS } from './commands/index.js';
import { validateArgv } from './validate.js';
import { exitQuietlyOnClosedPipe } from './closed-pipe.js';

export const EXIT_HELP = `
Exit codes:
  0  nothing failed
  1  something failed, or a guard refused
  2  usage error (bad flag, bad value, bad input file)

Anything that changes a host only prints what it would do unless --yes is given.`;

export function buildProgram(ctx: Ctx): Command {
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
  for (const register of COMMANDS) register(program, ctx);
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

const processDepsOf = (): CliDeps => ({
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
});

/** Runs the CLI and resolves with the exit code (never calls process.exit). */
export async function run(argv: readonly string[], deps: CliDeps = processDeps()): Promise<number> {
  const ctx = makeCtx(deps);
  const program = buildProgram(ctx);
  try {
    validateArgv(argv);
    await program.parseAsync([...argv], { from: 'user' });
    return ctx.exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help' ? 0 : 2;
    }
    ctx.warn(e instanceof Error ? e.message : String(e));
    if (e instanceof KvmioError && e.hint) ctx.stderr.write(`  hint: ${e.hint}\n`);
    if (!(e instanceof KvmioError)) ctx.stderr.write(`${e instanceof Error ? (e.stack ?? '') : ''}\n`);
    return exitCodeOf(e);
  }
}
