import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chooseDiskConfig, storeOf } from '../../src/decide/choose-disk-config.js';
import type { Backend, DiskConfig, DiskDeviceConfig, DiskIntent, FileBackend, ImageFormat, Platform } from '../../src/model/disk-types.js';
import { version } from '../../src/decide/version.js';
import { plannedFileBackend, type Preallocation } from '../../src/decide/planned-backend.js';
import { gib } from '../../src/size.js';

// This machine's platform (QEMU 7.2, libvirt 9.0, kernel 6.18): io_uring qualifies.
const MODERN: Platform = { qemu: version(7, 2, 22), libvirt: version(9, 0), kernel: version(6, 18, 44) };
const OLD: Platform = { qemu: version(4, 2), libvirt: version(6, 0), kernel: version(4, 19) };

const sparseRaw: FileBackend = { kind: 'file', path: '/var/lib/libvirt/images/a.img', format: 'raw', virtualSize: gib(10), actualSize: gib(1), allocation: 'sparse', fsType: 'ext4', directIo: true };
const preRaw: FileBackend = { ...sparseRaw, actualSize: gib(10), allocation: 'preallocated' };
const sparseQcow: FileBackend = { ...sparseRaw, path: '/var/lib/libvirt/images/a.qcow2', format: 'qcow2' };
const noDirect: FileBackend = { ...preRaw, fsType: 'zfs', directIo: false };
const cifsSparse: FileBackend = { ...sparseRaw, path: '/mnt/smb/a.img', fsType: 'cifs' };
const part: Backend = { kind: 'block', path: '/dev/sdb1', device: 'partition' };
const whole: Backend = { kind: 'block', path: '/dev/sdb', device: 'whole', directIo: true };
const thick: Backend = { kind: 'lv', vg: 'vg0', lv: 'web', path: '/dev/vg0/web', thin: false };
const thin: Backend = { kind: 'lv', vg: 'vg0', lv: 'thin1', path: '/dev/vg0/thin1', thin: true };
const pci: Backend = { kind: 'pci', address: '0000:03:00.0', class: '0x010802' };

const dev = (c: DiskConfig): DiskDeviceConfig => {
  assert.equal(c.kind, 'disk');
  return c as DiskDeviceConfig;
};

interface Row {
  readonly name: string;
  readonly backend: Backend;
  readonly intent?: DiskIntent;
  readonly platform?: Platform;
  readonly cache: string;
  readonly aio: string;
  readonly cacheRule: string;
  readonly aioRule: string;
  readonly discard?: string | null;
}

