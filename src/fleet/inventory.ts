// Ansible inventories (INI and YAML) read into SSH targets: groups with hosts, children
// and vars, and the connection variables ansible_host, ansible_port and ansible_user
// (Ansible's "How to build your inventory" and the ini/yaml inventory plugins: host
// variables beat group variables, a child group's beat its parent's, `all` is the
// parent of every group). Host patterns `name[01:10]`/`[a:f]` expand as in Ansible.
// Anything else (dynamic inventories, vaulted vars, `ansible_ssh_*` aliases) is out of
// scope: those inventories can still drive `kvmio export ansible --collect`.
import { parse as parseYaml } from 'yaml';
import { usageError } from '../errors.js';
import type { SshTarget } from '../facts/remote-ssh.js';
import { checkHostName, checkPort, checkUser } from './host-spec.js';

type Vars = Record<string, string>;

interface Group {
  readonly hosts: Set<string>;
  readonly children: Set<string>;
  readonly vars: Vars;
}

export interface Inventory {
  readonly groups: ReadonlyMap<string, Group>;
  /** Host name → its own variables, in the order the inventory names hosts. */
  readonly hosts: ReadonlyMap<string, Vars>;
}

class Builder {
  readonly groups = new Map<string, Group>();
  readonly hosts = new Map<string, Vars>();
  group(name: string): Group {
    let g = this.groups.get(name);
    if (!g) {
      g = { hosts: new Set(), children: new Set(), vars: {} };
      this.groups.set(name, g);
    }
    return g;
  }
  host(name: string, group: string, vars: Vars): void {
    this.hosts.set(name, { ...(this.hosts.get(name) ?? {}), ...vars });
    this.group(group).hosts.add(name);
  }
  done(): Inventory {
    const all = this.group('all');
    for (const [name] of this.groups) if (name !== 'all' && name !== 'ungrouped' && !this.isChild(name)) all.children.add(name);
    return { groups: this.groups, hosts: this.hosts };
  }
  private isChild(name: string): boolean {
    for (const [, g] of this.groups) if (g.children.has(name)) return true;
    return false;
  }
}

/** Expands Ansible host ranges: "web[01:03].x" → web01.x, web02.x, web03.x; "db-[a:c]". */
export function expandHostPattern(pattern: string, what: string): string[] {
  const m = /^(.*?)\[([0-9]+|[a-z]):([0-9]+|[a-z])(?::([0-9]+))?\](.*)$/.exec(pattern);
  if (!m) {
    if (/[[\]]/.test(pattern)) throw usageError(`${what}: host pattern "${pattern}" is not valid; expected NAME[START:END] with numbers or letters`);
    return [pattern];
  }
  const [, pre = '', a = '', b = '', stepText, post = ''] = m;
  const step = stepText === undefined ? 1 : Number(stepText);
  const out: string[] = [];
  if (/^\d+$/.test(a) && /^\d+$/.test(b)) {
    const width = a.length > 1 && a.startsWith('0') ? a.length : 0;
    for (let i = Number(a); i <= Number(b) && out.length <= 100_000; i += step) out.push(`${pre}${String(i).padStart(width, '0')}${post}`);
  } else if (/^[a-z]$/.test(a) && /^[a-z]$/.test(b)) {
    for (let c = a.charCodeAt(0); c <= b.charCodeAt(0); c += step) out.push(`${pre}${String.fromCharCode(c)}${post}`);
  } else throw usageError(`${what}: host range [${a}:${b}] mixes numbers and letters; expected both numbers or both letters`);
  if (out.length === 0) throw usageError(`${what}: host range [${a}:${b}] is empty; expected START <= END`);
  return out.flatMap((h) => expandHostPattern(h, what));
}

/** Splits an INI line into shell-like words (Ansible uses shlex): quotes group, "#" starts a comment. */
function words(line: string, what: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: string | undefined;
  let has = false;
  for (const ch of line) {
    if (quote) {
      if (ch === quote) quote = undefined;
      else cur += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      has = true;
    } else if (ch === '#' && !has && cur === '') break;
    else if (/\s/.test(ch)) {
      if (has || cur !== '') out.push(cur);
      cur = '';
      has = false;
    } else {
      cur += ch;
      has = true;
    }
  }
  if (quote) throw usageError(`${what}: unterminated ${quote} quote; expected matching quotes`);
  if (has || cur !== '') out.push(cur);
  return out;
}

