// Images as they are, not as they are named: images made with real qemu-img in a scratch
// directory, audited through `kvmio vm audit --domain-xml` (in process) with golden
// findings, and refused by `kvmio disk xml|args` (exit 1, one line) for the same reasons.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execOk } from '../../src/exec.js';
import { inImageStores, judgeBackingChain, judgeImageFormat } from '../../src/decide/audit-vm-image.js';
import { auditVmDisks } from '../../src/decide/audit-vm-disks.js';
import type { Finding } from '../../src/model/finding.js';
import { cli, fixture, withTempDir } from '../helpers.js';
import { assertGolden, recordedFacts, vmFromXml } from '../vm-fixtures.js';

const IDS = ['vm.image-format', 'vm.image-chain', 'vm.image-chain-cluster'];
const img = (...args: string[]) => execOk(['qemu-img', 'create', '-q', ...args]);

const domain = (name: string, file: string, type: string): string => `<domain type='kvm'>
  <name>${name}</name>
  <vcpu>2</vcpu>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='${type}' cache='none'/>
      <source file='${file}'/>
      <target dev='vda' bus='virtio'/>
    </disk>
  </devices>
</domain>
`;

interface Scenario {
  readonly name: string;
  /** Makes the images under DIR; returns the disk's file and the format the domain declares. */
  readonly make: (dir: string, elsewhere: string) => Promise<{ file: string; type: string }>;
  readonly want: Readonly<Record<string, string>>;
  /** What disk xml does with the file: refuse (exit 1) with this text, or render (exit 0). */
  readonly diskXml: RegExp | 'renders';
}

const SCENARIOS: readonly Scenario[] = [
  {
    name: 'raw-declared-qcow2',
    make: async (dir) => {
      const file = join(dir, 'disk.raw');
      await img('-f', 'qcow2', file, '64M');
      return { file, type: 'raw' };
    },
    want: { 'vm.image-format': 'fail' },
    diskXml: /vm\.image-format: declared raw, but the bytes start with a qcow2 header/,
  },
  {
    name: 'qcow2-declared-raw',
    make: async (dir) => {
      const file = join(dir, 'disk.qcow2');
      await img('-f', 'raw', file, '64M');
      return { file, type: 'qcow2' };
    },
    want: { 'vm.image-format': 'fail' },
    diskXml: /vm\.image-format: declared qcow2, but the header says raw/,
  },
  {
    name: 'missing-backing',
    make: async (dir) => {
      const file = join(dir, 'top.qcow2');
      await img('-f', 'qcow2', '-u', '-b', join(dir, 'gone.qcow2'), '-F', 'qcow2', file, '64M');
      return { file, type: 'qcow2' };
    },
    want: { 'vm.image-format': 'pass', 'vm.image-chain': 'fail' },
    diskXml: /vm\.image-chain: .*gone\.qcow2: No such file or directory/,
  },
  {
    name: 'backing-loop',
    make: async (dir) => {
      const a = join(dir, 'a.qcow2');
      const b = join(dir, 'b.qcow2');
      await img('-f', 'qcow2', a, '64M');
      await img('-f', 'qcow2', '-b', a, '-F', 'qcow2', b);
      await execOk(['qemu-img', 'rebase', '-u', '-b', b, '-F', 'qcow2', a]);
      return { file: b, type: 'qcow2' };
    },
    want: { 'vm.image-format': 'pass', 'vm.image-chain': 'fail' },
    diskXml: /vm\.image-chain: .*creates an infinite loop/,
  },
  {
    name: 'backing-outside-store',
    make: async (dir, elsewhere) => {
      const base = join(elsewhere, 'base.qcow2');
      const file = join(dir, 'top.qcow2');
      await img('-f', 'qcow2', base, '64M');
      await img('-f', 'qcow2', '-b', base, '-F', 'qcow2', file);
      return { file, type: 'qcow2' };
    },
    want: { 'vm.image-format': 'pass', 'vm.image-chain': 'warn', 'vm.image-chain-cluster': 'pass' },
    diskXml: 'renders',
  },
  {
    name: 'three-layers-mixed-clusters',
    make: async (dir) => {
      // 4 KiB clusters cover 16 GiB with the default 32 MiB L2 cache: a 32 GiB base warns.
      const base = join(dir, 'base.qcow2');
      const mid = join(dir, 'mid.qcow2');
      const file = join(dir, 'top.qcow2');
      await img('-f', 'qcow2', '-o', 'cluster_size=4k', base, '32G');
      await img('-f', 'qcow2', '-o', 'cluster_size=128k', '-b', base, '-F', 'qcow2', mid);
      await img('-f', 'qcow2', '-b', mid, '-F', 'qcow2', file);
      return { file, type: 'qcow2' };
    },
    want: { 'vm.image-format': 'pass', 'vm.image-chain': 'pass', 'vm.image-chain-cluster': 'warn' },
    diskXml: 'renders',
  },
];

/** Paths and allocated sizes (they depend on the filesystem) made stable for the golden. */
const stable = (text: string, dir: string, elsewhere: string): string =>
  text.split(elsewhere).join('ELSEWHERE').split(dir).join('DIR').replace(/\d+(\.\d+)? [KMGT]?i?B of /g, 'N of ');

