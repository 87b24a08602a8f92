// kvmio verify: does the host still hold what kvmio applied (journal: values, files,
// vfio binds, domain definitions, images, LVs, VGs), live and in the persisted files,
// and would another file or tool win at boot? Like `tuned-adm verify`.
import type { Command } from 'commander';
import type { Ctx } from '../context.js';
import { resolveHostState } from '../host-state.js';

interface VerifyOptions {
  readonly root?: string;
  readonly stateDir?: string;
  readonly json?: boolean;
}

export function register(program: Command, ctx: Ctx): void {
  program
    .command('verify')
    .description('Compare the live host and persisted files with what kvmio fix applied; name files or tools that would win at boot')
    .option('--root <dir>', 'the root kvmio fix wrote files under')
    .option('--state-dir <dir>', 'journal directory (default /var/lib/kvmio, under --root when given)')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', `
Exit codes: 0 everything kvmio set still holds, 1 drift (a value or file changed, or
another sysctl.d file / udev rule / tmpfiles.d line would win at boot), 2 usage error.`)
    .action(async (opts: VerifyOptions) => verify(opts, ctx));
}

async function verify(opts: VerifyOptions, ctx: Ctx): Promise<void> {
  const { root, stateDir } = resolveHostState(opts, ctx);
  const [engine, { journalTargets, readJournal }, { findCompetitors, persistedFromFiles }] = await Promise.all([
    import('../../apply/engine.js'), import('../../apply/journal.js'), import('../../decide/verify-competitors.js'),
  ]);
  const { POOL_HANDLERS } = await import('../../apply/pool-handler.js');
  const { BUILTIN_HANDLERS } = await import('../../apply/handlers.js');
  const trust = { root, kinds: Object.keys({ ...BUILTIN_HANDLERS, ...POOL_HANDLERS }) };
  const targets = journalTargets(readJournal(stateDir, trust, (where) => ctx.warn(`${where}: torn last line left out (a write cut short)`))).filter((t) => t.applied);
  if (targets.length === 0) {
    if (opts.json === true) ctx.json({ stateDir, applied: [], competitors: [], drift: false });
    else ctx.print(`nothing to verify: no change applied by kvmio is journaled in ${stateDir}`);
    return;
  }
  const drift = await engine.verifyJournal({ stateDir, trust, handlers: POOL_HANDLERS });
  const logical = (p: string): string => (root !== '/' && p.startsWith(`${root}/`) ? p.slice(root.length) : p);
  const files = targets.flatMap((t) => {
    const a = t.applied as { kind: string; path?: string; content?: string };
    return a.kind === 'file' && a.path !== undefined && a.content !== undefined ? [{ path: logical(a.path), content: a.content }] : [];
  });
  const ours = persistedFromFiles(files);
  const [{ probeHost }, { LocalSource }, { RootedSource }] = await Promise.all([
    import('../../facts/probe-host.js'), import('../../facts/local-source.js'), import('../../facts/rooted-source.js'),
  ]);
  const competitors = ours.sysctl || ours.schedulers ? findCompetitors(await probeHost(new RootedSource(new LocalSource(), root)), ours) : [];
  const drifted = drift.some((d) => d.drift !== undefined) || competitors.some((c) => c.wins);
  if (opts.json === true) {
    ctx.json({
      stateDir,
      applied: drift.map((d) => ({ id: d.action.id, kind: d.action.kind, object: d.action.object, ...(d.drift ? { drift: d.drift } : {}), ok: d.drift === undefined })),
      competitors,
      drift: drifted,
    });
  } else {
    for (const d of drift) {
      const a = d.action as { id: string; object: string; kind: string; path?: string; value?: string };
      const what = a.kind === 'sysfs' ? `${a.path} = ${a.value}` : (a.path ?? a.object);
      ctx.print(`${d.drift ? 'DRIFT' : 'ok   '} ${a.id} ${a.object}: ${d.drift ?? what}`);
    }
    for (const c of competitors) ctx.print(`${c.wins ? 'WINS ' : 'note '} ${c.object}: ${c.message}`);
    ctx.print(drifted ? 'drift: the host no longer holds (or will not keep at boot) what kvmio applied; rerun "kvmio fix --yes" or remove the competing setting' : 'everything kvmio applied still holds');
  }
  ctx.exitCode = drifted ? 1 : 0;
}
