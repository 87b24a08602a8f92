// kvmio fix: plan host changes from the probed facts (decide/plan-host.ts) and print
// them (dry run), or apply them through the journaled engine with --yes.
import type { Command } from 'commander';
import type { Ctx } from '../context.js';
import { collect, oneOf, positiveInt } from '../options.js';
import { usageError } from '../../errors.js';
import { faultHook, resolveHostState } from '../host-state.js';
import type { Outcome } from '../../apply/engine.js';

interface FixOptions {
  readonly yes?: boolean;
  readonly only: string[];
  readonly device: string[];
  readonly root?: string;
  readonly stateDir?: string;
  readonly persist: 'udev' | 'tmpfiles' | 'auto';
  readonly vms?: number;
  readonly iothreads?: number;
  readonly passthrough?: boolean;
  readonly json?: boolean;
  readonly wait?: boolean;
}

/** Ids (and prefixes) fix acts on; --only must name one of them. */
export const FIX_IDS = [
  'sched.stacked', 'sched.guest-virtual', 'sched.multiqueue', 'sched.host-hdd', 'sched.host-ssd', 'sched.persisted',
  'aio.max-nr', 'aio.persisted', 'boot.elevator', 'iommu.intel-cmdline', 'iommu.passthrough-mode',
] as const;

const nonNegativeInt = (option: string) => (v: string): number => (v === '0' ? 0 : positiveInt(option)(v));

export function register(program: Command, ctx: Ctx): void {
  program
    .command('fix')
    .description('Fix the host: schedulers (live + udev/tmpfiles), fs.aio-max-nr (live + sysctl.d), kernel command line drop-in')
    .option('--yes', 'apply the changes (default: only print them)')
    .option('--only <id>', 'only these rule ids or prefixes (repeatable or comma-separated), e.g. sched, aio.max-nr', collect, [])
    .option('--device <name>', 'only these block devices (repeatable); host-wide changes are then left out', collect, [])
    .option('--root <dir>', 'write every file under DIR (sysfs values stay live)')
    .option('--state-dir <dir>', 'journal and lock directory (default /var/lib/kvmio, under --root when given)')
    .option('--persist <how>', 'how schedulers persist: udev, tmpfiles, or auto (udev when the host runs udev)', oneOf('--persist', ['udev', 'tmpfiles', 'auto'] as const), 'auto')
    .option('--vms <n>', 'size fs.aio-max-nr for N VMs using native AIO (default: count libvirt domains)', positiveInt('--vms'))
    .option('--iothreads <m>', 'iothreads per VM serving native-AIO disks (with --vms; default 0)', nonNegativeInt('--iothreads'))
    .option('--passthrough', 'also add intel_iommu=on iommu=pt to the kernel command line (GRUB drop-in)')
    .option('--wait', 'wait for another kvmio run holding the lock instead of refusing')
    .option('--json', 'print the plan and outcomes as JSON')
    .addHelpText('after', `
Order: files first, then live values, so a run killed at any point can be rerun to the
same end state; every old value and file is journaled (fsync) before it changes, and
"kvmio rollback --yes" restores them. A second "fix --yes" changes nothing.

fs.aio-max-nr: each VM doing native AIO charges 1024 × (1 + iothreads serving
native-AIO disks) to fs.aio-nr (FACTS.md); kvmio doubles that, rounds up to a power of
two, never goes below 65536 and never lowers the current value.

Exit codes: 0 done (or nothing to do), 1 a guard refused or a write failed, or the lock
is held, 2 usage error.`)
    .action(async (opts: FixOptions) => fix(opts, ctx));
}

async function hasUdev(): Promise<boolean> {
  const { existsSync } = await import('node:fs');
  const { join } = await import('node:path');
  if (existsSync('/run/udev/control')) return true;
  return (process.env.PATH ?? '').split(':').some((d) => d !== '' && existsSync(join(d, 'udevadm')));
}