// Every row of the DESIGN.md decision table.
const ROWS: readonly Row[] = [
  // cache 1 / aio 1: explicit choices win
  { name: 'cache 1: explicit writeback on a block device; aio 6 follows', backend: part, intent: { cache: 'writeback' }, platform: OLD, cache: 'writeback', cacheRule: 'disk.cache.explicit', aio: 'threads', aioRule: 'disk.aio.buffered-threads' },
  { name: 'aio 1: explicit threads on a partition (the seed example)', backend: part, intent: { cache: 'none', aio: 'threads' }, cache: 'none', cacheRule: 'disk.cache.explicit', aio: 'threads', aioRule: 'disk.aio.explicit' },
  { name: 'aio 1: explicit io_uring on a preallocated file', backend: preRaw, intent: { aio: 'io_uring' }, platform: MODERN, cache: 'none', cacheRule: 'disk.cache.direct-io', aio: 'io_uring', aioRule: 'disk.aio.explicit' },
  { name: 'aio 1: explicit native with directsync on a preallocated file', backend: preRaw, intent: { cache: 'directsync', aio: 'native' }, cache: 'directsync', cacheRule: 'disk.cache.explicit', aio: 'native', aioRule: 'disk.aio.explicit' },
  // cache 2: shareable
  { name: 'cache 2: shareable disk on a store without O_DIRECT still gets none', backend: { ...noDirect }, intent: { shareable: true, readOnly: true }, platform: OLD, cache: 'none', cacheRule: 'disk.cache.shareable', aio: 'native', aioRule: 'disk.aio.preallocated-native' },
  // cache 3: O_DIRECT works; block devices assumed to
  { name: 'cache 3 + aio 3: partition (not probed) gets none + native', backend: part, cache: 'none', cacheRule: 'disk.cache.direct-io', aio: 'native', aioRule: 'disk.aio.block-native', discard: null },
  { name: 'cache 3 + aio 3: whole disk gets none + native', backend: whole, cache: 'none', cacheRule: 'disk.cache.direct-io', aio: 'native', aioRule: 'disk.aio.block-native', discard: null },
  { name: 'cache 3 + aio 3: thick LV gets none + native, no discard', backend: thick, cache: 'none', cacheRule: 'disk.cache.direct-io', aio: 'native', aioRule: 'disk.aio.block-native', discard: null },
  { name: 'cache 3 + aio 3: thin LV gets none + native + discard=unmap', backend: thin, cache: 'none', cacheRule: 'disk.cache.direct-io', aio: 'native', aioRule: 'disk.aio.block-native', discard: 'unmap' },
  // aio 4: preallocated file
  { name: 'aio 4: preallocated raw with O_DIRECT gets native and no discard', backend: preRaw, platform: MODERN, cache: 'none', cacheRule: 'disk.cache.direct-io', aio: 'native', aioRule: 'disk.aio.preallocated-native', discard: null },
  { name: 'aio 4: preallocated qcow2 gets native', backend: { ...preRaw, format: 'qcow2' }, cache: 'none', cacheRule: 'disk.cache.direct-io', aio: 'native', aioRule: 'disk.aio.preallocated-native' },
  // aio 5: sparse files
  { name: 'aio 5: sparse raw on a modern host gets io_uring + discard=unmap', backend: sparseRaw, platform: MODERN, cache: 'none', cacheRule: 'disk.cache.direct-io', aio: 'io_uring', aioRule: 'disk.aio.sparse-io-uring', discard: 'unmap' },
  { name: 'aio 5: sparse qcow2 on a modern host gets io_uring', backend: sparseQcow, platform: MODERN, cache: 'none', cacheRule: 'disk.cache.direct-io', aio: 'io_uring', aioRule: 'disk.aio.sparse-io-uring', discard: 'unmap' },
  { name: 'aio 5: sparse raw on an old host gets threads', backend: sparseRaw, platform: OLD, cache: 'none', cacheRule: 'disk.cache.direct-io', aio: 'threads', aioRule: 'disk.aio.sparse-threads' },
  { name: 'aio 5: sparse raw with unknown versions gets threads', backend: sparseRaw, platform: {}, cache: 'none', cacheRule: 'disk.cache.direct-io', aio: 'threads', aioRule: 'disk.aio.sparse-threads' },
  { name: 'aio 5: libvirt 6.2 is too old for io_uring', backend: sparseRaw, platform: { ...MODERN, libvirt: version(6, 2) }, cache: 'none', cacheRule: 'disk.cache.direct-io', aio: 'threads', aioRule: 'disk.aio.sparse-threads' },
  // The layer that writes the configuration: only libvirt needs libvirt ≥ 6.3 for io_uring.
  { name: 'aio 5: Proxmox writes its own QEMU argv, so an old (or absent) libvirt does not bar io_uring', backend: sparseRaw, platform: { ...MODERN, libvirt: version(6, 2), writer: 'proxmox' }, cache: 'none', cacheRule: 'disk.cache.direct-io', aio: 'io_uring', aioRule: 'disk.aio.sparse-io-uring', discard: 'unmap' },
  { name: 'aio 5: QEMU argv (disk args) needs no libvirt for io_uring', backend: sparseRaw, platform: { qemu: MODERN.qemu, kernel: MODERN.kernel, writer: 'qemu' }, cache: 'none', cacheRule: 'disk.cache.direct-io', aio: 'io_uring', aioRule: 'disk.aio.sparse-io-uring', discard: 'unmap' },
  { name: 'aio 5: Proxmox still needs QEMU ≥ 5.0 and kernel ≥ 5.1', backend: sparseRaw, platform: { ...OLD, writer: 'proxmox' }, cache: 'none', cacheRule: 'disk.cache.direct-io', aio: 'threads', aioRule: 'disk.aio.sparse-threads' },
  { name: 'aio 5: kernel 5.0 is too old for io_uring', backend: sparseRaw, platform: { ...MODERN, kernel: version(5, 0) }, cache: 'none', cacheRule: 'disk.cache.direct-io', aio: 'threads', aioRule: 'disk.aio.sparse-threads' },
  { name: 'aio 5: sparse file on CIFS gets threads (fsType)', backend: cifsSparse, platform: MODERN, cache: 'none', cacheRule: 'disk.cache.direct-io', aio: 'threads', aioRule: 'disk.aio.sparse-threads' },
  { name: 'aio 5: sparse file on CIFS gets threads (platform flag)', backend: sparseRaw, platform: { ...MODERN, storeIsCifs: true }, cache: 'none', cacheRule: 'disk.cache.direct-io', aio: 'threads', aioRule: 'disk.aio.sparse-threads' },
  // cache 4 + aio 6: no O_DIRECT
  { name: 'cache 4 + aio 6: no O_DIRECT gets writethrough + io_uring on a modern host', backend: noDirect, platform: MODERN, cache: 'writethrough', cacheRule: 'disk.cache.no-direct-io', aio: 'io_uring', aioRule: 'disk.aio.buffered-io-uring' },
  { name: 'cache 4 + aio 6: no O_DIRECT gets writethrough + threads on an old host', backend: noDirect, platform: OLD, cache: 'writethrough', cacheRule: 'disk.cache.no-direct-io', aio: 'threads', aioRule: 'disk.aio.buffered-threads' },
  { name: 'cache 4: a file whose O_DIRECT was not probed gets writethrough', backend: { ...preRaw, directIo: undefined }, platform: OLD, cache: 'writethrough', cacheRule: 'disk.cache.no-direct-io', aio: 'threads', aioRule: 'disk.aio.buffered-threads' },
  { name: 'aio 6: block device with explicit writethrough gets threads/io_uring, not native', backend: thick, intent: { cache: 'writethrough' }, platform: MODERN, cache: 'writethrough', cacheRule: 'disk.cache.explicit', aio: 'io_uring', aioRule: 'disk.aio.buffered-io-uring' },
];

