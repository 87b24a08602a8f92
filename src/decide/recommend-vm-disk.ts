// The settings the decision table (chooseDiskConfig) wants for an existing VM disk: the
// disk's source, as probed, becomes a Backend; its bus, shareable and read-only flags the
// intent. The audit compares a disk with this; `vm tune` writes it. Pure, and over the
// neutral model only (model/vm.ts): any manager's VMs are judged the same way.
import { chooseDiskConfig } from './choose-disk-config.js';
import type { Backend, DiskDeviceConfig, DiskIntent, Platform } from '../model/disk-types.js';
import type { Vm, VmDisk } from '../model/vm.js';
import { missing, ok, type Read } from '../facts/source.js';
import type { SourceFacts, VmFacts } from '../facts/vm-disk-facts.js';

/** The local path of a disk's source (volumes as the adapter resolved them), or why it has none. */
export function localPath(disk: VmDisk): Read<string> {
  const s = disk.source;
  switch (s.kind) {
    case 'file':
    case 'block':
      return ok(s.path);
    case 'volume':
      return s.path !== undefined ? ok(s.path) : missing(s.unresolved ?? `volume ${s.pool}/${s.volume} was not resolved`);
    case 'network':
      return missing(`network disk (${s.protocol}${s.name ? ` ${s.name}` : ''}): its store is not local, so allocation and O_DIRECT cannot be probed from this host`);
    case 'other':
      return missing(`disk type "${s.type}" has no local image to probe`);
    case 'none':
      return missing('the disk has no source');
  }
}

/** The host's platform as it applies to this VM: which layer writes its configuration. */
export const platformFor = (vm: Vm, platform: Platform): Platform => ({
  ...platform,
  writer: vm.ref.manager.kind === 'proxmox' ? 'proxmox' : 'libvirt',
});

/** The paravirtual bus a disk is on, if any. */
export const virtioBus = (disk: VmDisk): 'virtio-blk' | 'virtio-scsi' | undefined =>
  disk.bus === 'virtio-blk' || disk.bus === 'virtio-scsi' ? disk.bus : undefined;

/** The controller a disk hangs off, by its key. */
export const controllerOf = (vm: Vm, disk: VmDisk) => (disk.controller === undefined ? undefined : vm.controllers.find((c) => c.key === disk.controller));

export function backendOf(disk: VmDisk, src: SourceFacts): Read<Backend> {
  if (src.kind === 'missing') return missing(src.reason);
  if (!src.backend.ok) return src.backend;
  const b = src.backend.value;
  if (b.kind === 'file' && disk.format !== undefined && disk.format !== b.format) {
    return missing(`the disk declares format ${disk.format} but the image is ${b.format}: fix the format first`);
  }
  return ok(b);
}

/** What the table wants for this disk, or why it cannot say. */
export function recommendVmDisk(disk: VmDisk, facts: Pick<VmFacts, 'sources' | 'aioEvidence'>, platform: Platform): Read<DiskDeviceConfig> {
  const path = localPath(disk);
  if (!path.ok) return path;
  const src = facts.sources.get(path.value);
  if (src === undefined) return missing(`${path.value} was not probed`);
  const backend = backendOf(disk, src);
  if (!backend.ok) return backend;
  const bus = virtioBus(disk);
  const intent: DiskIntent = {
    ...(bus ? { bus } : {}),
    ...(disk.shareable ? { shareable: true } : {}),
    ...(disk.readOnly ? { readOnly: true } : {}),
    // aio rule 2: saved bench results for this disk's store and format, when any.
    ...(facts.aioEvidence?.get(path.value) ? { bench: facts.aioEvidence.get(path.value) } : {}),
  };
  try {
    const cfg = chooseDiskConfig(backend.value, intent, platform);
    return cfg.kind === 'disk' ? ok(cfg) : missing('a PCI pass-through device has no disk settings');
  } catch (e) {
    return missing(e instanceof Error ? e.message : String(e));
  }
}
