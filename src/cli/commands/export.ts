// kvmio export ansible --collect -o DIR: a playbook and the probe script, so Ansible (not
// kvmio) reaches every host at scale; `kvmio audit --from DIR/dumps` audits what it
// fetched. `export ansible PLAN` writes a playbook that converges hosts on a plan (plan.ts).
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { usageError } from '../../errors.js';
import type { Ctx } from '../context.js';
import { checkOutputDir } from './collect.js';
import { shellLine } from '../../render/shell-quote.js';

interface ExportAnsibleOptions {
  readonly collect?: boolean;
  readonly output: string;
  readonly json?: boolean;
  /** false with --no-collections. */
  readonly collections?: boolean;
}

export function register(program: Command, ctx: Ctx): void {
  const exp = program.command('export').description('write files that run kvmio\'s work through other tools (Ansible)');
  exp
    .command('ansible')
    .description('write an Ansible playbook: --collect runs the kvmio probe on every inventory host and fetches the dumps')
    .argument('[plan]', 'a kvmio plan file: write a playbook that converges the hosts on it (kvmio-plan.yml)')
    .option('--collect', 'a playbook that runs the probe script on every host (script module: no Python on the hosts) and saves DUMPS/HOST.kvmio-probe')
    .requiredOption('-o, --output <dir>', 'directory to write the playbook and the script to (new or empty)')
    .option('--json', 'print what was written as JSON')
    .option('--no-collections', 'with PLAN: command tasks (with creates:) instead of community.general/community.libvirt modules, even where this machine has those collections (for a controller that lacks them)')
    .addHelpText('after', `
Then: ansible-playbook -i INVENTORY DIR/kvmio-collect.yml && kvmio audit --from DIR/dumps
Exit codes: 0 written, 1 write failed, 2 usage error (no --collect, DIR not empty).`)
    .action(async (planFile: string | undefined, opts: ExportAnsibleOptions) => {
      if (planFile !== undefined && opts.collect) throw usageError('export ansible: expected a PLAN or --collect, not both');
      if (planFile !== undefined) return (await import('./plan.js')).exportAnsiblePlan(planFile, resolve(ctx.cwd, opts.output), ctx, VERSION, { collections: opts.collections !== false });
      if (!opts.collect) throw usageError('export ansible: nothing to export; expected PLAN or --collect');
      const dir = resolve(ctx.cwd, opts.output);
      checkOutputDir(dir);
      const [{ renderCollectPlaybook, COLLECT_PLAYBOOK, PROBE_SCRIPT_FILE }, { REMOTE_PROBE_SH }, { mkdirSync }] = await Promise.all([
        import('../../render/ansible-collect.js'), import('../../facts/remote-probe-script.js'), import('node:fs'),
      ]);
      mkdirSync(dir, { recursive: true });
      const playbook = join(dir, COLLECT_PLAYBOOK);
      const script = join(dir, PROBE_SCRIPT_FILE);
      writeFileSync(script, REMOTE_PROBE_SH, { mode: 0o644 });
      writeFileSync(playbook, renderCollectPlaybook({ version: VERSION }), { mode: 0o644 });
      if (opts.json) ctx.json({ playbook, script, dumps: join(dir, 'dumps') });
      else ctx.print(`wrote ${playbook} and ${script}\nrun:  ${shellLine`ansible-playbook -i INVENTORY ${playbook}`}\nthen: ${shellLine`kvmio audit --from ${join(dir, 'dumps')}`}`);
    });
}

const VERSION = '0.1.0';
