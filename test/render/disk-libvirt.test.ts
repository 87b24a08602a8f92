// Acceptance: every generated domain XML passes virt-xml-validate; the running libvirtd
// defines a domain with every disk kind, starts the one whose disks exist here (image
// files, a loop device, a partition of a loop device; TCG), and dumpxml shows the chosen
// cache/io/iothread. LV and hostdev kinds are validated and defined only.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DOMParser, type Element } from '@xmldom/xmldom';
import { chooseDiskConfig } from '../../src/decide/choose-disk-config.js';
import type { Backend, DiskConfig, DiskDeviceConfig, DiskIntent } from '../../src/model/disk-types.js';
import { exec } from '../../src/exec.js';
import { missing, ok, type Read } from '../../src/facts/source.js';

/** virsh on the system daemon, as a Read (this test's own helper: kvmio reads libvirt through libvirt/probe-domains.ts). */
async function virsh(args: readonly string[], opts: { timeoutMs?: number } = {}): Promise<Read<string>> {
  const r = await exec(['virsh', '-q', '-c', 'qemu:///system', ...args], { timeoutMs: opts.timeoutMs ?? 30_000 });
  return r.code === 0 ? ok(r.stdout) : missing(`virsh ${args.join(' ')}: exit ${r.code}: ${r.stderr.trim()}`);
}
const domainXml = (name: string, opts: { inactive?: boolean } = {}): Promise<Read<string>> => virsh(['dumpxml', ...(opts.inactive ? ['--inactive'] : []), '--', name]);
import { probeBackend, probePlatform } from '../../src/facts/probe-disk.js';
import { renderDomainXml } from '../../src/render/libvirt-disk.js';
import { uniqueName, withTempDir } from '../helpers.js';
import { withRealBackends, type RealBackends } from './disk-backends.js';
import { CASES, configsOf } from './disk-cases.js';
import { aioOfProcess } from './qemu-run.js';

async function validate(file: string): Promise<void> {
  const r = await exec(['virt-xml-validate', file, 'domain']);
  assert.equal(r.code, 0, `virt-xml-validate ${file}: ${r.stderr}${r.stdout}`);
}

const attr = (e: Element | undefined, name: string): string | null => (e && e.hasAttribute(name) ? e.getAttribute(name) : null);
const kids = (e: Element, name: string): Element[] => Array.from(e.getElementsByTagName(name));

/** Checks dumpxml shows each disk's chosen cache, io, iothread, discard (and its controller's). */
function assertShows(xml: string, cfgs: readonly DiskDeviceConfig[]): void {
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  const root = doc.documentElement as unknown as Element;
  const disks = kids(root, 'disk');
  const iothreads = kids(root, 'iothreads')[0]?.textContent;
  const want = Math.max(0, ...cfgs.map((c) => c.iothread.value ?? 0));
  if (want > 0) assert.equal(Number(iothreads), want, '<iothreads>');
  for (const c of cfgs) {
    const disk = disks.find((d) => attr(kids(d, 'target')[0], 'dev') === c.target.value);
    assert.ok(disk, `disk ${c.target.value} in dumpxml`);
    const drv = kids(disk, 'driver')[0];
    assert.equal(attr(drv, 'cache'), c.cache.value, `${c.target.value} cache`);
    assert.equal(attr(drv, 'io'), c.aio.value, `${c.target.value} io`);
    assert.equal(attr(drv, 'discard'), c.discard.value, `${c.target.value} discard`);
    assert.equal(attr(drv, 'detect_zeroes'), c.detectZeroes.value, `${c.target.value} detect_zeroes`);
    if (c.bus.value === 'virtio-blk') {
      assert.equal(attr(drv, 'iothread'), c.iothread.value === null ? null : String(c.iothread.value), `${c.target.value} iothread`);
    } else {
      const ctlIndex = attr(kids(disk, 'address')[0], 'controller');
      const ctl = kids(root, 'controller').find((x) => attr(x, 'type') === 'scsi' && attr(x, 'index') === ctlIndex);
      assert.equal(attr(ctl, 'model'), 'virtio-scsi');
      const cd = ctl ? kids(ctl, 'driver')[0] : undefined;
      assert.equal(attr(cd, 'iothread'), c.iothread.value === null ? null : String(c.iothread.value), `${c.target.value} controller iothread`);
      assert.equal(attr(cd, 'queues'), c.queues.value === null ? null : String(c.queues.value), `${c.target.value} controller queues`);
    }
  }
}

