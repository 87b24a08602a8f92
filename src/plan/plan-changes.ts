// kvmio plan show: what the plan would change on this host, in the order apply takes:
// host settings (decide/plan-host.ts, as `kvmio fix` plans them), PVs/VGs/thin pools,
// libvirt pools, volumes and images (through the pools: libvirt's storage management
// knows every disk, as the guide does), VFIO binds, then a domain per VM (complete XML
// for a new one, a diff against the saved XML for an existing one); and what already
// matches. Pure: plan and facts in, data out.
import { sysctlPath, type HostAction } from '../model/action.js';
import type { DiskConfig } from '../model/disk-types.js';
import { chooseDiskConfig } from '../decide/choose-disk-config.js';
import { AIO_KEY, planHost } from '../decide/plan-host.js';
import { AIO_MAX_NR_DEFAULT } from '../decide/host-defaults.js';
import { SYSCTL_PATH, renderSysctlConf } from '../render/sysctl-conf.js';
import type { AioDemand } from '../decide/recommend-aio.js';
import { renderPlannedDomain } from '../render/domain-xml.js';
import { renderPoolXml } from '../render/pool-xml.js';
import { unifiedDiff } from '../render/unified-diff.js';
import { formatSize } from '../size.js';
import type { Plan, PlanVm } from './plan-schema.js';
import type { PlanFacts } from './plan-facts.js';
import { planDomainEdit } from './plan-domain-edit.js';
import { backendOf, dirPoolPath, firmwareOf, imagePath, intentsOf, preallocationOf, sizeOf, vgOfDisk } from './plan-resolve.js';

export type ChangeSection = 'host' | 'lvm' | 'pools' | 'volumes' | 'vfio' | 'domains';

export interface PlanChange {
  readonly section: ChangeSection;
  /** create/change: apply would act; ok: already as planned. */
  readonly status: 'create' | 'change' | 'ok';
  readonly object: string;
  readonly summary: string;
  /** Commands apply runs, as argv (shell-quoted only when printed). */
  readonly argv?: readonly (readonly string[])[];
  /** XML, a diff, or a file's content. */
  readonly text?: string;
  /** Domains: the XML to define (complete for a new one; the saved one edited in place for an existing one, whose text is the diff). */
  readonly xml?: string;
  /** Existing domains: what the plan asks for that the in-place edit does not do. */
  readonly notApplied?: readonly string[];
  /** Host settings: the engine actions `kvmio fix` would take. */
  readonly hostAction?: HostAction;
}

export const SECTION_TITLES: Readonly<Record<ChangeSection, string>> = {
  host: 'host settings', lvm: 'physical volumes, volume groups, thin pools', pools: 'libvirt storage pools',
  volumes: 'volumes and images', vfio: 'VFIO binds', domains: 'domains',
};

const MIB = 2 ** 20;

/** Each VM's disks as the decision table chooses them (check-plan has refused what the table refuses). */
export function vmConfigs(plan: Plan, facts: PlanFacts, vm: PlanVm): DiskConfig[] {
  const intents = intentsOf(vm);
  return vm.disks.flatMap((d, j) => {
    const b = backendOf(plan, facts, d);
    return b ? [chooseDiskConfig(b, intents[j] ?? {})] : [];
  });
}

/** fs.aio-max-nr demand of the plan's VMs: 1 + iothreads serving native disks each (recommend-aio.ts). */
export function planAioDemand(plan: Plan, facts: PlanFacts): AioDemand {
  let contexts = 0;
  let vms = 0;
  for (const vm of plan.vms) {
    const native = vmConfigs(plan, facts, vm).filter((c) => c.kind === 'disk' && c.aio.value === 'native');
    if (native.length === 0) continue;
    vms++;
    contexts += 1 + new Set(native.flatMap((c) => (c.kind === 'disk' && c.iothread.value !== null ? [c.iothread.value] : []))).size;
  }
  return { contexts, explain: `the plan's ${vms} VM${vms === 1 ? '' : 's'} with native-AIO disks = ${contexts} AIO contexts (main loop + one per iothread serving native disks)` };
}