describe('chooseDiskConfig: the decision table', () => {
  for (const r of ROWS) {
    it(r.name, () => {
      const c = dev(chooseDiskConfig(r.backend, r.intent ?? {}, r.platform ?? MODERN));
      assert.equal(c.cache.value, r.cache);
      assert.equal(c.cache.rule, r.cacheRule);
      assert.equal(c.aio.value, r.aio);
      assert.equal(c.aio.rule, r.aioRule);
      if (r.discard !== undefined) {
        assert.equal(c.discard.value, r.discard);
        assert.equal(c.detectZeroes.value, r.discard === 'unmap' ? 'unmap' : null);
      }
      for (const ch of [c.cache, c.aio, c.iothread, c.discard, c.machine, c.bus]) {
        assert.ok(ch.reason.length > 0 && ch.ref.length > 0, `${ch.rule} has a reason and a reference`);
      }
    });
  }
});

describe('chooseDiskConfig: refusals', () => {
  const cases: [string, Backend, DiskIntent, RegExp][] = [
    ['native with cache=writeback', part, { cache: 'writeback', aio: 'native' }, /aio=native needs a direct cache.*cache is writeback/],
    ['native with the writethrough fallback (no O_DIRECT)', noDirect, { aio: 'native' }, /aio=native needs a direct cache.*cache is writethrough/],
    ['native on a sparse raw file', sparseRaw, { aio: 'native' }, /aio=native on a sparse file/],
    ['native on a sparse qcow2 file even with cache=none', sparseQcow, { cache: 'none', aio: 'native' }, /aio=native on a sparse file/],
    ['a shareable qcow2', sparseQcow, { shareable: true }, /shareable disk cannot be qcow2/],
  ];
  for (const [name, b, intent, re] of cases) {
    it(`refuses ${name}`, () =>
      assert.throws(() => chooseDiskConfig(b, intent, MODERN), (e: Error & { code?: string }) => e.code === 'refused' && re.test(e.message) && !e.message.includes('\n')));
  }
  const usage: [string, DiskIntent, RegExp][] = [
    ['a virtio-blk target named sdb', { target: 'sdb' }, /--target: "sdb"/],
    ['a virtio-scsi target named vda', { bus: 'virtio-scsi', target: 'vda' }, /--target: "vda"/],
    ['--no-iothread with an id', { iothread: false, iothreadId: 2 }, /conflicts with --no-iothread/],
    ['a serial with spaces', { serial: 'a b' }, /--serial: "a b"/],
  ];
  for (const [name, intent, re] of usage) {
    it(`rejects ${name} as a usage error`, () =>
      assert.throws(() => chooseDiskConfig(part, intent, MODERN), (e: Error & { code?: string }) => e.code === 'usage' && re.test(e.message)));
  }
});

