// One Proxmox VM config (plus storage.cfg) into the neutral VM model: every disk with
// its bus, controller, effective cache/aio/iothread/discard (Proxmox's defaults applied,
// with their origin), and what the adapter noticed (a pending change, snapshots, an
// ignored iothread, keys and drive strings Proxmox would reject). Pure; never throws:
// a broken line becomes a problem with the reason, the rest is still read.
import type { Backend } from '../model/disk-types.js';
import type { Version } from '../model/version.js';
import type { Vm, VmBus, VmController, VmDisk, VmHostdev } from '../model/vm.js';
import type { Read } from '../facts/source.js';
import { checkDriveOptions, driveKey, driveOption, parseBool, parseDrive, type DriveInterface, type DriveString } from './parse-drive.js';
import { parseVmConfig, type VmConfig } from './parse-vm-config.js';
import type { StorageCfg } from './parse-storage-cfg.js';
import { resolveVolume, type ResolvedVolume } from './resolve-volume.js';
import { effectiveAio, effectiveCache, effectiveDetectZeroes, effectiveDiscard, iothreadActive, isCdrom, SCSIHW_DEFAULT } from './drive-defaults.js';

export interface ProxmoxDrive {
  /** "scsi0" */
  readonly key: string;
  readonly iface: DriveInterface;
  readonly index: number;
  /** The drive string as written in the config. */
  readonly text: string;
  readonly drive: DriveString;
  readonly resolved: ResolvedVolume;
}

/** Something in the config Proxmox itself would warn about or reject; `key` names the line. */
export interface ProxmoxProblem {
  readonly key?: string;
  readonly message: string;
}

export interface ProxmoxVm {
  readonly vm: Vm;
  readonly vmid: number;
  readonly drives: readonly ProxmoxDrive[];
  /** scsihw as written, or Proxmox's default (lsi). */
  readonly scsihw: { readonly value: string; readonly explicit: boolean };
  readonly problems: readonly ProxmoxProblem[];
  /** Keys with a change waiting in [PENDING] (applied at the next start), and pending deletes. */
  readonly pending: readonly string[];
  readonly snapshots: readonly string[];
  /** storage:volume ids resolved to local paths ("local-lvm/vm-101-disk-0" → /dev/pve/vm-101-disk-0). */
  readonly volumes: ReadonlyMap<string, Read<string>>;
  /** What storage.cfg alone tells about each local path (LVs, zvols, block devices). */
  readonly backends: ReadonlyMap<string, Read<Backend>>;
}

export interface ReadProxmoxVmInput {
  readonly vmid: number;
  /** The config file (for messages and the VM ref). */
  readonly file: string;
  readonly text: string;
  readonly storage: StorageCfg | undefined;
  readonly node?: string;
  /** pve-manager version (pveversion): io_uring is the default from 7.0. */
  readonly pve?: Version;
  readonly running?: boolean;
}

// QemuServer.pm $confdesc (PVE 8): keys a VM config may hold; numbered ones by stem.
const KNOWN_KEYS = new Set([
  'acpi', 'affinity', 'agent', 'allow-ksm', 'amd-sev', 'arch', 'args', 'autostart', 'balloon', 'bios', 'boot', 'bootdisk',
  'cicustom', 'cipassword', 'citype', 'ciupgrade', 'ciuser', 'cores', 'cpu', 'cpulimit', 'cpuunits', 'description', 'digest',
  'freeze', 'hookscript', 'hotplug', 'hugepages', 'import-working-storage', 'intel-tdx', 'ivshmem', 'keephugepages',
  'keyboard', 'kvm', 'localtime', 'lock', 'machine', 'memory', 'meta', 'migrate_downtime', 'migrate_speed', 'name',
  'nameserver', 'numa', 'onboot', 'ostype', 'parent', 'protection', 'reboot', 'runningcpu', 'runningmachine', 'scsihw',
  'searchdomain', 'shares', 'smbios1', 'smp', 'snaptime', 'sockets', 'spice_enhancements', 'sshkeys', 'startdate',
  'startup', 'tablet', 'tags', 'tdf', 'template', 'vcpus', 'vga', 'vmgenid', 'vmstate', 'vmstatestorage', 'watchdog',
]);
const NUMBERED = new Set(['audio', 'efidisk', 'hostpci', 'ide', 'ipconfig', 'net', 'numa', 'parallel', 'rng', 'sata', 'scsi', 'serial', 'tpmstate', 'unused', 'usb', 'virtio', 'virtiofs']);

