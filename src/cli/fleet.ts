// The fleet flags of `kvmio audit` and `kvmio collect` (--host, --inventory, --limit,
// --parallel, --timeout, --ssh-config, --format, several --from): parse and check them
// (bad input: one line, exit 2, nothing run remotely), call src/fleet/, print through
// src/report/. The commands call addFleet*Options when they register and fleetAudit /
// fleetCollect first in their actions; both return false when no fleet flag was given.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { DUMP_META } from '../facts/dump-format.js';
import { Option, type Command } from 'commander';
import { usageError } from '../errors.js';
import type { SshOptions, SshTarget } from '../facts/remote-ssh.js';
import type { Source } from '../facts/source.js';
import type { HostResult } from '../fleet/run-fleet.js';
import { matchesOnly, worst, type Finding } from '../model/finding.js';
import type { Ctx } from './context.js';
import { collect, positiveInt } from './options.js';

export const FLEET_FORMATS = ['text', 'json', 'prometheus', 'junit'] as const;
type Format = (typeof FLEET_FORMATS)[number];

export interface FleetFlags {
  readonly host?: string[];
  readonly inventory?: string;
  readonly limit?: string[];
  readonly parallel?: number;
  readonly timeout?: number;
  readonly sshConfig?: string;
  readonly format?: Format;
  readonly output?: string;
}

const DEFAULT_TIMEOUT_S = 60;

function addConnectionOptions(cmd: Command): Command {
  return cmd
    .option('--host <[user@]host[:port]>', 'probe this host over ssh (repeatable, or comma-separated); uses your ssh client, keys and config', collect)
    .option('--inventory <file>', 'probe the hosts of this Ansible inventory (INI or YAML; ansible_host, ansible_port, ansible_user)')
    .option('--limit <group|host>', 'with --inventory: only these groups or hosts (repeatable, or comma-separated)', collect)
    .option('--parallel <n>', 'hosts probed at once (default: the host count, at most 16)', positiveInt('--parallel'))
    .option('--timeout <seconds>', `time allowed per host, connection included (default ${DEFAULT_TIMEOUT_S})`, positiveInt('--timeout'))
    .option('--ssh-config <file>', 'ssh -F FILE: use this ssh_config instead of ~/.ssh/config');
}

export function addFleetAuditOptions(cmd: Command): Command {
  return addConnectionOptions(cmd)
    .addOption(new Option('--format <format>', 'output format (default text; json = --json; prometheus: node_exporter textfile format)').choices(FLEET_FORMATS))
    .option('-o, --output <file>', 'with --format prometheus|junit|json: write the report to FILE atomically (node_exporter: TEXTFILE_DIR/kvmio.prom)');
}

export const FLEET_HELP = `
Many hosts (over ssh: one POSIX sh script per host on stdin, parsed here; nothing to install):
  kvmio audit --host root@hv1 --host hv2:2222      kvmio audit --inventory hosts.ini --limit kvm
  kvmio audit --from DUMP_DIR --from other.kvmio-probe --from DIR_OF_DUMPS
  --format prometheus -o /var/lib/node_exporter/textfile/kvmio.prom
ssh runs as "ssh -o BatchMode=yes [-F CONFIG] [-p PORT] [-l USER] -- HOST sh -s": your keys,
agent, ProxyJump and known_hosts apply; a host whose key is unknown or changed is refused
as your config says. A host that fails is reported with the reason and the exit code is 1.`;

export function addFleetCollectOptions(cmd: Command): Command {
  return addConnectionOptions(cmd);
}

function sshOptions(flags: FleetFlags, ctx: Ctx): SshOptions {
  const configFile = flags.sshConfig !== undefined ? resolve(ctx.cwd, flags.sshConfig) : undefined;
  if (configFile !== undefined) {
    try {
      if (!statSync(configFile).isFile()) throw new Error('not a file');
    } catch {
      throw usageError(`--ssh-config ${flags.sshConfig}: no such file; expected an ssh_config(5) file`);
    }
  }
  return { timeoutMs: (flags.timeout ?? DEFAULT_TIMEOUT_S) * 1000, ...(configFile !== undefined ? { configFile } : {}) };
}

