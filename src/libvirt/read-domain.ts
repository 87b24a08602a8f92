// The one reader of libvirt domain XML: a <domain> document becomes the neutral Vm model
// (src/model/vm.ts). libvirt's defaults become Effective values here, so decide/ never
// needs to know that an unset cache is QEMU's writeback or an unset io is threads.
// Whatever it does not know it ignores; whatever is absent stays undefined; it never
// throws. Format: https://libvirt.org/formatdomain.html#hard-drives-floppy-disks-cdroms
import type { Document, Element } from '@xmldom/xmldom';
import type { DiskBlockio, DiskSource, DiskStatistics, Effective, IothreadQueues, Vm, VmBus, VmController, VmDisk, VmHostdev, VmManager } from '../model/vm.js';
import { bytes, type Size } from '../size.js';
import { missing, ok, type Read } from '../facts/source.js';
import { attr, child, children, int, parseXmlDocument, text } from './xml-dom.js';

/** libvirt leaves an unset cache and io to QEMU: -drive cache=writeback, aio=threads (QEMU docs, qemu-options.hx -drive). */
export const LIBVIRT_DEFAULTS = {
  cache: { value: 'writeback', origin: 'default', note: 'QEMU default' },
  aio: { value: 'threads', origin: 'default', note: 'QEMU default' },
} as const satisfies Record<string, Effective<string>>;

/** The <disk> key the editor finds a disk by: its position among the domain's <disk> elements. */
export const diskKey = (index: number): string => `disk#${index}`;
export const diskIndexOf = (key: string): number | undefined => {
  const m = /^disk#(\d+)$/.exec(key);
  return m ? Number(m[1]) : undefined;
};
/** A controller's key: "scsi:0" (type and index, libvirt's own identity of a controller). */
export const controllerKey = (type: string, index: number): string => `${type}:${index}`;

function sourceOf(type: string, el: Element | undefined): DiskSource {
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
    case 'vhostuser': {
      // <source type='unix' path='/run/vhost-blk.sock'>: an external process serves the disk.
      const path = attr(el, 'path');
      return path ? { kind: 'other', type, path } : { kind: 'other', type };
    }
    default:
      return { kind: 'other', type };
  }
}

/** libvirt's scaled integers (virScaleInteger): "b"/"bytes" or none; k/M/G/T/P/E alone or with "iB" are powers of 1024, with "B" powers of 1000. */
export function scaledSize(value: string | undefined, unit: string | undefined, defaultScale = 1): Size | undefined {
  const n = int(value);
  if (n === undefined) return undefined;
  const u = (unit ?? '').trim();
  if (u === '') return bytes(n * defaultScale);
  if (/^(b|bytes?)$/i.test(u)) return bytes(n);
  const power = 'kmgtpe'.indexOf(u[0]?.toLowerCase() ?? '') + 1;
  const rest = u.slice(1);
  if (power === 0) return undefined;
  const base = rest === '' || /^ib$/i.test(rest) ? 1024 : /^b$/i.test(rest) ? 1000 : undefined;
  if (base === undefined) return undefined;
  const b = n * base ** power;
  return Number.isSafeInteger(b) ? bytes(b) : undefined;
}

/** <driver><iothreads><iothread id='1'><queue id='0'/></iothread></iothreads> (disks: libvirt 10.0; virtio-scsi controllers: QEMU 10.0). */
function iothreadQueuesOf(driver: Element | undefined): IothreadQueues[] {
  const list = child(driver, 'iothreads');
  if (list === undefined) return [];
  return children(list, 'iothread')
    .map((t) => ({ iothread: int(attr(t, 'id')), queues: children(t, 'queue').map((q) => int(attr(q, 'id'))).filter((n): n is number => n !== undefined) }))
    .filter((t): t is { iothread: number; queues: number[] } => t.iothread !== undefined);
}

