// Acceptance: real libvirtd (qemu:///system) holding domains with bad but accepted disks;
// `kvmio audit` reports each, `kvmio vm tune --yes` fixes them, a second audit passes and a
// second tune proposes nothing. What libvirt refuses to define goes through --domain-xml.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { exec, execOk } from '../../src/exec.js';
import { AIO_EVENTS_PER_CONTEXT, aioCharge } from '../../src/decide/aio-cost.js';
import { readDomainXml } from '../../src/libvirt/read-domain.js';
import type { Finding } from '../../src/model/finding.js';
import { cli, fixture, uniqueName, withTempDir } from '../helpers.js';

const URI = ['-c', process.env.LIBVIRT_DEFAULT_URI ?? 'qemu:///system'];
const virsh = (...args: string[]) => execOk(['virsh', '-q', ...URI, ...args], { timeoutMs: 60_000 });

function domainXml(name: string, dir: string): string {
  return `<domain type='qemu'>
  <name>${name}</name>
  <description>kvmio acceptance test: keep me</description>
  <metadata>
    <kt:owner xmlns:kt="http://example.com/kvmio-test">vm.test</kt:owner>
  </metadata>
  <memory unit='MiB'>128</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <on_crash>preserve</on_crash>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2' cache='none' io='native'/>
      <source file='${dir}/sparse.qcow2'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <disk type='file' device='disk'>
      <driver name='qemu' type='raw' cache='writeback'/>
      <source file='${dir}/writeback.raw'/>
      <target dev='vdb' bus='virtio'/>
    </disk>
    <disk type='file' device='disk'>
      <driver name='qemu' type='raw' cache='none'/>
      <source file='${dir}/ide.raw'/>
      <target dev='sda' bus='sata'/>
    </disk>
    <serial type='pty'/>
  </devices>
</domain>
`;
}

async function auditJson(args: string[]): Promise<{ code: number; findings: Finding[] }> {
  const r = await cli(['audit', '--json', ...args]);
  assert.ok(r.code === 0 || r.code === 1, `audit exit ${r.code}: ${r.stderr}`);
  return { code: r.code, findings: (JSON.parse(r.stdout) as { findings: Finding[] }).findings };
}

const status = (fs: Finding[], object: string, id: string): string | undefined => fs.find((f) => f.object === object && f.id === id)?.status;

