import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gib, mib } from '../../src/size.js';
import { l2CacheCovers, l2CacheForFullCoverage, planImage, qemuSize } from '../../src/provision/image-plan.js';
import { defaultThinData, lvmSize, planLinearLv, planThinLv, planVgCreate, thinMetadataSize } from '../../src/provision/lvm-plan.js';

describe('planImage: the qemu-img argv', () => {
  const cases: { name: string; intent: Parameters<typeof planImage>[0]; argv: string[]; needed: number; preallocated: boolean }[] = [
    {
      name: 'raw defaults to falloc (the seed preallocates raw)',
      intent: { dir: '/img', name: 'web', size: gib(100), format: 'raw' },
      argv: ['qemu-img', 'create', '-q', '-f', 'raw', '-o', 'preallocation=falloc', '/img/web.raw', '100G'],
      needed: gib(100).bytes,
      preallocated: true,
    },
    {
      name: 'raw full',
      intent: { dir: '/img/', name: 'db', size: mib(1536), format: 'raw', prealloc: 'full' },
      argv: ['qemu-img', 'create', '-q', '-f', 'raw', '-o', 'preallocation=full', '/img/db.raw', '1536M'],
      needed: mib(1536).bytes,
      preallocated: true,
    },
    {
      name: 'qcow2 defaults to the seed\'s 2M clusters and metadata preallocation',
      intent: { dir: '/img', name: 'q', size: gib(100), format: 'qcow2' },
      argv: ['qemu-img', 'create', '-q', '-f', 'qcow2', '-o', 'cluster_size=2M,preallocation=metadata', '/img/q.qcow2', '100G'],
      needed: -1,
      preallocated: false,
    },
    {
      name: 'qcow2 extended L2 defaults to Proxmox\'s 128k clusters',
      intent: { dir: '/img', name: 'p', size: gib(10), format: 'qcow2', extendedL2: true, prealloc: 'falloc' },
      argv: ['qemu-img', 'create', '-q', '-f', 'qcow2', '-o', 'extended_l2=on,cluster_size=128k,preallocation=falloc', '/img/p.qcow2', '10G'],
      needed: -1,
      preallocated: true,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const p = planImage(c.intent);
      assert.deepEqual(p.argv, c.argv);
      if (c.needed >= 0) assert.equal(p.neededBytes, c.needed);
      assert.equal(p.preallocated, c.preallocated);
    });
  }
  it('qcow2 metadata preallocation needs far less than the size, falloc needs more than the size', () => {
    const meta = planImage({ dir: '/i', name: 'a', size: gib(100), format: 'qcow2' }).neededBytes;
    assert.ok(meta > 0 && meta < gib(1).bytes, String(meta));
    assert.ok(planImage({ dir: '/i', name: 'a', size: gib(10), format: 'qcow2', prealloc: 'falloc' }).neededBytes > gib(10).bytes);
  });
  const usage: [string, Parameters<typeof planImage>[0]][] = [
    ['cluster size on raw', { dir: '/i', name: 'a', size: gib(1), format: 'raw', clusterSize: mib(2) }],
    ['metadata preallocation on raw', { dir: '/i', name: 'a', size: gib(1), format: 'raw', prealloc: 'metadata' }],
    ['a cluster size that is not a power of two', { dir: '/i', name: 'a', size: gib(1), format: 'qcow2', clusterSize: { bytes: 3000 } }],
    ['extended L2 with 4k clusters', { dir: '/i', name: 'a', size: gib(1), format: 'qcow2', extendedL2: true, clusterSize: { bytes: 4096 } }],
  ];
  for (const [name, intent] of usage) it(`refuses ${name} as a usage error`, () => assert.throws(() => planImage(intent), (e: Error & { code?: string }) => e.code === 'usage'));
  it('writes sizes in the largest exact unit', () => {
    assert.deepEqual([qemuSize(gib(2)), qemuSize(mib(1536)), qemuSize({ bytes: 1000 })], ['2G', '1536M', '1000']);
  });
});

describe('qcow2 L2 cache arithmetic (FACTS.md: size x 8 / cluster, x2 with extended L2)', () => {
  it('32 MiB covers 256 GiB at 64k clusters, 8 TiB at 2M, 256 GiB at 128k extended', () => {
    assert.equal(l2CacheCovers(32 * 1024 ** 2, 64 * 1024, false), 256 * 1024 ** 3);
    assert.equal(l2CacheCovers(32 * 1024 ** 2, 2 * 1024 ** 2, false), 8 * 1024 ** 4);
    assert.equal(l2CacheCovers(32 * 1024 ** 2, 128 * 1024, true), 256 * 1024 ** 3);
  });
  it('100 GiB at 2M clusters needs a 400 KiB cache', () => assert.equal(l2CacheForFullCoverage(gib(100), 2 * 1024 ** 2, false), 400 * 1024));
});

describe('LVM plans', () => {
  it('thin metadata is 1% of the data, at least 1 GiB, at most 16 GiB (Proxmox)', () => {
    assert.equal(thinMetadataSize(gib(50)).bytes, gib(1).bytes);
    assert.equal(thinMetadataSize(gib(500)).bytes, gib(5).bytes);
    assert.equal(thinMetadataSize(mib(150_000)).bytes, 1500 * 1024 ** 2); // 1% rounded up to a 4 MiB extent
    assert.equal(thinMetadataSize(gib(4000)).bytes, gib(16).bytes);
  });
  it('the default pool data leaves room for the metadata and its spare', () => {
    const dev = 100 * 1024 ** 3;
    const data = defaultThinData([dev]).bytes;
    assert.ok(data + 2 * thinMetadataSize({ bytes: data }).bytes <= dev - 1024 ** 2);
    assert.equal(data % (4 * 1024 ** 2), 0);
  });
  it('writes LVM sizes in lowercase binary units', () => assert.deepEqual([lvmSize(gib(100)), lvmSize(mib(12)), lvmSize({ bytes: 512 })], ['100g', '12m', '512b']));
  it('pvcreate, vgcreate and a thin pool, each with its undo', () => {
    const steps = planVgCreate({ vg: 'vmdata', devices: ['/dev/sdb1'], wipeSignatures: false, thinPool: { name: 'pool', data: gib(200) } });
    assert.deepEqual(
      steps.map((s) => (s.kind === 'exec' ? [s.argv.join(' '), s.undo?.join(' ')] : [])),
      [
        ['pvcreate /dev/sdb1', 'pvremove /dev/sdb1'],
        ['vgcreate vmdata /dev/sdb1', 'vgremove -f vmdata'],
        ['lvcreate --type thin-pool -L 200g --poolmetadatasize 2g -n pool vmdata', 'lvremove -y vmdata/pool'],
      ],
    );
  });
  it('linear and thin LVs use the issue\'s exact argv', () => {
    const lin = planLinearLv('vg', 'web', gib(20));
    const thin = planThinLv('vg', 'pool', 'web', gib(20));
    assert.deepEqual(lin.kind === 'exec' ? lin.argv : [], ['lvcreate', '-n', 'web', '-L', '20g', 'vg']);
    assert.deepEqual(thin.kind === 'exec' ? thin.argv : [], ['lvcreate', '-V', '20g', '-T', 'vg/pool', '-n', 'web']);
  });
});
