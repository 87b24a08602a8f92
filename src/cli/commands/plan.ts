// `kvmio plan schema|check|show|apply`: a host plan file (YAML) checked against this
// host or a dump, shown as the changes it needs, applied through the journal. Thin:
// read the file, call src/plan/, print.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { Ctx } from '../context.js';
import { group } from '../group.js';
import { oneOf } from '../options.js';
import { resolveHostState } from '../host-state.js';
import { KvmioError, usageError } from '../../errors.js';
import type { ParsedPlan } from '../../plan/parse-plan.js';
import type { PlanFacts } from '../../plan/plan-facts.js';
import { shellLine } from '../../render/shell-quote.js';

interface PlanOpts {
  readonly from?: string;
  readonly domainType?: 'kvm' | 'qemu';
  readonly root?: string;
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
    .option('--domain-type <type>', 'libvirt domain type of new VMs: kvm (default) or qemu (TCG)', oneOf('--domain-type', ['kvm', 'qemu'] as const))
    .action(async (file: string, opts: PlanOpts) => {
      const parsed = await loadPlan(file, ctx);
      if (!parsed) return;
      const facts = await loadFacts(parsed, opts, ctx);
      if (await reportProblems(parsed, facts, file, opts.from, ctx, opts.json === true)) return;
      const { planChanges } = await import('../../plan/plan-changes.js');
      const { formatChanges } = await import('../../report/plan-text.js');
      const changes = planChanges(parsed.plan, facts, opts.domainType ? { domainType: opts.domainType } : {});
      if (opts.json === true) ctx.json({ file, changes: changes.map(({ hostAction: _a, ...c }) => c) });
      else ctx.print(formatChanges(changes, { file, against: opts.from ?? 'this host' }));
    });

  plan.command('apply <file>')
    .description('make the host match the plan through the journal (dry run unless --yes); kvmio rollback undoes it')
    .option('--yes', 'apply the changes (default: only print them)')
    .option('--domain-type <type>', 'libvirt domain type of new VMs: kvm (default) or qemu (TCG)', oneOf('--domain-type', ['kvm', 'qemu'] as const))
    .option('--root <dir>', 'write every host file under DIR (sysfs values stay live)')
    .option('--state-dir <dir>', 'journal and lock directory (default /var/lib/kvmio, under --root when given)')
    .option('--from <dir>', 'with --sysfs-root: the recorded facts of the tree being written (tests)')
    .option('--sysfs-root <dir>', 'write VFIO binds under DIR/sys instead of /sys, and leave live sysfs values out (tests: a writable copy of a recorded tree; needs --from)')
    .option('--wait', 'wait for another kvmio run holding the lock instead of refusing')
    .option('--json', 'print the outcomes as JSON')
    .addHelpText('after', `
The plan is checked first (as plan check): any problem and nothing is done. Then, in
order: host settings (as kvmio fix), PVs/VGs/thin pools, libvirt pools, volumes through
the pools, VFIO binds, and virsh define of each domain. A second apply changes nothing.
A new PV must carry no signature (wipefs/blkid, as kvmio vg create) unless its volume
group says wipeSignatures: true; a device the host uses is always refused. A PCI device
is bound as kvmio passthrough bind binds it: its whole IOMMU group, never the boot disk's
controller, modprobe vfio-pci first (journaled; rollback unloads only what kvmio loaded).
An existing domain has its disks edited in place (cache, io, discard, iothread: the
edit kvmio vm tune makes); the rest of its definition is kept.`)
    .action(async (file: string, opts: PlanOpts & { readonly sysfsRoot?: string }) => {
      if ((opts.sysfsRoot === undefined) !== (opts.from === undefined)) {
        throw usageError(opts.from !== undefined
          ? `--from ${opts.from}: plan apply acts on this host, so it reads this host; expected --from only with --sysfs-root (a recorded tree being written)`
          : `--sysfs-root ${opts.sysfsRoot ?? ''}: needs --from DUMP, the recorded facts of the tree being written (e.g. --from COPY --sysfs-root COPY/fs)`);
      }
      const parsed = await loadPlan(file, ctx);
      if (!parsed) return;
      const facts = await loadFacts(parsed, opts, ctx);
      if (await reportProblems(parsed, facts, file, opts.from, ctx, opts.json === true)) return;
      const [{ planChanges }, { planApplyActions }, { applyPlan }, { ownedKeys }, { POOL_HANDLERS }] = await Promise.all([
        import('../../plan/plan-changes.js'), import('../../plan/plan-apply-actions.js'), import('../../apply/apply-plan.js'), import('../../apply/engine.js'), import('../../apply/pool-handler.js'),
      ]);
      const changes = planChanges(parsed.plan, facts, opts.domainType ? { domainType: opts.domainType } : {});
      const ap = planApplyActions(parsed.plan, facts, changes, ctx.env.LIBVIRT_DEFAULT_URI);
      const { root, stateDir } = resolveHostState(opts, ctx);
      const yes = opts.yes === true;
      const r = await applyPlan(parsed.plan, facts, ap, {
        yes, stateDir, root, onNote: (n) => ctx.warn(n), handlers: POOL_HANDLERS, wait: opts.wait === true, owned: await ownedKeys(stateDir, POOL_HANDLERS),
        sysfsRoot: opts.sysfsRoot === undefined ? '/' : resolve(ctx.cwd, opts.sysfsRoot),
      });
      const leftOut = [...ap.leftOut, ...r.leftOut];
      if (r.refusals.length > 0) {
        if (opts.json === true) ctx.json({ mode: yes ? 'apply' : 'dry-run', file, refused: r.refusals, outcomes: [], leftOut });
        else for (const l of r.refusals) ctx.stderr.write(`kvmio: ${l}\n`);
        if (opts.json !== true) ctx.stderr.write(`kvmio: ${file}: ${r.refusals.length} refusal${r.refusals.length === 1 ? '' : 's'}; nothing was done\n`);
        ctx.exitCode = 1;
        return;
      }
      for (const w of r.overridden) if (opts.json !== true) ctx.warn(w);
      const outcomes = r.outcomes;
      if (opts.json === true) {
        ctx.json({ mode: yes ? 'apply' : 'dry-run', file, outcomes: outcomes.map((o) => ({ kind: o.action.kind, id: o.action.id, object: o.action.object, status: o.status, change: o.change, ...(o.error ? { error: o.error } : {}) })), warnings: r.overridden, rolledBack: r.rolledBack, leftOut });
      } else {
        ctx.print(yes ? `${shellLine`kvmio plan apply ${file}`}: applying (journal ${stateDir}/journal.jsonl)` : `${shellLine`kvmio plan apply ${file}`}: dry run, nothing is changed (add --yes to apply)`);
        for (const o of outcomes) {
          ctx.print(`${o.status.padEnd(13)} ${o.action.id} ${o.action.object}`);
          if (o.status !== 'unchanged' && o.change.trim() !== '') ctx.print(o.change.trimEnd().split('\n').map((l) => `  ${l}`).join('\n'));
          if (o.error) ctx.print(`  ${o.error}`);
        }
        if (r.rolledBack.length > 0) ctx.print(`failed part-way; put back at once: ${r.rolledBack.join(', ')}`);
        for (const c of changes.filter((x) => x.status === 'ok')) ctx.print(`unchanged     ${c.summary}`);
        for (const l of leftOut) ctx.print(`left out: ${l}`);
        const n = outcomes.filter((o) => o.status === 'changed' || o.status === 'would-change').length;
        ctx.print(`${n} change${n === 1 ? '' : 's'}${yes ? ' made' : ' to make'}, ${outcomes.filter((o) => o.status === 'unchanged').length + changes.filter((c) => c.status === 'ok').length} already as planned${yes && n > 0 ? '; kvmio rollback --yes undoes them' : ''}`);
      }
      ctx.exitCode = outcomes.some((o) => o.status === 'refused' || o.status === 'failed' || o.status === 'not-run') ? 1 : 0;
    });
}

