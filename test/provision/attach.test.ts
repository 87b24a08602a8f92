// --attach DOMAIN --yes adds the created disk to a real libvirt domain's persistent
// definition; a target name that clashes is refused before anything is written.
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { exec, execOk } from '../../src/exec.js';
import { domainDisks, firstFreeTarget } from '../../src/provision/attach.js';
import { vmFromXml } from '../vm-fixtures.js';
import { cli, uniqueName, withLoop, withTempDir } from '../helpers.js';

const virsh = (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => exec(['virsh', '-q', '-c', 'qemu:///system', ...args]);

describe('attach helpers', () => {
  it('reads targets, sources and iothreads from domain XML', () => {
    const d = domainDisks(vmFromXml(
      "<domain><name>a</name><iothreads>2</iothreads><devices><disk type='file'><source file='/a.raw'/><target dev='vda'/></disk><disk type='block'><source dev='/dev/sdb'/><target dev='vdb'/></disk><disk type='file' device='cdrom'><target dev='sda'/></disk></devices></domain>",
    ));
    assert.deepEqual(d, { targets: ['vda', 'vdb', 'sda'], sources: ['/a.raw', '/dev/sdb'], iothreads: 2 });
  });
  it('picks the first free target name', () => {
    assert.equal(firstFreeTarget(['vda', 'vdb', 'vdd'], 'vd'), 'vdc');
    assert.equal(firstFreeTarget([], 'sd'), 'sda');
    assert.equal(firstFreeTarget(Array.from({ length: 26 }, (_, i) => `vd${String.fromCharCode(97 + i)}`), 'vd'), 'vdaa');
  });
});

describe('kvmio disk create --attach (real libvirtd)', () => {
  it('adds an image and a block device to the persistent definition, refuses a clash and a device already in use', async () => {
    await withTempDir(async (dir) => {
      const dom = uniqueName('kvmio-attach');
      const base = join(dir, 'base.raw');
      await execOk(['qemu-img', 'create', '-q', '-f', 'raw', base, '1M']);
      const xml = join(dir, 'dom.xml');
      writeFileSync(
        xml,
        `<domain type='qemu'><name>${dom}</name><memory unit='MiB'>64</memory><os><type arch='x86_64' machine='q35'>hvm</type></os>` +
          `<devices><disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='${base}'/><target dev='vda' bus='virtio'/></disk></devices></domain>`,
      );
      await execOk(['virsh', '-q', '-c', 'qemu:///system', 'define', xml]);
      try {
        const r = await cli(['disk', 'create', 'd1', '--size', '8M', '--on', dir, '--attach', dom, '--yes', '--state-dir', join(dir, 'state')]);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, new RegExp(`attached to ${dom} as vdb`));
        const blocks = (await virsh('domblklist', '--details', '--inactive', dom)).stdout;
        assert.match(blocks, new RegExp(`file\\s+disk\\s+vdb\\s+${join(dir, 'd1.raw')}`));
        const saved = (await virsh('dumpxml', '--inactive', dom)).stdout;
        assert.match(saved, /<iothreads>1<\/iothreads>/, 'the iothread the disk uses was added');
        assert.match(saved, /<driver name='qemu' type='raw' cache='none' io='native' iothread='1'\/>/);
        const saveFile = join(dir, 'saved.xml');
        writeFileSync(saveFile, saved);
        assert.equal((await exec(['virt-xml-validate', saveFile])).code, 0);

        const clash = await cli(['disk', 'create', 'd2', '--size', '8M', '--on', dir, '--attach', dom, '--target-dev', 'vdb', '--yes', '--state-dir', join(dir, 'state')]);
        assert.equal(clash.code, 1);
        assert.match(clash.stderr, new RegExp(`${dom}: refused by guard attach.target-clash: target vdb is already used`));
        assert.equal(existsSync(join(dir, 'd2.raw')), false, 'refused before anything was written');

        await withLoop(dir, 16, async (dev) => {
          const b = await cli(['disk', 'create', 'scratch', '--on', dev, '--attach', dom, '--yes', '--state-dir', join(dir, 'state')]);
          assert.equal(b.code, 0, b.stderr);
          assert.match((await virsh('domblklist', '--details', '--inactive', dom)).stdout, new RegExp(`block\\s+disk\\s+vdc\\s+${dev}`));
          const again = await cli(['disk', 'create', 'other', '--on', dev]);
          assert.equal(again.code, 1);
          assert.match(again.stderr, new RegExp(`${dev}: refused by guard libvirt-domain: domain ${dom} uses it as vdc`));
        });
      } finally {
        await virsh('undefine', dom);
      }
    });
  });

  it('a clean device handed over as is: guards pass, nothing is run, the XML is printed', async () => {
    await withTempDir((dir) =>
      withLoop(dir, 16, async (dev) => {
        const r = await cli(['disk', 'create', 'scratch', '--on', dev]);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /would run: nothing/);
        assert.match(r.stdout, new RegExp(`<source dev='${dev}'/>`));
        assert.match(r.stdout, /cache='none' io='native'/);
      }),
    );
  });
});
