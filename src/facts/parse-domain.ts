// Pure parser from libvirt domain XML to the part of it kvmio reasons about: the disks,
// their drivers and sources, iothreads, controllers and host devices. Whatever it does not
// know (unknown elements, new attributes) it ignores; whatever is absent stays undefined,
// so the audit can SKIP with a reason instead of crashing. Format reference:
// https://libvirt.org/formatdomain.html#hard-drives-floppy-disks-cdroms
import { DOMParser, type Element, type Document } from '@xmldom/xmldom';
import { missing, ok, type Read } from './source.js';

/** Where a disk's data lives. `none`: no `<source>` (an empty CD-ROM, or a broken definition). */
export type DiskSource =
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'block'; readonly path: string }
  | { readonly kind: 'volume'; readonly pool: string; readonly volume: string }
  | { readonly kind: 'network'; readonly protocol: string; readonly name: string | undefined; readonly hosts: readonly string[] }
  | { readonly kind: 'other'; readonly type: string }
  | { readonly kind: 'none' };

export interface DiskDriver {
  readonly name?: string;
  readonly type?: string;
  readonly cache?: string;
  readonly io?: string;
  readonly discard?: string;
  readonly detectZeroes?: string;
  readonly iothread?: number;
  readonly queues?: number;
}

export interface DomainDisk {
  /** Position among the domain's `<disk>` elements (0-based), stable for edits. */
  readonly index: number;
  /** `type` attribute: file, block, network, volume, dir, nvme, … */
  readonly type: string;
  /** `device` attribute: disk (the default), cdrom, floppy, lun. */
  readonly device: string;
  readonly driver: DiskDriver;
  readonly source: DiskSource;
  readonly target: { readonly dev?: string; readonly bus?: string };
  /** The `<address>` element's type (drive, pci, …), when present. */
  readonly addressType?: string;
  readonly controllerIndex?: number;
  readonly readonly: boolean;
  readonly shareable: boolean;
  readonly serial?: string;
}

export interface DomainController {
  readonly type: string; // ide, sata, scsi, usb, virtio-serial, pci, …
  readonly index?: number;
  readonly model?: string; // scsi: virtio-scsi, lsilogic, lsisas1068, …
  readonly iothread?: number;
  readonly queues?: number;
}

export interface DomainHostdev {
  readonly mode: string;
  readonly type: string; // pci, usb, scsi, mdev
  readonly address?: string;
}

export interface DomainModel {
  readonly name: string;
  readonly uuid?: string;
  /** `<domain type=…>`: kvm or qemu (TCG). */
  readonly hypervisor: string;
  readonly machine?: string;
  readonly vcpus?: number;
  /** `<iothreads>N</iothreads>`, or the count of `<iothreadids>` when larger; 0 when absent. */
  readonly iothreads: number;
  readonly iothreadIds: readonly number[];
  readonly disks: readonly DomainDisk[];
  readonly controllers: readonly DomainController[];
  readonly hostdevs: readonly DomainHostdev[];
}

const attr = (el: Element | undefined, name: string): string | undefined => {
  if (el === undefined || !el.hasAttribute(name)) return undefined;
  return el.getAttribute(name) ?? undefined;
};

const int = (v: string | undefined): number | undefined => {
  if (v === undefined || !/^\s*\d+\s*$/.test(v)) return undefined;
  return Number(v);
};

/** Direct element children with the given tag name (never descendants). */
export function children(el: Element, tag?: string): Element[] {
  const out: Element[] = [];
  for (let n = el.firstChild; n !== null; n = n.nextSibling) {
    if (n.nodeType === n.ELEMENT_NODE && (tag === undefined || n.nodeName === tag)) out.push(n as Element);
  }
  return out;
}

export const child = (el: Element | undefined, tag: string): Element | undefined => (el === undefined ? undefined : children(el, tag)[0]);

const text = (el: Element | undefined): string | undefined => {
  const t = el?.textContent?.trim();
  return t === undefined || t === '' ? undefined : t;
};

/** Parses XML text into a document, or says why it cannot (never throws). */
export function parseXmlDocument(xml: string): Read<Document> {
  const errors: string[] = [];
  try {
    const doc = new DOMParser({
      onError: (level, msg) => {
        if (level !== 'warning') errors.push(msg);
      },
    }).parseFromString(xml, 'text/xml');
    if (errors.length > 0) return missing(errors[0] ?? 'malformed XML');
    return ok(doc);
  } catch (e) {
    return missing(e instanceof Error ? e.message : String(e));
  }
}

function parseSource(type: string, el: Element | undefined): DiskSource {
  if (el === undefined) return { kind: 'none' };
  switch (type) {
    case 'file': {
      const path = attr(el, 'file');
      return path ? { kind: 'file', path } : { kind: 'none' };
    }
    case 'block': {
      const path = attr(el, 'dev');
      return path ? { kind: 'block', path } : { kind: 'none' };
    }
    case 'volume': {
      const pool = attr(el, 'pool');
      const volume = attr(el, 'volume');
      return pool && volume ? { kind: 'volume', pool, volume } : { kind: 'none' };
    }
    case 'network':
      return {
        kind: 'network',
        protocol: attr(el, 'protocol') ?? 'unknown',
        name: attr(el, 'name'),
        hosts: children(el, 'host').map((h) => [attr(h, 'name') ?? attr(h, 'socket') ?? '?', attr(h, 'port')].filter(Boolean).join(':')),
      };
    default:
      return { kind: 'other', type };
  }
}

