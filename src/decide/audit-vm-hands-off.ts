// The host keeps its hands off what it gave away (seed §3, "Pass-through a partition or
// disk": "the host must never access data in a partition that was given to a VM"). For
// every VM disk whose data the host can reach as a block device — a block source (whole
// disk, partition, LV), or a loop device backed by the disk's image file — two checks:
// - vm.host-hands-off FAILs when the host mounts it or anything on it (a whole disk's
//   partitions too), swaps on it, carries its root or /boot there, or holds it as a PV
//   of a host VG (one with PVs outside this VM's disks, or with LVs active on the host);
//   the uses come from the function pass-through refuses with (host-disk-uses.ts);
// - vm.host-lvm-scan WARNs when the host's LVM sees a PV inside the VM's disk (a guest's
//   own VG in the host's `pvs`: the host may activate it under the guest at boot) or
//   would scan the device at all (no global_filter, devices file or scan_lvs=0 that
//   excludes it), with the global_filter to add, as lvm.conf's own scan_lvs text advises
//   ("caution must be taken to avoid a host accessing a layered VG that may not belong to
//   it, e.g. from a guest image. This generally requires excluding the LVs with device
//   filters") and as Proxmox VE does for its guest volumes (lvm-filter-fix.ts).
// Pure: VM facts with the host's use facts in, findings out.
import type { BlockDevice } from '../facts/host-facts.js';
import type { HostUseFacts } from '../facts/host-use-facts.js';
import type { SourceFacts, VmFacts } from '../facts/vm-disk-facts.js';
import { fixText, type Finding, type Fix, type FixPart, type Subject } from '../model/finding.js';
import type { Vm, VmDisk } from '../model/vm.js';
import { globalFilterLine, type FilterName } from './lvm-filter-fix.js';
import { hostUsesOfDisk, type DiskUse, type PvOnDevice } from './host-disk-uses.js';
import { deviceNames, lvmScans } from './lvm-scan.js';
import { localPath } from './recommend-vm-disk.js';

const REF_HANDS_OFF = 'seed §3 (the host must never access data in a partition given to a VM); kernel: one writer per filesystem (a host mount beside the guest corrupts it)';
const REF_LVM_SCAN = 'lvm.conf(5) devices/global_filter, devices/scan_lvs, devices/use_devicesfile; lvm2 lib/filters/filter-regex.c; Proxmox VE pve-manager global_filter for guest volumes';

/** One way the host sees a VM disk's data: the device, and how it came to it. */
interface Exposure {
  readonly device: BlockDevice;
  /** "the disk's source /dev/vg0/web", "loop3 (backed by the image)". */
  readonly via: string;
  /** Names the VM definition uses for it (kept in the filter line). */
  readonly names: readonly string[];
  readonly isLv: boolean;
}

const isCdLike = (d: VmDisk): boolean => d.device === 'cdrom' || d.device === 'floppy';

/** The host block devices that carry this disk's data, or why they are not known. */
function exposuresOf(path: string, src: SourceFacts, host: HostUseFacts, devs: readonly BlockDevice[]): { readonly exposures: readonly Exposure[] } | { readonly skip: string } {
  if (src.kind !== 'present') return { exposures: [] };
  const kind = src.backend.ok ? src.backend.value.kind : undefined;
  if (kind === 'lv' || kind === 'block' || (kind === undefined && path.startsWith('/dev/'))) {
    const name = host.deviceOf.get(path);
    const dev = name === undefined ? undefined : devs.find((d) => d.name === name);
    if (dev === undefined) return { skip: `${path}${name === undefined ? '' : ` (${name})`} is not in the host's block device list (/sys/class/block): what the host does with it is unknown` };
    return { exposures: [{ device: dev, via: `its source ${path}`, names: deviceNames(dev, [path]), isLv: kind === 'lv' || (kind === undefined && dev.dmName !== undefined) }] };
  }
  const loops = devs.filter((d) => d.kind === 'loop' && d.backingFile === path);
  return { exposures: loops.map((d) => ({ device: d, via: `${d.name} (a loop device backed by ${path})`, names: deviceNames(d), isLv: false })) };
}

