// A tiny XML writer for rendered libvirt XML: elements with attributes in the order
// given (fixed order keeps golden files stable), text children, two-space indentation.
// Every value goes through one escape that makes it read back exactly (XML 1.0):
// attribute values have tab, LF and CR written as character references, because a
// parser replaces each raw one by a space (§3.3.3 attribute-value normalization); text
// has CR written as &#13;, because a parser turns a raw CR (or CRLF) into LF (§2.11);
// U+0085, U+2028 and U+2029 are written as references too, because XML 1.1 parsers (and
// xmldom, which kvmio reads with) treat them as line ends (XML 1.1 §2.11); and
// a character XML 1.0 cannot carry at all (§2.2 Char: C0 controls other than tab, LF and
// CR, U+FFFE, U+FFFF, a lone surrogate) is refused, never dropped or passed through.
import { usageError } from '../errors.js';

export interface XmlElement {
  readonly name: string;
  /** Attributes in output order; undefined/null values are left out. */
  readonly attrs?: ReadonlyArray<readonly [string, string | number | null | undefined]>;
  readonly children?: ReadonlyArray<XmlElement | null | undefined>;
  readonly text?: string;
}

export const el = (
  name: string,
  attrs: XmlElement['attrs'] = [],
  children: XmlElement['children'] = [],
): XmlElement => ({ name, attrs, children });

export const textEl = (name: string, text: string, attrs: XmlElement['attrs'] = []): XmlElement => ({ name, attrs, text });

// XML 1.0 §2.2: Char ::= #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF].
// With the u flag a lone surrogate is one code point in D800–DFFF, so it is outside too.
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

const codePoint = (c: string): string => `U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;

/** The first character of S that XML 1.0 cannot carry, as "U+0001 at offset 3", or undefined. */
export function xmlUncarriable(s: string): string | undefined {
  const m = NOT_XML_CHAR.exec(s);
  return m ? `${codePoint(m[0])} at offset ${m.index}` : undefined;
}

/** Throws a usage error (exit 2) naming WHAT when S has a character XML cannot carry. */
export function assertXmlCarriable(what: string, s: string): void {
  const bad = xmlUncarriable(s);
  if (bad !== undefined) throw usageError(`${what}: ${JSON.stringify(s)} has ${bad}, which XML 1.0 cannot carry (§2.2); expected text without control characters other than tab, LF and CR`);
}

const charRef = (c: string): string => `&#${c.charCodeAt(0)};`;

/** An attribute value for either quote style: reads back as exactly S. */
export function escapeXmlAttr(s: string, what = 'XML attribute'): string {
  assertXmlCarriable(what, s);
  return s
    .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&apos;').replace(/"/g, '&quot;')
    .replace(/[\t\n\r\u0085\u2028\u2029]/g, charRef);
}

/** Character data: reads back as exactly S (">" escaped too, so "]]>" never appears). */
export function escapeXmlText(s: string, what = 'XML text'): string {
  assertXmlCarriable(what, s);
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/[\r\u0085\u2028\u2029]/g, charRef);
}

export function renderXml(e: XmlElement, indent = ''): string {
  const attrs = (e.attrs ?? [])
    .filter(([, v]) => v !== undefined && v !== null)
    .map(([k, v]) => ` ${k}='${escapeXmlAttr(String(v), `<${e.name} ${k}>`)}'`)
    .join('');
  const kids = (e.children ?? []).filter((c): c is XmlElement => c !== null && c !== undefined);
  if (e.text !== undefined) return `${indent}<${e.name}${attrs}>${escapeXmlText(e.text, `<${e.name}>`)}</${e.name}>`;
  if (kids.length === 0) return `${indent}<${e.name}${attrs}/>`;
  return [`${indent}<${e.name}${attrs}>`, ...kids.map((c) => renderXml(c, `${indent}  `)), `${indent}</${e.name}>`].join('\n');
}