describe('kvmio audit + vm tune on a real libvirtd', () => {
  it('bad disks are reported, tuned with --yes, then pass; a second tune proposes nothing', async () => {
    await withTempDir(async (dir) => {
      const name = uniqueName('kvmio-vmt');
      await execOk(['qemu-img', 'create', '-q', '-f', 'qcow2', join(dir, 'sparse.qcow2'), '1G']);
      await execOk(['qemu-img', 'create', '-q', '-f', 'raw', '-o', 'preallocation=falloc', join(dir, 'writeback.raw'), '32M']);
      await execOk(['qemu-img', 'create', '-q', '-f', 'raw', '-o', 'preallocation=falloc', join(dir, 'ide.raw'), '32M']);
      const file = join(dir, 'domain.xml');
      writeFileSync(file, domainXml(name, dir));
      await virsh('define', file);
      try {
        const o = (dev: string, live = false) => `vm:${name}${live ? '[live]' : ''}/${dev}`;
        const first = await auditJson(['--only', 'vm']);
        assert.equal(first.code, 1);
        const fs = first.findings;
        assert.equal(status(fs, o('vda'), 'vm.aio-native-sparse'), 'fail', 'sparse qcow2 with io=native');
        assert.equal(status(fs, o('vda'), 'vm.iothread'), 'warn', 'no iothread');
        assert.equal(status(fs, o('vdb'), 'vm.cache'), 'warn', 'cache=writeback');
        assert.equal(status(fs, o('sda'), 'vm.bus-emulated'), 'warn', 'sata disk');
        assert.equal(status(fs, o('vda'), 'vm.source-missing'), 'pass');

        // Running: the live definition is read too once it differs from the saved one.
        await virsh('start', name);
        try {
          // The libvirt-started QEMU opens the AIO contexts aioCharge predicts (1024 each).
          const pid = Number(readFileSync(`/run/libvirt/qemu/${name}.pid`, 'utf8').trim());
          const live = readDomainXml((await virsh('dumpxml', name)).stdout, { kind: 'libvirt', origin: 'live' }, true);
          assert.ok(live.ok);
          const contexts = (): number => readFileSync(`/proc/${pid}/maps`, 'utf8').split('\n').filter((l) => l.includes('[aio]')).length;
          for (let i = 0; i < 50 && contexts() < aioCharge(live.value).contexts; i++) await sleep(100);
          assert.equal(contexts() * AIO_EVENTS_PER_CONTEXT, aioCharge(live.value).aioNr);

          const dry = await cli(['vm', 'tune', name, '--bus']);
          assert.equal(dry.code, 0, dry.stderr);
          assert.match(dry.stdout, /^-\s+<driver name='qemu' type='qcow2' cache='none' io='native'\/>$/m);
          assert.match(dry.stdout, /^\+\s+<target dev='vdc' bus='virtio'\/>$/m);
          assert.match(dry.stdout, /dry run: nothing changed/);
          assert.match(dry.stdout, /guest sees this disk as vdc/);

          const tuned = await cli(['vm', 'tune', name, '--bus', '--yes', '--json', '--state-dir', join(dir, 'state')]);
          assert.equal(tuned.code, 0, tuned.stderr);
          const res = JSON.parse(tuned.stdout) as { applied: { defined: boolean; unmanagedKept: boolean }; notes: string[]; running: boolean };
          assert.deepEqual(res.applied, { defined: true, unmanagedKept: true }, res.notes.join('\n'));
          assert.equal(res.running, true);

          const second = await auditJson(['--only', 'vm']);
          for (const dev of ['vda', 'vdb', 'vdc']) {
            for (const id of ['vm.aio-native-sparse', 'vm.cache', 'vm.iothread', 'vm.bus-emulated', 'vm.aio', 'vm.discard']) {
              const s = status(second.findings, o(dev), id);
              assert.ok(s === undefined || s === 'pass', `${o(dev)} ${id}: ${s}`);
            }
          }
          assert.equal(status(second.findings, o('vdb'), 'vm.cache'), 'pass');
          assert.equal(status(second.findings, o('vda'), 'vm.iothread'), 'pass');
          // The running VM still has the old disks until its next boot: reported as [live].
          assert.equal(status(second.findings, o('vda', true), 'vm.aio-native-sparse'), 'fail');
        } finally {
          await exec(['virsh', '-q', ...URI, 'destroy', name]);
        }

        const again = await cli(['vm', 'tune', name, '--bus']);
        assert.equal(again.code, 0, again.stderr);
        assert.match(again.stdout, /nothing to change/);

        const saved = (await virsh('dumpxml', '--inactive', name)).stdout;
        assert.match(saved, /<description>kvmio acceptance test: keep me<\/description>/);
        assert.match(saved, /<kt:owner xmlns:kt="http:\/\/example.com\/kvmio-test">vm.test<\/kt:owner>/);
        assert.match(saved, /<on_crash>preserve<\/on_crash>/);
        assert.match(saved, /<serial type='pty'>/);
        assert.match(saved, /<iothreads>3<\/iothreads>/);
        // The tuned domain boots.
        await virsh('start', name);
        await exec(['virsh', '-q', ...URI, 'destroy', name]);
      } finally {
        await exec(['virsh', '-q', ...URI, 'destroy', name]);
        await exec(['virsh', '-q', ...URI, 'undefine', name]);
      }
    });
  });

  it('native without a direct cache (libvirt refuses to define it) is reported through --domain-xml, and tune proposes cache=none', async () => {
    const xml = fixture('domains', 'native-without-direct.xml');
    const refused = await exec(['virsh', '-q', ...URI, 'define', xml]);
    if (refused.code === 0) await exec(['virsh', '-q', ...URI, 'undefine', 'native-buffered']);
    assert.notEqual(refused.code, 0, 'libvirt was expected to refuse io=native with cache=writeback');
    const r = await auditJson(['--only', 'vm', '--domain-xml', xml]);
    assert.equal(r.code, 1);
    assert.equal(status(r.findings, 'vm:native-buffered/vda', 'vm.aio-native-no-direct'), 'fail');
    assert.equal(status(r.findings, 'vm:native-buffered/vdb', 'vm.aio-native-no-direct'), 'fail');
    assert.equal(status(r.findings, 'vm:native-buffered/vdb', 'vm.cache'), 'fail');
    const vmOnly = await cli(['vm', 'audit', '--no-libvirt', '--domain-xml', xml]);
    assert.equal(vmOnly.code, 1);
    assert.match(vmOnly.stdout, /FAIL\s+vm\.aio-native-no-direct/);
  });

  it('a storage-pool volume is resolved to its file, and one image used by two domains is reported on both', async () => {
    await withTempDir(async (dir) => {
      const pool = uniqueName('kvmio-pool');
      const [a, b] = [uniqueName('kvmio-sha'), uniqueName('kvmio-shb')];
      await execOk(['qemu-img', 'create', '-q', '-f', 'raw', '-o', 'preallocation=falloc', join(dir, 'shared.raw'), '16M']);
      const define = async (name: string, disk: string): Promise<void> => {
        const f = join(dir, `${name}.xml`);
        writeFileSync(f, `<domain type='qemu'><name>${name}</name><memory unit='MiB'>64</memory><vcpu>1</vcpu><os><type arch='x86_64' machine='q35'>hvm</type></os><devices>${disk}</devices></domain>`);
        await virsh('define', f);
      };
      await virsh('pool-define-as', pool, 'dir', '--target', dir);
      try {
        await virsh('pool-start', pool);
        await define(a, `<disk type='volume' device='disk'><driver name='qemu' type='raw' cache='none' io='native'/><source pool='${pool}' volume='shared.raw'/><target dev='vda' bus='virtio'/></disk>`);
        await define(b, `<disk type='file' device='disk'><driver name='qemu' type='raw' cache='none' io='native'/><source file='${dir}/shared.raw'/><target dev='vda' bus='virtio'/></disk>`);
        const r = await cli(['vm', 'audit', a, b, '--json']);
        assert.equal(r.code, 1, r.stderr);
        const fs = (JSON.parse(r.stdout) as { findings: Finding[] }).findings;
        assert.equal(status(fs, `vm:${a}/vda`, 'vm.source-missing'), 'pass', 'volume resolved through virsh vol-path');
        assert.equal(status(fs, `vm:${a}/vda`, 'vm.aio'), 'pass', 'preallocated raw with cache=none: native, as the table says');
        assert.equal(status(fs, `vm:${a}/vda`, 'vm.shared-image'), 'fail');
        assert.equal(status(fs, `vm:${b}/vda`, 'vm.shared-image'), 'fail');
        assert.match(fs.find((f) => f.object === `vm:${a}/vda` && f.id === 'vm.shared-image')?.observed ?? '', new RegExp(b));
      } finally {
        for (const d of [a, b]) await exec(['virsh', '-q', ...URI, 'undefine', d]);
        await exec(['virsh', '-q', ...URI, 'pool-destroy', pool]);
        await exec(['virsh', '-q', ...URI, 'pool-undefine', pool]);
      }
    });
  });

  it('libvirt unreachable: a SKIP with the reason, the --domain-xml files still audited', async () => {
    const saved = process.env.LIBVIRT_DEFAULT_URI;
    process.env.LIBVIRT_DEFAULT_URI = 'qemu+unix:///system?socket=/nonexistent/kvmio-no-libvirt-sock';
    try {
      const r = await cli(['vm', 'audit', '--json', '--domain-xml', fixture('domains', 'proxmox-like.xml')]);
      assert.equal(r.code, 0, r.stderr);
      const fs = (JSON.parse(r.stdout) as { findings: Finding[] }).findings;
      const skip = fs.find((f) => f.id === 'vm.libvirt');
      assert.equal(skip?.status, 'skip');
      assert.match(skip?.why ?? '', /kvmio-no-libvirt-sock|failed to connect/i);
      assert.ok(fs.some((f) => f.object === 'vm:pve-101/sda'));
    } finally {
      if (saved === undefined) delete process.env.LIBVIRT_DEFAULT_URI;
      else process.env.LIBVIRT_DEFAULT_URI = saved;
    }
  });

  it('a transient domain is refused (nothing saved to tune), exit 1', async () => {
    await withTempDir(async (dir) => {
      const name = uniqueName('kvmio-transient');
      await execOk(['qemu-img', 'create', '-q', '-f', 'raw', join(dir, 't.raw'), '16M']);
      const f = join(dir, 't.xml');
      writeFileSync(f, `<domain type='qemu'><name>${name}</name><memory unit='MiB'>64</memory><vcpu>1</vcpu><os><type arch='x86_64' machine='q35'>hvm</type></os><devices><disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='${dir}/t.raw'/><target dev='vda' bus='virtio'/></disk></devices></domain>`);
      await virsh('create', f);
      try {
        const r = await cli(['vm', 'tune', name, '--yes', '--state-dir', join(dir, 'state')]);
        assert.equal(r.code, 1);
        assert.match(r.stderr, /transient domain/);
        const persistent = (await virsh('dominfo', name)).stdout;
        assert.match(persistent, /Persistent:\s+no/);
      } finally {
        await exec(['virsh', '-q', ...URI, 'destroy', name]);
      }
    });
  });

  it('usage errors: a malformed --domain-xml, vm tune with neither or both of DOMAIN and --domain-xml, an unknown domain', async () => {
    const bad = await cli(['audit', '--only', 'vm', '--domain-xml', fixture('domains', 'malformed.xml')]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /malformed domain XML/);
    assert.equal((await cli(['vm', 'tune'])).code, 2);
    assert.equal((await cli(['vm', 'tune', 'x', '--domain-xml', 'y'])).code, 2);
    const unknown = await cli(['vm', 'tune', uniqueName('kvmio-nosuch')]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /cannot read the domain/);
  });

  it('vm tune --domain-xml proposes cache=none (and no native on the sparse image) for a file, and refuses --yes', async () => {
    await withTempDir(async (dir) => {
      await execOk(['qemu-img', 'create', '-q', '-f', 'raw', '-o', 'preallocation=falloc', join(dir, 'buffered.raw'), '16M']);
      await execOk(['qemu-img', 'create', '-q', '-f', 'raw', join(dir, 'unsafe.raw'), '16M']);
      const xml = join(dir, 'native-without-direct.xml');
      writeFileSync(xml, readFileSync(fixture('domains', 'native-without-direct.xml'), 'utf8').replaceAll('/nonexistent/kvmio-fixture', dir));
      const r = await cli(['vm', 'tune', '--domain-xml', xml]);
      assert.equal(r.code, 0, r.stderr);
      // The diff is against the file as written (its single quotes), not a re-serialized copy.
      assert.match(r.stdout, /^-\s+<driver name='qemu' type='raw' cache='writeback' io='native'\/>$/m);
      assert.match(r.stdout, /^\+\s+<driver name='qemu' type='raw' cache='none' io='native' iothread='1'\/>$/m);
      assert.match(r.stdout, /^\+\s+<driver name='qemu' type='raw' cache='none' io='io_uring' discard='unmap' detect_zeroes='unmap' iothread='2'\/>$/m);
      assert.equal((await cli(['vm', 'tune', '--domain-xml', xml, '--yes'])).code, 2);
    });
  });
});
