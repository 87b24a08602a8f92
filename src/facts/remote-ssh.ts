// Runs the remote probe on one host with the user's own OpenSSH client: `ssh -o
// BatchMode=yes [-F CONFIG] [-p PORT] [-l USER] -- HOST sh -s`, the script on stdin. Keys,
// agent, ProxyJump, ControlMaster and host key checking all come from the user's
// ssh_config(5); kvmio adds only BatchMode (never prompt: a password or a new host key
// question would hang a fleet run) and ConnectTimeout, and never weakens
// StrictHostKeyChecking. The output is parsed locally (remote-stream.ts).
import { KvmioError } from '../errors.js';
import { exec } from '../exec.js';
import { REMOTE_PROBE_SH } from './remote-probe-script.js';
import { parseProbeStream, type ProbeTree } from './remote-stream.js';

export interface SshTarget {
  /** As the user named it: "root@hv1:2222", or the inventory's host name. */
  readonly name: string;
  /** What ssh connects to (a name from ssh_config, a DNS name or an address). */
  readonly host: string;
  readonly user?: string;
  readonly port?: number;
}

export interface SshOptions {
  /** ssh -F FILE: a config file instead of ~/.ssh/config. */
  readonly configFile?: string;
  /** Whole run per host, connection included. */
  readonly timeoutMs: number;
  /** The ssh binary (tests and odd installs). */
  readonly ssh?: string;
}

/** Why a host could not be probed, in words an operator acts on. */
export type RemoteFailureKind = 'unreachable' | 'host-key-changed' | 'host-key-unknown' | 'auth-refused' | 'no-sh' | 'timeout' | 'bad-output' | 'ssh-failed';

export interface RemoteFailure {
  readonly kind: RemoteFailureKind;
  readonly message: string;
}

export type RemoteProbeResult = { readonly ok: true; readonly tree: ProbeTree; readonly durationMs: number } | { readonly ok: false; readonly failure: RemoteFailure; readonly durationMs: number };

export const REMOTE_COMMAND = 'sh -s';

export function sshArgv(t: SshTarget, opts: SshOptions): string[] {
  const connectS = Math.max(1, Math.min(30, Math.floor(opts.timeoutMs / 2000)));
  return [
    opts.ssh ?? 'ssh', '-T', '-o', 'BatchMode=yes', '-o', `ConnectTimeout=${connectS}`,
    ...(opts.configFile !== undefined ? ['-F', opts.configFile] : []),
    ...(t.port !== undefined ? ['-p', String(t.port)] : []),
    ...(t.user !== undefined ? ['-l', t.user] : []),
    '--', t.host, REMOTE_COMMAND,
  ];
}

const lastLines = (s: string, n = 2): string => s.trim().split('\n').map((l) => l.trim()).filter((l) => l !== '' && !/^@+$/.test(l)).slice(-n).join(' | ');

/** Classifies a failed ssh run from its exit code and stderr (OpenSSH's messages, sshconnect.c). */
export function classifySshFailure(code: number, stderr: string): RemoteFailure {
  const tail = lastLines(stderr) || `exit ${code}`;
  if (/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key for .* has changed/i.test(stderr)) {
    return { kind: 'host-key-changed', message: `host key changed since it was recorded in known_hosts; not accepted (${lastLines(stderr, 1)})` };
  }
  if (/Host key verification failed|No (ED25519|RSA|ECDSA)? ?host key is known|host key is not known/i.test(stderr)) {
    return { kind: 'host-key-unknown', message: `host key not verified: ${tail}; add it to known_hosts (ssh-keyscan, then check its fingerprint)` };
  }
  if (/Permission denied|Too many authentication failures|no mutual signature|Authentication failed/i.test(stderr)) return { kind: 'auth-refused', message: `key refused: ${tail}` };
  if (/Connection refused|No route to host|Network is unreachable|Could not resolve hostname|Name or service not known|Connection timed out|Connection closed by|Connection reset|kex_exchange_identification|Operation timed out/i.test(stderr)) {
    return { kind: 'unreachable', message: `unreachable: ${tail}` };
  }
  if (code === 127 || /\bsh: (command )?not found|sh: No such file/i.test(stderr)) return { kind: 'no-sh', message: `no POSIX sh on the host (exit ${code}): ${tail}` };
  return { kind: 'ssh-failed', message: `ssh exit ${code}: ${tail}` };
}

/** Runs the probe script on one host and parses its output; never throws. */
export async function runRemoteProbe(t: SshTarget, opts: SshOptions): Promise<RemoteProbeResult> {
  const started = Date.now();
  const took = (): number => Date.now() - started;
  let r;
  try {
    r = await exec(sshArgv(t, opts), { input: REMOTE_PROBE_SH, timeoutMs: opts.timeoutMs });
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (/timed out/.test(msg)) return { ok: false, failure: { kind: 'timeout', message: `no complete answer within ${Math.round(opts.timeoutMs / 1000)} s (--timeout)` }, durationMs: took() };
    return { ok: false, failure: { kind: 'ssh-failed', message: e instanceof KvmioError ? e.message : msg }, durationMs: took() };
  }
  if (r.code !== 0) return { ok: false, failure: classifySshFailure(r.code, r.stderr), durationMs: took() };
  try {
    const tree = parseProbeStream(r.stdout);
    if (!tree.complete) return { ok: false, failure: { kind: 'bad-output', message: 'the probe output was cut off (no end marker)' }, durationMs: took() };
    return { ok: true, tree, durationMs: took() };
  } catch (e) {
    return { ok: false, failure: { kind: 'bad-output', message: e instanceof Error ? e.message : String(e) }, durationMs: took() };
  }
}
