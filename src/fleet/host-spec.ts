// Host names as the user gives them (`--host [USER@]HOST[:PORT]`, inventory entries),
// checked before anything runs: every value reaches ssh as one argv element after "--",
// but a name that looks like an option or carries shell metacharacters is refused
// outright (ssh passes the remote command to the remote shell, and ProxyCommand %h
// expands names into a local shell), as OpenSSH itself refuses since 9.6
// (ssh.c: "hostname contains invalid characters").
import { usageError } from '../errors.js';
import type { SshTarget } from '../facts/remote-ssh.js';

const HOSTNAME = /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,252})$/;
const IPV6 = /^[0-9A-Fa-f:.]+(?:%[A-Za-z0-9_.-]+)?$/;
const USER = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;

/** Checks a host name (or address); returns it, or throws a usage error naming `what`. */
export function checkHostName(host: string, what: string): string {
  if (HOSTNAME.test(host) && !host.includes('..')) return host;
  if (host.includes(':') && IPV6.test(host)) return host;
  throw usageError(`${what}: host ${JSON.stringify(host)} is not valid; expected a host name or address (letters, digits, ".", "-", "_"), without spaces or shell characters`);
}

export function checkUser(user: string, what: string): string {
  if (USER.test(user)) return user;
  throw usageError(`${what}: user ${JSON.stringify(user)} is not valid; expected a login name (letters, digits, ".", "-", "_")`);
}

export function checkPort(port: string | number, what: string): number {
  const s = String(port).trim();
  const n = Number(s);
  if (/^\d+$/.test(s) && n >= 1 && n <= 65535) return n;
  throw usageError(`${what}: port ${JSON.stringify(s)} is out of range; expected 1-65535`);
}

/** Parses `[USER@]HOST[:PORT]`, with `[ADDR]:PORT` for IPv6 addresses. */
export function parseHostSpec(spec: string, what = '--host'): SshTarget {
  const at = spec.lastIndexOf('@');
  const user = at >= 0 ? checkUser(spec.slice(0, at), `${what} ${JSON.stringify(spec)}`) : undefined;
  let rest = at >= 0 ? spec.slice(at + 1) : spec;
  let port: number | undefined;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0) throw usageError(`${what} ${JSON.stringify(spec)}: missing "]" after the IPv6 address; expected [ADDR] or [ADDR]:PORT`);
    const after = rest.slice(close + 1);
    if (after !== '' && !after.startsWith(':')) throw usageError(`${what} ${JSON.stringify(spec)}: unexpected "${after}" after "]"; expected [ADDR]:PORT`);
    if (after !== '') port = checkPort(after.slice(1), `${what} ${JSON.stringify(spec)}`);
    rest = rest.slice(1, close);
  } else {
    const colons = (rest.match(/:/g) ?? []).length;
    if (colons === 1) {
      port = checkPort(rest.slice(rest.indexOf(':') + 1), `${what} ${JSON.stringify(spec)}`);
      rest = rest.slice(0, rest.indexOf(':'));
    }
  }
  const host = checkHostName(rest, `${what} ${JSON.stringify(spec)}`);
  return { name: spec, host, ...(user !== undefined ? { user } : {}), ...(port !== undefined ? { port } : {}) };
}
