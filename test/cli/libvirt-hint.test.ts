// libvirt installed but not running (hosts without systemd): the audit's SKIP and the
// refusals say how to start it, and an unreachable libvirt is never "no such domain".
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Finding } from '../../src/model/finding.js';
import { LIBVIRT_START_HINT, LIBVIRTD_PATHS } from '../../src/model/libvirt-hint.js';
import { cli, withTempDir } from '../helpers.js';

const installed = LIBVIRTD_PATHS.some((p) => existsSync(p));

async function withUri<T>(uri: string, fn: () => Promise<T>): Promise<T> {
  const saved = process.env.LIBVIRT_DEFAULT_URI;
  process.env.LIBVIRT_DEFAULT_URI = uri;
  try {
    return await fn();
  } finally {
    if (saved === undefined) delete process.env.LIBVIRT_DEFAULT_URI;
    else process.env.LIBVIRT_DEFAULT_URI = saved;
  }
}

describe('libvirt not running: how to start it', { skip: installed ? false : 'libvirtd is not installed here' }, () => {
  it('the hint names both ways', () => {
    assert.match(LIBVIRT_START_HINT, /service libvirtd start/);
    assert.match(LIBVIRT_START_HINT, /virtlogd -d && libvirtd -d/);
  });

  for (const how of ['no socket', 'a socket nobody answers'] as const) {
    it(`${how}: vm.libvirt SKIP carries the hint; vm tune DOMAIN refuses (1) as unreachable, not as a missing domain`, () =>
      withTempDir(async (dir) => {
        const sock = join(dir, 'libvirt-sock');
        if (how === 'a socket nobody answers') writeFileSync(sock, '');
        await withUri(`qemu+unix:///system?socket=${sock}`, async () => {
          const audit = await cli(['vm', 'audit', '--json']);
          const skip = (JSON.parse(audit.stdout) as { findings: Finding[] }).findings.find((f) => f.id === 'vm.libvirt');
          assert.equal(skip?.status, 'skip');
          assert.ok(skip?.why?.includes(LIBVIRT_START_HINT), skip?.why);
          const tune = await cli(['vm', 'tune', 'kvmio-no-such-domain']);
          assert.equal(tune.code, 1, tune.stderr);
          assert.ok(tune.stderr.includes(LIBVIRT_START_HINT), tune.stderr);
          assert.doesNotMatch(tune.stderr, /expected a defined domain/);
        });
      }));
  }
});
