// parseQemuImgInfo over real qemu-img answers (temp images of each kind), and garbage.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { execOk } from '../../src/exec.js';
import { isFullyAllocated, parseQemuImgInfo } from '../../src/facts/parse-qemu-img.js';
import { withTempDir } from '../helpers.js';

const info = async (path: string): Promise<string> => (await execOk(['qemu-img', 'info', '-U', '--output=json', '--', path])).stdout;

describe('parseQemuImgInfo over real qemu-img', () => {
  it('reads a sparse qcow2 with its cluster size and extended L2 flag', () =>
    withTempDir(async (dir) => {
      const f = join(dir, 'a.qcow2');
      await execOk(['qemu-img', 'create', '-q', '-f', 'qcow2', '-o', 'cluster_size=128k,extended_l2=on', f, '1G']);
      const r = parseQemuImgInfo(await info(f));
      assert.ok(r.ok, r.ok ? '' : r.reason);
      assert.equal(r.value.format, 'qcow2');
      assert.equal(r.value.virtualSize.bytes, 1024 ** 3);
      assert.equal(r.value.clusterSize?.bytes, 128 * 1024);
      assert.equal(r.value.extendedL2, true);
      assert.equal(isFullyAllocated(r.value), false);
    }));
  it('reads a preallocated raw file as fully allocated', () =>
    withTempDir(async (dir) => {
      const f = join(dir, 'a.raw');
      await execOk(['qemu-img', 'create', '-q', '-f', 'raw', '-o', 'preallocation=full', f, '4M']);
      const r = parseQemuImgInfo(await info(f));
      assert.ok(r.ok, r.ok ? '' : r.reason);
      assert.equal(r.value.format, 'raw');
      assert.equal(isFullyAllocated(r.value), true);
    }));
  it('reads the backing file of an overlay', () =>
    withTempDir(async (dir) => {
      const base = join(dir, 'base.qcow2');
      const top = join(dir, 'top.qcow2');
      await execOk(['qemu-img', 'create', '-q', '-f', 'qcow2', base, '16M']);
      await execOk(['qemu-img', 'create', '-q', '-f', 'qcow2', '-b', base, '-F', 'qcow2', top]);
      const r = parseQemuImgInfo(await info(top));
      assert.ok(r.ok, r.ok ? '' : r.reason);
      assert.equal(r.value.backingFile, base);
      assert.equal(r.value.backingFormat, 'qcow2');
    }));
});

describe('parseQemuImgInfo refuses garbage (never a size of 0)', () => {
  const cases: [string, string, RegExp][] = [
    ['not JSON', 'qemu-img: Could not open', /not JSON/],
    ['truncated', '{"virtual-size": 1073741824, "filename": "a"', /not JSON/],
    ['an array', '[]', /expected/],
    ['no virtual-size', '{"filename": "a", "format": "raw", "actual-size": 0}', /virtual-size/],
    ['a string size', '{"filename": "a", "format": "raw", "virtual-size": "1G"}', /virtual-size/],
    ['a negative size', '{"filename": "a", "format": "raw", "virtual-size": -1}', /virtual-size/],
    ['an empty format', '{"filename": "a", "format": "", "virtual-size": 1}', /format/],
    ['a bad extended-l2', '{"filename": "a", "format": "qcow2", "virtual-size": 1, "format-specific": {"type": "qcow2", "data": {"extended-l2": "yes"}}}', /extended-l2/],
  ];
  for (const [name, text, why] of cases) {
    it(name, () => {
      const r = parseQemuImgInfo(text);
      assert.equal(r.ok, false);
      assert.match(r.ok ? '' : r.reason, why);
    });
  }
  it('keeps a missing actual-size absent, not 0', () => {
    const r = parseQemuImgInfo('{"filename": "nbd://x", "format": "raw", "virtual-size": 4096}');
    assert.ok(r.ok);
    assert.equal(r.value.actualSize, undefined);
    assert.equal(isFullyAllocated(r.value), undefined);
  });
});
