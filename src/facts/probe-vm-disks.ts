// Reads the VMs to audit: libvirt domains (saved definition, and the live one where it
// differs) and domain XML files, then every local disk source they name (exists?,
// `qemu-img info -U --output=json`, host filesystem, O_DIRECT), the platform versions
// and fs.aio-nr / fs.aio-max-nr. Reads only; a fact that cannot be had is a reason.
import { readFile } from 'node:fs/promises';
import { usageError } from '../errors.js';
import { bytes } from '../size.js';
import type { Backend } from '../model/disk-types.js';
import { probeBackend, probePlatform } from './probe-disk.js';
import { libvirtUri, listDomains, domainXml, virsh } from './libvirt.js';
import { libvirtDown } from './libvirt-socket.js';
import { liveDiffers, parseDomainXml, type DomainModel } from './parse-domain.js';
import { missing, ok, type Read, type Source } from './source.js';
import type { ImageInfo, SourceFacts, VmDefinition, VmFacts } from './vm-disk-facts.js';

/** Parses `qemu-img info --output=json` with what the VM checks add to the disk probe's view (extended L2, backing file). */
export function parseImageInfo(json: string): Read<ImageInfo> {
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch (e) {
    return missing(`qemu-img info: not JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return missing('qemu-img info: not a JSON object');
  const o = v as Record<string, unknown>;
  const num = (k: string): number | undefined => (typeof o[k] === 'number' ? (o[k] as number) : undefined);
  const format = typeof o.format === 'string' ? o.format : undefined;
  const virtual = num('virtual-size');
  const actual = num('actual-size');
  if (format === undefined || virtual === undefined || actual === undefined) return missing('qemu-img info: format, virtual-size or actual-size missing');
  const info: Record<string, unknown> = { format, virtualSize: bytes(virtual), actualSize: bytes(actual) };
  const cluster = num('cluster-size');
  if (cluster !== undefined) info.clusterSize = bytes(cluster);
  const spec = o['format-specific'] as { data?: Record<string, unknown> } | undefined;
  if (spec?.data && typeof spec.data['extended-l2'] === 'boolean') info.extendedL2 = spec.data['extended-l2'];
  if (typeof o['backing-filename'] === 'string') info.backingFile = o['backing-filename'];
  return ok(info as unknown as ImageInfo);
}

/** Probes one local source path: exists?, then the disk probe (kind, allocation, fs, O_DIRECT) and qemu-img info. */
export async function probeSource(src: Source, path: string): Promise<SourceFacts> {
  const st = await src.run({ name: `stat-${path}`, argv: ['stat', '-L', '-c', '%F', '--', path], timeoutMs: 10_000 });
  if (!st.ok) return { kind: 'missing', path, reason: st.reason };
  if (st.value.code !== 0) return { kind: 'missing', path, reason: st.value.stderr.trim().replace(/^stat: /, '') || `stat exit ${st.value.code}` };
  let backend: Read<Backend>;
  try {
    backend = ok((await probeBackend(path, src)).backend);
  } catch (e) {
    backend = missing(e instanceof Error ? e.message : String(e));
  }
  let image: Read<ImageInfo> = missing('block device: no image to inspect');
  if (st.value.stdout.trim() === 'regular file') {
    const info = await src.run({ name: `qemu-img-info-${path}`, argv: ['qemu-img', 'info', '-U', '--output=json', '--', path], timeoutMs: 20_000 });
    image = !info.ok ? info : info.value.code !== 0 ? missing(info.value.stderr.trim().split('\n').slice(-1)[0] ?? `exit ${info.value.code}`) : parseImageInfo(info.value.stdout);
  }
  return { kind: 'present', path, backend, image };
}

/** Reads `--domain-xml` files; a file that cannot be read or parsed is a usage error. */
export async function readDomainFiles(files: readonly string[]): Promise<VmDefinition[]> {
  const out: VmDefinition[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      throw usageError(`--domain-xml ${file}: cannot read it (${e instanceof Error ? e.message : String(e)}); expected a libvirt domain XML file`);
    }
    const model = parseDomainXml(text);
    if (!model.ok) throw usageError(`--domain-xml ${file}: ${model.reason}; expected a libvirt domain XML file (virsh dumpxml NAME)`);
    out.push({ model: model.value, origin: 'file', running: false, file });
  }
  return out;
}

/** Saved and (where different) live definitions of every libvirt domain. */
export async function readLibvirtDomains(opts: { uri?: string; only?: readonly string[] } = {}): Promise<{ libvirt: Read<true>; definitions: VmDefinition[]; warnings: string[] }> {
  // No daemon socket: libvirt is not running; say so without starting virsh (audit startup time).
  const down = libvirtDown(opts.uri ?? libvirtUri());
  if (down) return { libvirt: missing(down), definitions: [], warnings: [] };
  const names = await listDomains(opts.uri === undefined ? {} : { uri: opts.uri });
  if (!names.ok) return { libvirt: names, definitions: [], warnings: [] };
  const runningR = await virsh(['list', '--state-running', '--state-paused', '--name'], opts.uri === undefined ? {} : { uri: opts.uri });
  const running = new Set(runningR.ok ? runningR.value.split('\n').map((l) => l.trim()).filter(Boolean) : []);
  const definitions: VmDefinition[] = [];
  const warnings: string[] = [];
  for (const name of names.value) {
    if (opts.only && !opts.only.includes(name)) continue;
    const isRunning = running.has(name);
    const saved = await domainXml(name, { inactive: true, ...(opts.uri === undefined ? {} : { uri: opts.uri }) });
    const savedModel: Read<DomainModel> = saved.ok ? parseDomainXml(saved.value) : saved;
    if (savedModel.ok) definitions.push({ model: savedModel.value, origin: 'saved', running: isRunning });
    else warnings.push(`domain ${name}: ${savedModel.reason}`);
    if (!isRunning) continue;
    const live = await domainXml(name, opts.uri === undefined ? {} : { uri: opts.uri });
    const liveModel: Read<DomainModel> = live.ok ? parseDomainXml(live.value) : live;
    if (!liveModel.ok) warnings.push(`domain ${name} (live): ${liveModel.reason}`);
    else if (!savedModel.ok || liveDiffers(savedModel.value, liveModel.value)) definitions.push({ model: liveModel.value, origin: 'live', running: true });
  }
  return { libvirt: ok(true), definitions, warnings };
}

async function readNumber(src: Source, path: string): Promise<Read<number>> {
  const r = await src.readText(path);
  if (!r.ok) return r;
  const n = Number(r.value.trim());
  return Number.isFinite(n) ? ok(n) : missing(`${path}: "${r.value.trim()}" is not a number`);
}

/** Everything the VM disk audit needs. */
export async function probeVmFacts(
  src: Source,
  opts: { domainXml?: readonly string[]; libvirt?: boolean; uri?: string; only?: readonly string[] } = {},
): Promise<VmFacts & { warnings: readonly string[] }> {
  const files = await readDomainFiles(opts.domainXml ?? []);
  const lv =
    opts.libvirt === false
      ? { libvirt: undefined, definitions: [], warnings: [] }
      : await readLibvirtDomains({ ...(opts.uri === undefined ? {} : { uri: opts.uri }), ...(opts.only ? { only: opts.only } : {}) });
  const definitions = [...lv.definitions, ...files];
  // Storage volumes → paths.
  const volumes = new Map<string, Read<string>>();
  for (const def of definitions) {
    for (const d of def.model.disks) {
      if (d.source.kind !== 'volume') continue;
      const key = `${d.source.pool}/${d.source.volume}`;
      if (volumes.has(key)) continue;
      const r = lv.libvirt?.ok ? await virsh(['vol-path', '--pool', d.source.pool, d.source.volume], opts.uri === undefined ? {} : { uri: opts.uri }) : missing(`volume ${key}: libvirt not read`);
      volumes.set(key, r.ok ? ok(r.value.trim()) : r);
    }
  }
  const sources = new Map<string, SourceFacts>();
  for (const def of definitions) {
    for (const d of def.model.disks) {
      if (d.device === 'cdrom' || d.device === 'floppy') continue;
      const path = d.source.kind === 'file' || d.source.kind === 'block' ? d.source.path : d.source.kind === 'volume' ? volumes.get(`${d.source.pool}/${d.source.volume}`) : undefined;
      const p = typeof path === 'string' ? path : path?.ok ? path.value : undefined;
      if (p !== undefined && !sources.has(p)) sources.set(p, await probeSource(src, p));
    }
  }
  return {
    definitions,
    libvirt: lv.libvirt,
    sources,
    volumes,
    platform: definitions.length > 0 ? await probePlatform(src) : {},
    aioNr: await readNumber(src, '/proc/sys/fs/aio-nr'),
    aioMaxNr: await readNumber(src, '/proc/sys/fs/aio-max-nr'),
    warnings: lv.warnings,
  };
}
