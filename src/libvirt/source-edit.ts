// Edits a parsed XML document and, in step, the text it was parsed from: each DOM change
// is recorded as a splice of the original text, so the result keeps everything outside
// the changed parts byte for byte (quote style, indentation, attribute order, comments,
// CRLF line ends) and a unified diff of it applies with patch(1) to the user's own file.
// Changed start tags are rewritten attribute by attribute (kept ones verbatim, a changed
// value in its own quotes, new ones appended in the tag's quote style); new elements are
// written when text() is called, from their final DOM state. text() re-parses its result
// and refuses it unless it serializes exactly like the edited DOM.
import { XMLSerializer, type Document, type Element, type Node } from '@xmldom/xmldom';
import { escapeXmlAttr, escapeXmlText } from '../render/xml-text.js';
import { spansByElement, type ElementSpan } from './xml-source-spans.js';
import { parseXmlDocument } from './xml-dom.js';

interface Splice {
  readonly start: number;
  readonly end: number;
  readonly render: () => string;
  /** New nodes written here, in order (a later insert next to one of them joins the list). */
  readonly nodes?: Node[];
}

const serialize = (doc: Document): string => new XMLSerializer().serializeToString(doc);

function dropEmptyText(n: Node): void {
  for (let c = n.firstChild; c !== null;) {
    const next = c.nextSibling;
    if (c.nodeType === c.TEXT_NODE && (c.nodeValue ?? '') === '') n.removeChild(c);
    else dropEmptyText(c);
    c = next;
  }
}

export class SourceEdit {
  readonly doc: Document;
  private readonly spans: Map<Element, ElementSpan>;
  private readonly original = new Map<Element, ReadonlyMap<string, string>>();
  private readonly dirty = new Set<Element>();
  private readonly removed = new Set<Element>();
  private readonly appended = new Map<Element, Node[]>();
  private readonly splices: Splice[] = [];
  private readonly eol: string;
  private readonly quote: '"' | "'";

  constructor(private readonly source: string) {
    const doc = parseXmlDocument(source);
    if (!doc.ok) throw new Error(doc.reason);
    this.doc = doc.value;
    this.spans = spansByElement(source, this.doc);
    let single = 0;
    let double = 0;
    for (const [el, span] of this.spans) {
      this.original.set(el, new Map(span.attrs.map((a) => [a.name, el.getAttribute(a.name) ?? ''])));
      for (const a of span.attrs) {
        if (a.quote === "'") single++;
        else double++;
      }
    }
    // New attributes follow the file's habit (libvirt itself writes single quotes).
    this.quote = double > single ? '"' : "'";
    this.eol = source.includes('\r\n') ? '\r\n' : '\n';
  }

  setAttribute(el: Element, name: string, value: string | null): void {
    if (value === null) el.removeAttribute(name);
    else el.setAttribute(name, value);
    if (this.spans.has(el)) this.dirty.add(el);
  }

  /** Inserts NODES (new ones) before REF, in order. */
  insertBefore(ref: Element, nodes: readonly Node[]): void {
    const parent = ref.parentNode;
    if (!parent) throw new Error(`<${ref.tagName}> has no parent`);
    for (const n of nodes) parent.insertBefore(n, ref);
    const span = this.spans.get(ref);
    if (span) this.insertAt(span.start, [...nodes]);
    else this.joinNew(ref, nodes, 0);
  }

  /** Inserts NODES (new ones) after REF, in order. */
  insertAfter(ref: Element, nodes: readonly Node[]): void {
    const parent = ref.parentNode;
    if (!parent) throw new Error(`<${ref.tagName}> has no parent`);
    let after: Node = ref;
    for (const n of nodes) {
      parent.insertBefore(n, after.nextSibling);
      after = n;
    }
    const span = this.spans.get(ref);
    if (span) this.insertAt(span.end, [...nodes]);
    else this.joinNew(ref, nodes, 1);
  }

  private insertAt(offset: number, nodes: Node[]): void {
    this.splices.push({ start: offset, end: offset, nodes, render: () => this.renderNodes(nodes) });
  }

  /** REF is new: NODES go next to it in the list it will be written from (none: it is inside a new element, written with it). */
  private joinNew(ref: Node, nodes: readonly Node[], after: 0 | 1): void {
    for (const list of [...this.splices.map((s) => s.nodes), ...this.appended.values()]) {
      const k = list?.indexOf(ref) ?? -1;
      if (list && k >= 0) {
        list.splice(k + after, 0, ...nodes);
        return;
      }
    }
  }

  /** Appends NODES (new ones) as the last children of PARENT; a self-closing tag gets an end tag. */
  append(parent: Element, nodes: readonly Node[]): void {
    for (const n of nodes) parent.appendChild(n);
    const span = this.spans.get(parent);
    if (!span) return;
    if (!span.selfClosing) {
      this.insertAt(span.contentEnd, [...nodes]);
      return;
    }
    const pending = this.appended.get(parent);
    if (pending) {
      pending.push(...nodes);
      return;
    }
    const all = [...nodes];
    this.appended.set(parent, all);
    // "<x a='1'/>" → "<x a='1'>…</x>": the "/>" becomes ">", the end tag follows the children.
    this.splices.push({ start: span.startTagEnd - 2, end: span.startTagEnd, render: () => `>${this.renderNodes(all)}</${span.name}>` });
  }

