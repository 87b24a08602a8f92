import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { execOk } from '../../src/exec.js';
import { cli, cliProcess, withTempDir } from '../helpers.js';

async function withImage<T>(fn: (img: string, dir: string) => Promise<T>): Promise<T> {
  return withTempDir(async (dir) => {
    const img = join(dir, 'vm.img');
    await execOk(['qemu-img', 'create', '-q', '-f', 'raw', img, '64M']);
    return fn(img, dir);
  });
}

describe('kvmio disk xml|args', () => {
  it('xml prints <iothreads>, a root port and the <disk> with the chosen settings', () =>
    withImage(async (img) => {
      const r = await cli(['disk', 'xml', img]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /<iothreads>1<\/iothreads>/);
      assert.match(r.stdout, /<controller type='pci' index='1' model='pcie-root-port'\/>/);
      assert.match(r.stdout, new RegExp(`<driver name='qemu' type='raw' cache='none' io='io_uring' discard='unmap' detect_zeroes='unmap' iothread='1'/>\\s*<source file='${img}'/>`));
    }));
  it('xml --domain NAME prints a whole domain', () =>
    withImage(async (img) => {
      const r = await cli(['disk', 'xml', img, '--domain', 'web1', '--machine', 'pc']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^<domain type='qemu'>\n {2}<name>web1<\/name>/);
      assert.match(r.stdout, /machine='pc'/);
      assert.doesNotMatch(r.stdout, /pcie-root-port/);
    }));
  it('args prints QEMU options, one per line', () =>
    withImage(async (img) => {
      const r = await cli(['disk', 'args', img, '--bus', 'virtio-scsi', '--queues', '4', '--aio', 'threads', '--serial', 'S1']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^-machine q35 \\\n/);
      assert.match(r.stdout, /-device virtio-scsi-pci,id=scsi0,iothread=io1,num_queues=4,bus=root\.1 \\\n-drive if=none,id=disk0,cache=none,format=raw,aio=threads,discard=unmap,detect-zeroes=unmap,file=/);
      assert.match(r.stdout, /-device scsi-hd,drive=disk0,bus=scsi0\.0,serial=S1\n$/);
    }));
  it('bare --discard means unmap; --discard ignore turns it off', () =>
    withImage(async (img, dir) => {
      const full = join(dir, 'full.img');
      await execOk(['qemu-img', 'create', '-q', '-f', 'raw', '-o', 'preallocation=falloc', full, '8M']);
      const bare = await cli(['disk', 'args', full, '--discard', '--aio', 'threads']);
      assert.equal(bare.code, 0, bare.stderr);
      assert.match(bare.stdout, /aio=threads,discard=unmap,detect-zeroes=unmap,file=/);
      const off = await cli(['disk', 'args', img, '--discard', 'ignore']);
      assert.match(off.stdout, /aio=io_uring,discard=ignore,file=/);
    }));
  it('--explain gives every choice with its rule, reason and reference', () =>
    withImage(async (img) => {
      const r = await cli(['disk', 'args', img, '--explain']);
      assert.equal(r.code, 0, r.stderr);
      for (const rule of ['disk.cache.direct-io', 'disk.aio.sparse-io-uring', 'disk.iothread.virtio', 'disk.discard.thin', 'disk.machine.default']) assert.ok(r.stdout.includes(`[${rule}]`), rule);
      assert.match(r.stdout, /ref: kubevirt\/kubevirt#4077/);
    }));
  it('--json carries backend, platform, config and argv', () =>
    withImage(async (img) => {
      const r = await cli(['disk', 'args', img, '--json']);
      assert.equal(r.code, 0, r.stderr);
      const j = JSON.parse(r.stdout) as { backend: { kind: string; allocation: string }; platform: { qemu: { major: number } }; config: { aio: { value: string; rule: string } }; argv: string[] };
      assert.equal(j.backend.allocation, 'sparse');
      assert.equal(j.config.aio.value, 'io_uring');
      assert.ok(j.argv.includes('-drive'));
      assert.ok(j.platform.qemu.major >= 5);
    }));
  const usage: [string, string[], RegExp][] = [
    ['a bad bus', ['--bus', 'ide'], /--bus: "ide" is not valid; expected one of virtio-blk, virtio-scsi/],
    ['a bad aio', ['--aio', 'posix'], /--aio: "posix" is not valid/],
    ['a bad cache', ['--cache', 'fast'], /--cache: "fast" is not valid/],
    ['zero queues', ['--queues', '0'], /--queues: "0" is not valid; expected a positive integer/],
    ['a bad machine', ['--machine', 'virt'], /--machine: "virt" is not valid/],
    ['a target that does not fit the bus', ['--target', 'sda'], /--target: "sda" does not fit virtio-blk/],
  ];
  for (const [name, args, re] of usage) {
    it(`exits 2 with one line for ${name}`, () =>
      withImage(async (img) => {
        const r = await cli(['disk', 'xml', img, ...args]);
        assert.equal(r.code, 2);
        assert.match(r.stderr, re);
        assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      }));
  }
  it('exits 2 for a SOURCE that does not exist', async () => {
    const r = await cli(['disk', 'xml', '/nonexistent/kvmio.img']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /SOURCE: "\/nonexistent\/kvmio.img" does not exist/);
  });
  it('refuses native on a sparse file (exit 1, the fix named)', () =>
    withImage(async (img) => {
      const r = await cliProcess(['disk', 'args', img, '--aio', 'native']);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /aio=native on a sparse file .* preallocate the image/);
      assert.equal(r.stdout, '');
    }));
  // contradictory flags are a usage error before the probe (issue 18 class 6: exit 2 everywhere)
  it('refuses native with a buffered cache (exit 2)', () =>
    withImage(async (img) => {
      const r = await cli(['disk', 'args', img, '--aio', 'native', '--cache', 'writeback']);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /--aio native with --cache writeback: contradictory; aio=native needs a direct cache \(none or directsync\)/);
    }));
  it('a PCI address gives a hostdev and vfio-pci', async () => {
    const x = await cli(['disk', 'xml', '00:00.0']);
    assert.equal(x.code, 0, x.stderr);
    assert.match(x.stdout, /<hostdev mode='subsystem' type='pci' managed='yes'>\n {2}<source>\n {4}<address domain='0x0000' bus='0x00' slot='0x00' function='0x0'\/>/);
    const a = await cli(['disk', 'args', '0000:00:00.0', '--machine', 'pc']);
    assert.equal(a.stdout, '-machine pc \\\n-device vfio-pci,host=0000:00:00.0\n');
  });
});