/** The collections the playbook may use, when the controller has them (else command tasks). */
async function installedCollections(env: Readonly<Record<string, string | undefined>>): Promise<{ general: boolean; libvirt: boolean }> {
  const { existsSync } = await import('node:fs');
  const { join } = await import('node:path');
  const roots = [...(env.ANSIBLE_COLLECTIONS_PATH ?? '').split(':').filter((x) => x !== ''), join(env.HOME ?? '/root', '.ansible', 'collections'), '/usr/share/ansible/collections', '/usr/lib/python3/dist-packages'];
  const has = (c: string): boolean => roots.some((r) => existsSync(join(r, 'ansible_collections', 'community', c)));
  return { general: has('general'), libvirt: has('libvirt') };
}

/** `kvmio export ansible PLAN -o DIR`: the plan as a playbook (render/ansible-plan.ts). */
export async function exportAnsiblePlan(file: string, dir: string, ctx: Ctx, version: string, opts: { readonly collections: boolean } = { collections: true }): Promise<void> {
  const parsed = await loadPlan(file, ctx);
  if (!parsed) return;
  const { checkOutputDir } = await import('./collect.js');
  checkOutputDir(dir);
  const [{ renderPlanPlaybook, PLAN_PLAYBOOK }, { recommendedAioMaxNr }, { planVmDomains, planAioDemandStatic }, fs, { join, basename }] = await Promise.all([
    import('../../render/ansible-plan.js'), import('../../decide/recommend-aio.js'), import('../../plan/plan-static.js'), import('node:fs'), import('node:path'),
  ]);
  const plan = parsed.plan;
  const aioMaxNr = typeof plan.host.aioMaxNr === 'number' ? plan.host.aioMaxNr : recommendedAioMaxNr(planAioDemandStatic(plan), 0).target;
  const text = renderPlanPlaybook(plan, { version, planFile: basename(file), ...(opts.collections ? await installedCollections(ctx.env) : { general: false, libvirt: false }), aioMaxNr, domains: planVmDomains(plan) });
  fs.mkdirSync(dir, { recursive: true });
  const out = join(dir, PLAN_PLAYBOOK);
  fs.writeFileSync(out, text, { mode: 0o644 });
  ctx.print(`wrote ${out}\nrun: ansible-playbook -i INVENTORY ${out} --check --diff`);
}
