// The remote probe's output (remote-probe.sh) turned into the dump tree `kvmio collect`
// writes (dump-format.ts), so DumpSource replays a remote host exactly like a local dump.
//
// The stream is line-based: a record is one header line, optionally followed by body
// lines that each start with "|" (the line's text follows) and, when the last line had
// no newline, a "-" line. Headers (PATH is the rest of the line, spaces allowed):
//   kvmio-probe/1            start (anything before it, e.g. a login banner, is ignored)
//   F PATH   + body          a file's content
//   D PATH   + body          a directory: one "KIND NAME" per entry (l link, d dir, f other)
//   L PATH   + body          a symbolic link, its target as the body
//   E PATH ERRNO             a read that failed other than by absence
//   O MODE:PATH ok|ERRNO     an open probe
//   C NAME RC + body         a catalogued command's stdout and exit code
//   X NAME   + body          its stderr
//   U NAME REASON            it could not be started (not installed)
//   kvmio-probe-end          the end: a stream without it was cut off
// Paths are as the script asked for them (through links); they are resolved here through
// the links the script sent before them, so each entry lands at its physical path.
import { resolvePath, type LinkReader } from './dump-format.js';
import { sensitiveValue } from './redact-dump.js';
import type { DumpCommand, DumpTree, TreeEntry } from './write-dump.js';

export const STREAM_START = 'kvmio-probe/1';
export const STREAM_END = 'kvmio-probe-end';

/** The stream as a dump tree (write-dump.ts writes it), and whether it arrived whole. */
export interface ProbeTree extends DumpTree {
  readonly entries: ReadonlyMap<string, TreeEntry>;
  readonly commands: ReadonlyMap<string, DumpCommand>;
  /** The end marker was seen. */
  readonly complete: boolean;
}

/** A dump command name: a word, then "/"-separated hex components (dump-format.ts dumpName). */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]*(\/[0-9a-f]{1,128})*$/;

/** Header and body of each record; malformed input is an error naming the line. */
function* records(text: string): Generator<{ line: number; head: string; body: string | undefined }> {
  let lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  // through a terminal (ssh -tt, Ansible's default) every line ends in CR: take them off
  if (!lines.includes(STREAM_START) && lines.includes(`${STREAM_START}\r`)) lines = lines.map((l) => l.replace(/\r$/, ''));
  let i = lines.indexOf(STREAM_START);
  if (i < 0) throw new Error(`no "${STREAM_START}" line in the probe's output (is it the kvmio probe script?)`);
  i++;
  while (i < lines.length) {
    const head = lines[i] as string;
    const at = i + 1;
    i++;
    const body: string[] = [];
    let hasBody = false;
    let noEol = false;
    while (i < lines.length && ((lines[i] as string).startsWith('|') || lines[i] === '-')) {
      hasBody = true;
      if (lines[i] === '-') noEol = true;
      else body.push((lines[i] as string).slice(1));
      i++;
    }
    const joined = body.join('\n') + (body.length > 0 && !noEol ? '\n' : '');
    yield { line: at, head, body: hasBody ? joined : head.startsWith('F ') || head.startsWith('D ') || head.startsWith('C ') || head.startsWith('X ') ? '' : undefined };
  }
}

/** Parses the probe's output into the entries of a dump. Throws on a malformed stream. */
export function parseProbeStream(text: string): ProbeTree {
  const entries = new Map<string, TreeEntry>();
  const errors: Record<string, string> = {};
  const opens: Record<string, string> = {};
  const commands = new Map<string, DumpCommand>();
  const sensitive = new Set<string>();
  const links: LinkReader = {
    linkAt: (p) => {
      const e = entries.get(p);
      return e?.kind === 'link' ? e.target : undefined;
    },
  };
  const child = (dir: string, name: string): string => `${dir === '/' ? '' : dir}/${name}`;
  const command = (name: string): DumpCommand => {
    const c = commands.get(name) ?? {};
    commands.set(name, c);
    return c;
  };
  let complete = false;
  for (const { line, head, body } of records(text)) {
    if (head === STREAM_END) {
      complete = true;
      break;
    }
    const bad = (why: string): Error => new Error(`probe output line ${line}: ${why}: "${head.slice(0, 80)}"`);
    const tag = head.slice(0, 2);
    const rest = head.slice(2);
    if (tag === 'F ' || tag === 'D ' || tag === 'L ') {
      if (!rest.startsWith('/')) throw bad('expected an absolute path');
      if (tag === 'L ') {
        const target = (body ?? '').replace(/\n$/, '');
        if (target === '') throw bad('link without a target');
        entries.set(resolvePath(rest, links, false), { kind: 'link', target });
        continue;
      }
      const real = resolvePath(rest, links);
      if (tag === 'F ') {
        entries.set(real, { kind: 'file', text: body ?? '' });
        const secret = sensitiveValue(real, body ?? '');
        if (secret !== undefined) sensitive.add(secret);
        if (rest === '/proc/sys/kernel/hostname' && (body ?? '').trim() !== '') sensitive.add((body ?? '').trim());
        continue;
      }
      if (!entries.has(real)) entries.set(real, { kind: 'dir' });
      for (const item of (body ?? '').split('\n').filter((l) => l !== '')) {
        const kind = item.slice(0, 2);
        const name = item.slice(2);
        if ((kind !== 'd ' && kind !== 'l ' && kind !== 'f ') || name === '' || name.includes('/')) throw bad(`bad directory entry "${item.slice(0, 40)}"`);
        // links come as their own L records; plain files only when read (as in RecordingSource)
        if (kind === 'd ' && !entries.has(child(real, name))) entries.set(child(real, name), { kind: 'dir' });
      }
      continue;
    }
    if (tag === 'E ') {
      const sp = rest.lastIndexOf(' ');
      if (sp <= 0 || !rest.startsWith('/')) throw bad('expected "E PATH ERRNO"');
      errors[rest.slice(0, sp)] = rest.slice(sp + 1);
      continue;
    }
    if (tag === 'O ') {
      const sp = rest.lastIndexOf(' ');
      if (sp <= 0) throw bad('expected "O MODE:PATH RESULT"');
      opens[rest.slice(0, sp)] = rest.slice(sp + 1);
      continue;
    }
    if (tag === 'C ' || tag === 'X ' || tag === 'U ') {
      const sp = rest.indexOf(' ');
      const name = sp < 0 ? rest : rest.slice(0, sp);
      const arg = sp < 0 ? '' : rest.slice(sp + 1);
      if (!NAME.test(name)) throw bad('bad command name');
      if (tag === 'C ') {
        const code = Number(arg);
        if (!Number.isInteger(code)) throw bad('bad exit code');
        Object.assign(command(name), { code, stdout: body ?? '' });
      } else if (tag === 'X ') command(name).stderr = body ?? '';
      else command(name).unavailable = arg || 'not available';
      continue;
    }
    throw bad('unknown record');
  }
  return { entries, errors, opens, commands, sensitive, complete };
}
