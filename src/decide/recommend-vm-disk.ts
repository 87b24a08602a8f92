// The settings the decision table (chooseDiskConfig) wants for an existing VM disk: the
// disk's source, as probed, becomes a Backend; its bus, shareable and readonly flags the
// intent. The audit compares a disk with this; `vm tune` writes it. Pure.
import { chooseDiskConfig } from './choose-disk-config.js';
import type { Backend, DiskDeviceConfig, DiskIntent, Platform } from '../model/disk-types.js';
import type { DomainDisk, DomainModel } from '../facts/parse-domain.js';
import { missing, ok, type Read } from '../facts/source.js';
import type { SourceFacts, VmFacts } from '../facts/vm-disk-facts.js';

/** The local path of a disk's source, resolving storage volumes through the facts. */
export function localPath(disk: DomainDisk, facts: Pick<VmFacts, 'volumes'>): Read<string> {
  const s = disk.source;
  switch (s.kind) {
    case 'file':
    case 'block':
      return ok(s.path);
    case 'volume':
      return facts.volumes.get(`${s.pool}/${s.volume}`) ?? missing(`volume ${s.pool}/${s.volume} was not resolved (libvirt not read)`);
    case 'network':
      return missing(`network disk (${s.protocol}${s.name ? ` ${s.name}` : ''}): its store is not local, so allocation and O_DIRECT cannot be probed from this host`);
    case 'other':
      return missing(`disk type "${s.type}" has no local image to probe`);
    case 'none':
      return missing('the disk has no <source>');
  }
}

/** The virtio bus a disk is on, if any ("virtio-blk", "virtio-scsi"). */
export function virtioBus(vm: DomainModel, disk: DomainDisk): 'virtio-blk' | 'virtio-scsi' | undefined {
  if (disk.target.bus === 'virtio') return 'virtio-blk';
  if (disk.target.bus === 'scsi') {
    const ctl = vm.controllers.find((c) => c.type === 'scsi' && (c.index ?? 0) === (disk.controllerIndex ?? 0));
    if (ctl?.model === 'virtio-scsi') return 'virtio-scsi';
  }
  return undefined;
}

export function backendOf(disk: DomainDisk, src: SourceFacts): Read<Backend> {
  if (src.kind === 'missing') return missing(src.reason);
  if (!src.backend.ok) return src.backend;
  const b = src.backend.value;
  if (b.kind === 'file' && disk.driver.type !== undefined && disk.driver.type !== b.format) {
    return missing(`<driver type='${disk.driver.type}'> but the image is ${b.format}: fix the format first`);
  }
  return ok(b);
}

/** What the table wants for this disk, or why it cannot say. */
export function recommendVmDisk(vm: DomainModel, disk: DomainDisk, facts: Pick<VmFacts, 'sources' | 'volumes' | 'aioEvidence'>, platform: Platform): Read<DiskDeviceConfig> {
  const path = localPath(disk, facts);
  if (!path.ok) return path;
  const src = facts.sources.get(path.value);
  if (src === undefined) return missing(`${path.value} was not probed`);
  const backend = backendOf(disk, src);
  if (!backend.ok) return backend;
  const bus = virtioBus(vm, disk);
  const intent: DiskIntent = {
    ...(bus ? { bus } : {}),
    ...(disk.shareable ? { shareable: true } : {}),
    ...(disk.readonly ? { readOnly: true } : {}),
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
