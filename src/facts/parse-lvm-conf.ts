// LVM's configuration syntax (lvm.conf(5): sections `name { … }`, `key = value`, values
// are integers, floats, "strings" or [ arrays ], `#` starts a comment), as both sources
// print it: `lvmconfig --type full devices` (the settings LVM will use: lvm.conf,
// lvmlocal.conf and the built-in defaults merged) and the file /etc/lvm/lvm.conf itself
// (the fallback when lvm2's tools cannot be run, e.g. a dump without that command).
// Then the few `devices` settings that decide which block devices the host's LVM scans.
// Pure: text in, data out; garbage gives a Read failure, never an exception. No npm
// package parses this format (libdm's config.c is the grammar's reference).
import { missing, ok, type Read } from './source.js';

export type LvmValue = string | number | readonly (string | number)[];

/** Settings by path ("devices/global_filter"); a later assignment of one key wins, as in libdm's merge. */
export type LvmConfigTree = ReadonlyMap<string, LvmValue>;

type Token = { readonly kind: 'word' | 'string' | 'number' | 'punct'; readonly text: string; readonly line: number };

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let line = 1;
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === '\n') { line++; i++; continue; }
    if (/\s/.test(c)) { i++; continue; }
    if (c === '#') { while (i < text.length && text[i] !== '\n') i++; continue; }
    if ('{}[],='.includes(c)) { out.push({ kind: 'punct', text: c, line }); i++; continue; }
    if (c === '"' || c === "'") {
      let s = '';
      const start = line;
      i++;
      while (i < text.length && text[i] !== c) {
        // libdm unescapes \" and \\ only; any other backslash stays as it is (regex filters use it)
        if (text[i] === '\\' && (text[i + 1] === c || text[i + 1] === '\\')) { s += text[i + 1]; i += 2; continue; }
        if (text[i] === '\n') line++;
        s += text[i];
        i++;
      }
      if (i >= text.length) throw new Error(`line ${start}: unterminated string`);
      i++;
      out.push({ kind: 'string', text: s, line: start });
      continue;
    }
    const m = /^[A-Za-z0-9_.+\-/]+/.exec(text.slice(i, i + 256));
    if (!m) throw new Error(`line ${line}: unexpected character "${c}"`);
    const w = m[0];
    out.push({ kind: /^[+-]?\d+(\.\d+)?$/.test(w) ? 'number' : 'word', text: w, line });
    i += w.length;
  }
  return out;
}

/** Parses lvm.conf syntax into settings by path. Read failure (with the line) on bad syntax. */
export function parseLvmConfig(text: string): Read<LvmConfigTree> {
  let tokens: Token[];
  try {
    tokens = tokenize(text);
  } catch (e) {
    return missing(`lvm config: ${(e as Error).message}`);
  }
  const settings = new Map<string, LvmValue>();
  const stack: string[] = [];
  let p = 0;
  const peek = (): Token | undefined => tokens[p];
  const fail = (t: Token | undefined, want: string): Read<LvmConfigTree> => missing(`lvm config: line ${t?.line ?? 'end'}: ${t ? `"${t.text}"` : 'end of text'}, expected ${want}`);
  const scalar = (t: Token): string | number => (t.kind === 'number' ? Number(t.text) : t.text);
  while (p < tokens.length) {
    const t = peek() as Token;
    if (t.kind === 'punct' && t.text === '}') {
      if (stack.length === 0) return fail(t, 'a setting or a section');
      stack.pop();
      p++;
      continue;
    }
    if (t.kind !== 'word') return fail(t, 'a setting or a section name');
    const next = tokens[p + 1];
    if (next?.kind === 'punct' && next.text === '{') {
      stack.push(t.text);
      p += 2;
      continue;
    }
    if (!(next?.kind === 'punct' && next.text === '=')) return fail(next, `"=" or "{" after ${t.text}`);
    p += 2;
    const v = peek();
    const key = [...stack, t.text].join('/');
    if (v?.kind === 'string' || v?.kind === 'number') {
      settings.set(key, scalar(v));
      p++;
    } else if (v?.kind === 'punct' && v.text === '[') {
      p++;
      const items: (string | number)[] = [];
      for (;;) {
        const e = peek();
        if (e?.kind === 'punct' && e.text === ']') { p++; break; }
        if (e?.kind !== 'string' && e?.kind !== 'number') return fail(e, `a value or "]" in ${key}`);
        items.push(scalar(e));
        p++;
        const sep = peek();
        if (sep?.kind === 'punct' && sep.text === ',') p++;
      }
      settings.set(key, items);
    } else {
      return fail(v, `a value for ${key}`);
    }
  }
  if (stack.length > 0) return missing(`lvm config: section "${stack.join('/')}" is not closed`);
  return ok(settings);
}

/** The `devices` settings that decide what the host's LVM scans. */
export interface LvmScanSettings {
  /** devices/global_filter (hides devices from every LVM component, lvm.conf(5)); absent: accept all. */
  readonly globalFilter: readonly string[];
  /** devices/filter (only the commands; --config can override it, so it is no system-wide protection). */
  readonly filter: readonly string[];
  /** devices/use_devicesfile (lvm 2.03.12+): only devices listed in the devices file are used. */
  readonly useDevicesFile: boolean;
  /** devices/devicesfile: the file's name under /etc/lvm/devices. */
  readonly devicesFile: string;
  /** devices/scan_lvs: PVs layered on LVs are seen (0, the default since lvm 2.03, ignores them). */
  readonly scanLvs: boolean;
}

const strings = (v: LvmValue | undefined): string[] | undefined => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' ? [v] : undefined);
const flag = (v: LvmValue | undefined): boolean | undefined => (typeof v === 'number' ? v !== 0 : undefined);

/**
 * The scan settings, with lvm2's built-in defaults (lib/config/config_settings.h) where the
 * text does not set them: filters accept all, no devices file, scan_lvs 0, "system.devices".
 * A build may change a default (RHEL 9 enables the devices file): `lvmconfig --type full`
 * prints the build's own, so the file is only the fallback.
 */
export function lvmScanSettings(tree: LvmConfigTree): LvmScanSettings {
  return {
    globalFilter: strings(tree.get('devices/global_filter')) ?? [],
    filter: strings(tree.get('devices/filter')) ?? [],
    useDevicesFile: flag(tree.get('devices/use_devicesfile')) ?? false,
    devicesFile: typeof tree.get('devices/devicesfile') === 'string' && tree.get('devices/devicesfile') !== '' ? (tree.get('devices/devicesfile') as string) : 'system.devices',
    scanLvs: flag(tree.get('devices/scan_lvs')) ?? false,
  };
}
