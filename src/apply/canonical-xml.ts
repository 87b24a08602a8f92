// A canonical form of libvirt XML, to tell whether two definitions say the same thing:
// attributes sorted, whitespace-only text and comments dropped, text trimmed (libvirt
// re-indents what it saves, so bytes differ where meaning does not). `xmlCovers` checks
// that libvirt's saved definition holds everything kvmio asked for; libvirt mostly adds
// (defaults, addresses, uuid), so each element asked for must appear, with its
// attributes and text, among the same-named children in the same order; sizes may come
// back in another unit and a few values in their resolved form (REWRITTEN).
import { DOMParser, type Element, type Node } from '@xmldom/xmldom';

interface CNode {
  readonly name: string;
  readonly attrs: readonly (readonly [string, string])[];
  readonly text: string;
  readonly children: readonly CNode[];
}

function parse(xml: string): CNode {
  const errors: string[] = [];
  const doc = new DOMParser({ onError: (level, msg) => void (level !== 'warning' && errors.push(msg)) }).parseFromString(xml, 'text/xml');
  const root = doc.documentElement;
  if (!root || errors.length > 0) throw new Error(`not well-formed XML${errors[0] ? `: ${errors[0].split('\n')[0]}` : ''}`);
  return toNode(root);
}

function toNode(el: Element): CNode {
  const attrs: [string, string][] = [];
  for (let i = 0; i < el.attributes.length; i++) {
    const a = el.attributes.item(i);
    if (a) attrs.push([a.name, a.value]);
  }
  attrs.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  const children: CNode[] = [];
  let text = '';
  for (let n: Node | null = el.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === 1) children.push(toNode(n as Element));
    else if (n.nodeType === 3 || n.nodeType === 4) text += n.nodeValue ?? '';
  }
  return { name: el.tagName, attrs, text: text.trim(), children };
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function render(n: CNode): string {
  const attrs = n.attrs.map(([k, v]) => ` ${k}="${esc(v)}"`).join('');
  return `<${n.name}${attrs}>${esc(n.text)}${n.children.map(render).join('')}</${n.name}>`;
}

/** One line that is equal for two XML texts exactly when they mean the same. Throws on malformed XML. */
export const canonicalXml = (xml: string): string => render(parse(xml));

// libvirt stores sizes in its own unit (<memory unit='MiB'>64 is saved as KiB 65536);
// formatdomain "Memory Allocation": b/bytes, KB=10^3, k/KiB=2^10, MB, M/MiB, GB, G/GiB, TB, T/TiB.
const UNIT: Readonly<Record<string, number>> = { b: 1, bytes: 1, KB: 1e3, k: 1024, KiB: 1024, MB: 1e6, M: 1024 ** 2, MiB: 1024 ** 2, GB: 1e9, G: 1024 ** 3, GiB: 1024 ** 3, TB: 1e12, T: 1024 ** 4, TiB: 1024 ** 4 };

/** Bytes of a <x unit='U'>N</x> element, when it is one. */
function sizeOf(n: CNode): number | undefined {
  const unit = n.attrs.find(([k]) => k === 'unit')?.[1];
  const f = unit === undefined ? undefined : UNIT[unit];
  return f !== undefined && /^\d+$/.test(n.text) ? Number(n.text) * f : undefined;
}

// Values libvirt rewrites on define, by path: a machine alias ("q35") is saved as the
// versioned type it resolves to ("pc-q35-7.2"; formatdomain "BIOS bootloader", os/type).
const REWRITTEN: Readonly<Record<string, (want: string, have: string) => boolean>> = {
  '/domain/os[1]/type[1]/@machine': (w, h) => h === w || h.startsWith(`pc-${w}-`) || (w === 'pc' && h.startsWith('pc-i440fx-')),
};

function covers(want: CNode, have: CNode, path: string): string | undefined {
  const ws = sizeOf(want);
  if (ws !== undefined && ws === sizeOf(have)) return undefined; // same size, other unit
  for (const [k, v] of want.attrs) {
    const got = have.attrs.find(([hk]) => hk === k)?.[1];
    if (got !== undefined && REWRITTEN[`${path}/@${k}`]?.(v, got)) continue;
    if (got !== v) return `${path}/@${k} is ${got === undefined ? 'absent' : `"${got}"`}, expected "${v}"`;
  }
  if (want.text !== '' && want.text !== have.text) return `${path} text is "${have.text}", expected "${want.text}"`;
  const byName = new Map<string, number>();
  for (const c of want.children) {
    const i = byName.get(c.name) ?? 0;
    byName.set(c.name, i + 1);
    const same = have.children.filter((h) => h.name === c.name);
    const match = same[i];
    if (match === undefined) return `${path}/${c.name}[${i + 1}] is missing`;
    const why = covers(c, match, `${path}/${c.name}[${i + 1}]`);
    if (why !== undefined) return why;
  }
  return undefined;
}

/** Undefined when HAVE holds every element, attribute and text of WANT, else the first difference. */
export function xmlCovers(want: string, have: string): string | undefined {
  const w = parse(want);
  const h = parse(have);
  if (w.name !== h.name) return `root is <${h.name}>, expected <${w.name}>`;
  return covers(w, h, `/${w.name}`);
}