export interface ChangeOptions {
  /** libvirt domain type for new VMs: kvm (default), or qemu (TCG) where KVM cannot run guests. */
  readonly domainType?: 'kvm' | 'qemu';
}

export function planChanges(plan: Plan, facts: PlanFacts, opts: ChangeOptions = {}): PlanChange[] {
  const out: PlanChange[] = [];
  const pvs = facts.pt.pvs.ok ? facts.pt.pvs.value : [];
  const vgs = facts.vgs.ok ? facts.vgs.value : [];
  const lvs = facts.lvs.ok ? facts.lvs.value : [];
  const pools = facts.pt.pools.ok ? facts.pt.pools.value : [];
  const domains = new Set(facts.pt.domains.ok ? facts.pt.domains.value.map((d) => d.name) : []);

  // --- host settings --------------------------------------------------------------------------
  const h = plan.host;
  const explicit = typeof h.aioMaxNr === 'number';
  // An explicit number is planned here (aioTargetActions), not by planHost's sizing.
  const only = h.schedulers.policy === 'keep' ? [...(explicit ? [] : ['aio']), 'boot', 'iommu'] : explicit ? ['sched', 'boot', 'iommu'] : [];
  const demand: AioDemand | undefined = h.aioMaxNr === 'from-vms' ? planAioDemand(plan, facts) : undefined;
  const hp = planHost(facts.host, { only, devices: [], persist: h.schedulers.persist, passthrough: h.kernel.iommu, ...(demand ? { aio: demand } : {}) });
  const actions = typeof h.aioMaxNr === 'number' ? [...hp.actions, ...aioTargetActions(h.aioMaxNr, facts)] : hp.actions;
  for (const a of actions) {
    out.push(a.kind === 'sysfs'
      ? { section: 'host', status: 'change', object: a.object, summary: `${a.path} → ${a.value} (${a.id})`, hostAction: a }
      : { section: 'host', status: 'change', object: a.path, summary: `write ${a.path} (${a.id})`, text: a.content, hostAction: a });
  }
  if (actions.length === 0) out.push({ section: 'host', status: 'ok', object: 'host', summary: 'schedulers, fs.aio-max-nr and the kernel command line already as planned' });

  // --- PVs, VGs, thin pools ---------------------------------------------------------------------
  for (const vg of plan.volumeGroups) {
    const newPvs = vg.pvs.filter((p) => !pvs.some((x) => x.pv === p));
    if (newPvs.length > 0) out.push({ section: 'lvm', status: 'create', object: newPvs.join(' '), summary: `pvcreate ${newPvs.join(' ')}`, argv: [['pvcreate', ...newPvs]] });
    if (vgs.some((v) => v.name === vg.name)) out.push({ section: 'lvm', status: 'ok', object: vg.name, summary: `volume group ${vg.name} on ${vg.pvs.join(', ')}` });
    else out.push({ section: 'lvm', status: 'create', object: vg.name, summary: `vgcreate ${vg.name} ${vg.pvs.join(' ')}`, argv: [['vgcreate', vg.name, ...vg.pvs]] });
    for (const tp of vg.thinPools) {
      if (lvs.some((l) => l.vg === vg.name && l.name === tp.name)) out.push({ section: 'lvm', status: 'ok', object: `${vg.name}/${tp.name}`, summary: `thin pool ${vg.name}/${tp.name}` });
      else out.push({ section: 'lvm', status: 'create', object: `${vg.name}/${tp.name}`, summary: `thin pool ${vg.name}/${tp.name} of ${tp.size}`, argv: [['lvcreate', '--type', 'thin-pool', '-L', `${sizeOf(tp.size).bytes}b`, '-n', tp.name, vg.name]] });
    }
  }

  // --- libvirt pools ------------------------------------------------------------------------------
  for (const p of plan.pools) {
    const live = pools.find((x) => x.name === p.name);
    const where = p.type === 'logical' ? `logical on volume group ${p.vg}` : `dir at ${p.path}`;
    if (live) {
      out.push({ section: 'pools', status: 'ok', object: p.name, summary: `pool ${p.name} (${where})` });
      continue;
    }
    const xml = renderPoolXml(p.type === 'logical' ? { type: 'logical', name: p.name, vg: p.vg } : { type: 'dir', name: p.name, path: p.path });
    out.push({
      section: 'pools', status: 'create', object: p.name, summary: `pool ${p.name} (${where}${p.autostart ? ', autostart' : ''})`, text: xml,
      argv: [['virsh', 'pool-define', `${p.name}.xml`], ...(p.type === 'dir' ? [['virsh', 'pool-build', p.name]] : []), ['virsh', 'pool-start', p.name], ...(p.autostart ? [['virsh', 'pool-autostart', p.name]] : [])],
    });
  }

  // --- volumes and images ---------------------------------------------------------------------------
  for (const vm of plan.vms) {
    for (const d of vm.disks) {
      if (d.type === 'lv') {
        const vg = vgOfDisk(plan, facts, d) ?? '?';
        const bytes = sizeOf(d.size).bytes;
        if (lvs.some((l) => l.vg === vg && l.name === d.name)) {
          out.push({ section: 'volumes', status: 'ok', object: `${vg}/${d.name}`, summary: `LV ${vg}/${d.name} (${formatSize({ bytes })}) for ${vm.name}` });
          continue;
        }
        const argv = d.thin !== undefined
          ? ['lvcreate', '-V', `${bytes}b`, '-T', `${vg}/${d.thin}`, '-n', d.name]
          : d.pool !== undefined
            ? ['virsh', 'vol-create-as', d.pool, d.name, `${bytes}`]
            : ['lvcreate', '-n', d.name, '-L', `${bytes}b`, vg];
        out.push({ section: 'volumes', status: 'create', object: `${vg}/${d.name}`, summary: `LV ${vg}/${d.name} (${formatSize({ bytes })}${d.thin !== undefined ? `, thin in ${d.thin}` : ''}) for ${vm.name}`, argv: [argv] });
      } else if (d.type === 'image') {
        const dir = dirPoolPath(plan, facts, d.pool) ?? '?';
        const bytes = sizeOf(d.size).bytes;
        const prealloc = preallocationOf(d);
        // vol-create-as: --allocation is what libvirt preallocates (the whole size for a
        // fully allocated raw image, 0 for a sparse one); --prealloc-metadata for qcow2.
        const full = prealloc === 'falloc' || prealloc === 'full';
        const argv = ['virsh', 'vol-create-as', d.pool, d.name, `${bytes}`, '--format', d.format, '--allocation', full ? `${bytes}` : '0', ...(d.format === 'qcow2' && prealloc === 'metadata' ? ['--prealloc-metadata'] : [])];
        out.push({ section: 'volumes', status: 'create', object: `${d.pool}/${d.name}`, summary: `image ${imagePath(dir, d.name)} (${d.format}, ${formatSize({ bytes })}, preallocation ${prealloc}) for ${vm.name}`, argv: [argv] });
      }
    }
  }

  // --- VFIO binds -------------------------------------------------------------------------------------
  const pci = facts.host.pci.ok ? facts.host.pci.value : [];
  for (const vm of plan.vms) {
    for (const d of vm.disks) {
      if (d.type !== 'pci') continue;
      const dev = pci.find((p) => p.address === d.address);
      if (dev?.driver === 'vfio-pci') out.push({ section: 'vfio', status: 'ok', object: d.address, summary: `${d.address} on vfio-pci for ${vm.name}` });
      else out.push({ section: 'vfio', status: 'change', object: d.address, summary: `bind ${d.address} to vfio-pci (now ${dev?.driver ?? 'no driver'}) for ${vm.name}`, argv: [['kvmio', 'passthrough', 'bind', d.address, '--yes']] });
    }
  }

  // --- domains -------------------------------------------------------------------------------------------
  for (const vm of plan.vms) {
    const xml = renderPlannedDomain({ name: vm.name, memoryMiB: Math.round(sizeOf(vm.memory).bytes / MIB), vcpus: vm.vcpus, firmware: firmwareOf(vm), type: opts.domainType ?? 'kvm', disks: vmConfigs(plan, facts, vm) });
    const saved = facts.domainXml[vm.name];
    if (!domains.has(vm.name)) {
      out.push({ section: 'domains', status: 'create', object: vm.name, summary: `define ${vm.name} (${firmwareOf(vm) === 'uefi' ? 'UEFI' : 'BIOS'}, q35, ${vm.disks.length} disk${vm.disks.length === 1 ? '' : 's'})`, text: xml, argv: [['virsh', 'define', `${vm.name}.xml`]] });
    } else if (saved === undefined) {
      out.push({ section: 'domains', status: 'change', object: vm.name, summary: `${vm.name} exists; its saved XML could not be read to compare` });
    } else {
      const edit = planDomainEdit(saved, vmConfigs(plan, facts, vm));
      const notApplied = edit?.notApplied ?? [];
      if (edit === undefined) out.push({ section: 'domains', status: 'change', object: vm.name, summary: `${vm.name} exists; its saved XML is not readable domain XML` });
      else if (edit.after === edit.before) out.push({ section: 'domains', status: 'ok', object: vm.name, summary: `${vm.name}: its disks match the plan`, notApplied });
      else {
        out.push({
          section: 'domains', status: 'change', object: vm.name,
          summary: `${vm.name} exists: its disks are edited in place, the rest of its definition kept (${edit.reasons.join('; ')})`,
          text: unifiedDiff(edit.before, edit.after, { from: `${vm.name} (saved)`, to: `${vm.name} (plan)` }), xml: edit.after, notApplied,
        });
      }
    }
  }
  return out;
}

