// Plan text → a validated Plan, or one line per problem naming file:line:column, the
// value seen and what is expected. YAML is parsed with `yaml` (eemeli/yaml), whose
// nodes keep their source ranges, so a zod issue's path finds the node it is about.
// Pure: text in, data out; the CLI reads the file.
import { isMap, isNode, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { planSchema, type Plan } from './plan-schema.js';

export type PlanPath = readonly (string | number)[];

export interface PlanProblem {
  /** "file:line:column" */
  readonly at: string;
  /** Dotted path in the plan ("vms[1].disks[0].size"), "" for the document. */
  readonly path: string;
  readonly message: string;
}

export interface ParsedPlan {
  readonly plan: Plan;
  /** file:line:column of the node at path (or of its nearest existing parent). */
  readonly locate: (path: PlanPath) => string;
}

export type ParseResult = { readonly ok: true; readonly value: ParsedPlan } | { readonly ok: false; readonly problems: readonly PlanProblem[] };

export const formatPath = (path: PlanPath): string =>
  path.reduce<string>((s, p) => (typeof p === 'number' ? `${s}[${p}]` : s === '' ? p : `${s}.${p}`), '');

export const formatProblem = (p: PlanProblem): string => `${p.at}: ${p.path === '' ? '' : `${p.path}: `}${p.message}`;

export function parsePlan(text: string, file: string): ParseResult {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number): string => {
    const { line, col } = lc.linePos(offset);
    return `${file}:${line}:${col}`;
  };
  if (doc.errors.length > 0) {
    return { ok: false, problems: doc.errors.map((e) => ({ at: at(e.pos[0]), path: '', message: `not valid YAML: ${e.message.split('\n')[0] ?? e.code}` })) };
  }
  const locate = (path: PlanPath): string => at(offsetOf(doc, path, false));
  const r = planSchema.safeParse(doc.toJS() ?? {});
  if (!r.success) {
    const seen = new Set<string>();
    const problems: PlanProblem[] = [];
    for (const issue of r.error.issues) {
      for (const p of issueProblems(issue, doc, at)) {
        const key = formatProblem(p);
        if (!seen.has(key)) problems.push(p);
        seen.add(key);
      }
    }
    return { ok: false, problems };
  }
  return { ok: true, value: { plan: r.data, locate } };
}

/** Source offset of the node at path; with keyOf, of the map key that holds it. */
function offsetOf(doc: Document, path: PlanPath, keyOf: boolean): number {
  let node: unknown = doc.contents;
  let offset = rangeStart(node) ?? 0;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((it) => isPair(it) && isScalar(it.key) && it.key.value === seg);
      if (!pair) return offset;
      if (keyOf && seg === path[path.length - 1]) return rangeStart(pair.key) ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      node = node.items[seg];
    } else return offset;
    offset = rangeStart(node) ?? offset;
  }
  return offset;
}

const rangeStart = (n: unknown): number | undefined => (isNode(n) && n.range ? n.range[0] : undefined);

function valueAt(doc: Document, path: PlanPath): unknown {
  const n = doc.getIn(path, true);
  return isNode(n) ? n.toJSON() : n;
}

const shown = (v: unknown): string => {
  if (v === undefined) return '(missing)';
  const s = JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
};

function issueProblems(issue: z.core.$ZodIssue, doc: Document, at: (o: number) => string): PlanProblem[] {
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  if (issue.code === 'unrecognized_keys') {
    const type = valueAt(doc, [...path, 'type']);
    return issue.keys.map((k) => ({ at: at(offsetOf(doc, [...path, k], true)), path: formatPath([...path, k]), message: `unknown key "${k}"; expected ${expectedKeys(path, type)}` }));
  }
  const value = valueAt(doc, path);
  const message = value === undefined && issue.code === 'invalid_type'
    ? `missing; expected ${issue.expected}`
    : `${shown(value)}: ${describe(issue)}`;
  return [{ at: at(offsetOf(doc, path, false)), path: formatPath(path), message }];
}

function describe(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.message.startsWith('expected') ? issue.message : `expected ${issue.expected === 'int' ? 'an integer' : `a ${issue.expected}`}`;
    case 'too_small':
      return issue.origin === 'array' ? `expected at least ${String(issue.minimum)} entr${issue.minimum === 1 ? 'y' : 'ies'}` : `expected at least ${String(issue.minimum)}`;
    case 'too_big':
      return `expected at most ${String(issue.maximum)}`;
    case 'invalid_value':
      return issue.message.startsWith('expected') && !issue.message.startsWith('Invalid') ? issue.message : `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return issue.message;
  }
}

// The keys a strict object at this path allows, read from the schema itself.
function expectedKeys(path: PlanPath, type: unknown): string {
  const keys = shapeKeysAt(path, type);
  return keys.length > 0 ? `one of ${keys.join(', ')}` : 'no other keys';
}

function shapeKeysAt(path: PlanPath, type: unknown): string[] {
  let s: z.core.$ZodType | undefined = planSchema as unknown as z.core.$ZodType;
  for (const seg of path) {
    s = unwrap(s);
    if (s === undefined) return [];
    const def = s._zod.def as unknown as Record<string, unknown>;
    if (def.type === 'object' && typeof seg === 'string') s = (def.shape as Record<string, z.core.$ZodType>)[seg];
    else if (def.type === 'array' && typeof seg === 'number') s = def.element as z.core.$ZodType;
    else return [];
  }
  s = unwrap(s);
  if (s === undefined) return [];
  const def = s._zod.def as unknown as Record<string, unknown>;
  if (def.type === 'object') return Object.keys(def.shape as object);
  if (def.type === 'union') {
    // discriminated unions (pools, disks): the keys of the branch this entry's type picks
    for (const o of def.options as z.core.$ZodType[]) {
      const d = unwrap(o)?._zod.def as unknown as Record<string, unknown> | undefined;
      const shape = d?.type === 'object' ? (d.shape as Record<string, z.core.$ZodType>) : undefined;
      const lit = shape?.type?._zod.def as unknown as { values?: unknown[] } | undefined;
      if (shape && lit?.values?.includes(type)) return Object.keys(shape);
    }
    return [];
  }
  return [];
}

function unwrap(s: z.core.$ZodType | undefined): z.core.$ZodType | undefined {
  let cur = s;
  for (let i = 0; i < 10 && cur; i++) {
    const def = cur._zod.def as unknown as Record<string, unknown>;
    if (def.type === 'default' || def.type === 'optional' || def.type === 'prefault' || def.type === 'nullable') cur = def.innerType as z.core.$ZodType;
    else break;
  }
  return cur;
}