function keyValue(word: string, what: string): [string, string] {
  const eq = word.indexOf('=');
  if (eq <= 0) throw usageError(`${what}: "${word}" is not KEY=VALUE; expected host variables as KEY=VALUE`);
  return [word.slice(0, eq), word.slice(eq + 1)];
}

export function parseIniInventory(text: string, file: string): Inventory {
  const b = new Builder();
  let section: { name: string; kind: 'hosts' | 'vars' | 'children' } = { name: 'ungrouped', kind: 'hosts' };
  text.split('\n').forEach((raw, i) => {
    const what = `--inventory ${file}: line ${i + 1}`;
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;
    if (line.startsWith('[')) {
      const m = /^\[([A-Za-z0-9_.-]+)(?::(vars|children))?\]$/.exec(line);
      if (!m) throw usageError(`${what}: section "${line}" is not valid; expected [GROUP], [GROUP:vars] or [GROUP:children]`);
      section = { name: m[1] as string, kind: (m[2] as 'vars' | 'children' | undefined) ?? 'hosts' };
      b.group(section.name);
      return;
    }
    const ws = words(line, what);
    if (section.kind === 'vars') {
      const eq = line.indexOf('=');
      if (eq <= 0) throw usageError(`${what}: "${line}" is not KEY=VALUE; expected group variables as KEY=VALUE`);
      b.group(section.name).vars[line.slice(0, eq).trim()] = words(line.slice(eq + 1), what).join(' ');
      return;
    }
    if (section.kind === 'children') {
      if (ws.length !== 1 || !/^[A-Za-z0-9_.-]+$/.test(ws[0] as string)) throw usageError(`${what}: "${line}" is not a group name; expected one child group per line`);
      b.group(section.name).children.add(ws[0] as string);
      b.group(ws[0] as string);
      return;
    }
    const [pattern = '', ...rest] = ws;
    const vars = Object.fromEntries(rest.map((w) => keyValue(w, what)));
    for (const h of expandHostPattern(pattern, what)) b.host(h, section.name, vars);
  });
  return b.done();
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function scalarVars(v: unknown, what: string): Vars {
  if (v === null || v === undefined) return {};
  if (!isMap(v)) throw usageError(`${what}: expected a mapping of variables`);
  const out: Vars = {};
  for (const [k, val] of Object.entries(v)) if (typeof val === 'string' || typeof val === 'number' || typeof val === 'boolean') out[k] = String(val);
  return out;
}

export function parseYamlInventory(text: string, file: string): Inventory {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw usageError(`--inventory ${file}: not valid YAML (${(e instanceof Error ? e.message : String(e)).split('\n')[0]}); expected an Ansible YAML inventory`);
  }
  if (!isMap(doc)) throw usageError(`--inventory ${file}: expected a mapping of groups at the top (all: {hosts: …, children: …})`);
  const b = new Builder();
  const visit = (name: string, body: unknown, path: string): void => {
    const what = `--inventory ${file}: ${path}`;
    if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw usageError(`${what}: group name "${name}" is not valid; expected letters, digits, ".", "-", "_"`);
    const g = b.group(name);
    if (body === null || body === undefined) return;
    if (!isMap(body)) throw usageError(`${what}: expected a mapping with hosts, children or vars`);
    for (const key of Object.keys(body)) {
      if (key !== 'hosts' && key !== 'children' && key !== 'vars') throw usageError(`${what}: unknown key "${key}"; expected hosts, children or vars`);
    }
    Object.assign(g.vars, scalarVars(body.vars, `${path}.vars`));
    if (body.hosts !== undefined && body.hosts !== null) {
      if (!isMap(body.hosts)) throw usageError(`${what}.hosts: expected a mapping of host names`);
      for (const [pattern, hv] of Object.entries(body.hosts)) {
        for (const h of expandHostPattern(pattern, `${what}.hosts`)) b.host(h, name, scalarVars(hv, `${what}.hosts.${pattern}`));
      }
    }
    if (body.children !== undefined && body.children !== null) {
      if (!isMap(body.children)) throw usageError(`${what}.children: expected a mapping of group names`);
      for (const [child, cb] of Object.entries(body.children)) {
        g.children.add(child);
        visit(child, cb, `${path}.children.${child}`);
      }
    }
  };
  for (const [name, body] of Object.entries(doc)) visit(name, body, name);
  return b.done();
}