/**
 * An explicit fs.aio-max-nr N: a floor, never a ceiling (raising the limit pre-allocates
 * nothing, lowering it can make io_setup fail with EAGAIN for running VMs: fs/aio.c
 * ioctx_alloc). The live value is raised only when below N; the sysctl.d file is written
 * only when what boot would set (the last sysctl.d setting, else the kernel's 65536) is
 * below N, and then with the higher of N and the live value.
 */
function aioTargetActions(target: number, facts: PlanFacts): HostAction[] {
  if (!facts.host.aio.ok) return [];
  const current = facts.host.aio.value.maxNr;
  const sysctl = facts.host.sysctl.ok ? facts.host.sysctl.value : [];
  const persisted = [...sysctl].reverse().find((s) => s.key === AIO_KEY);
  const boot = persisted !== undefined ? Number(persisted.value) : AIO_MAX_NR_DEFAULT;
  const value = Math.max(target, current);
  const why = [`the plan sets ${AIO_KEY} ${target}${current > target ? `; the live ${current} is higher: kept (kvmio never lowers it)` : ''}`];
  const out: HostAction[] = [];
  if (current < target) out.push({ kind: 'sysfs', id: 'aio.max-nr', object: 'host', reason: why[0] ?? '', path: sysctlPath(AIO_KEY), value: String(target) });
  if (boot < target) out.push({ kind: 'file', id: 'aio.max-nr', object: SYSCTL_PATH, reason: `persist ${AIO_KEY} = ${value}`, path: SYSCTL_PATH, content: renderSysctlConf([{ key: AIO_KEY, value: String(value), why }]) });
  return out;
}