/** The hosts named by --host and --inventory, all checked before anything runs. */
async function targetsOf(flags: FleetFlags, ctx: Ctx): Promise<SshTarget[]> {
  const [{ parseHostSpec }, { parseInventory, selectTargets }] = await Promise.all([import('../fleet/host-spec.js'), import('../fleet/inventory.js')]);
  const targets = (flags.host ?? []).map((h) => parseHostSpec(h));
  if (flags.limit && flags.inventory === undefined) throw usageError('--limit: only with --inventory FILE');
  if (flags.inventory !== undefined) {
    let text: string;
    try {
      text = readFileSync(resolve(ctx.cwd, flags.inventory), 'utf8');
    } catch (e) {
      throw usageError(`--inventory ${flags.inventory}: cannot read it (${(e as NodeJS.ErrnoException).code ?? String(e)}); expected an Ansible inventory file`);
    }
    targets.push(...selectTargets(parseInventory(text, flags.inventory), flags.limit ?? [], flags.inventory));
  }
  const names = new Set<string>();
  for (const t of targets) {
    if (names.has(t.name)) throw usageError(`host ${t.name}: named twice; expected each host once`);
    names.add(t.name);
  }
  return targets;
}

const isTty = (ctx: Ctx): boolean => (ctx.stderr as { isTTY?: boolean }).isTTY === true;

function progress(ctx: Ctx): ((r: HostResult, done: number, total: number) => void) | undefined {
  if (!isTty(ctx)) return undefined;
  return (r, done, total) => {
    ctx.stderr.write(`\r\x1b[K[${done}/${total}] ${r.host}: ${r.failure ? r.failure.kind : 'ok'}${done === total ? '\n' : ''}`);
  };
}

export interface AuditFlags extends FleetFlags {
  readonly from?: string | string[];
  readonly json?: boolean;
  readonly only?: string[];
  readonly device?: string[];
  readonly verbose?: boolean;
}

/** A --from value that is a probe stream file or a directory of dumps/streams (not itself a dump). */
function isFleetInput(path: string): boolean {
  try {
    const st = statSync(path);
    if (st.isFile()) return true;
    if (existsSync(join(path, DUMP_META))) return false;
    return readdirSync(path).some((n) => n.endsWith('.kvmio-probe') || existsSync(join(path, n, DUMP_META)));
  } catch {
    return false;
  }
}

const fromList = (from: string | string[] | undefined): string[] => (from === undefined ? [] : Array.isArray(from) ? from : [from]);

/** True when this is a fleet audit (or a local audit in a fleet format); then it has run. */
export async function fleetAudit(flags: AuditFlags, ctx: Ctx): Promise<boolean> {
  const from = fromList(flags.from).map((f) => resolve(ctx.cwd, f));
  const remote = (flags.host?.length ?? 0) > 0 || flags.inventory !== undefined;
  // one --from that is a dump (or is no dump at all: the plain audit says why) stays the plain audit
  const singleDump = from.length === 1 && !remote && !isFleetInput(from[0] as string);
  const format: Format = flags.format ?? (flags.json ? 'json' : 'text');
  const fleetFormat = format === 'prometheus' || format === 'junit';
  if (!remote && (from.length === 0 || singleDump) && !fleetFormat) {
    if (flags.output !== undefined) throw usageError('-o: only with --format prometheus, junit or json');
    if (flags.limit || flags.parallel || flags.timeout || flags.sshConfig) throw usageError('--limit, --parallel, --timeout and --ssh-config: only with --host or --inventory');
    return false;
  }
  if (remote && from.length > 0) throw usageError('--from with --host/--inventory: expected one or the other');
  const targets = remote ? await targetsOf(flags, ctx) : [];
  const ssh = remote ? sshOptions(flags, ctx) : undefined;
  const inputs = from.length > 0 ? (await import('../fleet/dump-inputs.js')).resolveDumpInputs(from) : [];
  const audit = await makeAudit(flags);
  const parallelOf = (n: number): number => flags.parallel ?? Math.max(1, Math.min(n, 16));
  let results: HostResult[];
  if (remote) {
    const { probeFleet } = await import('../fleet/run-fleet.js');
    const onDone = progress(ctx);
    results = await probeFleet(targets, { ssh: ssh as SshOptions, parallel: parallelOf(targets.length), audit: audit.remote, ...(onDone ? { onDone } : {}) });
  } else if (inputs.length > 0) {
    const { auditDumps } = await import('../fleet/dump-inputs.js');
    results = await auditDumps(inputs, audit.remote, parallelOf(inputs.length));
  } else {
    const started = Date.now();
    const { LocalSource } = await import('../facts/local-source.js');
    results = [{ host: hostname(), findings: await audit.local(new LocalSource()), durationMs: Date.now() - started }];
  }
  await report(results, format, flags, ctx);
  const anyFail = results.some((r) => r.failure || r.findings.some((f) => f.status === 'fail'));
  ctx.exitCode = anyFail ? 1 : 0;
  return true;
}

interface Audits {
  readonly remote: (src: Source) => Promise<readonly Finding[]>;
  readonly local: (src: Source) => Promise<readonly Finding[]>;
}