/** <blockio logical_block_size physical_block_size discard_granularity> (bytes). */
function blockioOf(el: Element | undefined): DiskBlockio | undefined {
  if (el === undefined) return undefined;
  const out: Record<string, Size> = {};
  for (const [k, a] of [['logical', 'logical_block_size'], ['physical', 'physical_block_size'], ['discardGranularity', 'discard_granularity']] as const) {
    const n = int(attr(el, a));
    if (n !== undefined) out[k] = bytes(n);
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** <driver><statistics><statistic interval='N'/>…<latency-histogram type='read'><bin start='0'/>… (libvirt 11.9). */
function statisticsOf(driver: Element | undefined): DiskStatistics | undefined {
  const el = child(driver, 'statistics');
  if (el === undefined) return undefined;
  return {
    intervals: children(el, 'statistic').map((s) => int(attr(s, 'interval'))).filter((n): n is number => n !== undefined),
    histograms: children(el, 'latency-histogram').map((h) => ({ type: attr(h, 'type') ?? 'all', bins: children(h, 'bin').map((b) => int(attr(b, 'start'))).filter((n): n is number => n !== undefined) })),
  };
}

const effective = (v: string | undefined, dflt: Effective<string>): Effective<string> => (v === undefined ? dflt : { value: v, origin: 'explicit' });

function busOf(targetBus: string | undefined, controller: VmController | undefined): VmBus {
  switch (targetBus) {
    case 'virtio':
      return 'virtio-blk';
    case 'scsi':
      return controller?.model === 'virtio-scsi' ? 'virtio-scsi' : 'scsi-emulated';
    case 'ide':
    case 'sata':
    case 'usb':
    case 'xen':
      return targetBus;
    default:
      return 'other';
  }
}

function readDisk(el: Element, index: number, controllers: readonly VmController[]): VmDisk {
  const type = attr(el, 'type') ?? 'file';
  const target = child(el, 'target');
  const driver = child(el, 'driver');
  const address = child(el, 'address');
  const bus = attr(target, 'bus');
  // A SCSI/SATA/IDE disk hangs off the controller of its bus type with the address's index (default 0).
  const ctlKey = bus === 'scsi' || bus === 'sata' || bus === 'ide' ? controllerKey(bus, int(attr(address, 'controller')) ?? 0) : undefined;
  const controller = ctlKey === undefined ? undefined : controllers.find((c) => c.key === ctlKey);
  const dev = attr(target, 'dev');
  const device = attr(el, 'device') ?? 'disk';
  const put = <T>(v: T | undefined): T | undefined => v;
  const disk: Record<string, unknown> = {
    key: diskKey(index),
    label: dev ?? diskKey(index),
    device: device === 'cdrom' || device === 'floppy' || device === 'lun' ? device : 'disk',
    source: sourceOf(type, child(el, 'source')),
    bus: busOf(bus, controller),
    cache: effective(attr(driver, 'cache'), LIBVIRT_DEFAULTS.cache),
    aio: effective(attr(driver, 'io'), LIBVIRT_DEFAULTS.aio),
    readOnly: child(el, 'readonly') !== undefined,
    shareable: child(el, 'shareable') !== undefined,
  };
  const optional: [string, unknown][] = [
    ['format', attr(driver, 'type')],
    ['busName', bus],
    ['controller', ctlKey],
    ['iothread', int(attr(driver, 'iothread'))],
    ['queues', int(attr(driver, 'queues'))],
    ['discard', attr(driver, 'discard')],
    ['detectZeroes', attr(driver, 'detect_zeroes')],
    ['serial', text(child(el, 'serial'))],
    ['errorPolicy', attr(driver, 'error_policy')],
    ['readErrorPolicy', attr(driver, 'rerror_policy')],
    ['copyOnRead', attr(driver, 'copy_on_read')],
    ['queueSize', int(attr(driver, 'queue_size'))],
    ['discardNoUnref', attr(driver, 'discard_no_unref')],
    ['metadataCacheMax', ((m) => scaledSize(text(m), attr(m, 'unit')))(child(child(driver, 'metadata_cache'), 'max_size'))],
    ['blockio', blockioOf(child(el, 'blockio'))],
    ['statistics', statisticsOf(driver)],
  ];
  for (const [k, v] of optional) if (put(v) !== undefined) disk[k] = v;
  const vq = iothreadQueuesOf(driver);
  if (vq.length > 0) disk.iothreadQueues = vq;
  return disk as unknown as VmDisk;
}

function readController(el: Element): VmController {
  const driver = child(el, 'driver');
  const c: Record<string, unknown> = { key: controllerKey(attr(el, 'type') ?? 'unknown', int(attr(el, 'index')) ?? 0) };
  const model = attr(el, 'model');
  if (model !== undefined) c.model = model;
  const iothread = int(attr(driver, 'iothread'));
  if (iothread !== undefined) c.iothread = iothread;
  const queues = int(attr(driver, 'queues'));
  if (queues !== undefined) c.queues = queues;
  const vq = iothreadQueuesOf(driver);
  if (vq.length > 0) c.iothreadQueues = vq;
  return c as unknown as VmController;
}

/** "0x0000","0x03","0x00","0x0" (hex or decimal) → "0000:03:00.0". */
function pciAddress(el: Element | undefined): string | undefined {
  if (el === undefined) return undefined;
  const parts = (['domain', 'bus', 'slot', 'function'] as const).map((k, i) => {
    const v = attr(el, k);
    const n = v === undefined ? NaN : Number(v);
    return Number.isInteger(n) && n >= 0 ? n.toString(16).padStart([4, 2, 2, 1][i] as number, '0') : undefined;
  });
  return parts.every((p) => p !== undefined) ? `${parts[0]}:${parts[1]}:${parts[2]}.${parts[3]}` : undefined;
}

function readHostdev(el: Element): VmHostdev {
  const type = attr(el, 'type') ?? 'unknown';
  const address = type === 'pci' ? pciAddress(child(child(el, 'source'), 'address')) : undefined;
  return address === undefined ? { type } : { type, address };
}

/** A ceiling on the iothread ids filled from a count: far above any real domain, small enough for garbled input. */
export const MAX_IOTHREADS = 4096;

/**
 * The iothread ids a domain gets: the <iothreadids> listed, then, while fewer than the
 * <iothreads> count, the lowest unused ids from 1 (libvirt formatdomain "IOThreads
 * Allocation": "libvirt will sequentially fill iothreadids starting at 1 avoiding any
 * predefined id"; more ids than the count raise the count).
 */
export function iothreadIds(count: number, listed: readonly number[]): number[] {
  const ids = new Set(listed.filter((n) => n > 0));
  // Untrusted input: a garbled count must not fill memory (QEMU and libvirt run nothing near this many iothreads).
  const want = Math.min(count, MAX_IOTHREADS);
  for (let id = 1; ids.size < want; id++) ids.add(id);
  return [...ids].sort((a, b) => a - b);
}

/** The Vm in a parsed document (the editor keeps the DOM and reads through this too). */
export function vmFromDocument(doc: Document, manager: VmManager, running: boolean): Read<Vm> {
  const root = doc.documentElement;
  if (!root || root.nodeName !== 'domain') return missing(`not a libvirt domain: root element is <${root?.nodeName ?? 'none'}>, expected <domain>`);
  const name = text(child(root, 'name'));
  if (name === undefined) return missing('domain XML has no <name>');
  const devices = child(root, 'devices');
  const ids = children(child(root, 'iothreadids') ?? root, 'iothread')
    .map((e) => int(attr(e, 'id')))
    .filter((n): n is number => n !== undefined);
  const declared = int(text(child(root, 'iothreads')));
  const iothreads = iothreadIds(declared ?? 0, ids);
  const controllers = devices ? children(devices, 'controller').map(readController) : [];
  const vm: Record<string, unknown> = {
    ref: { name, manager },
    running,
    iothreads,
    disks: devices ? children(devices, 'disk').map((d, i) => readDisk(d, i, controllers)) : [],
    controllers,
    hostdevs: devices ? children(devices, 'hostdev').map(readHostdev) : [],
    notes: [],
  };
  // Only a count that disagrees with the ids is worth a word (libvirt raises it on define).
  if (declared !== undefined && declared !== iothreads.length) vm.iothreadCount = declared;
  const vcpus = int(text(child(root, 'vcpu')));
  if (vcpus !== undefined) vm.vcpus = vcpus;
  // <vcpu current='2'>8</vcpu>: QEMU -smp 2,maxcpus=8; only a current below the maximum says anything.
  const current = int(attr(child(root, 'vcpu'), 'current'));
  if (current !== undefined && vcpus !== undefined && current < vcpus) vm.vcpusCurrent = current;
  const machine = attr(child(child(root, 'os'), 'type'), 'machine');
  if (machine !== undefined) vm.machine = machine;
  return ok(vm as unknown as Vm);
}

/** Reads libvirt domain XML into the model; malformed XML or a non-domain document is a reason. */
export function readDomainXml(xml: string, manager: VmManager, running = false): Read<Vm> {
  const doc = parseXmlDocument(xml);
  return doc.ok ? vmFromDocument(doc.value, manager, running) : missing(`malformed domain XML: ${doc.reason}`);
}

/** True when the live definition's disks, iothreads or controllers differ from the saved one's (then both are audited). */
export function liveDiffers(saved: Vm, live: Vm): boolean {
  const key = (m: Vm): string => JSON.stringify({ io: m.iothreads, d: m.disks, c: m.controllers.filter((c) => c.key.startsWith('scsi:')) });
  return key(saved) !== key(live);
}
