// The DOM helpers every libvirt XML reader and editor shares (xmldom): parse without
// throwing, and walk direct children only (a <disk> inside <devices>, never a nested one).
import { DOMParser, type Document, type Element } from '@xmldom/xmldom';
import { missing, ok, type Read } from '../facts/source.js';

/** Parses XML text into a document, or says why it cannot (never throws). */
export function parseXmlDocument(xml: string): Read<Document> {
  const errors: string[] = [];
  try {
    const doc = new DOMParser({
      onError: (level, msg) => {
        if (level !== 'warning') errors.push(msg);
      },
    }).parseFromString(xml, 'text/xml');
    if (errors.length > 0) return missing((errors[0] ?? 'malformed XML').split('\n')[0] as string);
    if (!doc.documentElement) return missing('no root element');
    return ok(doc);
  } catch (e) {
    return missing(e instanceof Error ? (e.message.split('\n')[0] as string) : String(e));
  }
}

/** Direct element children with the given tag name (never descendants). */
export function children(el: Element, tag?: string): Element[] {
  const out: Element[] = [];
  for (let n = el.firstChild; n !== null; n = n.nextSibling) {
    if (n.nodeType === n.ELEMENT_NODE && (tag === undefined || n.nodeName === tag)) out.push(n as Element);
  }
  return out;
}

export const child = (el: Element | undefined, tag: string): Element | undefined => (el === undefined ? undefined : children(el, tag)[0]);

export const attr = (el: Element | undefined, name: string): string | undefined => {
  if (el === undefined || !el.hasAttribute(name)) return undefined;
  return el.getAttribute(name) ?? undefined;
};

export const text = (el: Element | undefined): string | undefined => {
  const t = el?.textContent?.trim();
  return t === undefined || t === '' ? undefined : t;
};

/** A non-negative decimal integer attribute or text, else undefined. */
export const int = (v: string | undefined): number | undefined => (v === undefined || !/^\s*\d+\s*$/.test(v) ? undefined : Number(v));