/** The audit `kvmio audit` runs on one host, with --only and --device applied. */
async function makeAudit(flags: AuditFlags): Promise<Audits> {
  const [{ AUDITORS }, { probeHost }, { sortFindings }] = await Promise.all([
    import('./auditors.js'), import('../facts/probe-host.js'), import('../decide/sort-findings.js'),
  ]);
  const only = flags.only ?? [];
  const ids = AUDITORS.flatMap((a) => a.checks.map((c) => c.id));
  for (const o of only) if (!ids.some((id) => matchesOnly(id, [o]))) throw usageError(`--only ${o}: no such check id or prefix; expected one of ${[...new Set(ids.map((i) => i.split('.')[0]))].join(', ')} or a full id`);
  const devices = (flags.device ?? []).map((d) => d.replace(/^\/dev\//, ''));
  const wanted = AUDITORS.filter((a) => only.length === 0 || a.checks.some((c) => matchesOnly(c.id, only)));
  const run = (local: boolean) => async (source: Source): Promise<readonly Finding[]> => {
    const facts = await probeHost(source);
    const all = (await Promise.all(wanted.map((a) => a.run({ source, facts, local })))).flat();
    return sortFindings(all.filter((f) => matchesOnly(f.id, only) && (devices.length === 0 || devices.includes(f.object))));
  };
  return { remote: run(false), local: run(true) };
}

async function report(results: readonly HostResult[], format: Format, flags: AuditFlags, ctx: Ctx): Promise<void> {
  const at = new Date();
  let text: string;
  if (format === 'prometheus') text = (await import('../report/prometheus.js')).renderPrometheus(results, at);
  else if (format === 'junit') text = (await import('../report/junit.js')).renderJunit(results, at);
  else if (format === 'json') {
    const { countFindings, findingJson } = await import('../report/findings-text.js');
    const ok = results.filter((r) => !r.failure);
    const all = ok.flatMap((r) => r.findings);
    text = JSON.stringify({
      hosts: results.map((r) => ({
        host: r.host, ok: !r.failure, ...(r.failure ? { error: r.failure } : { status: worst(r.findings), counts: countFindings(r.findings) }), durationMs: r.durationMs,
      })),
      findings: results.flatMap((r) => r.findings.map((f) => ({ host: r.host, ...findingJson(f) }))),
      counts: countFindings(all),
      status: results.some((r) => r.failure) ? 'fail' : worst(all),
    }, null, 2) + '\n';
  } else text = (await import('../report/fleet-table.js')).renderFleetTable(results, { verbose: flags.verbose === true });
  if (flags.output === undefined) {
    ctx.stdout.write(text);
    return;
  }
  if (format === 'text') throw usageError('-o: only with --format prometheus, junit or json');
  const { writeFileAtomic } = await import('../apply/atomic-file.js');
  const file = resolve(ctx.cwd, flags.output);
  try {
    writeFileAtomic(file, text, 0o644);
  } catch (e) {
    throw usageError(`-o ${flags.output}: cannot write it (${(e as NodeJS.ErrnoException).code ?? String(e)}); expected a writable path`);
  }
  const failed = results.filter((r) => r.failure).length;
  ctx.stderr.write(`kvmio: wrote ${file} (${results.length} hosts${failed ? `, ${failed} failed` : ''})\n`);
}

export interface CollectFlags extends FleetFlags {
  readonly redact?: boolean;
  readonly json?: boolean;
}

/** `kvmio collect --host …|--inventory … -o DIR`: DIR/HOST is each host's dump. True when it ran. */
export async function fleetCollect(flags: CollectFlags, dir: string, ctx: Ctx): Promise<boolean> {
  if ((flags.host?.length ?? 0) === 0 && flags.inventory === undefined) {
    if (flags.limit || flags.parallel || flags.timeout || flags.sshConfig) throw usageError('--limit, --parallel, --timeout and --ssh-config: only with --host or --inventory');
    return false;
  }
  const targets = await targetsOf(flags, ctx);
  const ssh = sshOptions(flags, ctx);
  const { probeFleet } = await import('../fleet/run-fleet.js');
  const onDone = progress(ctx);
  const results = await probeFleet(targets, { ssh, parallel: flags.parallel ?? Math.min(targets.length, 16), outputDir: dir, redact: flags.redact === true, ...(onDone ? { onDone } : {}) });
  if (flags.json) ctx.json({ dir, redacted: flags.redact === true, hosts: results.map((r) => ({ host: r.host, ok: !r.failure, ...(r.failure ? { error: r.failure } : { dump: r.dumpDir }) })) });
  else {
    for (const r of results) ctx.print(r.failure ? `${r.host}: FAILED ${r.failure.kind}: ${r.failure.message}` : `${r.host}: ${r.dumpDir ?? ''}`);
  }
  ctx.exitCode = results.some((r) => r.failure) ? 1 : 0;
  return true;
}
