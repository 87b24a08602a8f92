// Writes a (manager-neutral) TunePlan into domain XML with xmldom: only the managed attributes and elements
// change (<disk><driver> attributes, <target>/<address> of a disk moved to virtio,
// <iothreads>/<iothreadids>, a virtio-scsi controller's <driver iothread>); everything
// else, known to kvmio or not, is serialized as it was parsed. `unmanagedDigest` lets
// callers check that: it is equal before and after an edit.
import { XMLSerializer, type Document, type Element } from '@xmldom/xmldom';
import type { DiskSettings, TunePlan } from '../decide/plan-vm-tune.js';
import { controllerKey, diskIndexOf } from './read-domain.js';
import { child, children, parseXmlDocument } from './xml-dom.js';

/** The plan's neutral setting names → libvirt's <driver> attributes, in the order they are written. */
const DRIVER_ATTR: Readonly<Record<keyof DiskSettings, string>> = { cache: 'cache', aio: 'io', discard: 'discard', detectZeroes: 'detect_zeroes', iothread: 'iothread', queues: 'queues', queueSize: 'queue_size' };

const MANAGED_DRIVER_ATTRS = ['cache', 'io', 'discard', 'detect_zeroes', 'iothread', 'queues', 'queue_size'];

const serialize = (doc: Document): string => new XMLSerializer().serializeToString(doc);

function parse(xml: string): Document {
  const doc = parseXmlDocument(xml);
  if (!doc.ok) throw new Error(`domain XML: ${doc.reason}`);
  return doc.value;
}

/** The XML as xmldom writes it unchanged: the "before" side of a diff. */
export const normalizeDomainXml = (xml: string): string => serialize(parse(xml));

/** Whitespace that precedes `el` (its indentation), to indent a new sibling the same way. */
function indentOf(el: Element): string {
  const prev = el.previousSibling;
  if (prev && prev.nodeType === prev.TEXT_NODE) {
    const m = /\n[ \t]*$/.exec(prev.nodeValue ?? '');
    if (m) return m[0];
  }
  return '\n  ';
}

function insertAfter(doc: Document, ref: Element, el: Element): void {
  const parent = ref.parentNode;
  if (!parent) return;
  const indent = doc.createTextNode(indentOf(ref));
  parent.insertBefore(indent, ref.nextSibling);
  parent.insertBefore(el, indent.nextSibling);
}

function appendChildIndented(doc: Document, parent: Element, el: Element): void {
  const kids = children(parent);
  const last = kids[kids.length - 1];
  if (last) insertAfter(doc, last, el);
  else parent.appendChild(el);
}

function setIothreads(doc: Document, root: Element, count: number): void {
  const existing = child(root, 'iothreads');
  if (existing) {
    while (existing.firstChild) existing.removeChild(existing.firstChild);
    existing.appendChild(doc.createTextNode(String(count)));
  } else {
    const el = doc.createElement('iothreads');
    el.appendChild(doc.createTextNode(String(count)));
    const anchor = child(root, 'vcpu') ?? child(root, 'currentMemory') ?? child(root, 'memory') ?? child(root, 'name');
    if (anchor) insertAfter(doc, anchor, el);
    else root.appendChild(el);
  }
  // With <iothreadids>, every id must be listed.
  const ids = child(root, 'iothreadids');
  if (ids) {
    const have = new Set(children(ids, 'iothread').map((e) => Number(e.getAttribute('id'))));
    for (let id = 1; id <= count; id++) {
      if (have.has(id)) continue;
      const t = doc.createElement('iothread');
      t.setAttribute('id', String(id));
      appendChildIndented(doc, ids, t);
    }
  }
}

