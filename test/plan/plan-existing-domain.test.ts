// plan apply on a domain that already exists (real libvirtd, qemu:///system, a unique
// name, undefined in finally): its disk gets the planned driver settings in place, as
// `kvmio vm tune` edits it, and everything the plan does not describe stays; a second
// apply changes nothing; rollback restores the previous definition.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exec } from '../../src/exec.js';
import { cli, uniqueName, withLoop, withTempDir } from '../helpers.js';

const URI = 'qemu:///system';
const virsh = (...args: string[]) => exec(['virsh', '-q', '-c', URI, ...args], { timeoutMs: 60_000 });
const env = { ...process.env, LIBVIRT_DEFAULT_URI: URI };
const driverOf = (xml: string): string => /<driver name='qemu' type='raw'[^>]*\/>/.exec(xml)?.[0] ?? '(no driver)';

describe('kvmio plan apply on an existing domain', () => {
  it('edits its disk in place through the journal; the rest of its definition is kept; rollback restores it', async () => {
    await withTempDir(async (dir) => {
      await withLoop(dir, 16, async (dev) => {
        const vm = uniqueName('kvmio-plan-existing');
        const xmlFile = join(dir, 'domain.xml');
        writeFileSync(xmlFile, [
          `<domain type='qemu'>`,
          `  <name>${vm}</name>`,
          '  <description>kept by kvmio: not in the plan</description>',
          `  <memory unit='MiB'>64</memory>`,
          '  <vcpu>1</vcpu>',
          `  <os><type arch='x86_64' machine='q35'>hvm</type></os>`,
          '  <devices>',
          `    <disk type='block' device='disk'><driver name='qemu' type='raw' cache='writeback'/><source dev='${dev}'/><target dev='vda' bus='virtio'/></disk>`,
          `    <console type='pty'/>`,
          '  </devices>',
          '</domain>',
          '',
        ].join('\n'));
        const plan = join(dir, 'plan.yaml');
        writeFileSync(plan, [
          'kvmio: kvmio-plan/1',
          'host: { schedulers: { policy: keep }, aioMaxNr: 65536 }',
          'vms:',
          // memory differs from the domain's: a definition kvmio does not own, left alone
          `  - { name: ${vm}, memory: 2G, vcpus: 1, firmware: bios, disks: [{ type: disk, device: ${dev} }] }`,
          '',
        ].join('\n'));
        const st = join(dir, 'state');
        const args = ['plan', 'apply', plan, '--state-dir', st, '--root', join(dir, 'root'), '--domain-type', 'qemu'];
        try {
          const d = await virsh('define', xmlFile);
          assert.equal(d.code, 0, d.stderr);
          const before = (await virsh('dumpxml', '--inactive', vm)).stdout;
          const show = await cli(['plan', 'show', plan, '--domain-type', 'qemu'], env);
          assert.equal(show.code, 0, show.stderr + show.stdout);
          assert.match(show.stdout, new RegExp(`change +${vm} exists: its disks are edited in place, the rest of its definition kept \\(vda: cache writeback → none; vda: io unset → native; vda: iothread 1\\)`));
          const dry = await cli(args, env);
          assert.equal(dry.code, 0, dry.stderr + dry.stdout);
          assert.match(dry.stdout, new RegExp(`^would-change +plan\\.domain ${vm}$`, 'm'));
          assert.equal((await virsh('dumpxml', '--inactive', vm)).stdout, before, 'a dry run redefines nothing');

          const r = await cli([...args, '--yes'], env);
          assert.equal(r.code, 0, r.stderr + r.stdout);
          assert.match(r.stdout, new RegExp(`^changed +plan\\.domain ${vm}$`, 'm'));
          const after = (await virsh('dumpxml', '--inactive', vm)).stdout;
          assert.equal(driverOf(after), `<driver name='qemu' type='raw' cache='none' io='native' iothread='1'/>`);
          assert.match(after, /<iothreads>1<\/iothreads>/);
          assert.match(after, /<description>kept by kvmio: not in the plan<\/description>/);
          assert.match(after, /<memory unit='KiB'>65536<\/memory>/, 'memory is not a disk setting: kept');
          assert.equal(/<uuid>(.*)<\/uuid>/.exec(after)?.[1], /<uuid>(.*)<\/uuid>/.exec(before)?.[1], 'the same domain (uuid kept)');

          const again = await cli([...args, '--yes'], env);
          assert.equal(again.code, 0, again.stderr + again.stdout);
          assert.match(again.stdout, /^0 changes made, /m);
          assert.match(again.stdout, new RegExp(`unchanged +${vm}: its disks match the plan`));

          const rb = await cli(['rollback', '--state-dir', st, '--yes'], env);
          assert.equal(rb.code, 0, rb.stderr + rb.stdout);
          const restored = (await virsh('dumpxml', '--inactive', vm)).stdout;
          assert.equal(driverOf(restored), `<driver name='qemu' type='raw' cache='writeback'/>`);
          assert.doesNotMatch(restored, /<iothreads>/);
          assert.equal((await virsh('dominfo', vm)).code, 0, 'rollback redefines the old XML; it does not undefine a domain kvmio did not create');
        } finally {
          await virsh('undefine', '--', vm);
        }
      });
    });
  });
});