const isKnownKey = (k: string): boolean => KNOWN_KEYS.has(k) || NUMBERED.has(k.replace(/\d+$/, '')) && /\d$/.test(k);

/** Proxmox's scsihw words → the model's controller model and bus. */
function scsiBus(scsihw: string): { bus: VmBus; model: string } {
  if (scsihw === 'virtio-scsi-pci' || scsihw === 'virtio-scsi-single') return { bus: 'virtio-scsi', model: 'virtio-scsi' };
  return { bus: 'scsi-emulated', model: scsihw };
}

const decodeSerial = (s: string): string => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

/** "0000:01:00.0", "01:00.0" (domain 0000 added), "01:00" (all functions: no single address). */
function hostpciAddress(value: string): string | undefined {
  const first = value.split(',')[0] ?? '';
  const host = /(?:^|,)host=([^,]+)/.exec(value)?.[1] ?? (first.includes('=') ? undefined : first);
  if (host === undefined) return undefined;
  const one = host.split(';')[0] ?? '';
  if (/^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/i.test(one)) return one.toLowerCase();
  if (/^[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/i.test(one)) return `0000:${one.toLowerCase()}`;
  return undefined;
}

export function readProxmoxVm(input: ReadProxmoxVmInput): ProxmoxVm {
  return proxmoxVmFromConfig(parseVmConfig(input.text), input);
}

export function proxmoxVmFromConfig(conf: VmConfig, input: Omit<ReadProxmoxVmInput, 'text'>): ProxmoxVm {
  const values = conf.current.values;
  const problems: ProxmoxProblem[] = conf.problems.map((message) => ({ message }));
  for (const p of input.storage?.problems ?? []) problems.push({ message: `storage.cfg ${p}` });
  for (const k of values.keys()) if (!isKnownKey(k)) problems.push({ key: k, message: `unknown key "${k}" (Proxmox warns "unable to parse value of '${k}'" and ignores it)` });

  const scsihwRaw = values.get('scsihw');
  const scsihw = { value: scsihwRaw ?? SCSIHW_DEFAULT, explicit: scsihwRaw !== undefined };
  const template = parseBool(values.get('template') ?? '0') === true;
  const notes: string[] = [];
  const drives: ProxmoxDrive[] = [];
  const disks: VmDisk[] = [];
  const controllers: VmController[] = [];
  const iothreads: number[] = [];
  const volumes = new Map<string, Read<string>>();
  const backends = new Map<string, Read<Backend>>();
  const scsi = scsiBus(scsihw.value);
  let sharedScsi = false;

  for (const [key, text] of values) {
    const dk = driveKey(key);
    if (!dk) continue;
    const parsed = parseDrive(text);
    if (!parsed.ok) {
      problems.push({ key, message: `${key}: cannot parse the drive string: ${parsed.reason}` });
      continue;
    }
    const drive = parsed.value;
    // parse_vm_config validates each value against the schema and drops a key that fails
    // ("unable to parse value of 'scsi1'"): the VM starts without that disk.
    const rejected = checkDriveOptions(dk.iface, drive);
    if (rejected.length > 0) {
      problems.push({ key, message: `${key}: ${rejected.join('; ')}: Proxmox rejects the drive string and starts the VM without this disk` });
      continue;
    }
    // EFI vars and TPM state are firmware stores, not guest disks: Proxmox gives them no
    // cache/aio/bus options (Drive.pm $efidisk_fmt, $tpmstate_fmt), so nothing to tune.
    const cdrom = isCdrom(drive);
    const resolved = resolveVolume(drive.file, input.storage, { cdrom });
    drives.push({ key, iface: dk.iface, index: dk.index, text, drive, resolved });
    if (dk.iface === 'efidisk' || dk.iface === 'tpmstate') {
      notes.push(`${key}: ${dk.iface === 'efidisk' ? 'EFI vars' : 'TPM state'} on ${drive.file} (firmware state, not a guest disk: not audited)`);
      continue;
    }
    if (resolved.source.kind === 'volume') volumes.set(`${resolved.source.pool}/${resolved.source.volume}`, resolved.path);
    if (resolved.path.ok && !cdrom) backends.set(resolved.path.value, resolved.backend);

    const scfg = resolved.storage;
    let bus: VmBus;
    let controller: string | undefined;
    let iothread: number | undefined;
    let queues: number | undefined;
    const io = iothreadActive(dk.iface, drive, scsihw.value);
    if (io.ignored) notes.push(`${key}: ${io.ignored}`);
    switch (dk.iface) {
      case 'virtio':
        bus = 'virtio-blk';
        if (io.on) iothreads.push((iothread = iothreads.length + 1));
        break;
      case 'scsi': {
        bus = scsi.bus;
        const q = driveOption(drive, 'queues');
        if (scsihw.value === 'virtio-scsi-single') {
          // One controller per disk (virtioscsiN); the iothread belongs to that controller.
          controller = `scsihw/${key}`;
          const t = io.on ? iothreads.length + 1 : undefined;
          if (t !== undefined) iothreads.push(t);
          controllers.push({ key: controller, model: scsi.model, ...(t !== undefined ? { iothread: t } : {}), ...(q ? { queues: Number(q) } : {}) });
        } else {
          controller = 'scsihw';
          sharedScsi = true;
        }
        // queues is a SCSI option; it sizes virtio-scsi's num_queues, emulated HBAs ignore it.
        if (q && scsi.bus === 'virtio-scsi') queues = Number(q);
        break;
      }
      case 'sata':
        bus = 'sata';
        controller = 'sata';
        break;
      case 'ide':
        bus = 'ide';
        break;
      default:
        bus = 'other';
    }
    const dz = effectiveDetectZeroes(drive);
    const ro = parseBool(driveOption(drive, 'ro') ?? '0') === true || (template && dk.iface !== 'sata' && dk.iface !== 'ide');
    const serial = driveOption(drive, 'serial');
    const format = driveOption(drive, 'format') ?? resolved.format;
    disks.push({
      key,
      label: key,
      device: cdrom ? 'cdrom' : 'disk',
      source: resolved.source,
      ...(format ? { format } : {}),
      bus,
      busName: dk.iface,
      ...(controller ? { controller } : {}),
      cache: effectiveCache(drive, scfg),
      aio: effectiveAio(drive, scfg, input.pve),
      ...(iothread !== undefined ? { iothread } : {}),
      ...(queues !== undefined ? { queues } : {}),
      ...(cdrom ? {} : { discard: effectiveDiscard(drive) }),
      ...(dz ? { detectZeroes: dz.value } : {}),
      readOnly: ro || cdrom,
      shareable: false,
      ...(serial ? { serial: decodeSerial(serial) } : {}),
    });
  }
  if (sharedScsi) controllers.unshift({ key: 'scsihw', model: scsi.model });
  if (disks.some((d) => d.controller === 'sata')) controllers.push({ key: 'sata', model: 'ahci' });

  const hostdevs: VmHostdev[] = [];
  for (const [k, v] of values) {
    if (!/^hostpci\d+$/.test(k)) continue;
    const address = hostpciAddress(v);
    hostdevs.push({ type: 'pci', ...(address ? { address } : {}) });
  }

  const pendingKeys = conf.pending ? [...conf.pending.values.keys(), ...conf.pending.delete.map((k) => `-${k}`)] : [];
  if (pendingKeys.length > 0) notes.push(`pending change (applied at the next start): ${pendingKeys.join(', ')}; the current config is audited`);
  if (conf.snapshots.length > 0) notes.push(`${conf.snapshots.length} snapshot(s): ${conf.snapshots.join(', ')} (their frozen configs are not audited)`);
  if (template) notes.push('a template: Proxmox opens its disks read-only');

  const num = (k: string): number | undefined => {
    const v = values.get(k);
    return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
  };
  const vcpus = num('vcpus') ?? (num('sockets') ?? 1) * (num('cores') ?? 1);
  const machine = values.get('machine')?.split(',')[0];
  const vm: Vm = {
    ref: { name: values.get('name') ?? String(input.vmid), manager: { kind: 'proxmox', vmid: input.vmid, file: input.file, ...(input.node ? { node: input.node } : {}) } },
    running: input.running ?? false,
    vcpus,
    ...(machine ? { machine } : {}),
    iothreads,
    disks,
    controllers,
    hostdevs,
    notes,
    ...(problems.length > 0 ? { problems: problems.map((p) => p.message) } : {}),
  };
  return { vm, vmid: input.vmid, drives, scsihw, problems, pending: pendingKeys, snapshots: conf.snapshots, volumes, backends };
}
