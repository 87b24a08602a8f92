// `kvmio plan schema|check|show|apply`: a host plan file (YAML) checked against this
// host or a dump, shown as the changes it needs, applied through the journal. Thin:
// read the file, call src/plan/, print.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { Ctx } from '../context.js';
import { group } from '../group.js';
import { KvmioError } from '../../errors.js';
import type { ParsedPlan } from '../../plan/parse-plan.js';
import type { PlanFacts } from '../../plan/plan-facts.js';

interface PlanOpts {
  readonly from?: string;
  readonly json?: boolean;
  readonly yes?: boolean;
  readonly stateDir?: string;
  readonly wait?: boolean;
}

/** Reads and validates FILE; on a bad plan prints one line per problem and exits 2, nothing done. */
async function loadPlan(file: string, ctx: Ctx): Promise<ParsedPlan | undefined> {
  const { readFileSync } = await import('node:fs');
  const { parsePlan, formatProblem } = await import('../../plan/parse-plan.js');
  let text: string;
  try {
    text = readFileSync(resolve(ctx.cwd, file), 'utf8');
  } catch (e) {
    throw new KvmioError('usage', `${file}: cannot read the plan (${(e as NodeJS.ErrnoException).code ?? String(e)}); expected a YAML plan file`);
  }
  const r = parsePlan(text, file);
  if (r.ok) return r.value;
  for (const p of r.problems) ctx.stderr.write(`${formatProblem(p)}\n`);
  ctx.stderr.write(`kvmio: ${file}: ${r.problems.length} problem${r.problems.length === 1 ? '' : 's'}; nothing was done\n`);
  ctx.exitCode = 2;
  return undefined;
}

async function loadFacts(parsed: ParsedPlan, opts: PlanOpts, ctx: Ctx): Promise<PlanFacts> {
  const { probePlanFacts } = await import('../../facts/probe-plan-facts.js');
  const pci = parsed.plan.vms.flatMap((v) => v.disks.flatMap((d) => (d.type === 'pci' ? [d.address] : [])));
  return probePlanFacts(opts.from === undefined ? undefined : resolve(ctx.cwd, opts.from), ctx.env, { pci, domains: parsed.plan.vms.map((v) => v.name) });
}

/** Problems as file:line:column lines; true when there were any (exit 1 set). */
async function reportProblems(parsed: ParsedPlan, facts: PlanFacts, file: string, from: string | undefined, ctx: Ctx, json: boolean): Promise<boolean> {
  const { checkPlan } = await import('../../plan/check-plan.js');
  const { formatPath } = await import('../../plan/parse-plan.js');
  const problems = checkPlan(parsed.plan, facts).map((p) => ({ at: parsed.locate(p.path), path: formatPath(p.path), message: p.message }));
  if (json) ctx.json({ file, source: facts.host.source, ok: problems.length === 0, problems });
  else for (const p of problems) ctx.print(`${p.at}: ${p.path === '' ? '' : `${p.path}: `}${p.message}`);
  if (problems.length > 0) {
    if (!json) ctx.stderr.write(`kvmio: ${file}: ${problems.length} problem${problems.length === 1 ? '' : 's'} against ${from ?? 'this host'}; nothing was done\n`);
    ctx.exitCode = 1;
  }
  return problems.length > 0;
}

export function register(program: Command, ctx: Ctx): void {
  const plan = group(program, 'plan', 'host plans: a YAML file of host settings, volume groups, libvirt pools and VMs, checked, shown and applied');
  plan.addHelpText('after', `
The plan's format is the JSON Schema "kvmio plan schema" prints (also
schemas/plan.schema.json; docs/plan.md explains each key). Problems name
FILE:LINE:COLUMN, the value seen and what is expected.

Exit codes: 0 the plan fits (or was applied), 1 a problem against the host or a refused
or failed change, 2 the file is not a valid plan.`);

  plan.command('schema')
    .description('print the plan file\'s JSON Schema')
    .action(async () => {
      const { planJsonSchema } = await import('../../plan/plan-schema.js');
      ctx.print(JSON.stringify(planJsonSchema(), null, 2));
    });

  plan.command('check <file>')
    .description('check the plan against this host (or a dump): references resolve, nothing gives away the host\'s disks, no device used twice')
    .option('--from <dir>', 'check against a dump written by kvmio collect instead of this host')
    .option('--json', 'print the problems as JSON')
    .action(async (file: string, opts: PlanOpts) => {
      const parsed = await loadPlan(file, ctx);
      if (!parsed) return;
      const facts = await loadFacts(parsed, opts, ctx);
      if (!(await reportProblems(parsed, facts, file, opts.from, ctx, opts.json === true)) && opts.json !== true) {
        ctx.print(`${file}: ok against ${opts.from ?? 'this host'} (${parsed.plan.volumeGroups.length} volume groups, ${parsed.plan.pools.length} pools, ${parsed.plan.vms.length} VMs)`);
      }
    });

  plan.command('show <file>')
    .description('what the plan would change on this host, in order, and what already matches (changes nothing)')
    .option('--from <dir>', 'show against a dump written by kvmio collect instead of this host')
    .option('--json', 'print the changes as JSON')
    .action(async (file: string, opts: PlanOpts) => {
      const parsed = await loadPlan(file, ctx);
      if (!parsed) return;
      const facts = await loadFacts(parsed, opts, ctx);
      if (await reportProblems(parsed, facts, file, opts.from, ctx, opts.json === true)) return;
      const { planChanges } = await import('../../plan/plan-changes.js');
      const { formatChanges } = await import('../../report/plan-text.js');
      const changes = planChanges(parsed.plan, facts);
      if (opts.json === true) ctx.json({ file, changes: changes.map(({ hostAction: _a, ...c }) => c) });
      else ctx.print(formatChanges(changes, { file, against: opts.from ?? 'this host' }));
    });
}
