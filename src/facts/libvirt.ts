// Read-only access to the local libvirt through virsh (argv only). The URI comes from
// LIBVIRT_DEFAULT_URI, else qemu:///system. Every function resolves to a Read, so a
// host without libvirtd yields SKIP findings rather than errors.
import { exec } from '../exec.js';
import { missing, ok, type Read } from './source.js';
import { existsSync } from 'node:fs';
import { LIBVIRT_START_HINT, LIBVIRTD_PATHS } from '../model/libvirt-hint.js';

/** virsh could not reach the daemon (virsh: "failed to connect to the hypervisor") and libvirtd is installed: say how to start it. */
const startHint = (stderr: string): string =>
  /failed to connect to the hypervisor/i.test(stderr) && LIBVIRTD_PATHS.some((p) => existsSync(p)) ? `; ${LIBVIRT_START_HINT}` : '';

export const libvirtUri = (env: Readonly<Record<string, string | undefined>> = process.env): string =>
  env.LIBVIRT_DEFAULT_URI ?? 'qemu:///system';

/** Runs `virsh -c URI ARGS…` and returns stdout, or why it failed. */
export async function virsh(args: readonly string[], opts: { uri?: string; timeoutMs?: number; input?: string } = {}): Promise<Read<string>> {
  const argv = ['virsh', '-q', '-c', opts.uri ?? libvirtUri(), ...args];
  try {
    const r = await exec(argv, { timeoutMs: opts.timeoutMs ?? 30_000, ...(opts.input === undefined ? {} : { input: opts.input }) });
    if (r.code !== 0) return missing(`${argv.join(' ')}: exit ${r.code}: ${r.stderr.trim().split('\n').slice(-2).join(' | ')}${startHint(r.stderr)}`);
    return ok(r.stdout);
  } catch (e) {
    return missing(e instanceof Error ? e.message : String(e));
  }
}

/** Names of every defined or running domain. */
export async function listDomains(opts: { uri?: string } = {}): Promise<Read<readonly string[]>> {
  const r = await virsh(['list', '--all', '--name'], { ...opts, timeoutMs: 15_000 });
  return r.ok ? ok(r.value.split('\n').map((l) => l.trim()).filter((l) => l !== '').sort()) : r;
}

/** The domain XML: live when running, or the saved (persistent) one with `inactive`. */
export function domainXml(name: string, opts: { uri?: string; inactive?: boolean } = {}): Promise<Read<string>> {
  return virsh(['dumpxml', ...(opts.inactive ? ['--inactive'] : []), '--', name], opts);
}

export interface DomainBlock {
  readonly type: string; // file, block, network, …
  readonly device: string; // disk, cdrom, …
  readonly target: string; // vda, sda, …
  readonly source: string; // path, or "-" when none
}

/** `virsh domblklist --details`: every disk of a domain and its source path. */
export async function domainBlocks(name: string, opts: { uri?: string; inactive?: boolean } = {}): Promise<Read<readonly DomainBlock[]>> {
  const r = await virsh(['domblklist', '--details', ...(opts.inactive ? ['--inactive'] : []), '--', name], opts);
  if (!r.ok) return r;
  const rows = r.value
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((c) => c.length >= 4)
    .map(([type, device, target, ...rest]) => ({ type: type ?? '', device: device ?? '', target: target ?? '', source: rest.join(' ') }));
  return ok(rows);
}
