// kvmio journal: the runs in the journal (one per applyActions call: `fix --yes`,
// `disk create --yes`, `vg create --yes`, `vm tune --yes`, `passthrough … --yes`), newest
// last, with what each changed; `kvmio rollback --run ID` undoes one.
import type { Command } from 'commander';
import type { Ctx } from '../context.js';
import { resolveHostState } from '../host-state.js';

interface JournalOptions {
  readonly root?: string;
  readonly stateDir?: string;
  readonly json?: boolean;
}

export function register(program: Command, ctx: Ctx): void {
  program
    .command('journal')
    .description('List the runs kvmio journaled (what each changed); kvmio rollback --run ID undoes one')
    .option('--root <dir>', 'the root kvmio fix wrote files under (locates the default state dir)')
    .option('--state-dir <dir>', 'journal directory (default /var/lib/kvmio, under --root when given)')
    .option('--json', 'print the runs as JSON')
    .action(async (opts: JournalOptions) => printRuns(resolveHostState(opts, ctx).stateDir, opts.json === true, ctx));
}

export async function printRuns(stateDir: string, json: boolean, ctx: Ctx): Promise<void> {
  const { listRuns, readJournal } = await import('../../apply/journal.js');
  const runs = listRuns(readJournal(stateDir));
  if (json) {
    ctx.json({ stateDir, runs });
    return;
  }
  if (runs.length === 0) {
    ctx.print(`no runs: no journal in ${stateDir}`);
    return;
  }
  for (const r of runs) {
    const state = r.rolledBack ? 'rolled back' : r.unfinished > 0 ? `${r.unfinished} unfinished (killed?)` : r.failed > 0 ? `${r.failed} failed` : 'in force';
    ctx.print(`${r.run}  ${r.purpose || '(command not recorded)'}: ${r.changed} changed, ${state}`);
    for (const o of r.objects) ctx.print(`  ${o}`);
  }
  ctx.print('undo one run: kvmio rollback --run ID (dry run; add --yes)');
}
