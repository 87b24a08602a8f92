// Real "remote hosts" for fleet tests: network namespaces made by the test, each running
// its own sshd (own host key, PidFile, UsePAM no, a temporary authorized key), joined by
// veth pairs to a bridge in a client namespace; every address lives inside these
// namespaces, so the traffic never leaves them. kvmio (and ansible-playbook) run inside
// the client namespace (`ip netns exec`). Everything is torn down in `finally`: each
// sshd killed by its PID, the namespaces (and with them their veths) deleted.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exec, execOk, type ExecResult } from '../src/exec.js';
import { REPO } from './helpers.js';

export type LabHostKind = 'ok' | 'unreachable' | 'changed-key' | 'refused-key' | 'no-sh' | 'hangs';

export interface LabHost {
  readonly kind: LabHostKind;
  readonly ns: string;
  readonly address: string;
}

export interface SshLab {
  readonly dir: string;
  readonly client: string;
  readonly hosts: readonly LabHost[];
  /** ssh_config for --ssh-config: the lab's key and known_hosts, StrictHostKeyChecking yes. */
  readonly sshConfig: string;
  readonly key: string;
  readonly knownHosts: string;
  /** Runs argv inside the client namespace. */
  run(argv: readonly string[], opts?: { env?: Record<string, string>; timeoutMs?: number; cwd?: string }): Promise<ExecResult>;
  /** Runs the real bin/kvmio.js inside the client namespace. */
  kvmio(args: readonly string[], opts?: { env?: Record<string, string>; timeoutMs?: number }): Promise<ExecResult>;
}

const rand = (): string => Math.random().toString(36).slice(2, 7);

async function keygen(file: string): Promise<string> {
  await execOk(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', 'kvmio-test', '-f', file]);
  return readFileSync(`${file}.pub`, 'utf8').trim();
}

async function waitForPid(file: string): Promise<number> {
  for (let i = 0; i < 100; i++) {
    try {
      const pid = Number(readFileSync(file, 'utf8').trim());
      if (pid > 0) return pid;
    } catch {
      // not written yet
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${file}: sshd wrote no PID`);
}

/** Starts the lab, runs fn, tears everything down whatever happens. */
export async function withSshLab<T>(kinds: readonly LabHostKind[], fn: (lab: SshLab) => Promise<T>): Promise<T> {
  const id = rand();
  const dir = mkdtempSync(join(tmpdir(), 'kvmio-lab-'));
  const client = `kvmio-${id}-c`;
  const namespaces: string[] = [];
  const pids: number[] = [];
  const subnet = `10.${200 + Math.floor(Math.random() * 50)}.${Math.floor(Math.random() * 250)}`;
  try {
    mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
    await execOk(['ip', 'netns', 'add', client]);
    namespaces.push(client);
    await execOk(['ip', '-n', client, 'link', 'set', 'lo', 'up']);
    await execOk(['ip', '-n', client, 'link', 'add', 'br0', 'type', 'bridge']);
    await execOk(['ip', '-n', client, 'addr', 'add', `${subnet}.1/24`, 'dev', 'br0']);
    await execOk(['ip', '-n', client, 'link', 'set', 'br0', 'up']);
    const key = join(dir, 'id');
    const pub = await keygen(key);
    writeFileSync(join(dir, 'authorized_keys'), `${pub}\n`);
    const otherPub = await keygen(join(dir, 'other-id'));
    writeFileSync(join(dir, 'other_authorized_keys'), `${otherPub}\n`);
    const known: string[] = [];
    const hosts: LabHost[] = [];
    for (const [i, kind] of kinds.entries()) {
      const ns = `kvmio-${id}-h${i}`;
      const address = `${subnet}.${10 + i}`;
      await execOk(['ip', 'netns', 'add', ns]);
      namespaces.push(ns);
      await execOk(['ip', '-n', client, 'link', 'add', `v${i}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
      await execOk(['ip', '-n', client, 'link', 'set', `v${i}`, 'master', 'br0', 'up']);
      await execOk(['ip', '-n', ns, 'addr', 'add', `${address}/24`, 'dev', 'eth0']);
      await execOk(['ip', '-n', ns, 'link', 'set', 'eth0', 'up']);
      await execOk(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
      hosts.push({ kind, ns, address });
      const hostKey = join(dir, `host${i}`);
      const hostPub = await keygen(hostKey);
      if (kind === 'changed-key') {
        // known_hosts has the key the host had before; sshd now presents another one
        const oldPub = await keygen(join(dir, `host${i}-old`));
        known.push(`${address} ${oldPub.split(' ').slice(0, 2).join(' ')}`);
      } else known.push(`${address} ${hostPub.split(' ').slice(0, 2).join(' ')}`);
      if (kind === 'unreachable') continue; // nothing listens there: connection refused
      const pidFile = join(dir, `sshd${i}.pid`);
      const config = join(dir, `sshd${i}.conf`);
      writeFileSync(config, [
        `ListenAddress ${address}`, 'Port 22', `HostKey ${hostKey}`, `PidFile ${pidFile}`, 'UsePAM no',
        `AuthorizedKeysFile ${join(dir, kind === 'refused-key' ? 'other_authorized_keys' : 'authorized_keys')}`,
        'StrictModes no', 'PermitRootLogin prohibit-password', 'PasswordAuthentication no', 'KbdInteractiveAuthentication no',
        'UseDNS no', 'LogLevel INFO', 'MaxStartups 100:30:200', 'Subsystem sftp /usr/lib/openssh/sftp-server',
        // a host without sh: the login shell cannot find the interpreter kvmio asks for
        ...(kind === 'no-sh' ? ['ForceCommand /nonexistent-kvmio/sh -s'] : []),
        // a host that accepts the session and never answers (a hung NFS mount, a stuck virsh)
        ...(kind === 'hangs' ? ['ForceCommand exec sleep 120'] : []), '',
      ].join('\n'));
      await execOk(['ip', 'netns', 'exec', ns, '/usr/sbin/sshd', '-f', config, '-E', join(dir, `sshd${i}.log`)]);
      pids.push(await waitForPid(pidFile));
    }
    const knownHosts = join(dir, 'known_hosts');
    writeFileSync(knownHosts, `${known.join('\n')}\n`);
    const sshConfig = join(dir, 'ssh_config');
    writeFileSync(sshConfig, [
      'Host *', '  User root', `  IdentityFile ${key}`, '  IdentitiesOnly yes', `  UserKnownHostsFile ${knownHosts}`,
      '  GlobalKnownHostsFile /dev/null', '  StrictHostKeyChecking yes', '  UpdateHostKeys no', '  LogLevel ERROR', '',
    ].join('\n'));
    const run: SshLab['run'] = (argv, opts = {}) =>
      exec(['ip', 'netns', 'exec', client, ...argv], { timeoutMs: opts.timeoutMs ?? 120_000, ...(opts.env ? { env: opts.env } : {}), ...(opts.cwd ? { cwd: opts.cwd } : {}) });
    const lab: SshLab = {
      dir, client, hosts, sshConfig, key, knownHosts, run,
      kvmio: (args, opts = {}) => run([process.execPath, join(REPO, 'bin', 'kvmio.js'), ...args], opts),
    };
    return await fn(lab);
  } finally {
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
    for (const ns of namespaces.reverse()) await exec(['ip', 'netns', 'del', ns]);
    rmSync(dir, { recursive: true, force: true });
  }
}