async function fix(opts: FixOptions, ctx: Ctx): Promise<void> {
  for (const o of opts.only) {
    if (!FIX_IDS.some((id) => id === o || id.startsWith(`${o}.`))) throw usageError(`--only ${o}: kvmio fix has no such rule id or prefix; expected one of ${FIX_IDS.join(', ')} or a prefix (sched, aio, boot, iommu)`);
  }
  if (opts.iothreads !== undefined && opts.vms === undefined) throw usageError('--iothreads: needs --vms N (the number of VMs those iothreads belong to)');
  const { root, stateDir } = resolveHostState(opts, ctx);
  const [{ probeHost }, { LocalSource }, { RootedSource }, { planHost }, { readFileSync, existsSync }, { join }, aio, engine, persistPaths] = await Promise.all([
    import('../../facts/probe-host.js'), import('../../facts/local-source.js'), import('../../facts/rooted-source.js'), import('../../decide/plan-host.js'),
    import('node:fs'), import('node:path'), import('../../decide/recommend-aio.js'), import('../../apply/engine.js'), import('../../render/scheduler-persist.js'),
  ]);
  const facts = await probeHost(new RootedSource(new LocalSource(), root));
  const devices = opts.device.map((d) => d.replace(/^\/dev\//, ''));
  const known = new Set(facts.blockDevices.ok ? facts.blockDevices.value.map((d) => d.name) : []);
  for (const d of devices) if (!known.has(d)) throw usageError(`--device ${d}: no such block device; expected one of ${[...known].join(', ') || '(none readable)'}`);

  const persist = opts.persist === 'auto' ? ((await hasUdev()) ? 'udev' : 'tmpfiles') : opts.persist;
  // fs.aio-max-nr sizing input: flags, else libvirt's domains (only when aio is in scope).
  const { matchesOnly } = await import('../../model/finding.js');
  const wantsAio = devices.length === 0 && (matchesOnly('aio.max-nr', opts.only) || matchesOnly('aio.persisted', opts.only));
  let demand;
  let aioNote: string | undefined;
  if (opts.vms !== undefined) demand = aio.aioDemandFromCounts(opts.vms, opts.iothreads ?? 0);
  else if (wantsAio) {
    // The same model and aioCharge as the aio.vm-headroom check (decide/aio-cost.ts).
    const [{ probeLibvirtDomains }, { libvirtUri }] = await Promise.all([import('../../libvirt/probe-domains.js'), import('../../facts/commands.js')]);
    const lv = await probeLibvirtDomains(new LocalSource(), { uri: libvirtUri(ctx.env) });
    if (lv.status.read.ok) demand = aio.aioDemandFromVms(lv.vms);
    else aioNote = `libvirt domains unreadable (${lv.status.read.reason})`;
  }
  const readManaged = (p: string): string | undefined => {
    const full = root === '/' ? p : join(root, p);
    return existsSync(full) ? readFileSync(full, 'utf8') : undefined;
  };
  const managed = { udevRules: readManaged(persistPaths.UDEV_RULES_PATH), tmpfiles: readManaged(persistPaths.TMPFILES_PATH) };
  const plan = planHost(facts, { only: opts.only, devices, persist, passthrough: opts.passthrough === true, ...(demand ? { aio: demand } : {}) }, managed);
  // Warn now about files or tools that would undo the persisted settings at boot.
  const { findCompetitors, persistedFromFiles } = await import('../../decide/verify-competitors.js');
  const competitors = findCompetitors(facts, persistedFromFiles(plan.actions.flatMap((a) => (a.kind === 'file' ? [{ path: a.path, content: a.content }] : []))));
  const skipped = plan.skipped.map((s) => (s.id === 'aio.max-nr' && aioNote ? { ...s, why: `${s.why}; ${aioNote}` } : s));

  const yes = opts.yes === true;
  const print = (o: Outcome): void => {
    if (opts.json === true) return;
    ctx.print(formatOutcome(o));
  };
  if (opts.json !== true) ctx.print(yes ? `kvmio fix: applying (journal ${stateDir}/journal.jsonl)` : 'kvmio fix: dry run, nothing is changed (add --yes to apply)');
  const outcomes = yes
    ? await engine.applyActions(plan.actions, { stateDir, onNote: (n) => ctx.warn(n), root, wait: opts.wait === true, onOutcome: print, ...(faultHook(ctx.env) !== undefined ? { faultAfterStep: faultHook(ctx.env) } : {}) })
    : await engine.previewActions(plan.actions, { root });
  if (!yes) outcomes.forEach(print);
  const notes = [...new Set(outcomes.filter((o) => o.status === 'changed' || o.status === 'would-change').flatMap((o) => o.action.notes ?? []))];
  if (opts.json === true) {
    ctx.json({
      mode: yes ? 'apply' : 'dry-run',
      root,
      stateDir,
      persist,
      actions: outcomes.map((o) => ({ ...o.action, status: o.status, change: o.change, ...(o.error ? { error: o.error } : {}) })),
      skipped,
      competitors,
      notes,
    });
  } else {
    if (plan.actions.length === 0) ctx.print('nothing to change');
    for (const s of skipped) ctx.print(`skipped       ${s.id} ${s.object}: ${s.why}`);
    for (const c of competitors) ctx.print(`${c.wins ? 'warning' : 'note'}: ${c.message}${c.wins ? '; remove or edit it, or kvmio\'s setting is lost at boot' : ''}`);
    for (const n of notes) ctx.print(`note: ${n}`);
    if (!yes && outcomes.some((o) => o.status === 'would-change')) ctx.print(`run again with --yes to apply; "kvmio rollback --yes" undoes it`);
  }
  ctx.exitCode = outcomes.some((o) => o.status === 'refused' || o.status === 'failed' || o.status === 'not-run') ? 1 : 0;
}

const LABEL: Record<Outcome['status'], string> = { 'would-change': 'would change', unchanged: 'unchanged', changed: 'changed', refused: 'REFUSED', failed: 'FAILED', 'not-run': 'not run' };

function formatOutcome(o: Outcome): string {
  const head = `${LABEL[o.status].padEnd(14)}${o.action.id} ${o.action.object}`;
  const lines = [head];
  if (o.status !== 'unchanged' && o.status !== 'not-run') {
    lines.push(`  why: ${o.action.reason}`);
    if (o.change !== '') lines.push(...o.change.replace(/\n$/, '').split('\n').map((l) => `  ${l}`));
  }
  if (o.error) lines.push(`  ${o.error}`);
  return lines.join('\n');
}
