// kvmio rollback: restore every value and file kvmio changed, newest first, to what
// the journal saved before the first change (dry run unless --yes), under the lock.
import type { Command } from 'commander';
import type { Ctx } from '../context.js';
import { faultHook, resolveHostState } from '../host-state.js';

interface RollbackOptions {
  readonly yes?: boolean;
  readonly root?: string;
  readonly stateDir?: string;
  readonly json?: boolean;
  readonly wait?: boolean;
}

export function register(program: Command, ctx: Ctx): void {
  program
    .command('rollback')
    .description('Restore every value and file kvmio fix changed, in reverse order, from its journal')
    .option('--yes', 'restore (default: only print what would be restored)')
    .option('--root <dir>', 'the root kvmio fix wrote files under (locates the default state dir)')
    .option('--state-dir <dir>', 'journal and lock directory (default /var/lib/kvmio, under --root when given)')
    .option('--wait', 'wait for another kvmio run holding the lock instead of refusing')
    .option('--json', 'print the outcomes as JSON')
    .addHelpText('after', `
After a complete rollback the journal is kept as journal.DATE.rolled-back.jsonl.
Exit codes: 0 restored (or nothing to do), 1 something could not be restored or the
lock is held (rerun it), 2 usage error.`)
    .action(async (opts: RollbackOptions) => rollback(opts, ctx));
}

async function rollback(opts: RollbackOptions, ctx: Ctx): Promise<void> {
  const { stateDir } = resolveHostState(opts, ctx.cwd);
  const [{ rollbackJournal }, { GRUB_DROPIN_PATH }] = await Promise.all([import('../../apply/engine.js'), import('../../render/grub-dropin.js')]);
  const yes = opts.yes === true;
  const { outcomes, archived } = await rollbackJournal({ stateDir, yes, wait: opts.wait === true, ...(faultHook(ctx.env) !== undefined ? { faultAfterStep: faultHook(ctx.env) } : {}) });
  const grub = outcomes.some((o) => o.status !== 'unchanged' && (o.action as { path?: string }).path?.endsWith(GRUB_DROPIN_PATH));
  const notes = grub ? ['the GRUB drop-in changed: run update-grub and reboot for the kernel command line to follow'] : [];
  if (opts.json === true) {
    ctx.json({ mode: yes ? 'apply' : 'dry-run', stateDir, outcomes: outcomes.map((o) => ({ id: o.action.id, kind: o.action.kind, object: o.action.object, status: o.status, change: o.change, ...(o.error ? { error: o.error } : {}) })), ...(archived ? { archived } : {}), notes });
  } else if (outcomes.length === 0) {
    ctx.print(`nothing to roll back: no journal in ${stateDir}`);
  } else {
    ctx.print(yes ? 'kvmio rollback: restoring' : 'kvmio rollback: dry run, nothing is changed (add --yes to restore)');
    for (const o of outcomes) {
      ctx.print(`${o.status.padEnd(14)}${o.action.id} ${o.action.object}`);
      if (o.change !== '') ctx.print(o.change.replace(/\n$/, '').split('\n').map((l) => `  ${l}`).join('\n'));
      if (o.error) ctx.print(`  ${o.error}`);
    }
    if (archived) ctx.print(`journal kept as ${archived}`);
    for (const n of notes) ctx.print(`note: ${n}`);
  }
  ctx.exitCode = outcomes.some((o) => o.status === 'failed') ? 1 : 0;
}
