// A tiny XML writer for rendered libvirt XML: elements with attributes in the order
// given (fixed order keeps golden files stable), text children, two-space indentation.

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

export const escapeXml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&apos;').replace(/"/g, '&quot;');

export function renderXml(e: XmlElement, indent = ''): string {
  const attrs = (e.attrs ?? [])
    .filter(([, v]) => v !== undefined && v !== null)
    .map(([k, v]) => ` ${k}='${escapeXml(String(v))}'`)
    .join('');
  const kids = (e.children ?? []).filter((c): c is XmlElement => c !== null && c !== undefined);
  if (e.text !== undefined) return `${indent}<${e.name}${attrs}>${escapeXml(e.text)}</${e.name}>`;
  if (kids.length === 0) return `${indent}<${e.name}${attrs}/>`;
  return [`${indent}<${e.name}${attrs}>`, ...kids.map((c) => renderXml(c, `${indent}  `)), `${indent}</${e.name}>`].join('\n');
}