/** Returns the edited XML (xmldom's serialization). */
export function applyTunePlan(xml: string, plan: TunePlan): string {
  const doc = parse(xml);
  const root = doc.documentElement as Element;
  const devices = child(root, 'devices');
  const diskEls = devices ? children(devices, 'disk') : [];
  for (const edit of plan.disks) {
    const index = diskIndexOf(edit.key);
    const el = index === undefined ? undefined : diskEls[index];
    if (!el) throw new Error(`disk ${edit.key} not found in ${plan.vm.name}`);
    const attrs = Object.entries(edit.set).map(([k, v]) => [DRIVER_ATTR[k as keyof DiskSettings], v === null ? null : String(v)] as const);
    let driver = child(el, 'driver');
    if (!driver && attrs.length > 0) {
      driver = doc.createElement('driver');
      driver.setAttribute('name', 'qemu');
      const first = children(el)[0];
      if (first) {
        const indent = indentOf(first); // before the insert changes first's previous sibling
        el.insertBefore(driver, first);
        el.insertBefore(doc.createTextNode(indent), first);
      } else el.appendChild(driver);
    }
    for (const [name, value] of attrs) {
      if (value === null) driver?.removeAttribute(name);
      else driver?.setAttribute(name, value);
    }
    if (edit.bus) {
      const target = child(el, 'target');
      target?.setAttribute('dev', edit.bus.label);
      target?.setAttribute('bus', 'virtio');
      const address = child(el, 'address');
      if (address) {
        const prev = address.previousSibling;
        if (prev && prev.nodeType === prev.TEXT_NODE && /^\s*$/.test(prev.nodeValue ?? '')) el.removeChild(prev);
        el.removeChild(address);
      }
    }
  }
  if (devices) {
    const ctls = children(devices, 'controller');
    for (const c of plan.controllers) {
      const el = ctls.find((e) => controllerKey(e.getAttribute('type') ?? 'unknown', Number(e.getAttribute('index') ?? '0')) === c.key);
      if (!el) continue;
      let driver = child(el, 'driver');
      if (!driver) {
        driver = doc.createElement('driver');
        if (children(el).length > 0) appendChildIndented(doc, el, driver);
        else el.appendChild(driver);
      }
      driver.setAttribute('iothread', String(c.iothread));
    }
  }
  if (plan.iothreads !== undefined) setIothreads(doc, root, plan.iothreads);
  return serialize(doc);
}

/**
 * The domain with every managed part removed and whitespace dropped: equal before and
 * after a tune when nothing unmanaged changed. `ignoreAddresses` also drops disk
 * <address>/<target> and PCI controllers (libvirt assigns them after a bus change).
 */
export function unmanagedDigest(xml: string, opts: { ignoreAddresses?: boolean } = {}): string {
  const doc = parse(xml);
  const root = doc.documentElement as Element;
  for (const tag of ['iothreads', 'iothreadids']) {
    const el = child(root, tag);
    if (el) root.removeChild(el);
  }
  const devices = child(root, 'devices');
  for (const disk of devices ? children(devices, 'disk') : []) {
    const driver = child(disk, 'driver');
    for (const a of MANAGED_DRIVER_ATTRS) driver?.removeAttribute(a);
    if (opts.ignoreAddresses) {
      for (const tag of ['address', 'target']) {
        const el = child(disk, tag);
        if (el) disk.removeChild(el);
      }
    }
  }
  for (const ctl of devices ? children(devices, 'controller') : []) {
    const cdriver = ctl.getAttribute('type') === 'scsi' ? child(ctl, 'driver') : undefined;
    cdriver?.removeAttribute('iothread');
    if (cdriver && cdriver.attributes.length === 0 && children(cdriver).length === 0) ctl.removeChild(cdriver);
    if (opts.ignoreAddresses && ctl.getAttribute('type') === 'pci' && ctl.getAttribute('model') !== 'pcie-root' && ctl.getAttribute('model') !== 'pci-root') devices?.removeChild(ctl);
  }
  return serialize(doc)
    .replace(/>\s+</g, '><')
    .replace(/<driver\s*\/>/g, '<driver/>')
    .trim();
}