  /** Removes EL and, when LEADINGSPACE, the whitespace-only text node before it. */
  remove(el: Element, leadingSpace: boolean): void {
    const parent = el.parentNode;
    if (!parent) return;
    const prev = el.previousSibling;
    const dropPrev = leadingSpace && prev !== null && prev.nodeType === prev.TEXT_NODE && /^[ \t\r\n]*$/.test(prev.nodeValue ?? ''); // XML's S (§2.3)
    if (dropPrev) parent.removeChild(prev);
    parent.removeChild(el);
    const span = this.spans.get(el);
    if (!span) return;
    this.removed.add(el);
    let start = span.start;
    if (dropPrev) {
      // The raw whitespace back to the previous markup is that text node (any character
      // reference in it would make the re-parse check below fail, never a silent change).
      while (start > 0 && /[ \t\r\n]/.test(this.source[start - 1] as string)) start--;
    }
    this.splices.push({ start, end: span.end, render: () => '' });
  }

  /** Replaces EL's children by one text node. */
  setText(el: Element, value: string): void {
    while (el.firstChild) el.removeChild(el.firstChild);
    const t = this.doc.createTextNode(value);
    const span = this.spans.get(el);
    if (span && !span.selfClosing) {
      el.appendChild(t);
      this.splices.push({ start: span.startTagEnd, end: span.contentEnd, render: () => this.renderNodes([t]) });
    } else this.append(el, [t]);
  }

  /** The edited text: the source with every splice applied, checked against the DOM. */
  text(): string {
    const all: Splice[] = [...this.splices];
    for (const el of this.dirty) {
      if (this.removed.has(el)) continue;
      const span = this.spans.get(el) as ElementSpan;
      all.push({ start: span.nameEnd, end: span.attrsEnd, render: () => this.renderAttrs(el, span) });
    }
    const ordered = all.map((s, seq) => ({ s, seq })).sort((a, b) => a.s.start - b.s.start || a.s.end - b.s.end || a.seq - b.seq);
    let out = '';
    let pos = 0;
    for (const { s } of ordered) {
      if (s.start < pos) throw new Error(`overlapping edits at offset ${s.start}`);
      out += this.source.slice(pos, s.start) + s.render();
      pos = s.end;
    }
    out += this.source.slice(pos);
    const back = parseXmlDocument(out);
    if (!back.ok) throw new Error(`the edited text does not parse: ${back.reason}`);
    // Compared as normalized DOMs: an empty or split text node has no text of its own.
    const edited = this.doc.cloneNode(true) as Document;
    dropEmptyText(edited);
    const [want, got] = [serialize(edited), serialize(back.value)];
    if (want !== got) {
      let k = 0;
      while (want[k] === got[k]) k++;
      throw new Error(`the edited text does not read back as the edited document (at ${JSON.stringify(got.slice(Math.max(0, k - 20), k + 20))}, expected ${JSON.stringify(want.slice(Math.max(0, k - 20), k + 20))})`);
    }
    return out;
  }

  private renderAttrs(el: Element, span: ElementSpan): string {
    const before = this.original.get(el) as ReadonlyMap<string, string>;
    let out = '';
    for (const a of span.attrs) {
      if (!el.hasAttribute(a.name)) continue;
      const v = el.getAttribute(a.name) ?? '';
      const raw = this.source.slice(a.start, a.end);
      out += v === before.get(a.name) ? raw : `${this.source.slice(a.start, a.valueStart)}${escapeXmlAttr(v, `<${span.name} ${a.name}>`)}${a.quote}`;
    }
    const q = span.attrs[0]?.quote ?? this.quote;
    for (let i = 0; i < el.attributes.length; i++) {
      const a = el.attributes.item(i);
      if (a && !before.has(a.name)) out += ` ${a.name}=${q}${escapeXmlAttr(a.value, `<${span.name} ${a.name}>`)}${q}`;
    }
    return out;
  }

  private renderNodes(nodes: readonly Node[]): string {
    return nodes.map((n) => this.renderNode(n)).join('');
  }

  /** A new node in the file's style (only elements and text are ever created). */
  private renderNode(n: Node): string {
    if (n.nodeType === n.TEXT_NODE) return escapeXmlText(n.nodeValue ?? '').replace(/\n/g, this.eol);
    if (n.nodeType !== n.ELEMENT_NODE) throw new Error(`cannot write a new node of type ${n.nodeType}`);
    const el = n as Element;
    let attrs = '';
    for (let i = 0; i < el.attributes.length; i++) {
      const a = el.attributes.item(i);
      if (a) attrs += ` ${a.name}=${this.quote}${escapeXmlAttr(a.value, `<${el.tagName} ${a.name}>`)}${this.quote}`;
    }
    const kids: Node[] = [];
    for (let c = el.firstChild; c !== null; c = c.nextSibling) kids.push(c);
    return kids.length === 0 ? `<${el.tagName}${attrs}/>` : `<${el.tagName}${attrs}>${this.renderNodes(kids)}</${el.tagName}>`;
  }
}
