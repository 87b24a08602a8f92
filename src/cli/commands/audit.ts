// kvmio audit: probe this host (or a dump with --from), run every auditor, print
// findings grouped by object. Exit 0 when nothing fails, 1 when something fails.
import { statSync } from 'node:fs';
import type { Command } from 'commander';
import type { Ctx } from '../context.js';
import { collect } from '../options.js';
import { defaultStateDir, resolveHostState, STATE_DIR_FLAG, stateDirHelp } from '../host-state.js';
import { addFleetAuditOptions, fleetAudit, FLEET_HELP, type AuditFlags } from '../fleet.js';
import { usageError } from '../../errors.js';
import { AUDITORS } from '../auditors.js';
import { matchesOnly, worst } from '../../model/finding.js';
import type { Source } from '../../facts/source.js';

interface AuditOptions {
  readonly from?: string;
  readonly json?: boolean;
  readonly only?: string[];
  readonly device?: string[];
  readonly verbose?: boolean;
  readonly domainXml?: string[];
  readonly stateDir?: string;
}

const checkList = (): string =>
  AUDITORS.flatMap((a) => a.checks).map((c) => `  ${c.id.padEnd(24)} ${c.what}`).join('\n');

export const AUDIT_JSON_SHAPE = `JSON (--json): {
  "facts":    {source, hostname, kernel, roles: {kvmHost, guest, evidence[]},
               aio: {nr, maxNr} | null, cmdline, devices: [{name, kind, transport,
               parent?, rotational, sizeBytes, scheduler, available[], nrHwQueues}],
               unreadable: {fact: reason}},
  "findings": [{id, object, status: pass|warn|fail|skip, observed?, expected?, why, fix?, ref?}],
  "counts":   {fail, warn, skip, pass},
  "status":   worst status (fail > warn > skip > pass)
}`;

export function register(program: Command, ctx: Ctx): void {
  addFleetAuditOptions(program.command('audit'))
    .description('Audit this host (or a dump): schedulers, AIO limit, boot parameters, IOMMU, /dev/kvm')
    .option('--from <dir>', 'audit a dump written by "kvmio collect -o DIR" instead of this machine (repeatable: dumps, .kvmio-probe files or directories of them, side by side)', (v: string, p: string[] = []) => [...p, v])
    .option('--json', 'print findings and a facts summary as JSON')
    .option('--only <id>', 'only checks with this id or dotted prefix (repeatable, or comma-separated)', collect)
    .option('--device <name>', 'only findings about this block device, e.g. sda or /dev/sda (repeatable)', collect)
    .option('--domain-xml <file...>', 'also audit the disks of these libvirt domain XML files (virsh dumpxml output)', (v: string, p: string[] = []) => [...p, v])
    .option(STATE_DIR_FLAG, stateDirHelp('where kvmio bench saved its results: the aio and guest-scheduler checks cite them (with --from: read only when given)'))
    .option('-v, --verbose', 'show why and the reference for passing checks too')
    .addHelpText('after', FLEET_HELP)
    .addHelpText('after', () => `
Exit codes:
  0  no check failed (WARN and SKIP do not fail)
  1  at least one check failed
  2  usage error (bad flag, unknown check id or device, --from not a dump)

Check ids (--only takes an id or a prefix such as "sched"):
${checkList()}

${AUDIT_JSON_SHAPE}

Read-only: it reads /sys, /proc and /etc and opens /dev/kvm to test it. VM disks: it
reads libvirt's domains through virsh (this machine only, not with --from; saved and,
where different, live definitions) and --domain-xml files, and inspects each local
disk source (qemu-img info -U, findmnt, an O_DIRECT open). It changes nothing.`)
    .action(async (opts: Omit<AuditOptions, 'from'> & AuditFlags & { from?: string[] }) => {
      if (await fleetAudit(opts, ctx)) return;
      await audit({ ...opts, from: opts.from?.[0], json: opts.json === true || opts.format === 'json' }, ctx);
    });
}

function checkDumpDir(dir: string): void {
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    isDir = false;
  }
  if (!isDir) throw usageError(`--from ${dir}: no such directory; expected a dump written by "kvmio collect -o DIR"`);
}

async function openSource(from: string | undefined): Promise<Source> {
  if (from === undefined) return new (await import('../../facts/local-source.js')).LocalSource();
  return new (await import('../../facts/dump-source.js')).DumpSource(from);
}

async function audit(given: AuditOptions, ctx: Ctx): Promise<void> {
  const opts = { ...given, only: given.only ?? [], device: given.device ?? [] };
  const ids = AUDITORS.flatMap((a) => a.checks.map((c) => c.id));
  for (const o of opts.only) {
    if (!ids.some((id) => matchesOnly(id, [o]))) throw usageError(`--only ${o}: no such check id or prefix; expected one of ${[...new Set(ids.map((i) => i.split('.')[0]))].join(', ')} or a full id (see kvmio audit --help)`);
  }
  if (opts.from !== undefined) checkDumpDir(opts.from);
  // Saved bench results: this host's state directory, or for a dump only the one named.
  const stateDir = opts.stateDir !== undefined ? resolveHostState({ stateDir: opts.stateDir }, ctx).stateDir : opts.from === undefined ? defaultStateDir(ctx.env, ctx.cwd) : undefined;
  // Every module the action needs starts loading at once (serial dynamic imports were a
  // measurable part of the wall time); the auditors' rules load while the probe runs.
  const preloads = AUDITORS.map((a) => a.preload?.().catch(() => undefined)); // run() reports a load error
  const [{ probeHost }, { sortFindings }, { summarizeHost, renderHostSummaryText }, { countFindings, renderFindingsText, findingsJson }, source] = await Promise.all([
    import('../../facts/probe-host.js'), import('../../decide/sort-findings.js'), import('../../report/host-summary.js'),
    import('../../report/findings-text.js'), openSource(opts.from),
  ]);
  const facts = await probeHost(source);
  const devices = opts.device.map((d) => d.replace(/^\/dev\//, ''));
  if (devices.length > 0) {
    const known = facts.blockDevices.ok ? new Set(facts.blockDevices.value.map((d) => d.name)) : new Set<string>();
    for (const d of devices) {
      if (!known.has(d)) throw usageError(`--device ${d}: no such block device on ${source.label}; expected one of ${[...known].slice(0, 20).join(', ') || '(none readable)'}`);
    }
  }
  const input = { source, facts, local: opts.from === undefined, domainXml: opts.domainXml, ...(stateDir === undefined ? {} : { stateDir }) };
  await Promise.all(preloads);
  // Auditors none of whose checks --only selects are not run (no virsh call for --only sched).
  const wanted = AUDITORS.filter((a) => opts.only.length === 0 || a.checks.some((c) => matchesOnly(c.id, opts.only)));
  const all = (await Promise.all(wanted.map((a) => a.run(input)))).flat();
  const findings = sortFindings(all.filter((f) => matchesOnly(f.id, opts.only) && (devices.length === 0 || devices.includes(f.object))));
  const summary = summarizeHost(facts);
  if (opts.json === true) {
    ctx.json({ facts: summary, findings: findingsJson(findings), counts: countFindings(findings), status: worst(findings) });
  } else {
    ctx.print(`${renderHostSummaryText(summary)}\n${renderFindingsText(findings, { verbose: opts.verbose === true })}`);
  }
  ctx.exitCode = findings.some((f) => f.status === 'fail') ? 1 : 0;
}
