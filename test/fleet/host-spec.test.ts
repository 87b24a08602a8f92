// --host values: what ssh receives, and the one-line refusals (exit 2) for the rest.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifySshFailure, sshArgv } from '../../src/facts/remote-ssh.js';
import { parseHostSpec } from '../../src/fleet/host-spec.js';

describe('host specs', () => {
  const good: [string, object][] = [
    ['hv1', { name: 'hv1', host: 'hv1' }],
    ['root@hv1.example.com', { name: 'root@hv1.example.com', host: 'hv1.example.com', user: 'root' }],
    ['admin@10.0.0.5:2222', { name: 'admin@10.0.0.5:2222', host: '10.0.0.5', user: 'admin', port: 2222 }],
    ['[fe80::1%eth0]:22', { name: '[fe80::1%eth0]:22', host: 'fe80::1%eth0', port: 22 }],
    ['2001:db8::7', { name: '2001:db8::7', host: '2001:db8::7' }],
    ['ssh_config_alias', { name: 'ssh_config_alias', host: 'ssh_config_alias' }],
  ];
  for (const [spec, want] of good) it(`accepts ${spec}`, () => assert.deepEqual(parseHostSpec(spec), want));

  const bad: [string, RegExp][] = [
    ['hv1:0', /port "0" is out of range; expected 1-65535/],
    ['hv1:65536', /port "65536" is out of range/],
    ['hv1:ssh', /port "ssh" is out of range/],
    ['hv1;reboot', /host "hv1;reboot" is not valid/],
    ['hv1 && id', /is not valid/],
    ['`id`', /is not valid/],
    ['$(id)', /is not valid/],
    ['-oProxyCommand=id', /host "-oProxyCommand=id" is not valid/],
    ['ro ot@hv1', /user "ro ot" is not valid/],
    ['-l@hv1', /user "-l" is not valid/],
    ['hv1\nid', /is not valid/],
    ['', /host "" is not valid/],
    ['[::1', /missing "\]"/],
  ];
  for (const [spec, message] of bad) {
    it(`refuses ${JSON.stringify(spec)}`, () => assert.throws(() => parseHostSpec(spec), (e: Error & { code?: string }) => e.code === 'usage' && message.test(e.message) && !e.message.includes('\n')));
  }

  it('ssh gets BatchMode, the target after "--" and never a weakened host key check', () => {
    const argv = sshArgv({ name: 'x', host: 'hv1', user: 'root', port: 2222 }, { timeoutMs: 60_000, configFile: '/etc/kvmio/ssh_config' });
    assert.deepEqual(argv, ['ssh', '-T', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=30', '-F', '/etc/kvmio/ssh_config', '-p', '2222', '-l', 'root', '--', 'hv1', 'sh -s']);
    assert.ok(!argv.join(' ').includes('StrictHostKeyChecking'));
  });

  it('classifies OpenSSH failures', () => {
    const cases: [number, string, string][] = [
      [255, '@@@@@@@@\n@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\n...\nHost key verification failed.\n', 'host-key-changed'],
      [255, 'No ED25519 host key is known for hv1 and you have requested strict checking.\nHost key verification failed.\n', 'host-key-unknown'],
      [255, 'root@hv1: Permission denied (publickey).\n', 'auth-refused'],
      [255, 'ssh: connect to host 10.1.1.1 port 22: Connection refused\n', 'unreachable'],
      [255, 'ssh: Could not resolve hostname nosuch: Name or service not known\n', 'unreachable'],
      [255, 'ssh: connect to host 10.1.1.1 port 22: Connection timed out\n', 'unreachable'],
      [127, 'bash: line 1: sh: command not found\n', 'no-sh'],
      [1, 'something else\n', 'ssh-failed'],
    ];
    for (const [code, stderr, kind] of cases) assert.equal(classifySshFailure(code, stderr).kind, kind, stderr);
  });
});
