// plan apply's VFIO binds and `modprobe vfio-pci` through the engine, on writable copies
// of recorded sysfs trees (as test/cli/passthrough.test.ts does): the same writes as
// `kvmio passthrough bind`, journaled, undone by `kvmio rollback`; the planned domain is
// defined on the real libvirtd (qemu:///system; a unique name, undefined in finally).
// modprobe cannot load modules here (no /lib/modules, no module loading), so a stand-in
// on PATH records its argv and registers or removes the driver in the tree, as the kernel
// would in /sys.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exec } from '../../src/exec.js';
import { cliProcess, uniqueName, withTempDir } from '../helpers.js';
import { writableCopy } from '../sysfs-copy.js';

const URI = 'qemu:///system';
const virsh = (...args: string[]) => exec(['virsh', '-q', '-c', URI, ...args], { timeoutMs: 60_000 });

/** A modprobe stand-in: logs its argv (tab-separated) and adds or removes TREE's vfio-pci driver. */
function fakeModprobe(dir: string, tree: string): { bin: string; log: string } {
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  const log = join(dir, 'modprobe.log');
  const drv = join(tree, 'sys', 'bus', 'pci', 'drivers', 'vfio-pci');
  writeFileSync(join(bin, 'modprobe'), [
    '#!/bin/sh',
    `line=modprobe; for a in "$@"; do line="$line	$a"; done; printf '%s\\n' "$line" >> '${log}'`,
    `if [ "$1" = -r ]; then rm -rf '${drv}'; else mkdir -p '${drv}' && : > '${drv}/bind' && : > '${drv}/unbind'; fi`,
    '',
  ].join('\n'));
  chmodSync(join(bin, 'modprobe'), 0o755);
  return { bin, log };
}

const attr = (root: string, path: string): string => readFileSync(join(root, path), 'utf8');
const calls = (log: string): string[][] => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').filter((l) => l !== '').map((l) => l.split('\t')) : []);

