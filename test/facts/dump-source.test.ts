import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DumpSource } from '../../src/facts/dump-source.js';
import { LocalSource } from '../../src/facts/local-source.js';
import { RecordingSource } from '../../src/facts/recording-source.js';
import { resolvePath } from '../../src/facts/dump-format.js';
import { withTempDir } from '../helpers.js';

describe('resolvePath', () => {
  const links: Record<string, string> = {
    '/sys/block/sda': '../devices/pci0000:00/0000:00:1f.2/ata1/host0/target0:0:0/0:0:0:0/block/sda',
    '/etc/sysctl.d/99-sysctl.conf': '../sysctl.conf',
    '/abs': '/etc',
    '/loop': '/loop',
  };
  const reader = { linkAt: (p: string) => links[p] };
  const cases: [string, string, string][] = [
    ['relative link in the middle', '/sys/block/sda/queue/scheduler', '/sys/devices/pci0000:00/0000:00:1f.2/ata1/host0/target0:0:0/0:0:0:0/block/sda/queue/scheduler'],
    ['relative link at the end', '/etc/sysctl.d/99-sysctl.conf', '/etc/sysctl.conf'],
    ['absolute link is re-rooted', '/abs/hostname', '/etc/hostname'],
    ['.. never climbs out', '/../../etc/passwd', '/etc/passwd'],
  ];
  for (const [name, input, want] of cases) it(name, () => assert.equal(resolvePath(input, reader), want));
  it('stops a link loop', () => assert.throws(() => resolvePath('/loop/x', reader), /too many levels/));
  it('does not follow the last component for readlink', () => assert.equal(resolvePath('/sys/block/sda', reader, false), '/sys/block/sda'));
});

describe('RecordingSource → DumpSource', () => {
  it('replays exactly what was read, through symbolic links, with failures and commands', async () => {
    await withTempDir(async (dir) => {
      const host = join(dir, 'host');
      mkdirSync(join(host, 'devices', 'disk0', 'queue'), { recursive: true });
      mkdirSync(join(host, 'block'), { recursive: true });
      writeFileSync(join(host, 'devices', 'disk0', 'queue', 'scheduler'), 'none [mq-deadline]\n');
      writeFileSync(join(host, 'devices', 'disk0', 'serial'), 'S3EVNX0K123456\n');
      symlinkSync('../devices/disk0', join(host, 'block', 'sda'));
      const rec = new RecordingSource(new LocalSource());
      const sched = await rec.readText(join(host, 'block', 'sda', 'queue', 'scheduler'));
      assert.deepEqual(sched, { ok: true, value: 'none [mq-deadline]\n' });
      assert.equal((await rec.readText(join(host, 'block', 'sda', 'serial'))).ok, true);
      assert.deepEqual(await rec.listDir(join(host, 'block')), { ok: true, value: ['sda'] });
      assert.equal((await rec.readText(join(host, 'nope'))).ok, false);
      const echo = await rec.run({ name: 'echo', argv: ['echo', 'S3EVNX0K123456 hello'] });
      assert.equal(echo.ok && echo.value.stdout, 'S3EVNX0K123456 hello\n');
      const gone = await rec.run({ name: 'gone', argv: ['/nonexistent/tool'] });
      assert.equal(gone.ok, false);
      const out = join(dir, 'dump');
      await rec.save(out, { redact: true });

      const dump = new DumpSource(out);
      assert.deepEqual(await dump.readText(join(host, 'block', 'sda', 'queue', 'scheduler')), sched);
      assert.deepEqual(await dump.listDir(join(host, 'block')), { ok: true, value: ['sda'] });
      assert.deepEqual(await dump.readLink(join(host, 'block', 'sda')), { ok: true, value: '../devices/disk0' });
      const serial = await dump.readText(join(host, 'block', 'sda', 'serial'));
      assert.match(serial.ok ? serial.value : '', /^redacted-[0-9a-f]{8}\n$/);
      const replay = await dump.run({ name: 'echo', argv: ['echo'] });
      assert.match(replay.ok ? replay.value.stdout : '', /^redacted-[0-9a-f]{8} hello\n$/);
      assert.equal((await dump.run({ name: 'gone', argv: ['/nonexistent/tool'] })).ok, false);
      assert.equal((await dump.readText(join(host, 'nope'))).ok, false);
    });
  });

  it('refuses a directory that is not a dump with a usage error', async () => {
    await withTempDir(async (dir) => {
      assert.throws(() => new DumpSource(dir), (e: Error & { code?: string }) => e.code === 'usage' && /not a kvmio dump/.test(e.message));
    });
  });
});