export function parseInventory(text: string, file: string): Inventory {
  const yaml = /\.(ya?ml|json)$/i.test(file) || /^\s*(---|[A-Za-z0-9_.-]+:\s*$)/m.test(text.split('\n').find((l) => l.trim() !== '' && !l.trim().startsWith('#')) ?? '');
  return yaml ? parseYamlInventory(text, file) : parseIniInventory(text, file);
}

/** Groups from the top down to each host, so nearer groups' vars override farther ones. */
function groupChain(inv: Inventory, host: string): string[] {
  const depth = new Map<string, number>();
  const walk = (g: string, d: number, seen: Set<string>): void => {
    if (seen.has(g)) return;
    seen.add(g);
    depth.set(g, Math.max(depth.get(g) ?? 0, d));
    for (const c of inv.groups.get(g)?.children ?? []) walk(c, d + 1, seen);
  };
  walk('all', 0, new Set());
  const member = [...inv.groups].filter(([, g]) => g.hosts.has(host)).map(([n]) => n);
  const ancestors = new Set<string>(['all']);
  const up = (g: string): void => {
    if (ancestors.has(g) && g !== 'all') return;
    ancestors.add(g);
    for (const [n, grp] of inv.groups) if (grp.children.has(g)) up(n);
  };
  for (const g of member) up(g);
  return [...ancestors].sort((a, b) => (depth.get(a) ?? 0) - (depth.get(b) ?? 0) || a.localeCompare(b));
}

/** The hosts of the groups or host names in `limit` (all hosts without it), as SSH targets. */
export function selectTargets(inv: Inventory, limit: readonly string[], file: string): SshTarget[] {
  const chosen = new Set<string>();
  const hostsOf = (g: string, seen: Set<string>): string[] => {
    if (seen.has(g)) return [];
    seen.add(g);
    const grp = inv.groups.get(g);
    if (g === 'all') return [...inv.hosts.keys()];
    return grp ? [...grp.hosts, ...[...grp.children].flatMap((c) => hostsOf(c, seen))] : [];
  };
  const wanted = limit.length === 0 ? ['all'] : limit;
  for (const name of wanted) {
    if (inv.groups.has(name) || name === 'all') for (const h of hostsOf(name, new Set())) chosen.add(h);
    else if (inv.hosts.has(name)) chosen.add(name);
    else {
      const groups = [...inv.groups.keys()].filter((g) => g !== 'ungrouped');
      throw usageError(`--limit ${name}: no such group or host in ${file}; expected one of ${groups.slice(0, 20).join(', ')}${groups.length > 20 ? ', …' : ''}`);
    }
  }
  const targets: SshTarget[] = [];
  for (const host of inv.hosts.keys()) {
    if (!chosen.has(host)) continue;
    const vars: Vars = {};
    for (const g of groupChain(inv, host)) Object.assign(vars, inv.groups.get(g)?.vars ?? {});
    Object.assign(vars, inv.hosts.get(host) ?? {});
    const what = `--inventory ${file}: host ${host}`;
    checkHostName(host, what);
    const address = checkHostName(vars.ansible_host ?? host, `${what} ansible_host`);
    const port = vars.ansible_port !== undefined ? checkPort(vars.ansible_port, `${what} ansible_port`) : undefined;
    const user = vars.ansible_user !== undefined ? checkUser(vars.ansible_user, `${what} ansible_user`) : undefined;
    targets.push({ name: host, host: address, ...(user !== undefined ? { user } : {}), ...(port !== undefined ? { port } : {}) });
  }
  if (targets.length === 0) throw usageError(`--inventory ${file}: no hosts${limit.length > 0 ? ` in ${limit.join(', ')}` : ''}; expected at least one host`);
  return targets;
}
