// `kvmio disk create`: resolve the target, probe it read-only (facts/), run the guards,
// plan the steps (qemu-img / lvcreate / nothing for a device handed over as is) and the
// engine actions that carry them out, and describe the disk for libvirt.
// applyDiskCreate runs the actions through the journal engine (apply/engine.ts) and
// verifies what it made. No I/O here but through facts/ and apply/.
import { resolve as resolvePath } from 'node:path';
import { applyActions, type EngineOptions, type Outcome } from '../apply/engine.js';
import { KvmioError, usageError } from '../errors.js';
import type { Bus, DiskBackend, DiskIntent, Platform } from '../model/disk-types.js';
import type { DomainEdit, ImageCreate, LvCreate } from '../model/action.js';
import { libvirtUri, VM_COMMANDS } from '../facts/commands.js';
import { virshText } from '../libvirt/probe-domains.js';
import { readDomainXml } from '../libvirt/read-domain.js';
import { LocalSource } from '../facts/local-source.js';
import { isThinPool } from '../facts/parse-lvm.js';
import { probeDevice } from '../facts/probe-device.js';
import { localDomainUses } from '../libvirt/domain-uses.js';
import { probeDeviceMapper, probeDirectIoDir, probeFreeBytes, probeFsType, probeIsPartition, probeLvs, probePathKind, probeVgs } from '../facts/probe-disk-target.js';
import { parseQemuImgInfo } from '../facts/parse-qemu-img.js';
import { probePlatform } from '../facts/probe-disk.js';
import type { Source } from '../facts/source.js';
import { formatSize, type Size } from '../size.js';
import { checkAttach, domainDisks, firstFreeTarget, planAttach } from './attach.js';
import { describeCreatedDisk, type CreatedDisk } from './created-disk.js';
import { checkDeviceGuards, checkImageGuards, refusalError, refuseBy, type GuardTrip, type GuardVerdict } from './guards.js';
import { isFullyAllocated, planImage, type ImageFormat, type ImageInfo, type ImagePlan, type Prealloc } from './image-plan.js';
import { checkLvmName, DM_MISSING_NOTE, planLinearLv, planThinLv, roundToExtent } from './lvm-plan.js';
import type { Step } from './step.js';

export type Target =
  | { readonly kind: 'dir'; readonly dir: string }
  | { readonly kind: 'lv'; readonly vg: string }
  | { readonly kind: 'thin'; readonly vg: string; readonly pool: string }
  | { readonly kind: 'device'; readonly path: string };

/** `lv:VG`, `thin:VG/POOL`, else a path: a directory (image file) or a block device (as is). */
export async function resolveTarget(text: string, cwd: string, src: Source = new LocalSource()): Promise<Target> {
  if (text.startsWith('lv:')) {
    const vg = text.slice(3);
    checkLvmName('--on lv:VG', vg);
    return { kind: 'lv', vg };
  }
  if (text.startsWith('thin:')) {
    const m = /^thin:([^/]+)\/([^/]+)$/.exec(text);
    if (!m) throw usageError(`--on: "${text}" is not valid; expected thin:VG/POOL`);
    checkLvmName('--on thin:VG', m[1] as string);
    checkLvmName('--on thin:VG/POOL', m[2] as string);
    return { kind: 'thin', vg: m[1] as string, pool: m[2] as string };
  }
  const path = resolvePath(cwd, text);
  const st = await probePathKind(src, path, { follow: true });
  if (st.ok && st.value.kind === 'directory') return { kind: 'dir', dir: path };
  if (st.ok && st.value.kind === 'block') return { kind: 'device', path };
  throw usageError(`--on: "${text}" is ${st.ok && st.value.kind !== 'absent' ? 'neither a directory nor a block device' : 'not there'}; expected a directory (image file), lv:VG, thin:VG/POOL, or a partition or disk (/dev/…)`);
}