describe('chooseDiskConfig: aio rule 2 (bench results)', () => {
  const bench = (results: [string, number, number][], over: Partial<{ store: string; format: 'raw' | 'qcow2' | 'block' }> = {}): DiskIntent => ({
    bench: { store: over.store ?? storeOf(preRaw), format: over.format ?? 'raw', source: 'run-1', results: results.map(([aio, mean, spread]) => ({ aio: aio as 'threads', mean, spread })) },
  });
  const cases: [string, Backend, DiskIntent, string, string][] = [
    ['a clear threads win on a preallocated file beats rule 4', preRaw, bench([['threads', 120, 5], ['native', 100, 5], ['io_uring', 90, 5]]), 'threads', 'disk.aio.bench'],
    ['overlapping spreads fall through to rule 4', preRaw, bench([['threads', 104, 5], ['native', 100, 5]]), 'native', 'disk.aio.preallocated-native'],
    ['another store falls through', preRaw, bench([['threads', 200, 1], ['native', 100, 1]], { store: '/srv' }), 'native', 'disk.aio.preallocated-native'],
    ['another format falls through', preRaw, bench([['threads', 200, 1], ['native', 100, 1]], { format: 'qcow2' }), 'native', 'disk.aio.preallocated-native'],
    ['native never wins on a sparse file: io_uring vs threads decide', sparseRaw, bench([['native', 300, 1], ['threads', 200, 1], ['io_uring', 100, 1]]), 'threads', 'disk.aio.bench'],
    ['a block device bench uses format "block"', part, { bench: { store: '/dev/sdb1', format: 'block', source: 'r', results: [{ aio: 'io_uring', mean: 50, spread: 1 }, { aio: 'native', mean: 40, spread: 1 }] } }, 'io_uring', 'disk.aio.bench'],
  ];
  for (const [name, b, intent, aio, rule] of cases) {
    it(name, () => {
      const c = dev(chooseDiskConfig(b, intent, MODERN));
      assert.equal(c.aio.value, aio);
      assert.equal(c.aio.rule, rule);
    });
  }
});

describe('chooseDiskConfig: defaults and other choices', () => {
  it('q35, virtio-blk, iothread 1, vda by default', () => {
    const c = dev(chooseDiskConfig(part, {}, MODERN));
    assert.deepEqual([c.machine.value, c.bus.value, c.iothread.value, c.target.value, c.queues.value], ['q35', 'virtio-blk', 1, 'vda', null]);
  });
  it('virtio-scsi defaults its target to sda', () => assert.equal(dev(chooseDiskConfig(part, { bus: 'virtio-scsi' }, MODERN)).target.value, 'sda'));
  it('--no-iothread turns it off', () => assert.equal(dev(chooseDiskConfig(part, { iothread: false }, MODERN)).iothread.value, null));
  it('warns on explicit discard=unmap for a preallocated native file', () => {
    const c = dev(chooseDiskConfig(preRaw, { discard: 'unmap' }, MODERN));
    assert.equal(c.discard.value, 'unmap');
    assert.ok(c.warnings.some((w) => w.includes('punches holes')));
  });
  it('warns when the page cache stays in the path', () =>
    assert.ok(dev(chooseDiskConfig(noDirect, {}, MODERN)).warnings.some((w) => w.includes('host page cache'))));
  it('a PCI address becomes a hostdev and ignores disk options with a warning', () => {
    const c = chooseDiskConfig(pci, { cache: 'none' }, MODERN);
    assert.equal(c.kind, 'hostdev');
    assert.equal(c.machine.value, 'q35');
    assert.equal(c.warnings.length, 1);
  });
  it('warns when a PCI device is not a storage controller', () =>
    assert.match(chooseDiskConfig({ kind: 'pci', address: '0000:00:03.0', class: '0x020000' }, {}, MODERN).warnings[0] ?? '', /not a storage controller/));
  it('warns on explicit io_uring where the platform lacks it', () =>
    assert.ok(dev(chooseDiskConfig(part, { aio: 'io_uring' }, OLD)).warnings.some((w) => /io_uring as asked, but QEMU 4\.2\.0/.test(w))));
  it('is pure: same input, same output', () => assert.deepEqual(chooseDiskConfig(sparseRaw, {}, MODERN), chooseDiskConfig(sparseRaw, {}, MODERN)));
});

describe('plannedFileBackend: images not yet created', () => {
  const cases: [Preallocation, ImageFormat, string][] = [
    ['off', 'raw', 'io_uring'],
    ['metadata', 'qcow2', 'io_uring'],
    ['falloc', 'raw', 'native'],
    ['full', 'qcow2', 'native'],
  ];
  for (const [pre, format, aio] of cases) {
    it(`${format} preallocation=${pre} → aio ${aio}`, () => {
      const b = plannedFileBackend({ path: `/images/new.${format}`, format, virtualSize: gib(8), preallocation: pre, directIo: true });
      assert.equal(dev(chooseDiskConfig(b, {}, MODERN)).aio.value, aio);
    });
  }
});
