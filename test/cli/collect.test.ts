import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DumpSource } from '../../src/facts/dump-source.js';
import { probeHost } from '../../src/facts/probe-host.js';
import { cli, withTempDir } from '../helpers.js';

describe('kvmio collect', () => {
  it('writes a dump that replays this machine, with a one-line summary', async () => {
    await withTempDir(async (dir) => {
      const out = join(dir, 'dump');
      const r = await cli(['collect', '-o', out]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^collected \d+ files, \d+ links and \d+ command outputs \(\d+ block devices, \d+ libvirt domains, \d+ disk sources; roles: kvm-host, guest\) into .*dump\n$/);
      const src = new DumpSource(out);
      assert.equal(src.meta.redacted, false);
      const facts = await probeHost(src);
      assert.deepEqual(facts.hostname, { ok: true, value: readFileSync('/proc/sys/kernel/hostname', 'utf8').trim() });
    });
  });

  it('--redact hides the host name and serials, --json prints the summary as data', async () => {
    await withTempDir(async (dir) => {
      const out = join(dir, 'dump');
      const r = await cli(['collect', '-o', out, '--redact', '--json']);
      assert.equal(r.code, 0, r.stderr);
      const summary = JSON.parse(r.stdout) as { redacted: boolean; blockDevices: number; roles: string[] };
      assert.equal(summary.redacted, true);
      assert.deepEqual(summary.roles, ['kvm-host', 'guest']);
      const facts = await probeHost(new DumpSource(out));
      assert.match(facts.hostname.ok ? facts.hostname.value : '', /^redacted-[0-9a-f]{8}$/);
      const serial = readFileSync('/sys/block/vda/serial', 'utf8').trim();
      const vda = facts.blockDevices.ok ? facts.blockDevices.value.find((d) => d.name === 'vda') : undefined;
      assert.match(vda?.serial ?? '', /^redacted-/);
      if (serial.length >= 4) assert.ok(!JSON.stringify(facts).includes(serial), 'the serial leaks');
    });
  });

  it('refuses a non-empty directory with a usage error and leaves it alone', async () => {
    await withTempDir(async (dir) => {
      writeFileSync(join(dir, 'precious.txt'), 'keep me');
      const r = await cli(['collect', '-o', dir]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /directory is not empty \(1 entries\); expected a new or empty directory/);
      assert.deepEqual(readdirSync(dir), ['precious.txt']);
    });
  });

  it('accepts an existing empty directory and refuses a file', async () => {
    await withTempDir(async (dir) => {
      const empty = join(dir, 'empty');
      mkdirSync(empty);
      assert.equal((await cli(['collect', '-o', empty])).code, 0);
      writeFileSync(join(dir, 'file'), '');
      const r = await cli(['collect', '-o', join(dir, 'file')]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /exists and is not a directory/);
    });
  });

  it('requires -o', async () => {
    const r = await cli(['collect']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /-o, --output/);
  });
});
