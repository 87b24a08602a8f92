// The host block sizes under VM disk sources, read from this machine's sysfs: a real loop
// device with 4096-byte sectors (losetup --sector-size), detached in finally, and an image
// file on the filesystem that holds the repository.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { execOk, exec } from '../../src/exec.js';
import { LocalSource } from '../../src/facts/local-source.js';
import { probeBlockSizes } from '../../src/facts/probe-block-sizes.js';
import { VM_COMMANDS } from '../../src/facts/commands.js';
import { parseStatLine } from '../../src/facts/probe-vm-disks.js';
import { REPO, uniqueName, withTempDir } from '../helpers.js';

/** The sizes under one path, with the stat the VM source probe runs. */
async function sizesOf(path: string) {
  const src = new LocalSource();
  const stat = async (p: string) => {
    const r = await src.run(VM_COMMANDS.stat(p));
    return r.ok && r.value.code === 0 ? parseStatLine(r.value.stdout) : undefined;
  };
  return probeBlockSizes(src, [path], stat);
}

describe('probeBlockSizes on this machine', () => {
  it('a loop device with 4096-byte sectors reads 4096/4096', async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, `${uniqueName('blk')}.img`);
      await execOk(['truncate', '-s', '16M', file]);
      const dev = (await execOk(['losetup', '-f', '--show', '--sector-size', '4096', file])).stdout.trim();
      try {
        const sizes = await sizesOf(dev);
        assert.deepEqual(sizes.get(dev), { device: dev, logical: { bytes: 4096 }, physical: { bytes: 4096 } });
      } finally {
        await exec(['losetup', '-d', dev]);
      }
    });
  });

  it("an image file gets its filesystem device's sizes (or none on a filesystem without one)", async () => {
    const path = join(REPO, 'package.json');
    const s = (await sizesOf(path)).get(path);
    if (s === undefined) return; // e.g. an overlay or tmpfs checkout: no block device to read
    for (const n of [s.logical.bytes, s.physical.bytes]) assert.ok(n >= 512 && (n & (n - 1)) === 0, `${n}`);
    assert.ok(s.logical.bytes <= s.physical.bytes);
    assert.match(s.device, /holds /);
  });

  it('a missing source gives nothing', async () => {
    const sizes = await sizesOf('/nonexistent/kvmio-blk.raw');
    assert.equal(sizes.size, 0);
  });
});
