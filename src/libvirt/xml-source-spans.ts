// Where each element of an XML text is, by character offset, so an edit can be spliced
// into the text as written (quotes, spacing, attribute order, comments and line ends
// kept) instead of re-serializing the whole document. It runs only on text xmldom has
// already parsed, and scans just the markup of XML 1.0's grammar (§2.5 comments, §2.6
// PIs, §2.7 CDATA, §2.8 the DOCTYPE, §3.1 tags and attributes); anything else fails with
// the offset, and spansByElement checks that the scan and xmldom see the same elements.
import type { Document, Element } from '@xmldom/xmldom';

export interface AttrSpan {
  readonly name: string;
  /** The whitespace before the name starts here. */
  readonly start: number;
  /** Inside the quotes. */
  readonly valueStart: number;
  readonly valueEnd: number;
  /** After the closing quote. */
  readonly end: number;
  readonly quote: '"' | "'";
}

export interface ElementSpan {
  readonly name: string;
  /** At "<". */
  readonly start: number;
  readonly nameEnd: number;
  readonly attrs: readonly AttrSpan[];
  /** After the last attribute (nameEnd when there is none). */
  readonly attrsEnd: number;
  /** After the ">" of the start tag. */
  readonly startTagEnd: number;
  readonly selfClosing: boolean;
  /** At "</" (startTagEnd for a self-closing tag). */
  contentEnd: number;
  /** After the end tag (startTagEnd for a self-closing tag). */
  end: number;
}

const NAME = /[^\s/>=<]+/y;
const ATTR = /(\s+)([^\s/>=<]+)\s*=\s*("[^"]*"|'[^']*')/y;
const TAG_END = /\s*(\/?)>/y;
const END_TAG = /<\/([^\s/>=<]+)\s*>/y;

function at(re: RegExp, text: string, i: number): RegExpExecArray | null {
  re.lastIndex = i;
  return re.exec(text);
}

/** Every element of TEXT in document order (start-tag order). Throws on markup it cannot read. */
export function scanElementSpans(text: string): ElementSpan[] {
  const out: ElementSpan[] = [];
  const open: ElementSpan[] = [];
  const fail = (i: number, why: string): never => {
    throw new Error(`offset ${i}: ${why}`);
  };
  const skipTo = (i: number, close: string, what: string): number => {
    const e = text.indexOf(close, i);
    return e < 0 ? fail(i, `unterminated ${what}`) : e + close.length;
  };
  let i = 0;
  for (;;) {
    i = text.indexOf('<', i);
    if (i < 0) break;
    if (text.startsWith('<!--', i)) i = skipTo(i + 4, '-->', 'comment');
    else if (text.startsWith('<![CDATA[', i)) i = skipTo(i + 9, ']]>', 'CDATA section');
    else if (text.startsWith('<?', i)) i = skipTo(i + 2, '?>', 'processing instruction');
    else if (text.startsWith('<!', i)) {
      // <!DOCTYPE …> with an optional [internal subset]; quoted literals may hold ">" or "]".
      let j = i + 2;
      let depth = 0;
      for (; j < text.length; j++) {
        const c = text[j];
        if (c === '"' || c === "'") {
          j = text.indexOf(c, j + 1);
          if (j < 0) fail(i, 'unterminated literal');
        } else if (c === '[') depth++;
        else if (c === ']') depth--;
        else if (c === '>' && depth === 0) break;
      }
      if (j >= text.length) fail(i, 'unterminated declaration');
      i = j + 1;
    } else if (text.startsWith('</', i)) {
      const m = at(END_TAG, text, i) ?? fail(i, 'malformed end tag');
      const el = open.pop() ?? fail(i, `end tag </${m[1]}> without a start tag`);
      if (el.name !== m[1]) fail(i, `end tag </${m[1]}> closes <${el.name}>`);
      el.contentEnd = i;
      el.end = i + m[0].length;
      i = el.end;
    } else {
      const name = at(NAME, text, i + 1) ?? fail(i, 'malformed start tag');
      const attrs: AttrSpan[] = [];
      let j = i + 1 + name[0].length;
      let end: RegExpExecArray | null;
      while ((end = at(TAG_END, text, j)) === null) {
        const a = at(ATTR, text, j) ?? fail(j, `malformed attribute in <${name[0]}>`);
        const quoted = a[3] as string;
        const valueEnd = j + a[0].length - 1;
        attrs.push({ name: a[2] as string, start: j, valueStart: valueEnd - quoted.length + 2, valueEnd, end: valueEnd + 1, quote: quoted[0] as '"' | "'" });
        j += a[0].length;
      }
      const startTagEnd = j + end[0].length;
      const selfClosing = end[1] === '/';
      const span: ElementSpan = { name: name[0], start: i, nameEnd: i + 1 + name[0].length, attrs, attrsEnd: j, startTagEnd, selfClosing, contentEnd: startTagEnd, end: startTagEnd };
      out.push(span);
      if (!selfClosing) open.push(span);
      i = startTagEnd;
    }
  }
  if (open.length > 0) fail(text.length, `<${open[open.length - 1]?.name}> is not closed`);
  return out;
}

/** The span of every element of DOC (parsed from TEXT), checked name by name in document order. */
export function spansByElement(text: string, doc: Document): Map<Element, ElementSpan> {
  const spans = scanElementSpans(text);
  const map = new Map<Element, ElementSpan>();
  let k = 0;
  const walk = (el: Element): void => {
    const s = spans[k++];
    if (s === undefined || s.name !== el.tagName) throw new Error(`element ${k} is <${el.tagName}> to the parser but ${s === undefined ? 'missing' : `<${s.name}>`} in the text`);
    map.set(el, s);
    for (let n = el.firstChild; n !== null; n = n.nextSibling) if (n.nodeType === n.ELEMENT_NODE) walk(n as Element);
  };
  if (doc.documentElement) walk(doc.documentElement);
  if (k !== spans.length) throw new Error(`the text has ${spans.length} elements, the parser ${k}`);
  return map;
}
