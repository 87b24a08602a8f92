// Facts for `kvmio plan check|show|apply`: the pass-through facts (host, PCI, PVs, pools,
// domains), LVM space and LVs (sizes in bytes: lvmreport(7) `--units b --nosuffix`), and
// the saved XML of the domains a plan names. From this host or a dump (--from).
import { DumpSource } from './dump-source.js';
import { LocalSource } from './local-source.js';
import { loadPassthrough } from './probe-passthrough.js';
import { passthroughCommands } from './probe-passthrough.js';
import { parseLvs, parseVgs, readReport, type LvInfo, type VgInfo } from './parse-lvm.js';
import { libvirtUri } from './commands.js';
import { missing, ok, type CommandSpec, type Read, type Source } from './source.js';
import type { HostFacts } from './host-facts.js';
import type { PassthroughFacts } from './passthrough-facts.js';

const lvm = (...args: string[]): string[] => ['env', 'LVM_SUPPRESS_FD_WARNINGS=1', ...args];

export const PLAN_COMMANDS = {
  vgs: (): CommandSpec => ({ name: 'vgs-space', argv: lvm('vgs', '--reportformat', 'json', '--units', 'b', '--nosuffix', '-o', 'vg_name,vg_size,vg_free,vg_extent_size'), timeoutMs: 20_000 }),
  lvs: (): CommandSpec => ({ name: 'lvs-all', argv: lvm('lvs', '--reportformat', 'json', '--units', 'b', '--nosuffix', '-o', 'lv_name,vg_name,lv_attr,lv_size'), timeoutMs: 20_000 }),
};

export interface PlanFactsRead {
  readonly host: HostFacts;
  readonly pt: PassthroughFacts;
  readonly vgs: Read<readonly VgInfo[]>;
  readonly lvs: Read<readonly LvInfo[]>;
  /** Saved (inactive) XML of existing domains, by name. */
  readonly domainXml: Readonly<Record<string, string>>;
}

/** No LVM installed (exit 127, ENOENT) means no VGs, as probe-passthrough treats pvs. */
async function report<T>(src: Source, cmd: CommandSpec, parse: (t: string) => T[]): Promise<Read<readonly T[]>> {
  const r = await src.run(cmd);
  if (!r.ok) return /ENOENT|not found/i.test(r.reason) ? ok([]) : r;
  if (r.value.code === 127) return ok([]);
  if (r.value.code !== 0) return missing(`${cmd.argv.slice(2).join(' ')}: exit ${r.value.code}: ${r.value.stderr.trim().split('\n').slice(-1)[0] ?? ''}`);
  return readReport(parse, r.value.stdout);
}

export async function probePlanFacts(from: string | undefined, env: Readonly<Record<string, string | undefined>>, opts: { pci: readonly string[]; domains: readonly string[] }): Promise<PlanFactsRead> {
  const { host, pt } = await loadPassthrough(from, env, opts.pci);
  const src: Source = from !== undefined ? new DumpSource(from) : new LocalSource();
  const vgs = await report(src, PLAN_COMMANDS.vgs(), parseVgs);
  const lvs = await report(src, PLAN_COMMANDS.lvs(), parseLvs);
  const existing = new Set(pt.domains.ok ? pt.domains.value.map((d) => d.name) : []);
  const domainXml: Record<string, string> = {};
  for (const name of opts.domains) {
    if (!existing.has(name)) continue;
    const r = await src.run(passthroughCommands.domainXml(libvirtUri(env), name));
    if (r.ok && r.value.code === 0) domainXml[name] = r.value.stdout;
  }
  return { host, pt, vgs, lvs, domainXml };
}
