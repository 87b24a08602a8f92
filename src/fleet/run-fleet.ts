// Probes and audits many hosts: each host's remote probe runs over the user's ssh
// (facts/remote-ssh.ts), its stream becomes a dump (kept in memory for an audit, written to
// DIR/HOST for a collect), and the audit the CLI passes in runs on that dump exactly as on a
// local one. A host that fails is a result with the reason, never an exception: the
// others still report.
import { join } from 'node:path';
import { RemoteSource } from '../facts/remote-source.js';
import { runRemoteProbe, type RemoteFailure, type SshOptions, type SshTarget } from '../facts/remote-ssh.js';
import { writeDump } from '../facts/write-dump.js';
import type { Source } from '../facts/source.js';
import type { Finding } from '../model/finding.js';
import { mapLimit } from './map-limit.js';

export interface HostResult {
  /** The host as the user named it (--host value, inventory name, dump name). */
  readonly host: string;
  readonly findings: readonly Finding[];
  readonly failure?: RemoteFailure;
  readonly durationMs: number;
  /** Where its dump was written (collect). */
  readonly dumpDir?: string;
}

export type AuditFn = (source: Source, host: string) => Promise<readonly Finding[]>;

export interface FleetOptions {
  readonly ssh: SshOptions;
  readonly parallel: number;
  /** Audit each host with this (absent: collect only). */
  readonly audit?: AuditFn;
  /** Keep each host's dump in DIR/HOST (collect); otherwise a temporary directory. */
  readonly outputDir?: string;
  readonly redact?: boolean;
  readonly onDone?: (r: HostResult, done: number, total: number) => void;
}

/** Default parallelism: enough to hide network latency, bounded for the local CPU (parsing and audits run here). */
export const defaultParallel = (hosts: number): number => Math.max(1, Math.min(hosts, 16));

/** A directory name for a host: its name, with anything but [A-Za-z0-9._@:-] as "_". */
export const hostDirName = (host: string): string => host.replace(/[^A-Za-z0-9._@:-]/g, '_').replace(/^\.+/, '_');

export async function probeFleet(targets: readonly SshTarget[], opts: FleetOptions): Promise<HostResult[]> {
  let done = 0;
  return mapLimit(targets, opts.parallel, async (t) => {
    const r = await probeOne(t, opts);
    opts.onDone?.(r, ++done, targets.length);
    return r;
  });
}

async function probeOne(t: SshTarget, opts: FleetOptions): Promise<HostResult> {
  const probe = await runRemoteProbe(t, opts.ssh);
  if (!probe.ok) return { host: t.name, findings: [], failure: probe.failure, durationMs: probe.durationMs };
  const origin = `ssh:${t.user !== undefined ? `${t.user}@` : ''}${t.host}${t.port !== undefined ? `:${t.port}` : ''}`;
  try {
    let dumpDir: string | undefined;
    if (opts.outputDir !== undefined) {
      dumpDir = join(opts.outputDir, hostDirName(t.name));
      await writeDump(dumpDir, probe.tree, { redact: opts.redact === true, origin, secrets: [t.name, t.host] });
    }
    const findings = opts.audit ? await opts.audit(new RemoteSource(origin, probe.tree), t.name) : [];
    return { host: t.name, findings, durationMs: probe.durationMs, ...(dumpDir !== undefined ? { dumpDir } : {}) };
  } catch (e) {
    return { host: t.name, findings: [], failure: { kind: 'bad-output', message: e instanceof Error ? e.message : String(e) }, durationMs: probe.durationMs };
  }
}
