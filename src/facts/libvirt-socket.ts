// Is libvirtd there at all? A look at its socket, so an audit on a host without libvirt
// neither starts virsh nor loads the XML modules (startup time: bench/audit-time.ts).
import { existsSync } from 'node:fs';
import { LIBVIRT_START_HINT, LIBVIRTD_PATHS } from '../model/libvirt-hint.js';

/** The monolithic daemon's and the modular QEMU daemon's sockets (libvirt ≥ 5.6 may run either). */
const LIBVIRT_SOCKETS = ['/run/libvirt/libvirt-sock', '/run/libvirt/virtqemud-sock', '/var/run/libvirt/libvirt-sock'];

/** The local sockets a URI connects through (`?socket=` or the system defaults); undefined: not local. */
export function localSockets(uri: string): readonly string[] | undefined {
  const m = /[?&]socket=([^&]+)/.exec(uri);
  if (m) return [decodeURIComponent(m[1] as string)];
  return /^qemu(\+unix)?:\/\/\/system$/.test(uri) ? LIBVIRT_SOCKETS : undefined;
}

/** Why libvirt cannot answer at `uri` (no socket), or undefined when it may. */
export function libvirtDown(uri: string): string | undefined {
  const sockets = localSockets(uri);
  if (!sockets || sockets.some((s) => existsSync(s))) return undefined;
  const installed = LIBVIRTD_PATHS.some((p) => existsSync(p));
  return `libvirtd is not running (no ${sockets.join(', ')})${installed ? `; ${LIBVIRT_START_HINT}` : ''}`;
}
