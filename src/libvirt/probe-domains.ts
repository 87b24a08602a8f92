// Reads libvirt's domains through the Source port as catalogued commands (facts/commands.ts
// VM_COMMANDS; their dump names in facts/dump-format.ts): the list, each saved definition,
// the live one of each running domain (kept where it differs), and the local path of each
// pool volume they name (virsh vol-path). Locally that runs virsh; from a dump it replays
// what `kvmio collect` recorded, so libvirtd need not be reachable. Never throws.
import type { Vm, VmDisk, VmManager } from '../model/vm.js';
import { VM_COMMANDS } from '../facts/commands.js';
import { missing, ok, type CommandSpec, type Read, type Source } from '../facts/source.js';
import type { ManagerRead } from '../facts/vm-disk-facts.js';
import { liveDiffers, readDomainXml } from './read-domain.js';
import { LIBVIRT_START_HINT } from '../model/libvirt-hint.js';
import { mapLimit } from '../fleet/map-limit.js';

export interface LibvirtRead {
  readonly status: ManagerRead;
  readonly vms: readonly Vm[];
  /** The saved XML of each domain read, by name (vm tune edits it). */
  readonly savedXml: ReadonlyMap<string, string>;
  readonly warnings: readonly string[];
}

/** stdout of a catalogued virsh command, or why not. */
export async function virshText(src: Source, cmd: CommandSpec): Promise<Read<string>> {
  const r = await src.run(cmd);
  if (!r.ok) return r;
  if (r.value.code !== 0) {
    // virsh cannot reach the daemon: say how to start it on hosts without systemd.
    const hint = /failed to connect to the hypervisor/i.test(r.value.stderr) ? `; ${LIBVIRT_START_HINT}` : '';
    return missing(`${cmd.argv.join(' ')}: exit ${r.value.code}: ${r.value.stderr.trim().split('\n').slice(-2).join(' | ')}${hint}`);
  }
  return ok(r.value.stdout);
}

const names = (t: string): string[] => [...new Set(t.split('\n').map((l) => l.trim()).filter((l) => l !== ''))].sort();

/** Fills in the local path of every pool volume (one vol-path per distinct volume). */
async function resolveVolumes(src: Source, uri: string, vms: readonly Vm[], asked: Map<string, Read<string>>): Promise<Vm[]> {
  const out: Vm[] = [];
  for (const vm of vms) {
    const disks: VmDisk[] = [];
    for (const d of vm.disks) {
      const s = d.source;
      if (s.kind !== 'volume') {
        disks.push(d);
        continue;
      }
      const key = `${s.pool}\0${s.volume}`;
      let r = asked.get(key);
      if (r === undefined) {
        const t = await virshText(src, VM_COMMANDS.volPath(uri, s.pool, s.volume));
        r = t.ok ? ok(t.value.replace(/\n$/, '')) : t;
        asked.set(key, r);
      }
      disks.push({ ...d, source: r.ok ? { ...s, path: r.value } : { ...s, unresolved: r.reason } });
    }
    out.push({ ...vm, disks });
  }
  return out;
}

/**
 * virsh processes at once: each is a process whose start (exec, libvirt's client
 * libraries, the connection) costs about what its answer does (`virsh --version` ≈
 * `virsh list` here), so the reads overlap; four hide that without crowding a small host.
 */
const VIRSH_PARALLEL = 4;

/** Saved and (where different) live definitions of every libvirt domain, or of those named. */
export async function probeLibvirtDomains(src: Source, opts: { uri: string; only?: readonly string[] }): Promise<LibvirtRead> {
  const status = (read: ManagerRead['read']): ManagerRead => ({ id: 'vm.libvirt', what: 'libvirt domains', read });
  // Both lists at once: the running one is only used when the first succeeds.
  const [list, runningR] = await Promise.all([virshText(src, VM_COMMANDS.domainList(opts.uri)), virshText(src, VM_COMMANDS.runningList(opts.uri))]);
  if (!list.ok) return { status: status(list), vms: [], savedXml: new Map(), warnings: [] };
  const running = new Set(runningR.ok ? names(runningR.value) : []);
  const vms: Vm[] = [];
  const savedXml = new Map<string, string>();
  const warnings: string[] = [];
  const wanted = names(list.value).filter((name) => !opts.only || opts.only.includes(name));
  const reads = await mapLimit(wanted, VIRSH_PARALLEL, async (name) => {
    const isRunning = running.has(name);
    const [saved, live] = await Promise.all([
      virshText(src, VM_COMMANDS.savedXml(opts.uri, name)),
      isRunning ? virshText(src, VM_COMMANDS.liveXml(opts.uri, name)) : undefined,
    ]);
    return { name, isRunning, saved, live };
  });
  for (const { name, isRunning, saved, live } of reads) {
    const manager = (origin: 'saved' | 'live'): VmManager => ({ kind: 'libvirt', origin, uri: opts.uri });
    const savedVm = saved.ok ? readDomainXml(saved.value, manager('saved'), isRunning) : saved;
    if (savedVm.ok) {
      vms.push(savedVm.value);
      if (saved.ok) savedXml.set(name, saved.value);
    } else warnings.push(`domain ${name}: ${savedVm.reason}`);
    if (live === undefined) continue;
    const liveVm = live.ok ? readDomainXml(live.value, manager('live'), true) : live;
    if (!liveVm.ok) warnings.push(`domain ${name} (live): ${liveVm.reason}`);
    else if (!savedVm.ok || liveDiffers(savedVm.value, liveVm.value)) vms.push(liveVm.value);
  }
  const resolved = await resolveVolumes(src, opts.uri, vms, new Map());
  const count = new Set(resolved.map((v) => v.ref.name)).size;
  return {
    status: status(ok({ observed: `${count} domain(s)`, how: 'libvirt domains read through virsh (saved definitions, and live ones where they differ)' })),
    vms: resolved,
    savedXml,
    warnings,
  };
}

/** Volumes of a VM that was not read through libvirt (an XML file): they stay unresolved, with the reason. */
export function unresolvedVolumes(vm: Vm): Vm {
  return {
    ...vm,
    disks: vm.disks.map((d) => (d.source.kind === 'volume' && d.source.path === undefined && d.source.unresolved === undefined ? { ...d, source: { ...d.source, unresolved: `volume ${d.source.pool}/${d.source.volume} was not resolved (libvirt not read)` } } : d)),
  };
}
