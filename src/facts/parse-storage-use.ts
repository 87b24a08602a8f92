// Parsers for what uses a disk outside the kernel's view: LVM PVs (`pvs --reportformat
// json`, through parse-lvm.ts), libvirt pool XML (`virsh pool-dumpxml`) and domain XML (`virsh dumpxml`).
// Pure: text in, data out; garbage gives a Read failure, never an exception.
import { DOMParser, type Element } from '@xmldom/xmldom';
import type { PhysicalVolume, StoragePool } from './passthrough-facts.js';
import { parsePvs } from './parse-lvm.js';
import { missing, ok, type Read } from './source.js';

/** `pvs --reportformat json -o pv_name,vg_name` through parse-lvm.ts, as a Read (never throws). */
export function parsePvsJson(text: string): Read<readonly PhysicalVolume[]> {
  try {
    return ok(parsePvs(text).filter((p) => p.pvName !== '').map((p) => ({ pv: p.pvName, vg: p.vgName })));
  } catch (e) {
    return missing(e instanceof Error ? e.message : 'pvs: output is not LVM JSON');
  }
}

function parseXml(text: string, what: string): Read<Element> {
  const errors: string[] = [];
  try {
    const doc = new DOMParser({ onError: (level, msg) => void (level !== 'warning' && errors.push(msg)) }).parseFromString(text, 'text/xml');
    const root = doc.documentElement;
    if (!root || errors.length > 0) return missing(`${what}: not well-formed XML${errors[0] ? `: ${errors[0].split('\n')[0]}` : ''}`);
    return ok(root);
  } catch (e) {
    return missing(`${what}: not well-formed XML: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
  }
}

const children = (el: Element, name: string): Element[] => {
  const out: Element[] = [];
  for (let n = el.firstChild; n; n = n.nextSibling) if (n.nodeType === 1 && (n as Element).tagName === name) out.push(n as Element);
  return out;
};
const child = (el: Element | undefined, name: string): Element | undefined => (el ? children(el, name)[0] : undefined);
const text = (el: Element | undefined): string | undefined => {
  const t = el?.textContent?.trim();
  return t ? t : undefined;
};

export function parsePoolXml(xml: string): Read<StoragePool> {
  const r = parseXml(xml, 'pool XML');
  if (!r.ok) return r;
  const pool = r.value;
  if (pool.tagName !== 'pool') return missing(`pool XML: root element is <${pool.tagName}>, expected <pool>`);
  const source = child(pool, 'source');
  const name = text(child(pool, 'name')) ?? '';
  const sourceName = text(child(source, 'name'));
  const targetPath = text(child(child(pool, 'target'), 'path'));
  return ok({
    name,
    type: pool.getAttribute('type') ?? '',
    sourceDevices: source ? children(source, 'device').map((d) => d.getAttribute('path') ?? '').filter((p) => p !== '') : [],
    ...(sourceName ? { sourceName } : {}),
    ...(targetPath ? { targetPath } : {}),
  });
}

/** Domain XML is read by the libvirt adapter's one reader (libvirt/read-domain.ts). */
export { parseDomainStorage } from '../libvirt/domain-storage.js';
