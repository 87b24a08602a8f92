// A small grammar check for the udev rule lines kvmio generates (udevadm verify needs
// udev ≥ 254 and this machine has no udev at all). It follows udev(7): comma-separated
// KEY[{attr}] OP "value" tokens; match operators == and !=, assignment = += -= :=.
// Only the keys kvmio uses are known; anything else is reported, so it is strict on purpose.

export interface UdevToken {
  readonly key: string;
  readonly attr?: string;
  readonly op: '==' | '!=' | '=' | '+=' | '-=' | ':=';
  readonly value: string;
}

const MATCH_ONLY = new Set(['ACTION', 'SUBSYSTEM', 'SUBSYSTEMS', 'KERNEL', 'KERNELS', 'DRIVER', 'DRIVERS', 'ATTRS', 'DEVPATH']);
const BOTH = new Set(['ATTR', 'ENV', 'TAG']);
const NEEDS_ATTR = new Set(['ATTR', 'ATTRS', 'ENV']);
const TOKEN = /^([A-Z]+)(?:\{([^{}"\s]+)\})?\s*(==|!=|\+=|-=|:=|=)\s*"((?:[^"\\]|\\.)*)"\s*(,\s*)?/;

/** Parses one rule line into tokens, or returns the errors (empty for comments/blank lines). */
export function parseUdevRuleLine(line: string): { tokens: UdevToken[]; errors: string[] } {
  const errors: string[] = [];
  const tokens: UdevToken[] = [];
  const text = line.trim();
  if (text === '' || text.startsWith('#')) return { tokens, errors };
  let rest = text;
  while (rest !== '') {
    const m = TOKEN.exec(rest);
    if (!m) {
      errors.push(`cannot parse at: ${rest.slice(0, 40)}`);
      break;
    }
    const [, key, attr, op, value] = m as unknown as [string, string, string | undefined, UdevToken['op'], string];
    const isMatch = op === '==' || op === '!=';
    if (!MATCH_ONLY.has(key) && !BOTH.has(key)) errors.push(`unknown key ${key}`);
    else if (!isMatch && MATCH_ONLY.has(key)) errors.push(`${key} can only be matched (==, !=), not assigned with ${op}`);
    if (NEEDS_ATTR.has(key) && attr === undefined) errors.push(`${key} needs {attribute}`);
    if (!NEEDS_ATTR.has(key) && attr !== undefined) errors.push(`${key} takes no {attribute}`);
    if (key === 'ATTR' && !isMatch && op !== '=') errors.push(`ATTR{${attr}} is assigned with =, not ${op}`);
    tokens.push(attr === undefined ? { key, op, value } : { key, attr, op, value });
    rest = rest.slice(m[0].length);
    if (rest !== '' && !m[0].trimEnd().endsWith(',')) {
      errors.push(`missing comma before: ${rest.slice(0, 40)}`);
      break;
    }
  }
  if (errors.length === 0 && text.trimEnd().endsWith(',')) errors.push('trailing comma');
  if (errors.length === 0 && !tokens.some((t) => t.op !== '==' && t.op !== '!=')) errors.push('rule assigns nothing');
  return { tokens, errors };
}

/** Errors of a whole rules file as "line N: message". */
export function checkUdevRules(text: string): string[] {
  return text.split('\n').flatMap((l, i) => parseUdevRuleLine(l).errors.map((e) => `line ${i + 1}: ${e}`));
}