describe('kvmio plan apply binds PCI devices through the engine', () => {
  it('the planned NVMe moves to vfio-pci (override, unbind, drivers_probe), its domain is defined with <hostdev>; rollback puts both back', async () => {
    await withTempDir(async (dir) => {
      const { dump, root } = writableCopy('dl360-gen9', dir);
      // the recorded ceph1 has 05:00.0 as a <hostdev>: take it out of this copy, so the NVMe is free
      const saved = join(dump, 'cmd', 'virsh-dumpxml.ceph1.out');
      writeFileSync(saved, readFileSync(saved, 'utf8').replace(/\s*<hostdev[\s\S]*<\/hostdev>/, ''));
      const vm = uniqueName('kvmio-plan-vfio');
      const st = join(dir, 'state');
      const file = join(dir, 'plan.yaml');
      const a = '0000:05:00.0';
      writeFileSync(file, [
        'kvmio: kvmio-plan/1',
        'host: { schedulers: { policy: keep }, aioMaxNr: 65536 }',
        'vms:',
        `  - { name: ${vm}, memory: 64M, vcpus: 1, firmware: bios, disks: [{ type: pci, address: "${a}" }] }`,
        '',
      ].join('\n'));
      const args = ['plan', 'apply', file, '--from', dump, '--sysfs-root', root, '--root', join(dir, 'root'), '--state-dir', st, '--domain-type', 'qemu'];
      const env = { LIBVIRT_DEFAULT_URI: URI };
      try {
        const dry = await cliProcess(args, { env });
        assert.equal(dry.code, 0, dry.stderr + dry.stdout);
        assert.match(dry.stdout, /^would-change +pt\.bind 0000:05:00\.0$/m);
        assert.equal(attr(root, '/sys/bus/pci/drivers_probe'), '', 'a dry run writes nothing');
        const override = attr(root, `/sys/bus/pci/devices/${a}/driver_override`);
        assert.equal(override.trim(), '(null)');
        const r = await cliProcess([...args, '--yes'], { env });
        assert.equal(r.code, 0, r.stderr + r.stdout);
        assert.match(r.stdout, /^changed +pt\.bind 0000:05:00\.0$/m);
        assert.doesNotMatch(r.stdout, /kernel-module|modprobe/, 'vfio-pci is built into the recorded kernel: nothing to load');
        assert.equal(attr(root, `/sys/bus/pci/devices/${a}/driver_override`), 'vfio-pci\n');
        assert.equal(attr(root, '/sys/bus/pci/drivers/nvme/unbind'), a);
        assert.equal(attr(root, '/sys/bus/pci/drivers_probe'), a);
        const journal = readFileSync(join(st, 'journal.jsonl'), 'utf8');
        assert.match(journal, /"key":"vfio:0000:05:00\.0"/);
        const xml = (await virsh('dumpxml', '--inactive', vm)).stdout;
        assert.match(xml, /<hostdev mode='subsystem' type='pci' managed='no'>[\s\S]*<address domain='0x0000' bus='0x05' slot='0x00' function='0x0'\/>/);
        const rb = await cliProcess(['rollback', '--state-dir', st, '--yes'], { env });
        assert.equal(rb.code, 0, rb.stderr + rb.stdout);
        assert.equal(attr(root, `/sys/bus/pci/devices/${a}/driver_override`).trim(), '', 'override cleared (sysfs shows "(null)")');
        assert.equal(attr(root, '/sys/bus/pci/drivers/nvme/bind'), a, 'given back to nvme');
        assert.equal((await virsh('dominfo', vm)).code, 1, 'domain undefined');
      } finally {
        await virsh('undefine', '--', vm);
      }
    });
  });

  it('a plan naming the boot disk controller binds nothing and journals nothing', async () => {
    await withTempDir(async (dir) => {
      const { dump, root } = writableCopy('dl360-gen9', dir);
      const file = join(dir, 'plan.yaml');
      writeFileSync(file, 'kvmio: kvmio-plan/1\nvms:\n  - { name: x, disks: [{ type: pci, address: "0000:00:1f.2" }] }\n');
      const override = attr(root, '/sys/bus/pci/devices/0000:00:1f.2/driver_override');
      const r = await cliProcess(['plan', 'apply', file, '--from', dump, '--sysfs-root', root, '--state-dir', join(dir, 'st'), '--yes']);
      assert.equal(r.code, 1);
      assert.match(r.stdout, /"0000:00:1f\.2" is the controller of the host's boot disk/);
      assert.equal(attr(root, '/sys/bus/pci/devices/0000:00:1f.2/driver_override'), override);
      assert.ok(!existsSync(join(dir, 'st', 'journal.jsonl')));
    });
  });

  it('--from without --sysfs-root (and the reverse) is a usage error', async () => {
    const a = await cliProcess(['plan', 'apply', 'x.yaml', '--from', '/tmp']);
    assert.equal(a.code, 2);
    assert.match(a.stderr, /--from \/tmp: plan apply acts on this host/);
    const b = await cliProcess(['plan', 'apply', 'x.yaml', '--sysfs-root', '/tmp']);
    assert.equal(b.code, 2);
    assert.match(b.stderr, /--sysfs-root \/tmp: needs --from DUMP/);
  });
});

describe('modprobe vfio-pci is a journaled engine action', () => {
  it('loaded before the binds when the tree has no vfio-pci driver; rollback unbinds, then modprobe -r (kvmio loaded it)', async () => {
    await withTempDir(async (dir) => {
      const { dump, root } = writableCopy('shared-group', dir);
      rmSync(join(root, 'sys/bus/pci/drivers/vfio-pci'), { recursive: true });
      const { bin, log } = fakeModprobe(dir, root);
      const env = { PATH: `${bin}:${process.env.PATH ?? ''}` };
      const st = join(dir, 'state');
      const r = await cliProcess(['passthrough', 'bind', '03:00.0', '--with', '02:00.0', '--from', dump, '--sysfs-root', root, '--state-dir', st, '--yes'], { env });
      assert.equal(r.code, 0, r.stderr + r.stdout);
      assert.deepEqual(calls(log), [['modprobe', 'vfio-pci']]);
      assert.match(r.stdout, /ran \(journaled\): modprobe vfio-pci/);
      const journal = readFileSync(join(st, 'journal.jsonl'), 'utf8');
      assert.ok(journal.indexOf('"key":"module:vfio-pci"') >= 0 && journal.indexOf('"key":"module:vfio-pci"') < journal.indexOf('"key":"vfio:'), 'the module is journaled before the binds');
      const rb = await cliProcess(['rollback', '--state-dir', st, '--yes', '--json'], { env });
      assert.equal(rb.code, 0, rb.stderr + rb.stdout);
      const outcomes = (JSON.parse(rb.stdout) as { outcomes: { kind: string; status: string }[] }).outcomes.map((o) => [o.kind, o.status]);
      assert.deepEqual(outcomes, [['vfio', 'restored'], ['vfio', 'restored'], ['kernel-module', 'restored']], 'newest first: the binds, then the module');
      assert.deepEqual(calls(log), [['modprobe', 'vfio-pci'], ['modprobe', '-r', 'vfio-pci']]);
      assert.ok(!existsSync(join(root, 'sys/bus/pci/drivers/vfio-pci')));
    });
  });

  it('already loaded: nothing runs, and rollback leaves the module alone', async () => {
    await withTempDir(async (dir) => {
      const { dump, root } = writableCopy('shared-group', dir);
      const { bin, log } = fakeModprobe(dir, root);
      const env = { PATH: `${bin}:${process.env.PATH ?? ''}` };
      const st = join(dir, 'state');
      const r = await cliProcess(['passthrough', 'bind', '03:00.0', '--with', '02:00.0', '--from', dump, '--sysfs-root', root, '--state-dir', st, '--yes'], { env });
      assert.equal(r.code, 0, r.stderr + r.stdout);
      assert.doesNotMatch(r.stdout, /ran \(journaled\): modprobe/);
      const rb = await cliProcess(['rollback', '--state-dir', st, '--yes'], { env });
      assert.equal(rb.code, 0, rb.stderr + rb.stdout);
      assert.deepEqual(calls(log), []);
      assert.ok(existsSync(join(root, 'sys/bus/pci/drivers/vfio-pci')));
    });
  });
});
