// kvmio rollback: undo what kvmio changed (values, files, vfio binds, domain
// definitions, images, LVs, PVs, VGs), newest first, back to what the journal saved
// before the first change; dry run unless --yes, under the lock. --run ID undoes one run
// (an id from `kvmio journal`); --list lists the runs.
import type { Command } from 'commander';
import type { Ctx } from '../context.js';
import { faultHook, resolveHostState } from '../host-state.js';
import { printRuns } from './journal.js';

interface RollbackOptions {
  readonly yes?: boolean;
  readonly root?: string;
  readonly stateDir?: string;
  readonly json?: boolean;
  readonly wait?: boolean;
  readonly run?: string;
  readonly list?: boolean;
}

export function register(program: Command, ctx: Ctx): void {
  program
    .command('rollback')
    .description('Undo what kvmio changed (values, files, vfio, domain definitions, images, LVs, VGs), newest first, from its journal')
    .option('--yes', 'restore (default: only print what would be restored)')
    .option('--run <id>', 'undo only this run (an id from "kvmio journal")')
    .option('--list', 'list the journaled runs instead (same as "kvmio journal")')
    .option('--root <dir>', 'the root kvmio fix wrote files under (locates the default state dir)')
    .option('--state-dir <dir>', 'journal and lock directory (default /var/lib/kvmio, under --root when given)')
    .option('--wait', 'wait for another kvmio run holding the lock instead of refusing')
    .option('--json', 'print the outcomes as JSON')
    .addHelpText('after', `
Rollback removes an image, LV, PV or VG only if kvmio created it and nothing used it
since (an image: same size, mtime and qemu-img allocation map as right after creation;
an LV: not open, no signature, same uuid; a VG: no other LV, same PVs); otherwise it
refuses that object and says why. A domain definition is redefined from the journaled
XML (or undefined if kvmio defined it). After a complete rollback the journal is kept as
journal.DATE.rolled-back.jsonl; after --run ID the run is marked rolled back.
Exit codes: 0 restored (or nothing to do), 1 something could not be restored or was
refused, or the lock is held (rerun it), 2 usage error.`)
    .action(async (opts: RollbackOptions) => rollback(opts, ctx));
}

async function rollback(opts: RollbackOptions, ctx: Ctx): Promise<void> {
  const { root, stateDir } = resolveHostState(opts, ctx);
  if (opts.list === true) {
    if (opts.yes === true || opts.run !== undefined) {
      const { usageError } = await import('../../errors.js');
      throw usageError('--list: only lists runs; expected no --yes and no --run');
    }
    await printRuns(stateDir, opts.json === true, ctx);
    return;
  }
  const [{ rollbackJournal }, { GRUB_DROPIN_PATH }] = await Promise.all([import('../../apply/engine.js'), import('../../render/grub-dropin.js')]);
  const yes = opts.yes === true;
  const fault = faultHook(ctx.env);
  // Handlers registered outside BUILTIN_HANDLERS (libvirt pools and volumes) must be known to undo their actions.
  const { POOL_HANDLERS } = await import('../../apply/pool-handler.js');
  const { outcomes, archived, rolledBack } = await rollbackJournal({ stateDir, trust: { root }, onNote: (n) => ctx.warn(n), yes, handlers: POOL_HANDLERS, wait: opts.wait === true, ...(opts.run !== undefined ? { run: opts.run } : {}), ...(fault !== undefined ? { faultAfterStep: fault } : {}) });
  const grub = outcomes.some((o) => o.status !== 'unchanged' && (o.action as { path?: string }).path?.endsWith(GRUB_DROPIN_PATH));
  const notes = grub ? ['the GRUB drop-in changed: run update-grub and reboot for the kernel command line to follow'] : [];
  if (opts.json === true) {
    ctx.json({
      mode: yes ? 'apply' : 'dry-run',
      stateDir,
      ...(opts.run !== undefined ? { run: opts.run } : {}),
      outcomes: outcomes.map((o) => ({ id: o.action.id, kind: o.action.kind, object: o.action.object, run: o.run, status: o.status, change: o.change, ...(o.error ? { error: o.error } : {}) })),
      ...(archived ? { archived } : {}),
      ...(rolledBack ? { rolledBack } : {}),
      notes,
    });
  } else if (outcomes.length === 0) {
    ctx.print(opts.run !== undefined ? `nothing to roll back: run ${opts.run} is already rolled back` : `nothing to roll back: no journal in ${stateDir}`);
  } else {
    ctx.print(yes ? 'kvmio rollback: restoring' : 'kvmio rollback: dry run, nothing is changed (add --yes to restore)');
    let run: string | undefined;
    for (const o of outcomes) {
      if (o.run !== run) {
        run = o.run;
        ctx.print(`run ${run}:`);
      }
      ctx.print(`${o.status.padEnd(14)}${o.action.id} ${o.action.object}`);
      if (o.change !== '') ctx.print(o.change.replace(/\n$/, '').split('\n').map((l) => `  ${l}`).join('\n'));
      if (o.error) ctx.print(`  ${o.error}`);
    }
    if (archived) ctx.print(`journal kept as ${archived}`);
    if (rolledBack) ctx.print(`run ${rolledBack} is marked rolled back in the journal`);
    for (const n of notes) ctx.print(`note: ${n}`);
  }
  ctx.exitCode = outcomes.some((o) => o.status === 'failed' || o.status === 'refused') ? 1 : 0;
}