async function defineDomain(dir: string, name: string, configs: readonly DiskConfig[]): Promise<void> {
  const file = join(dir, `${name}.xml`);
  writeFileSync(file, renderDomainXml(configs, { name }));
  await validate(file);
  const r = await virsh(['define', file]);
  assert.ok(r.ok, `virsh define: ${r.ok ? '' : r.reason}`);
}

async function undefine(name: string): Promise<void> {
  await virsh(['destroy', name]);
  await virsh(['undefine', name]);
}

describe('generated domain XML and libvirt', () => {
  it('every golden case\'s domain XML passes virt-xml-validate', async () => {
    await withTempDir(async (dir) => {
      await Promise.all(
        CASES.map(async (c) => {
          const file = join(dir, `${c.name}.xml`);
          writeFileSync(file, renderDomainXml(configsOf(c), { name: 'kvmio-validate' }));
          await validate(file);
        }),
      );
    });
  });

  it('libvirtd defines and starts a domain with image files, a loop device and a loop partition; dumpxml and the QEMU process show the choices', async () => {
    await withRealBackends(async (b: RealBackends) => {
      const disks: [string, DiskIntent][] = [
        [b.rawSparse, {}],
        [b.qcow2, { bus: 'virtio-scsi', target: 'sda', iothreadId: 2, queues: 2 }],
        [b.loop, { target: 'vdb' }],
        [b.partition, { bus: 'virtio-scsi', target: 'sdb', iothreadId: 2 }],
        [b.rawFull, { target: 'vdc', cache: 'writeback', aio: 'threads', iothread: false }],
      ];
      const cfgs: DiskDeviceConfig[] = [];
      for (const [path, intent] of disks) {
        const { backend } = await probeBackend(path);
        cfgs.push(chooseDiskConfig(backend, intent, await probePlatform(undefined, backend)) as DiskDeviceConfig);
      }
      assert.deepEqual(cfgs.map((c) => c.aio.value), ['io_uring', 'io_uring', 'native', 'native', 'threads']);
      const name = uniqueName('kvmio-disk');
      try {
        await defineDomain(b.dir, name, cfgs);
        const inactive = await domainXml(name, { inactive: true });
        assert.ok(inactive.ok);
        assertShows(inactive.value, cfgs);
        const started = await virsh(['start', name], { timeoutMs: 60_000 });
        assert.ok(started.ok, `virsh start: ${started.ok ? '' : started.reason}`);
        const live = await domainXml(name);
        assert.ok(live.ok);
        assertShows(live.value, cfgs);
        const pid = Number(readFileSync(`/run/libvirt/qemu/${name}.pid`, 'utf8').trim());
        const aio = aioOfProcess(pid);
        assert.ok(aio.aioRings > 0, `native disks: the QEMU process maps an [aio] ring (${JSON.stringify(aio)})`);
        assert.ok(aio.ioUrings > 0, `io_uring disks: the QEMU process holds an io_uring fd (${JSON.stringify(aio)})`);
      } finally {
        await undefine(name);
      }
    });
  });

  it('libvirtd defines (only) a domain with a thin LV, a thick LV and a PCI hostdev that do not exist here', async () => {
    await withTempDir(async (dir) => {
      const vg = uniqueName('kvmiovg');
      const backends: [Backend, DiskIntent][] = [
        [{ kind: 'lv', vg, lv: 'thin', path: `/dev/${vg}/thin`, thin: true }, {}],
        [{ kind: 'lv', vg, lv: 'thick', path: `/dev/${vg}/thick`, thin: false }, { bus: 'virtio-scsi', queues: 4 }],
        [{ kind: 'pci', address: '0000:7f:1f.6', class: '0x010802' }, {}],
      ];
      const cfgs = backends.map(([bk, i]) => chooseDiskConfig(bk, i, {}));
      const name = uniqueName('kvmio-disk-lv');
      try {
        await defineDomain(dir, name, cfgs);
        const xml = await domainXml(name, { inactive: true });
        assert.ok(xml.ok);
        assertShows(xml.value, cfgs.filter((c): c is DiskDeviceConfig => c.kind === 'disk'));
        assert.match(xml.value, /<hostdev mode='subsystem' type='pci' managed='yes'>\s*<source>\s*<address domain='0x0000' bus='0x7f' slot='0x1f' function='0x6'\/>/);
      } finally {
        await undefine(name);
      }
    });
  });
});