/** VGs the host itself uses: a PV outside this VM's disks, or an LV of it active on the host (a dm device "VG-LV"). */
function hostVg(vg: string, mine: ReadonlySet<string>, host: HostUseFacts, devs: readonly BlockDevice[]): string | undefined {
  const pvs = host.pvs.ok ? host.pvs.value : [];
  const outside = pvs.filter((p) => p.vg === vg && !mine.has(p.pv) && !mine.has(p.pv.replace(/^\/dev\//, '')));
  if (outside.length > 0) return `volume group "${vg}" also has ${outside.map((p) => p.pv).join(', ')}, outside this VM's disks`;
  const mapperPrefix = `${vg.replace(/-/g, '--')}-`;
  const active = devs.filter((d) => d.dmName?.startsWith(mapperPrefix));
  if (active.length > 0) return `volume group "${vg}" has LVs active on the host (${active.map((d) => `${d.name} = /dev/mapper/${d.dmName ?? ''}`).join(', ')})`;
  return undefined;
}

/** `label` names a VM disk in findings (audit-vm-disks.ts diskObject, passed in so the two files do not import each other). */
export function auditVmHandsOff(facts: VmFacts, label: (vm: Vm, disk: VmDisk) => string): Finding[] {
  const host = facts.hostUse;
  if (host === undefined) return [];
  const out: Finding[] = [];
  for (const vm of facts.vms) out.push(...auditVm(vm, facts, host, label));
  return out;
}

function auditVm(vm: Vm, facts: VmFacts, host: HostUseFacts, label: (vm: Vm, disk: VmDisk) => string): Finding[] {
  const out: Finding[] = [];
  const devs: readonly BlockDevice[] = host.blockDevices.ok ? host.blockDevices.value : [];
  const disks = vm.disks.filter((d) => !isCdLike(d)).map((disk) => {
    const p = localPath(disk);
    const src = p.ok ? facts.sources.get(p.value) : undefined;
    return { disk, path: p.ok ? p.value : undefined, src };
  });
  const seen = disks.map(({ path, src }) => (path === undefined || src === undefined || !host.blockDevices.ok ? undefined : exposuresOf(path, src, host, devs)));
  // Every device (and PV path) that belongs to this VM's disks: a VG living only on them is the guest's.
  const mine = new Set<string>();
  for (const s of seen) {
    if (s === undefined || 'skip' in s) continue;
    for (const e of s.exposures) {
      for (const n of hostUsesOfDisk(e.device, devs, host.pvs).family) {
        mine.add(n);
        mine.add(`/dev/${n}`);
        const dm = devs.find((d) => d.name === n)?.dmName;
        if (dm) mine.add(`/dev/mapper/${dm}`);
      }
      for (const n of e.names) mine.add(n);
    }
  }
  disks.forEach(({ disk, path, src }, i) => {
    const s = seen[i];
    if (path === undefined || src === undefined || src.kind !== 'present') return;
    const base = { subject: { kind: 'vm', vm: vm.ref, disk: disk.label } as Subject, object: label(vm, disk) };
    const isBlock = src.backend.ok ? src.backend.value.kind !== 'file' : path.startsWith('/dev/');
    if (!host.blockDevices.ok) {
      if (isBlock) for (const id of ['vm.host-hands-off', 'vm.host-lvm-scan']) out.push({ ...base, id, status: 'skip', observed: path, why: `the host's block devices are unknown: ${host.blockDevices.reason}` });
      return;
    }
    if (s === undefined) return;
    if ('skip' in s) {
      for (const id of ['vm.host-hands-off', 'vm.host-lvm-scan']) out.push({ ...base, id, status: 'skip', observed: path, why: s.skip });
      return;
    }
    if (s.exposures.length === 0) return;
    const uses: DiskUse[] = [];
    const guestPvs: PvOnDevice[] = [];
    const steps: (readonly string[])[] = [];
    for (const e of s.exposures) {
      const h = hostUsesOfDisk(e.device, devs, host.pvs);
      for (const u of h.uses) if (u.kind !== 'pv') uses.push(u);
      steps.push(...h.mounts.map((m) => ['umount', m]), ...h.swaps.map((d) => ['swapoff', `/dev/${d}`]));
      for (const pv of h.pvs) {
        const why = pv.vg === '' ? undefined : hostVg(pv.vg, mine, host, devs);
        if (why !== undefined) {
          uses.push({ kind: 'pv', device: pv.device, detail: `${pv.device} is an LVM PV of the host's ${why}` });
          steps.push(['pvmove', `/dev/${pv.device}`], ['vgreduce', pv.vg, `/dev/${pv.device}`]);
        } else guestPvs.push(pv);
      }
    }
    const via = s.exposures.map((e) => e.via).join('; ');
    out.push(uses.length > 0
      ? {
          ...base,
          id: 'vm.host-hands-off',
          status: 'fail',
          observed: uses.map((u) => u.detail).join('; '),
          expected: 'the host neither mounts, swaps on, boots from nor holds as a PV of its own VG what it gave the VM',
          why: `the host uses the data it gave this VM (through ${via}): two writers on one filesystem or VG corrupt it, and a host mount sees stale guest data`,
          fix: stopFix(steps),
          ref: REF_HANDS_OFF,
        }
      : host.pvs.ok
        ? { ...base, id: 'vm.host-hands-off', status: 'pass', observed: via, why: 'the host neither mounts it (or its partitions), nor swaps on it, nor boots from it, nor holds it as a PV of a host VG', ref: REF_HANDS_OFF }
        : { ...base, id: 'vm.host-hands-off', status: 'skip', observed: via, why: `not mounted, no swap, no root or /boot; whether it is a PV of a host VG is unknown: ${host.pvs.reason}`, ref: REF_HANDS_OFF });
    out.push(lvmScanFinding(base, s.exposures, guestPvs, host, devs));
  });
  return out;
}

/** "stop the host's use before the VM starts: umount '/mnt/x'; swapoff /dev/sdb2 …", each value quoted by the renderer. */
function stopFix(steps: readonly (readonly string[])[]): Fix {
  const parts: FixPart[] = [{ text: steps.length > 0 ? "stop the host's use before the VM starts: " : 'give the VM a device that carries nothing of the host\'s (its root or /boot is there)' }];
  steps.forEach(([cmd, ...args], i) => {
    parts.push({ text: `${i > 0 ? '; ' : ''}${cmd ?? ''}` });
    for (const a of args) parts.push({ text: ' ' }, { value: a });
  });
  if (steps.length > 0) parts.push({ text: '; or remove the disk from the VM' });
  return { parts };
}

function lvmScanFinding(base: Pick<Finding, 'subject' | 'object'>, exposures: readonly Exposure[], guestPvs: readonly PvOnDevice[], host: HostUseFacts, devs: readonly BlockDevice[]): Finding {
  const id = 'vm.host-lvm-scan';
  if (!host.lvm.ok) return { ...base, id, status: 'skip', why: `the host's LVM settings are unknown: ${host.lvm.reason}` };
  const lvm = host.lvm.value;
  // The device and its partitions (the guest's own partition table shows up as loop3p1, sdb1 …).
  const scanned = exposures.flatMap((e) => [e.device, ...devs.filter((d) => d.parent === e.device.name)].map((d) => ({ e, d, v: lvmScans(lvm, d, { names: d === e.device ? e.names : deviceNames(d), isLv: e.isLv }) })));
  const open = scanned.filter((x) => x.v.scanned);
  const seenPvs = guestPvs.map((pv) => (pv.vg === '' ? `${pv.device} (a PV in no VG)` : `${pv.device} (VG "${pv.vg}", only on this VM's disks: the guest's, or a host VG left on a disk given away)`));
  if (open.length === 0 && seenPvs.length === 0) {
    return { ...base, id, status: 'pass', observed: scanned.map((x) => `${x.d.name}: ${x.v.why}`).join('; '), why: "the host's LVM does not scan this VM disk, so it never sees or activates the guest's own volume groups", ref: REF_LVM_SCAN };
  }
  const existing = lvm.installed ? lvm.scan.globalFilter : [];
  const names = new Map<string, FilterName>();
  // a name with control characters (from an untrusted definition) is left out: /dev/NAME still names the device
  // eslint-disable-next-line no-control-regex
  for (const e of exposures) for (const name of e.names) if (!/[\x00-\x1f\x7f]/.test(name)) names.set(name, { name, whole: e.device.kind !== 'part' && e.device.kind !== 'dm' });
  const from = lvm.installed ? lvm.from : 'lvm.conf';
  return {
    ...base,
    id,
    status: 'warn',
    observed: [
      ...(seenPvs.length > 0 ? [`the host's pvs shows ${seenPvs.join(', ')} inside this VM's disk`] : []),
      ...open.map((x) => `${x.d.name} is scanned: ${x.v.why}`),
    ].join('; '),
    expected: 'the VM disks excluded from host LVM scanning (global_filter, devices file, or scan_lvs=0 for LVs)',
    why: `the host's LVM reads the guest's PV labels: at boot or on a rescan it may activate the guest's VGs and write their metadata while the guest runs (duplicate VG names clash with the host's own); settings read from ${from}`,
    fix: fixText([`add to the devices { } section of /etc/lvm/lvm.conf: ${globalFilterLine(existing, [...names.values()])}, then update-initramfs -u (the initramfs carries a copy of lvm.conf)`]),
    ref: REF_LVM_SCAN,
  };
}