describe('vm audit --domain-xml on images made by real qemu-img', () => {
  for (const s of SCENARIOS) {
    it(`${s.name}: ${Object.entries(s.want).map(([id, st]) => `${id} ${st}`).join(', ')}; disk xml ${s.diskXml === 'renders' ? 'renders' : 'refuses'}`, () =>
      withTempDir((dir) =>
        withTempDir(async (elsewhere) => {
          mkdirSync(join(dir, 'store'));
          const { file, type } = await s.make(join(dir, 'store'), elsewhere);
          const xml = join(dir, 'domain.xml');
          writeFileSync(xml, domain(`kvmio-img-${s.name}`, file, type));

          const json = await cli(['vm', 'audit', '--no-libvirt', '--domain-xml', xml, '--json', '--only', IDS.join(',')]);
          assert.ok(json.code === 0 || json.code === 1, json.stderr);
          const findings = (JSON.parse(json.stdout) as { findings: Finding[] }).findings.filter((f) => f.object.endsWith('/vda'));
          assert.deepEqual(Object.fromEntries(findings.map((f) => [f.id, f.status])), s.want, JSON.stringify(findings, null, 1));
          assert.equal(json.code, Object.values(s.want).includes('fail') ? 1 : 0);

          const text = await cli(['vm', 'audit', '--no-libvirt', '--domain-xml', xml, '--only', IDS.join(',')]);
          assertGolden(fixture('golden', 'vm-images', `${s.name}.txt`), stable(text.stdout, dir, elsewhere));

          for (const verb of ['xml', 'args']) {
            const r = await cli(['disk', verb, file]);
            if (s.diskXml === 'renders') {
              assert.equal(r.code, 0, r.stderr);
              continue;
            }
            assert.equal(r.code, 1, `disk ${verb} must refuse: ${r.stdout}`);
            assert.equal(r.stdout, '', 'nothing rendered');
            assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
            assert.match(r.stderr, s.diskXml);
          }
        }),
      ));
  }

  it('disk xml warns (and renders) for a backing file outside the stores, naming it', () =>
    withTempDir((dir) =>
      withTempDir(async (elsewhere) => {
        const base = join(elsewhere, 'base.qcow2');
        const file = join(dir, 'top.qcow2');
        await img('-f', 'qcow2', base, '64M');
        await img('-f', 'qcow2', '-b', base, '-F', 'qcow2', file);
        const r = await cli(['disk', 'xml', file]);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stderr, new RegExp(`vm\\.image-chain: .*${base.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}.* outside every image store`));
        assert.match(r.stdout, /type='qcow2'/);
      })));

  it('--format declares the format: a .img holding raw bytes is refused as qcow2, rendered as raw', () =>
    withTempDir(async (dir) => {
      const file = join(dir, 'disk.img');
      await img('-f', 'raw', file, '16M');
      const bad = await cli(['disk', 'args', file, '--format', 'qcow2']);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /declared qcow2, but the header says raw/);
      const good = await cli(['disk', 'args', file, '--format', 'raw']);
      assert.equal(good.code, 0, good.stderr);
      assert.match(good.stdout, /format=raw/);
    }));
});

describe('image judgements (pure)', () => {
  it('a raw-declared qcow2 gets no qcow2 L2 judgement: QEMU opens it as raw', async () => {
    const G = 1024 ** 3;
    const xml = `<domain type='kvm'><name>r</name><devices><disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='/i/d.raw'/><target dev='vda' bus='virtio'/></disk></devices></domain>`;
    const fs = auditVmDisks(await recordedFacts([vmFromXml(xml)], { sources: { '/i/d.raw': { kind: 'present', fsType: 'ext4', directIo: true, image: { format: 'qcow2', virtualSize: 1024 * G, actualSize: G, clusterSize: 65536 } } } }));
    assert.deepEqual(fs.filter((f) => ['vm.image-format', 'vm.qcow2-cluster'].includes(f.id)).map((f) => [f.id, f.status]), [['vm.image-format', 'fail']]);
  });
  it('no declared format warns: the image would be opened by probing its header', () => assert.equal(judgeImageFormat('/i/a', undefined, { format: 'raw' }).status, 'warn'));
  it('a layer of a chain without its backing format recorded warns', () => {
    const js = judgeBackingChain('/i/top.qcow2', { format: 'qcow2', backingFile: '/i/base.raw', backing: { ok: true, layers: [{ filename: '/i/base.raw', format: 'raw', virtualSize: { bytes: 1 } }] } }, ['/i']);
    assert.deepEqual(js.map((j) => [j.id, j.status]), [['vm.image-chain', 'warn']]);
    assert.match(js[0]?.why ?? '', /QEMU probes it/);
  });
  it('a protocol backing file warns and is not followed', () => {
    const js = judgeBackingChain('/i/top.qcow2', { format: 'qcow2', backingFile: 'nbd:evil:10809', backing: { ok: false, problem: 'not-local', file: 'nbd:evil:10809', reason: 'names a protocol' } }, ['/i']);
    assert.deepEqual(js.map((j) => j.status), ['warn']);
  });
  const stores: [string, boolean][] = [
    ['/var/lib/libvirt/images/base.qcow2', true],
    ['/var/lib/libvirt/images/sub/base.qcow2', true],
    ['/var/lib/libvirt/images-old/base.qcow2', false],
    ['../images/base.qcow2', true],
    ['/var/lib/libvirt/images/../../../etc/x', false],
  ];
  for (const [file, inside] of stores) {
    it(`${file} is ${inside ? 'in' : 'outside'} the stores`, () => assert.equal(inImageStores(file, '/var/lib/libvirt/images/top.qcow2', ['/var/lib/libvirt/images']), inside));
  }
});
