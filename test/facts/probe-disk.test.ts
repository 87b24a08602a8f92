import assert from 'node:assert/strict';
import { existsSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { execOk } from '../../src/exec.js';
import { DumpSource } from '../../src/facts/dump-source.js';
import {
  fsTypeOf,
  normalizePciAddress,
  parseQemuImgInfo,
  probeBackend,
  probeDirectIoInDir,
  probePlatform,
} from '../../src/facts/probe-disk.js';
import { parseLvs } from '../../src/facts/parse-lvm.js';
import { parseMountinfo } from '../../src/facts/parse-mounts.js';
import { valueOf } from '../../src/facts/source.js';
import { fixture, withTempDir } from '../helpers.js';
import { withRealBackends } from '../render/disk-backends.js';

describe('probe-disk parsers', () => {
  it('reads qemu-img info JSON', () => {
    const i = parseQemuImgInfo('{"virtual-size": 67108864, "filename": "a", "cluster-size": 65536, "format": "qcow2", "actual-size": 200704}');
    assert.deepEqual(i, { filename: 'a', format: 'qcow2', virtualSize: { bytes: 67108864 }, actualSize: { bytes: 200704 }, clusterSize: { bytes: 65536 } });
  });
  const MOUNTINFO = [
    '22 1 254:0 / / rw,relatime - ext4 /dev/vda rw',
    '24 22 0:6 / /dev rw - devtmpfs devtmpfs rw',
    '30 22 0:30 / /mnt/my\\040share rw - cifs //nas/share rw',
    '31 22 0:31 / /var/lib/libvirt rw - xfs /dev/sdb1 rw',
    '32 31 0:32 / /var/lib/libvirt/images rw - zfs tank/images rw',
  ].join('\n');
  const cases: [string, string][] = [
    ['/tmp/a.img', 'ext4'],
    ['/mnt/my share/a.img', 'cifs'],
    ['/var/lib/libvirt/qemu/x', 'xfs'],
    ['/var/lib/libvirt/images/a.qcow2', 'zfs'],
    ['/var/lib/libvirt/images2/a', 'xfs'],
  ];
  for (const [path, fs] of cases) it(`finds ${fs} for ${path} (longest mount prefix)`, () => assert.equal(fsTypeOf(valueOf(parseMountinfo(MOUNTINFO)) ?? [], path), fs));
  it('reads lvs JSON rows', () => assert.equal(parseLvs('{"report":[{"lv":[{"vg_name":"v","lv_name":"l","lv_attr":"Vwi-a-tz--","lv_size":"1048576","segtype":"thin"}]}]}')[0]?.segtype, 'thin'));
  const pci: [string, string | undefined][] = [['00:1f.2', '0000:00:1f.2'], ['0000:03:00.0', '0000:03:00.0'], ['0000:AF:00.1', '0000:af:00.1'], ['/dev/sda', undefined], ['00:1f.8', undefined]];
  for (const [text, want] of pci) it(`PCI address "${text}" → ${want}`, () => assert.equal(normalizePciAddress(text), want));
});

describe('probeBackend on this machine (real qemu-img, loop devices, sysfs)', () => {
  it('classifies sparse and preallocated raw, qcow2, a loop device and a loop partition', async () => {
    await withRealBackends(async (b) => {
      const [sparse, full, qcow, loop, part] = await Promise.all([b.rawSparse, b.rawFull, b.qcow2, b.loop, b.partition].map((p) => probeBackend(p)));
      assert.deepEqual(
        [sparse, full, qcow].map((x) => x?.backend.kind === 'file' && [x.backend.format, x.backend.allocation, x.backend.directIo, x.backend.fsType]),
        [['raw', 'sparse', true, 'ext4'], ['raw', 'preallocated', true, 'ext4'], ['qcow2', 'sparse', true, 'ext4']],
      );
      assert.equal(qcow?.backend.kind === 'file' && qcow.backend.clusterSize?.bytes, 65536);
      assert.deepEqual(loop?.backend, { kind: 'block', path: b.loop, device: 'whole', directIo: true });
      assert.deepEqual(part?.backend, { kind: 'block', path: b.partition, device: 'partition', directIo: true });
    });
  });
  it('reads a PCI device\'s class and says which host disks sit behind it', async () => {
    // The PCI function behind this machine's root disk (vda on virtio), else any PCI device.
    const link = existsSync('/sys/class/block/vda') ? readlinkSync('/sys/class/block/vda') : '';
    const behindVda = /([0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7])\/virtio\d+\/block/.exec(link)?.[1];
    const addr = behindVda ?? (readdirSync('/sys/bus/pci/devices')[0] as string);
    const r = await probeBackend(addr.slice(5)); // short form "00:02.0"
    assert.equal(r.backend.kind, 'pci');
    assert.match(r.backend.kind === 'pci' ? (r.backend.class ?? '') : '', /^0x[0-9a-f]{6}$/);
    if (behindVda) assert.ok(r.notes.some((n) => n.includes('carries host block devices vda')), r.notes.join('; '));
  });
  const bad: [string, string, RegExp][] = [
    ['a missing path', '/nonexistent/kvmio.img', /does not exist/],
    ['a character device', '/dev/null', /is a character special file/],
    ['a PCI address that is not here', '0000:7f:1f.6', /no PCI device 0000:7f:1f\.6/],
    ['a malformed lv: source', 'lv:onlyvg', /expected lv:VG\/LV/],
  ];
  for (const [name, source, re] of bad) {
    it(`refuses ${name} as a usage error`, () => assert.rejects(probeBackend(source), (e: Error & { code?: string }) => e.code === 'usage' && re.test(e.message)));
  }
  it('refuses a vmdk image, naming the format', async () => {
    await withTempDir(async (dir) => {
      const f = join(dir, 'a.vmdk');
      await execOk(['qemu-img', 'create', '-q', '-f', 'vmdk', f, '16M']);
      await assert.rejects(probeBackend(f), (e: Error & { code?: string }) => e.code === 'usage' && /is a vmdk image; expected raw or qcow2/.test(e.message));
    });
  });
});

describe('probeBackend from a recorded host (LVM without device-mapper)', () => {
  const src = new DumpSource(fixture('hosts', 'disk-lvm'));
  it('lv:vmvg/db is a thin LV', async () => assert.deepEqual((await probeBackend('lv:vmvg/db', src)).backend, { kind: 'lv', vg: 'vmvg', lv: 'db', path: '/dev/vmvg/db', thin: true }));
  it('/dev/vmvg/web (no device node: inactive) is a thick LV', async () => assert.deepEqual((await probeBackend('/dev/vmvg/web', src)).backend, { kind: 'lv', vg: 'vmvg', lv: 'web', path: '/dev/vmvg/web', thin: false }));
  // An LV that does not exist is a usage error like a missing file (exit 2), never a guess.
  it('an LV lvs reports as absent is a usage error naming it', () =>
    assert.rejects(probeBackend('lv:vmvg/gone', src), (e: Error & { code?: string }) => e.code === 'usage' && /lv:vmvg\/gone does not exist \(lvs: Failed to find logical volume "vmvg\/gone"\)/.test(e.message)));
  it('an LV lvs could not be asked about is refused (exit 1): existence unknown', () =>
    assert.rejects(probeBackend('lv:vmvg/unasked', src), (e: Error & { code?: string }) => e.code === 'failed' && /lvs could not run .*cannot tell whether the LV exists/.test(e.message)));
});

describe('probeDirectIoInDir and probePlatform', () => {
  it('creates and removes a temp file with O_DIRECT in a directory on ext4', async () => {
    await withTempDir(async (dir) => {
      assert.deepEqual(await probeDirectIoInDir(dir), { directIo: true });
      assert.deepEqual(readdirSync(dir), [], 'the probe file is removed');
    });
  });
  it('reports a directory that does not exist as not direct, with the errno', async () =>
    assert.deepEqual(await probeDirectIoInDir('/nonexistent-kvmio-dir'), { directIo: false, error: 'ENOENT' }));
  it('reads QEMU, libvirt and kernel versions', async () => {
    const p = await probePlatform();
    assert.ok(p.qemu && p.qemu.major >= 5, `QEMU ${JSON.stringify(p.qemu)}`);
    assert.ok(p.libvirt && p.libvirt.major >= 6, `libvirt ${JSON.stringify(p.libvirt)}`);
    assert.ok(p.kernel && p.kernel.major >= 5, `kernel ${JSON.stringify(p.kernel)}`);
    assert.equal(p.storeIsCifs, false);
  });
});
