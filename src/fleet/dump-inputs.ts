// What `kvmio audit --from PATH…` accepts for a fleet: dump directories (kvmio collect,
// kvmio collect --host), files holding the remote probe's raw output (what the
// `export ansible --collect` playbook fetches, *.kvmio-probe), and directories of either
// (one entry per host). Each becomes one host, named after its file or directory.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { usageError } from '../errors.js';
import { DumpSource } from '../facts/dump-source.js';
import { DUMP_META } from '../facts/dump-format.js';
import { parseProbeStream } from '../facts/remote-stream.js';
import { RemoteSource } from '../facts/remote-source.js';
import type { AuditFn, HostResult } from './run-fleet.js';
import { mapLimit } from './map-limit.js';

export const STREAM_SUFFIX = '.kvmio-probe';

export interface DumpInput {
  readonly host: string;
  readonly path: string;
  readonly kind: 'dump' | 'stream';
}

const isDump = (p: string): boolean => existsSync(join(p, DUMP_META));

/** Expands --from values into one input per host; anything else is a usage error. */
export function resolveDumpInputs(paths: readonly string[]): DumpInput[] {
  const out: DumpInput[] = [];
  for (const p of paths) {
    let st;
    try {
      st = statSync(p);
    } catch {
      throw usageError(`--from ${p}: no such file or directory; expected a dump (kvmio collect -o DIR), a ${STREAM_SUFFIX} file or a directory of them`);
    }
    if (st.isFile()) out.push({ host: basename(p).replace(/\.kvmio-probe$/, ''), path: p, kind: 'stream' });
    else if (isDump(p)) out.push({ host: basename(p), path: p, kind: 'dump' });
    else {
      const children = readdirSync(p).sort().map((n) => join(p, n));
      const found = children.flatMap((c): DumpInput[] => {
        if (c.endsWith(STREAM_SUFFIX) && statSync(c).isFile()) return [{ host: basename(c).slice(0, -STREAM_SUFFIX.length), path: c, kind: 'stream' }];
        if (statSync(c).isDirectory() && isDump(c)) return [{ host: basename(c), path: c, kind: 'dump' }];
        return [];
      });
      if (found.length === 0) throw usageError(`--from ${p}: neither a dump (no ${DUMP_META}) nor a directory of dumps or ${STREAM_SUFFIX} files`);
      out.push(...found);
    }
  }
  const seen = new Set<string>();
  for (const i of out) {
    if (seen.has(i.host)) throw usageError(`--from: two inputs are named "${i.host}"; expected one dump per host`);
    seen.add(i.host);
  }
  return out;
}

/** Audits each input; a stream that does not parse is that host's failure, not the run's. */
export async function auditDumps(inputs: readonly DumpInput[], audit: AuditFn, parallel: number): Promise<HostResult[]> {
  return mapLimit(inputs, parallel, async (i): Promise<HostResult> => {
    const started = Date.now();
    if (i.kind === 'dump') return { host: i.host, findings: await audit(new DumpSource(i.path), i.host), durationMs: Date.now() - started };
    try {
      const tree = parseProbeStream(readFileSync(i.path, 'utf8'));
      if (!tree.complete) return { host: i.host, findings: [], failure: { kind: 'bad-output', message: `${i.path}: the probe output was cut off (no end marker)` }, durationMs: 0 };
      return { host: i.host, findings: await audit(new RemoteSource(`file:${i.path}`, tree), i.host), durationMs: Date.now() - started };
    } catch (e) {
      return { host: i.host, findings: [], failure: { kind: 'bad-output', message: `${i.path}: ${e instanceof Error ? e.message : String(e)}` }, durationMs: 0 };
    }
  });
}
