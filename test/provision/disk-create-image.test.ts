// Real qemu-img: each image kind is created and checked with `qemu-img info`; the
// overwrite and free-space guards refuse before anything is written.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { exec, execOk } from '../../src/exec.js';
import { cli, withTempDir } from '../helpers.js';

interface Info {
  format: string;
  'virtual-size': number;
  'actual-size': number;
  'cluster-size'?: number;
  'format-specific'?: { data?: { 'extended-l2'?: boolean } };
}
const info = async (path: string): Promise<Info> => JSON.parse((await execOk(['qemu-img', 'info', '--output=json', path])).stdout) as Info;
const sha = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');
const MiB = 1024 ** 2;

describe('kvmio disk create on a directory (real qemu-img)', () => {
  const kinds: { name: string; args: string[]; file: string; format: string; cluster?: number; extendedL2?: boolean; allocated: boolean }[] = [
    { name: 'raw, falloc (default)', args: [], file: 'd.raw', format: 'raw', allocated: true },
    { name: 'raw, full', args: ['--prealloc', 'full'], file: 'd.raw', format: 'raw', allocated: true },
    { name: 'raw, off (sparse)', args: ['--prealloc', 'off'], file: 'd.raw', format: 'raw', allocated: false },
    { name: 'qcow2, seed 2M clusters, metadata', args: ['--format', 'qcow2'], file: 'd.qcow2', format: 'qcow2', cluster: 2 * MiB, extendedL2: false, allocated: false },
    { name: 'qcow2, extended L2 128k (Proxmox)', args: ['--format', 'qcow2', '--extended-l2'], file: 'd.qcow2', format: 'qcow2', cluster: 128 * 1024, extendedL2: true, allocated: false },
    { name: 'qcow2, 2M clusters, falloc', args: ['--format', 'qcow2', '--prealloc', 'falloc'], file: 'd.qcow2', format: 'qcow2', cluster: 2 * MiB, extendedL2: false, allocated: true },
  ];
  for (const k of kinds) {
    it(`creates ${k.name}; qemu-img info confirms format, cluster size and allocation`, async () => {
      await withTempDir(async (dir) => {
        const r = await cli(['disk', 'create', 'd', '--size', '64M', '--on', dir, ...k.args, '--yes', '--state-dir', join(dir, '.state')]);
        assert.equal(r.code, 0, r.stderr);
        const i = await info(join(dir, k.file));
        assert.equal(i.format, k.format);
        assert.equal(i['virtual-size'], 64 * MiB);
        if (k.cluster !== undefined) assert.equal(i['cluster-size'], k.cluster);
        if (k.extendedL2 !== undefined) assert.equal(i['format-specific']?.data?.['extended-l2'] ?? false, k.extendedL2);
        assert.equal(i['actual-size'] >= i['virtual-size'], k.allocated, `actual-size ${i['actual-size']} vs virtual-size ${i['virtual-size']}`);
        assert.match(r.stdout, new RegExp(`<source file='${join(dir, k.file)}'/>`));
        // aio=native only on a fully allocated file (DESIGN.md table, rule 4 vs 5).
        assert.equal(/io='native'/.test(r.stdout), k.allocated, r.stdout);
      });
    });
  }

  it('a dry run prints the exact qemu-img command and writes nothing', async () => {
    await withTempDir(async (dir) => {
      const r = await cli(['disk', 'create', 'web', '--size', '1G', '--on', dir, '--format', 'qcow2', '--extended-l2']);
      assert.equal(r.code, 0, r.stderr);
      assert.ok(r.stdout.includes(`qemu-img create -q -f qcow2 -o extended_l2=on,cluster_size=128k,preallocation=metadata ${dir}/web.qcow2 1G`), r.stdout);
      assert.match(r.stdout, /dry run: nothing changed/);
      assert.deepEqual(readdirSync(dir), []);
    });
  });

  it('a second create refuses to overwrite the image, which stays byte for byte the same', async () => {
    await withTempDir(async (dir) => {
      assert.equal((await cli(['disk', 'create', 'd', '--size', '8M', '--on', dir, '--yes', '--state-dir', join(dir, '.state')])).code, 0);
      await execOk(['dd', 'if=/dev/urandom', `of=${dir}/d.raw`, 'bs=1M', 'count=1', 'conv=notrunc', 'status=none']);
      const before = sha(join(dir, 'd.raw'));
      const r = await cli(['disk', 'create', 'd', '--size', '16M', '--on', dir, '--yes', '--force', '--state-dir', join(dir, '.state')]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /refused by guard image-exists: a file at .*d\.raw already exists/);
      assert.equal(sha(join(dir, 'd.raw')), before);
      assert.equal((await info(join(dir, 'd.raw')))['virtual-size'], 8 * MiB);
    });
  });

  it('a create that would not fit in the free space is refused before anything is written (16 MiB tmpfs)', async () => {
    await withTempDir(async (dir) => {
      const mnt = join(dir, 'small');
      mkdirSync(mnt);
      await execOk(['mount', '-t', 'tmpfs', '-o', 'size=16m', 'kvmio-test', mnt]);
      try {
        const r = await cli(['disk', 'create', 'big', '--size', '64M', '--on', mnt, '--yes', '--state-dir', join(dir, '.state')]);
        assert.equal(r.code, 1);
        assert.match(r.stderr, new RegExp(`${mnt}: refused by guard free-space: needs 67108864 bytes .* but the file system has \\d+ bytes .* free \\(statfs\\)`));
        assert.deepEqual(readdirSync(mnt), []);
        // Sparse qcow2 with metadata only needs little: the guard counts what is allocated.
        const q = await cli(['disk', 'create', 'small', '--size', '64M', '--on', mnt, '--format', 'qcow2', '--yes', '--state-dir', join(dir, '.state')]);
        assert.equal(q.code, 0, q.stderr);
        assert.deepEqual(readdirSync(mnt), ['small.qcow2']);
      } finally {
        await exec(['umount', mnt]);
      }
    });
  });

  it('--json reports the plan and, after --yes, what qemu-img saw', async () => {
    await withTempDir(async (dir) => {
      const r = await cli(['disk', 'create', 'j', '--size', '4M', '--on', dir, '--json', '--yes', '--state-dir', join(dir, '.state')]);
      assert.equal(r.code, 0, r.stderr);
      const j = JSON.parse(r.stdout) as { applied: boolean; path: string; info: { format: string; actualSize: number; virtualSize: number }; xml: string };
      assert.equal(j.applied, true);
      assert.equal(j.path, join(dir, 'j.raw'));
      assert.equal(j.info.format, 'raw');
      assert.ok(j.info.actualSize >= j.info.virtualSize);
      assert.match(j.xml, /^<disk type='file' device='disk'>/);
    });
  });

  it('--help explains the qcow2 cluster trade-off and the L2 cache coverage', async () => {
    const r = await cli(['disk', 'create', '--help']);
    assert.equal(r.code, 0);
    for (const text of ['--cluster-size 2M', 'maps 8 TiB', 'sub-clusters of 4 KiB', 'maps 256 GiB', 'size x 16 / cluster', 'preallocation', 'lv:VG', 'thin:VG/POOL']) {
      assert.ok(r.stdout.includes(text), `--help lacks "${text}"`);
    }
  });

  const usage: [string, string[]][] = [
    ['a name with a slash', ['disk', 'create', 'a/b', '--size', '1G', '--on', '/tmp']],
    ['no --size for an image', ['disk', 'create', 'a', '--on', '/tmp']],
    ['a target that is not there', ['disk', 'create', 'a', '--size', '1G', '--on', '/nonexistent/dir']],
    ['a character device as target', ['disk', 'create', 'a', '--on', '/dev/null']],
  ];
  for (const [name, args] of usage) {
    it(`exits 2 for ${name}`, async () => {
      const r = await cli(args);
      assert.equal(r.code, 2, r.stderr);
    });
  }
});
