// Pure parts of the appliance builder: ldd output, module depends= and load order, the
// apt-cache answer, and the /init text.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { orderModules, parseModuleDepends } from '../../../src/bench/appliance/module-order.js';
import { parseKernelDependency } from '../../../src/bench/appliance/parse-apt-depends.js';
import { parseLdd } from '../../../src/bench/appliance/parse-ldd.js';
import { renderInit } from '../../../src/bench/appliance/render-init.js';

describe('parseLdd', () => {
  it('keeps resolved libraries and the loader, drops the vDSO', () => {
    const text = [
      '\tlinux-vdso.so.1 (0x00007ffd)',
      '\tlibz.so.1 => /lib/x86_64-linux-gnu/libz.so.1 (0x00007f01)',
      '\tlibceph-common.so.2 => /usr/lib/x86_64-linux-gnu/ceph/libceph-common.so.2 (0x00007f02)',
      '\t/lib64/ld-linux-x86-64.so.2 (0x00007f03)',
      '\tlibz.so.1 => /lib/x86_64-linux-gnu/libz.so.1 (0x00007f01)',
    ].join('\n');
    assert.deepEqual(parseLdd('/usr/bin/fio', text), [
      '/lib/x86_64-linux-gnu/libz.so.1', '/usr/lib/x86_64-linux-gnu/ceph/libceph-common.so.2', '/lib64/ld-linux-x86-64.so.2',
    ]);
  });
  it('a static binary needs nothing', () => {
    assert.deepEqual(parseLdd('/bin/busybox', '\tnot a dynamic executable\n'), []);
  });
  it('a missing library is an error naming it', () => {
    assert.throws(() => parseLdd('/usr/bin/fio', '\tlibnuma.so.1 => not found\n'), /fio: library libnuma\.so\.1 not found/);
  });
});

const ko = (depends: string | undefined): Buffer => Buffer.from(`\x7fELF junk\0license=GPL\0${depends === undefined ? '' : `depends=${depends}\0`}vermagic=6.1.0\0`, 'latin1');

describe('module order', () => {
  it('reads depends= from the .modinfo strings', () => {
    assert.deepEqual(parseModuleDepends(ko('virtio,virtio_ring')), ['virtio', 'virtio_ring']);
    assert.deepEqual(parseModuleDepends(ko('')), []);
    assert.deepEqual(parseModuleDepends(ko(undefined)), []);
    assert.deepEqual(parseModuleDepends(ko('scsi-common')), ['scsi_common']);
  });
  it('puts every module after what it depends on, skips built-ins, loads each once', () => {
    const deps: Record<string, string[]> = {
      virtio_blk: ['virtio', 'virtio_ring'], virtio_scsi: ['scsi_mod', 'virtio', 'virtio_ring'], scsi_mod: ['scsi_common'], scsi_common: [],
      virtio: [], virtio_ring: [], sd_mod: ['scsi_mod'],
    };
    const order = orderModules(['virtio_blk', 'virtio_scsi', 'sd_mod', 'nvme'], (n) => deps[n]);
    assert.deepEqual(order, ['virtio', 'virtio_ring', 'virtio_blk', 'scsi_common', 'scsi_mod', 'virtio_scsi', 'sd_mod']);
  });
  it('a dependency cycle is an error', () => {
    assert.throws(() => orderModules(['a'], (n) => (n === 'a' ? ['b'] : ['a'])), /cycle a → b → a/);
  });
});

describe('parseKernelDependency', () => {
  it('finds the versioned image the metapackage depends on', () => {
    assert.equal(parseKernelDependency('linux-image-cloud-amd64', 'linux-image-cloud-amd64\n  Depends: linux-image-6.1.0-57-cloud-amd64\n'), 'linux-image-6.1.0-57-cloud-amd64');
    assert.equal(parseKernelDependency('m', 'm\n  Depends: linux-base\n  Depends: linux-image-6.1.0-28-cloud-amd64-unsigned\n'), 'linux-image-6.1.0-28-cloud-amd64-unsigned');
  });
  it('no image dependency is an error with a hint', () => {
    assert.throws(() => parseKernelDependency('linux-image-cloud-amd64', 'linux-image-cloud-amd64\n'), /no linux-image-VERSION dependency/);
  });
});

describe('renderInit', () => {
  const init = renderInit({ modules: ['virtio', 'virtio_blk'], xfsModules: ['libcrc32c', 'xfs'], libraryDirs: ['/lib/x86_64-linux-gnu', '/lib64'] });
  it('is a busybox script that loads modules in order and xfs only for an xfs target', () => {
    assert.match(init, /^#!\/bin\/busybox sh\n/);
    assert.match(init, /\nload virtio virtio_blk\n/);
    assert.match(init, /xfs\) load libcrc32c xfs; \/sbin\/mkfs\.xfs/);
    assert.match(init, /LD_LIBRARY_PATH=\/lib\/x86_64-linux-gnu:\/lib64\n/);
  });
  it('reads the job from fw_cfg, writes the result to ttyS1 and powers off', () => {
    assert.match(init, /\/sys\/firmware\/qemu_fw_cfg\/by_name\/opt\/fio\.job\/raw/);
    assert.match(init, /R=\/dev\/ttyS1/);
    assert.match(init, /-----BEGIN FIO JSON-----/);
    assert.match(init, /poweroff -f\n$/);
  });
});