export interface DiskCreateRequest {
  readonly name: string;
  readonly size?: Size;
  readonly on: string;
  readonly format?: ImageFormat;
  readonly prealloc?: Prealloc;
  readonly clusterSize?: Size;
  readonly extendedL2?: boolean;
  readonly attach?: string;
  readonly targetDev?: string;
  readonly bus?: Bus;
  readonly force: boolean;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Engine keys ("image:PATH", "lvm-lv:VG/LV") of objects kvmio made and that are unchanged since (apply/engine.ts ownedKeys): "exists" is no refusal for them. */
  readonly owned?: ReadonlySet<string>;
  /** Where facts are read (default: this machine). */
  readonly source?: Source;
}

export interface DiskCreatePlan {
  readonly request: DiskCreateRequest;
  readonly target: Target;
  /** The path of the disk the VM gets (image file, /dev/VG/LV, the device). */
  readonly path: string;
  readonly steps: readonly Step[];
  readonly attachSteps: readonly Step[];
  /** What the engine does for `steps` (journaled, verified, undone by kvmio rollback). */
  readonly actions: readonly (ImageCreate | LvCreate)[];
  readonly image?: ImagePlan;
  readonly overridden: readonly GuardTrip[];
  readonly disk: CreatedDisk;
  readonly intent: DiskIntent;
  readonly platform: Platform;
  readonly notes: readonly string[];
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;

function refuseUnless(v: GuardVerdict): void {
  if (!v.allowed) throw refusalError(v);
}

export async function planDiskCreate(req: DiskCreateRequest): Promise<DiskCreatePlan> {
  if (!NAME.test(req.name) || req.name.length > 100) throw usageError(`NAME: "${req.name}" is not valid; expected letters, digits and . _ + - (no slash), starting with a letter or digit`);
  const src = req.source ?? new LocalSource();
  const target = await resolveTarget(req.on, req.cwd, src);
  if (target.kind !== 'dir' && (req.format === 'qcow2' || req.prealloc !== undefined || req.clusterSize !== undefined || req.extendedL2)) {
    throw usageError(`--format/--prealloc/--cluster-size/--extended-l2: only for an image file (--on DIRECTORY); ${req.on} is a ${target.kind === 'device' ? 'block device' : 'logical volume'} and is always raw`);
  }
  if (target.kind !== 'device' && req.size === undefined) throw usageError('--size: required for a new image or logical volume (e.g. --size 100G)');
  const notes: string[] = [];
  let steps: Step[] = [];
  let actions: (ImageCreate | LvCreate)[] = [];
  let backend: DiskBackend;
  let image: ImagePlan | undefined;
  let overridden: readonly GuardTrip[] = [];

  switch (target.kind) {
    case 'dir': {
      image = planImage({ dir: target.dir, name: req.name, size: req.size as Size, format: req.format ?? 'raw', prealloc: req.prealloc, clusterSize: req.clusterSize, extendedL2: req.extendedL2 });
      const there = await probePathKind(src, image.path);
      if (!there.ok) throw refuseBy('probe-incomplete', image.path, `cannot tell whether anything is there: ${there.reason}`, 'refusing rather than guessing');
      const mine = req.owned?.has(`image:${image.path}`) === true;
      const existing = there.value.kind === 'absent' || mine ? undefined : `${/^(regular( empty)? file)$/.test(there.value.what) ? 'a file' : there.value.what === 'directory' ? 'a directory' : there.value.what === 'symbolic link' ? 'a symbolic link' : 'something'} at ${image.path}`;
      const free = await probeFreeBytes(src, target.dir);
      if (!free.ok) throw refuseBy('probe-incomplete', target.dir, `cannot read the free space: ${free.reason}`, 'refusing rather than guessing');
      refuseUnless(checkImageGuards({ path: image.path, dir: target.dir, dirIsDirectory: true, existing, freeBytes: free.value + (mine ? image.neededBytes : 0), neededBytes: image.neededBytes }));
      steps = [{ kind: 'reserve-file', path: image.path, why: 'claim the name so nothing appearing meanwhile is overwritten' }, { kind: 'exec', argv: image.argv, why: `${image.format} image, preallocation=${image.prealloc}` }];
      actions = [{ kind: 'image-create', id: 'disk.create', object: image.path, reason: `${image.format} image, preallocation=${image.prealloc}`, path: image.path, format: image.format, virtualBytes: image.size.bytes, argv: image.argv }];
      const fsType = await probeFsType(src, target.dir);
      const directIo = await probeDirectIoDir(target.dir);
      backend = {
        kind: 'file',
        path: image.path,
        format: image.format,
        virtualSize: image.size,
        allocation: image.preallocated ? 'preallocated' : 'sparse',
        ...(fsType ? { fsType } : {}),
        ...(directIo !== undefined ? { directIo } : {}),
        ...(image.clusterBytes ? { clusterSize: { bytes: image.clusterBytes } } : {}),
      };
      if (image.l2Cache) {
        const { fullCoverageBytes, defaultCoversBytes } = image.l2Cache;
        notes.push(`qcow2 L2 cache for full coverage of ${formatSize(image.size)}: ${formatSize({ bytes: fullCoverageBytes })}; QEMU's default maximum (32 MiB) covers ${formatSize({ bytes: defaultCoversBytes })} of disk`);
      }
      break;
    }
    case 'lv':
    case 'thin': {
      checkLvmName('NAME', req.name);
      const size = req.size as Size;
      const vgs = await probeVgs(src, target.vg);
      const vg = vgs.ok ? vgs.value.find((v) => v.name === target.vg) : undefined;
      if (vg === undefined) throw refuseBy('vg-missing', `lv:${target.vg}`, `volume group ${target.vg} not found (vgs${vgs.ok ? '' : `: ${vgs.reason}`})`, `create it with kvmio vg create ${target.vg} DEVICE…`);
      const lvsRead = await probeLvs(src, target.vg);
      if (!lvsRead.ok) throw refuseBy('probe-incomplete', `lv:${target.vg}`, `could not list the logical volumes of ${target.vg} (lvs failed: ${lvsRead.reason})`, 'fix the LVM tools so the guard can check; refusing rather than guessing');
      const lvs = lvsRead.value;
      const lvPath = `/dev/${target.vg}/${req.name}`;
      if (lvs.some((l) => l.name === req.name) && req.owned?.has(`lvm-lv:${target.vg}/${req.name}`) !== true) throw refuseBy('lv-exists', lvPath, `logical volume ${target.vg}/${req.name} already exists (lvs); kvmio never reuses a volume`, 'pick another NAME');
      if (target.kind === 'lv') {
        const need = roundToExtent(size.bytes, vg.extentBytes || undefined);
        if (need > vg.freeBytes) throw refuseBy('vg-free', target.vg, `needs ${need} bytes but volume group ${target.vg} has ${vg.freeBytes} bytes free (vgs)`, 'pick a smaller --size or extend the VG (vgextend)');
        steps = [planLinearLv(target.vg, req.name, size)];
        actions = [lvAction(target.vg, req.name, steps[0] as Step)];
      } else {
        const pool = lvs.find((l) => l.name === target.pool);
        if (pool === undefined || !isThinPool(pool)) {
          const seen = pool ? `${target.vg}/${target.pool} is not a thin pool (lv_attr ${pool.attr})` : `no thin pool ${target.pool} in ${target.vg} (lvs)`;
          throw refuseBy('thin-pool-missing', `thin:${target.vg}/${target.pool}`, seen, `create it with kvmio vg create … --thin-pool ${target.pool}`);
        }
        if (size.bytes > pool.sizeBytes) notes.push(`thin volume ${size.bytes} bytes is larger than pool ${target.vg}/${target.pool} (${pool.sizeBytes} bytes): overcommitted; watch the pool's data usage (lvs -o data_percent)`);
        steps = [planThinLv(target.vg, target.pool, req.name, size)];
        actions = [lvAction(target.vg, req.name, steps[0] as Step)];
      }
      backend = { kind: 'lv', vg: target.vg, lv: req.name, path: lvPath, thin: target.kind === 'thin' };
      if (!(await probeDeviceMapper(src))) notes.push(DM_MISSING_NOTE);
      break;
    }
    case 'device': {
      const facts = await probeDevice(src, target.path, { domainUses: localDomainUses });
      const verdict = checkDeviceGuards(facts, { force: req.force });
      refuseUnless(verdict);
      overridden = verdict.overridden;
      const name = facts.name as string;
      const part = await probeIsPartition(src, name);
      backend = { kind: 'block', path: target.path, device: part ? 'partition' : 'whole' };
      notes.push(`${target.path} goes to the VM as is: nothing is written to it; the guest sees it as a whole disk`);
      if (req.size !== undefined) notes.push('--size is ignored for a device handed over as is (the VM gets all of it)');
      break;
    }
  }

  const platform = await probePlatform(src, backend);
  let intent: DiskIntent = { ...(req.bus ? { bus: req.bus } : {}), ...(req.targetDev ? { target: req.targetDev } : {}) };
  let attachSteps: Step[] = [];
  let disk = describeCreatedDisk(backend, intent, platform);
  if (req.attach !== undefined) {
    const uri = libvirtUri(req.env);
    const xml = await virshText(src, VM_COMMANDS.savedXml(uri, req.attach));
    const vm = xml.ok ? readDomainXml(xml.value, { kind: 'libvirt', origin: 'saved', uri }) : xml;
    if (!vm.ok) throw new KvmioError('failed', `--attach ${req.attach}: cannot read the domain's definition: ${vm.reason}`, { hint: 'virsh list --all shows the domains' });
    const disks = domainDisks(vm.value);
    const dev = req.targetDev ?? firstFreeTarget(disks.targets, disk.config.bus.value === 'virtio-scsi' ? 'sd' : 'vd');
    checkAttach(req.attach, disks, dev, backend.path);
    intent = { ...intent, target: dev };
    disk = describeCreatedDisk(backend, intent, platform);
    attachSteps = planAttach(req.attach, disks, disk.diskElement, disk.iothreads, req.env);
  }
  return { request: req, target, path: backend.path, steps, attachSteps, actions, ...(image ? { image } : {}), overridden, disk, intent, platform, notes };
}

const lvAction = (vg: string, lv: string, s: Step): LvCreate => ({
  kind: 'lvm-lv-create',
  id: 'disk.create',
  object: `/dev/${vg}/${lv}`,
  reason: s.why,
  vg,
  lv,
  argv: s.kind === 'exec' ? s.argv : [],
});

/** The attach steps as one engine action: the saved definition is journaled, so rollback redefines it. */
export function attachAction(domain: string, steps: readonly Step[], diskPath: string, env: Readonly<Record<string, string | undefined>>): DomainEdit {
  return {
    kind: 'libvirt-edit',
    id: 'disk.attach',
    object: domain,
    reason: `add ${diskPath} to ${domain}'s persistent definition`,
    domain,
    uri: libvirtUri(env),
    steps: steps.flatMap((s) => (s.kind === 'exec' ? [{ argv: s.argv, ...(s.file ? { file: s.file } : {}) }] : [])),
    addsDiskSource: diskPath,
  };
}

/** The first refused or failed outcome as an error (nothing after it ran). */
export function outcomeError(outcomes: readonly Outcome[]): KvmioError | undefined {
  const bad = outcomes.find((o) => o.status === 'refused' || o.status === 'failed');
  if (bad === undefined) return undefined;
  return new KvmioError(bad.status === 'refused' ? 'refused' : 'failed', `${bad.action.object}: ${bad.status}: ${bad.error ?? ''}`, { hint: 'kvmio rollback shows what was done and undoes it' });
}

export interface DiskCreateResult {
  readonly disk: CreatedDisk;
  readonly info?: ImageInfo;
  readonly attached: boolean;
  /** Journal runs that made it (kvmio rollback --run ID undoes one). */
  readonly runs: readonly string[];
}

/** Runs the plan through the engine (one run), checks the image against the plan, then attaches (a second run, if asked). */
export async function applyDiskCreate(plan: DiskCreatePlan, engine: EngineOptions): Promise<DiskCreateResult> {
  const src = plan.request.source ?? new LocalSource();
  const runs: string[] = [];
  const note = (outcomes: readonly Outcome[]): void => {
    for (const o of outcomes) if (o.run !== undefined && !runs.includes(o.run)) runs.push(o.run);
  };
  if (plan.actions.length > 0) {
    const outcomes = await applyActions(plan.actions, { ...engine, purpose: 'disk create --yes' });
    note(outcomes);
    const err = outcomeError(outcomes);
    if (err) throw err;
  }
  let disk = plan.disk;
  let info: ImageInfo | undefined;
  if (plan.image) {
    const r = await src.run({ name: 'qemu-img-info', argv: ['qemu-img', 'info', '--output=json', plan.image.path] });
    if (!r.ok || r.value.code !== 0) throw new KvmioError('failed', `${plan.image.path}: created, but qemu-img info failed: ${r.ok ? r.value.stderr.trim() : r.reason}`);
    const read = parseQemuImgInfo(r.value.stdout);
    if (!read.ok) throw new KvmioError('failed', `${plan.image.path}: created, but ${read.reason}`);
    const q = read.value;
    info = { format: q.format, virtualSize: q.virtualSize.bytes, ...(q.actualSize !== undefined ? { actualSize: q.actualSize.bytes } : {}), ...(q.clusterSize ? { clusterSize: q.clusterSize.bytes } : {}), ...(q.extendedL2 !== undefined ? { extendedL2: q.extendedL2 } : {}) };
    const problems = verifyImage(plan.image, info);
    if (problems.length > 0) throw new KvmioError('failed', `${plan.image.path}: created, but ${problems.join('; ')}`);
    const direct = await src.tryOpen(plan.image.path, 'direct');
    const b = plan.disk.backend;
    if (b.kind === 'file') {
      disk = describeCreatedDisk(
        { ...b, ...(info.actualSize !== undefined ? { actualSize: { bytes: info.actualSize } } : {}), allocation: isFullyAllocated(info) ? 'preallocated' : 'sparse', ...(direct.ok ? { directIo: direct.value.opened } : {}) },
        plan.intent,
        plan.platform,
      );
    }
  }
  if (plan.attachSteps.length > 0 && plan.request.attach !== undefined) {
    // The element attached is the one verified above, not the dry-run's guess.
    const steps = plan.attachSteps.map((s) => (s.kind === 'exec' && s.file !== undefined ? { ...s, file: { ...s.file, content: disk.diskElement } } : s));
    const outcomes = await applyActions([attachAction(plan.request.attach, steps, plan.path, plan.request.env)], { ...engine, purpose: 'disk create --attach --yes' });
    note(outcomes);
    const e = outcomeError(outcomes);
    if (e) throw e;
  }
  return { disk, ...(info ? { info } : {}), attached: plan.attachSteps.length > 0, runs };
}

/** What qemu-img must report for the image the plan asked for (decide and verify share the plan). */
export function verifyImage(p: ImagePlan, i: ImageInfo): string[] {
  const out: string[] = [];
  if (i.format !== p.format) out.push(`format is ${i.format}, expected ${p.format}`);
  if (i.virtualSize !== p.size.bytes) out.push(`virtual-size is ${i.virtualSize}, expected ${p.size.bytes}`);
  if (p.clusterBytes !== undefined && i.clusterSize !== p.clusterBytes) out.push(`cluster-size is ${i.clusterSize}, expected ${p.clusterBytes}`);
  if (p.format === 'qcow2' && (i.extendedL2 ?? false) !== p.extendedL2) out.push(`extended-l2 is ${String(i.extendedL2)}, expected ${String(p.extendedL2)}`);
  if (p.preallocated && !isFullyAllocated(i)) out.push(`actual-size ${i.actualSize ?? 'unknown'} < virtual-size ${i.virtualSize}: not fully allocated`);
  return out;
}