function parseDriver(el: Element | undefined): DiskDriver {
  const d: Record<string, string | number> = {};
  const put = (key: string, v: string | number | undefined): void => {
    if (v !== undefined) d[key] = v;
  };
  put('name', attr(el, 'name'));
  put('type', attr(el, 'type'));
  put('cache', attr(el, 'cache'));
  put('io', attr(el, 'io'));
  put('discard', attr(el, 'discard'));
  put('detectZeroes', attr(el, 'detect_zeroes'));
  put('iothread', int(attr(el, 'iothread')));
  put('queues', int(attr(el, 'queues')));
  return d as DiskDriver;
}

function parseDisk(el: Element, index: number): DomainDisk {
  const type = attr(el, 'type') ?? 'file';
  const target = child(el, 'target');
  const address = child(el, 'address');
  const disk: Record<string, unknown> = {
    index,
    type,
    device: attr(el, 'device') ?? 'disk',
    driver: parseDriver(child(el, 'driver')),
    source: parseSource(type, child(el, 'source')),
    target: Object.fromEntries(
      [
        ['dev', attr(target, 'dev')],
        ['bus', attr(target, 'bus')],
      ].filter(([, v]) => v !== undefined),
    ),
    readonly: child(el, 'readonly') !== undefined,
    shareable: child(el, 'shareable') !== undefined,
  };
  if (address) disk.addressType = attr(address, 'type');
  const ctl = int(attr(address, 'controller'));
  if (ctl !== undefined) disk.controllerIndex = ctl;
  const serial = text(child(el, 'serial'));
  if (serial !== undefined) disk.serial = serial;
  return disk as unknown as DomainDisk;
}

function parseController(el: Element): DomainController {
  const driver = child(el, 'driver');
  const c: Record<string, unknown> = { type: attr(el, 'type') ?? 'unknown' };
  const put = (k: string, v: unknown): void => {
    if (v !== undefined) c[k] = v;
  };
  put('index', int(attr(el, 'index')));
  put('model', attr(el, 'model'));
  put('iothread', int(attr(driver, 'iothread')));
  put('queues', int(attr(driver, 'queues')));
  return c as unknown as DomainController;
}

function parseHostdev(el: Element): DomainHostdev {
  const addr = child(child(el, 'source'), 'address');
  const h: Record<string, unknown> = { mode: attr(el, 'mode') ?? 'subsystem', type: attr(el, 'type') ?? 'unknown' };
  if (addr) {
    const parts = ['domain', 'bus', 'slot', 'function'].map((k) => attr(addr, k));
    if (parts.every((p) => p !== undefined)) h.address = parts.map((p) => (p as string).replace(/^0x/, '')).join(':').replace(/:([^:]+)$/, '.$1');
  }
  return h as unknown as DomainHostdev;
}

/** Reads the model from a parsed document (used by the editor, which keeps the DOM). */
export function domainFromDocument(doc: Document): Read<DomainModel> {
  const root = doc.documentElement;
  if (!root || root.nodeName !== 'domain') return missing(`not a libvirt domain: root element is <${root?.nodeName ?? 'none'}>, expected <domain>`);
  const name = text(child(root, 'name'));
  if (name === undefined) return missing('domain XML has no <name>');
  const devices = child(root, 'devices');
  const iothreadIds = children(child(root, 'iothreadids') ?? root, 'iothread')
    .map((e) => int(attr(e, 'id')))
    .filter((n): n is number => n !== undefined);
  const model: Record<string, unknown> = {
    name,
    hypervisor: attr(root, 'type') ?? 'unknown',
    iothreads: Math.max(int(text(child(root, 'iothreads'))) ?? 0, iothreadIds.length),
    iothreadIds,
    disks: devices ? children(devices, 'disk').map(parseDisk) : [],
    controllers: devices ? children(devices, 'controller').map(parseController) : [],
    hostdevs: devices ? children(devices, 'hostdev').map(parseHostdev) : [],
  };
  const uuid = text(child(root, 'uuid'));
  if (uuid) model.uuid = uuid;
  const machine = attr(child(child(root, 'os'), 'type'), 'machine');
  if (machine) model.machine = machine;
  const vcpus = int(text(child(root, 'vcpu')));
  if (vcpus !== undefined) model.vcpus = vcpus;
  return ok(model as unknown as DomainModel);
}

/** Parses libvirt domain XML. Malformed XML or a non-domain document comes back as a reason. */
export function parseDomainXml(xml: string): Read<DomainModel> {
  const doc = parseXmlDocument(xml);
  return doc.ok ? domainFromDocument(doc.value) : missing(`malformed domain XML: ${doc.reason}`);
}

/** A short label for a disk in findings: "web/vda", or "web/disk#2" when it has no target. */
export const diskLabel = (domain: string, disk: DomainDisk): string => `vm:${domain}/${disk.target.dev ?? `disk#${disk.index}`}`;

/** The local path of a disk's data, when it has one (file and block sources). */
export const sourcePath = (s: DiskSource): string | undefined => (s.kind === 'file' || s.kind === 'block' ? s.path : undefined);

/** True when the live definition's disks or iothreads differ from the saved one's. */
export function liveDiffers(saved: DomainModel, live: DomainModel): boolean {
  const key = (m: DomainModel): string =>
    JSON.stringify({
      io: m.iothreads,
      d: m.disks.map((d) => [d.type, d.device, d.driver, d.source, d.target, d.readonly, d.shareable]),
      c: m.controllers.filter((c) => c.type === 'scsi').map((c) => [c.index, c.model, c.iothread]),
    });
  return key(saved) !== key(live);
}
