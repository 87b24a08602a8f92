// kvmio plan check: does the plan fit this host? Pure: plan and facts in, one problem per
// line out, each with the plan path it is about (the CLI turns it into file:line:column).
// Every device reference must resolve; nothing may give away the host's root or boot
// disk or its controller (decide/passthrough.ts's verdicts, the same guard as
// `kvmio passthrough`); no device, LV or image may be used twice; names are unique; VG
// free space must hold the new LVs; and the decision table's own refusals apply (native
// AIO on a sparse image, native without a direct cache: choose-disk-config.ts).
import type { BlockDevice } from '../facts/host-facts.js';
import { assessDevice, diskUses } from '../decide/passthrough.js';
import { isStorageController } from '../decide/pci-class.js';
import { chooseDiskConfig } from '../decide/choose-disk-config.js';
import { KvmioError } from '../errors.js';
import { formatSize } from '../size.js';
import type { Plan, PlanDisk, PlanVm } from './plan-schema.js';
import type { PlanFacts } from './plan-facts.js';
import type { PlanPath } from './parse-plan.js';
import { backendOf, diskLabel, intentsOf, sizeOf, vgOfDisk } from './plan-resolve.js';

export interface CheckProblem {
  readonly path: PlanPath;
  readonly message: string;
}

const devName = (path: string): string => path.replace(/^\/dev\//, '');
/** The first two reasons and how many more: one line per problem stays readable. */
const reasons = (xs: readonly string[]): string => (xs.length <= 2 ? xs.join('; ') : `${xs.slice(0, 2).join('; ')} and ${xs.length - 2} more`);
const list = (xs: readonly string[], max = 12): string => (xs.length === 0 ? '(none)' : xs.length > max ? `${xs.slice(0, max).join(', ')} …` : xs.join(', '));

export function checkPlan(plan: Plan, facts: PlanFacts): CheckProblem[] {
  const problems: CheckProblem[] = [];
  const add = (path: PlanPath, message: string): void => {
    problems.push({ path, message });
  };
  const devs: readonly BlockDevice[] = facts.host.blockDevices.ok ? facts.host.blockDevices.value : [];
  const byName = new Map(devs.map((d) => [d.name, d]));
  const liveVgs = facts.vgs.ok ? facts.vgs.value : [];
  const liveLvs = facts.lvs.ok ? facts.lvs.value : [];
  const livePools = facts.pt.pools.ok ? facts.pt.pools.value : [];
  const pvs = facts.pt.pvs.ok ? facts.pt.pvs.value : [];

  // --- unique names -------------------------------------------------------------------
  const unique = <T extends { name: string }>(items: readonly T[], key: string, what: string): void => {
    const first = new Map<string, number>();
    items.forEach((it, i) => {
      const j = first.get(it.name);
      if (j !== undefined) add([key, i, 'name'], `duplicate ${what} name "${it.name}" (also ${key}[${j}]); expected each ${what} once`);
      else first.set(it.name, i);
    });
  };
  unique(plan.vms, 'vms', 'VM');
  unique(plan.volumeGroups, 'volumeGroups', 'volume group');
  unique(plan.pools, 'pools', 'pool');

  // --- claims: one owner per device, LV, image ---------------------------------------------
  const claims = new Map<string, string>();
  const claim = (keys: readonly string[], owner: string, path: PlanPath, what: string): void => {
    for (const k of keys) {
      const prev = claims.get(k);
      if (prev !== undefined && prev !== owner) {
        add(path, `${what}: ${k.replace(/^[a-z]+:/, '')} is already used by ${prev}; expected each device in one place only`);
        return;
      }
    }
    for (const k of keys) claims.set(k, owner);
  };
  const blockKeys = (d: BlockDevice): string[] => [`blk:${d.name}`, ...d.partitions.map((p) => `blk:${p}`)];

  // A loop device is a whole block device too (a file-backed disk, losetup(8)).
  const fits = (d: BlockDevice, want: 'disk' | 'part' | 'any'): boolean => want === 'any' || d.kind === want || (want === 'disk' && d.kind === 'loop');
  const lookup = (path: PlanPath, device: string, want: 'disk' | 'part' | 'any'): BlockDevice | undefined => {
    const d = byName.get(devName(device));
    if (!facts.host.blockDevices.ok) {
      add(path, `${device}: cannot check, block devices unreadable (${facts.host.blockDevices.reason})`);
      return undefined;
    }
    if (d === undefined) {
      const names = devs.filter((x) => fits(x, want)).map((x) => `/dev/${x.name}`);
      add(path, `"${device}": no such block device; expected one of ${list(names)}`);
      return undefined;
    }
    if (!fits(d, want)) {
      add(path, `"${device}" is a ${d.kind === 'part' ? 'partition' : d.kind}; expected a ${want === 'disk' ? 'whole disk (type: partition for a partition)' : 'partition (type: disk for a whole disk)'}`);
      return undefined;
    }
    return d;
  };

  // What makes a block device unfit to be given away (root, boot, mounts, a PV outside the
  // plan, a pool, another domain's disk): the pass-through guard's own list of uses.
  const hostUses = (d: BlockDevice, vmName: string | undefined, ownVg: string | undefined): string[] =>
    diskUses(d.kind === 'part' ? (byName.get(d.parent ?? '') ?? d) : d, devs, facts.pt).uses
      .filter((u) => d.kind !== 'part' || u.device === d.name)
      .filter((u) => !(u.kind === 'domain-disk' && vmName !== undefined && u.detail.startsWith(`libvirt domain "${vmName}" `)))
      .filter((u) => !(ownVg !== undefined && (u.kind === 'pv' && u.detail.endsWith(`volume group "${ownVg}"`))))
      .filter((u) => !(ownVg !== undefined && u.kind === 'pool'))
      .map((u) => u.detail);

  // --- volume groups ---------------------------------------------------------------------
  const vgCapacity = new Map<string, number>();
  plan.volumeGroups.forEach((vg, i) => {
    const live = liveVgs.find((v) => v.name === vg.name);
    let bytes = 0;
    vg.pvs.forEach((pv, j) => {
      const path: PlanPath = ['volumeGroups', i, 'pvs', j];
      const d = lookup(path, pv, 'any');
      if (!d) return;
      const cur = pvs.find((p) => p.pv === pv || devName(p.pv) === d.name);
      if (cur && cur.vg !== '' && cur.vg !== vg.name) {
        add(path, `"${pv}" is already a PV of volume group "${cur.vg}"; expected a free device or a PV of "${vg.name}"`);
        return;
      }
      const uses = hostUses(d, undefined, vg.name).filter((u) => !u.includes('is an LVM PV of volume group ""'));
      if (uses.length > 0 && !cur) add(path, `"${pv}" is in use: ${uses.join('; ')}; expected a device the host does not use`);
      claim(blockKeys(d), `volume group "${vg.name}"`, path, `volume group "${vg.name}"`);
      bytes += d.size.ok ? d.size.value.bytes : 0;
    });
    if (live) {
      const livePvs = pvs.filter((p) => p.vg === vg.name).map((p) => p.pv).sort();
      const want = [...vg.pvs].sort();
      if (facts.pt.pvs.ok && livePvs.join(',') !== want.join(',')) add(['volumeGroups', i, 'pvs'], `volume group "${vg.name}" exists on ${list(livePvs)}; the plan says ${list(want)} (kvmio does not move PVs)`);
    }
    // A new VG: LVM keeps one extent or so for metadata; 4 MiB covers the default.
    vgCapacity.set(vg.name, live ? live.freeBytes : Math.max(0, bytes - 4 * 2 ** 20));
    vg.thinPools.forEach((tp, t) => {
      const exists = liveLvs.some((l) => l.vg === vg.name && l.name === tp.name);
      if (!exists) vgCapacity.set(vg.name, (vgCapacity.get(vg.name) ?? 0) - sizeOf(tp.size).bytes);
      if ((vgCapacity.get(vg.name) ?? 0) < 0) add(['volumeGroups', i, 'thinPools', t, 'size'], `thin pool ${tp.size} does not fit in volume group "${vg.name}"`);
    });
  });
  for (const v of liveVgs) if (!vgCapacity.has(v.name)) vgCapacity.set(v.name, v.freeBytes);

  // --- pools ---------------------------------------------------------------------------------
  plan.pools.forEach((p, i) => {
    const live = livePools.find((x) => x.name === p.name);
    if (p.type === 'logical') {
      if (!plan.volumeGroups.some((v) => v.name === p.vg) && !liveVgs.some((v) => v.name === p.vg)) {
        add(['pools', i, 'vg'], `"${p.vg}": no such volume group in the plan or on the host; expected one of ${list([...new Set([...plan.volumeGroups.map((v) => v.name), ...liveVgs.map((v) => v.name)])])}`);
      }
      if (live && (live.type !== 'logical' || (live.sourceName ?? live.name) !== p.vg)) add(['pools', i], `pool "${p.name}" exists as ${live.type} on ${live.sourceName ?? live.targetPath ?? '?'}; the plan wants logical on "${p.vg}"`);
    } else if (live && (live.type !== 'dir' || live.targetPath !== p.path)) {
      add(['pools', i], `pool "${p.name}" exists as ${live.type} at ${live.targetPath ?? '?'}; the plan wants dir at ${p.path}`);
    }
  });

  // --- VMs and their disks -----------------------------------------------------------------
  plan.vms.forEach((vm, i) => checkVm(vm, i));

  function checkVm(vm: PlanVm, i: number): void {
    const owner = `VM "${vm.name}" (vms[${i}])`;
    const intents = intentsOf(vm);
    vm.disks.forEach((d, j) => {
      const path: PlanPath = ['vms', i, 'disks', j];
      if (!checkDisk(vm, d, path, owner)) return;
      const backend = backendOf(plan, facts, d);
      if (!backend) return;
      try {
        const cfg = chooseDiskConfig(backend, intents[j] ?? {});
        void cfg;
      } catch (e) {
        if (!(e instanceof KvmioError)) throw e;
        add([...path, d.type !== 'pci' && d.aio !== undefined ? 'aio' : d.type !== 'pci' && d.cache !== undefined ? 'cache' : 'type'], e.message);
      }
    });
    const targets = new Map<string, number>();
    intents.forEach((it, j) => {
      if (!it?.target) return;
      const k = targets.get(it.target);
      if (k !== undefined) add(['vms', i, 'disks', j, 'target'], `guest target "${it.target}" is also disks[${k}]'s; expected one target per disk`);
      else targets.set(it.target, j);
    });
  }

  function checkDisk(vm: PlanVm, d: PlanDisk, path: PlanPath, owner: string): boolean {
    switch (d.type) {
      case 'lv': {
        if ((d.vg === undefined) === (d.pool === undefined)) {
          add(path, `${diskLabel(d)}: expected exactly one of vg or pool`);
          return false;
        }
        const vg = vgOfDisk(plan, facts, d);
        if (vg === undefined) {
          const logical = [...plan.pools.filter((p) => p.type === 'logical').map((p) => p.name), ...livePools.filter((p) => p.type === 'logical').map((p) => p.name)];
          add([...path, 'pool'], `"${d.pool ?? ''}": no such logical pool; expected one of ${list([...new Set(logical)])}`);
          return false;
        }
        if (!vgCapacity.has(vg)) {
          add([...path, 'vg'], `"${vg}": no such volume group in the plan or on the host; expected one of ${list([...vgCapacity.keys()])}`);
          return false;
        }
        claim([`lv:${vg}/${d.name}`], owner, [...path, 'name'], diskLabel(d));
        const live = liveLvs.find((l) => l.vg === vg && l.name === d.name);
        const want = sizeOf(d.size).bytes;
        if (live) {
          if (live.sizeBytes !== want) add([...path, 'size'], `LV ${vg}/${d.name} exists with ${formatSize({ bytes: live.sizeBytes })}, the plan says ${d.size}; expected the same size (kvmio does not resize LVs)`);
          return true;
        }
        if (d.thin !== undefined) {
          const tp = plan.volumeGroups.find((v) => v.name === vg)?.thinPools.some((t) => t.name === d.thin) || liveLvs.some((l) => l.vg === vg && l.name === d.thin && l.attr.startsWith('t'));
          if (!tp) add([...path, 'thin'], `"${d.thin}": no such thin pool in volume group "${vg}"`);
          return true; // thin volumes take space from the pool as they are written
        }
        const free = vgCapacity.get(vg) ?? 0;
        if (want > free) add([...path, 'size'], `${d.size} does not fit in volume group "${vg}": ${formatSize({ bytes: free })} left after the plan's other LVs; expected at most that`);
        vgCapacity.set(vg, free - want);
        return true;
      }
      case 'image': {
        const p = plan.pools.find((x) => x.name === d.pool) ?? livePools.find((x) => x.name === d.pool);
        if (!p || p.type !== 'dir') {
          const dirs = [...plan.pools.filter((x) => x.type === 'dir').map((x) => x.name), ...livePools.filter((x) => x.type === 'dir').map((x) => x.name)];
          add([...path, 'pool'], `"${d.pool}": ${p ? `pool is ${p.type}` : 'no such pool'}; expected a dir pool: ${list([...new Set(dirs)])}`);
          return false;
        }
        claim([`img:${d.pool}/${d.name}`], owner, [...path, 'name'], diskLabel(d));
        return true;
      }
      case 'disk':
      case 'partition': {
        const dev = lookup([...path, 'device'], d.device, d.type === 'disk' ? 'disk' : 'part');
        if (!dev) return false;
        const uses = hostUses(dev, vm.name, undefined);
        if (uses.length > 0) {
          add([...path, 'device'], `"${d.device}" would be given to VM "${vm.name}" but ${reasons(uses)}; expected a ${d.type} the host does not use`);
          return false;
        }
        claim(d.type === 'disk' ? blockKeys(dev) : [`blk:${dev.name}`], owner, [...path, 'device'], diskLabel(d));
        if (d.type === 'partition' && dev.parent !== undefined && claims.get(`blk:${dev.parent}`) !== undefined && claims.get(`blk:${dev.parent}`) !== owner && !claims.get(`blk:${dev.parent}`)?.startsWith('volume group')) {
          add([...path, 'device'], `${diskLabel(d)}: its disk ${dev.parent} is already used whole by ${claims.get(`blk:${dev.parent}`) ?? ''}`);
        }
        return true;
      }
      case 'pci': {
        const pci = facts.host.pci.ok ? facts.host.pci.value : [];
        const dev = pci.find((p) => p.address === d.address);
        if (!dev) {
          add([...path, 'address'], `"${d.address}": no such PCI device among the host's storage controllers; expected one of ${list(pci.filter((p) => isStorageController(p.classCode)).map((p) => p.address))}`);
          return false;
        }
        if (!isStorageController(dev.classCode)) {
          add([...path, 'address'], `"${d.address}" is PCI class 0x${dev.classCode.toString(16).padStart(6, '0')}, not a storage controller; expected 0x0108 NVMe, 0x0106 SATA, 0x0107 SAS or 0x0104 RAID`);
          return false;
        }
        const a = assessDevice(d.address, facts.host, facts.pt, { named: [d.address] });
        const refusals = a.verdict.refusals.filter((r) =>
          !(r.code === 'domain-disk' && r.message.includes(`libvirt domain "${vm.name}" `)) && !(r.code === 'no-iommu' && plan.host.kernel.iommu));
        if (refusals.length > 0) {
          const boot = refusals.filter((r) => r.code === 'root' || r.code === 'boot');
          const rest = refusals.filter((r) => !boot.includes(r));
          add([...path, 'address'], boot.length > 0
            ? `"${d.address}" is the controller of the host's boot disk (${reasons(boot.map((r) => r.message.replace(/^[0-9a-f:.]+: /, '')))}), and ${rest.length} more reason${rest.length === 1 ? '' : 's'} (kvmio passthrough check ${d.address}); expected a controller the host does not boot from`
            : `"${d.address}" cannot be passed through: ${reasons(rest.map((r) => r.message))} (kvmio passthrough check ${d.address})`);
          return false;
        }
        const others = a.assignedTo.filter((x) => x !== vm.name);
        if (others.length > 0) add([...path, 'address'], `"${d.address}" is already a <hostdev> of domain ${others.map((x) => `"${x}"`).join(', ')}; expected a device no other VM has`);
        const behind = devs.filter((b) => b.kind === 'disk' && b.controller === d.address);
        claim([`pci:${d.address}`, ...behind.flatMap(blockKeys)], owner, [...path, 'address'], diskLabel(d));
        return true;
      }
    }
  }
  return problems;
}
