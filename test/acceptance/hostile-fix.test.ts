// Every printed fix is safe to paste: hostile values (a domain named "x;touch /tmp/p", a
// kernel command line with '$(id)', file names with quotes and semicolons) go through the
// audit, and each fix it prints is run by a real shell in a sandbox: a private mount
// namespace with tmpfs over /etc, /sys and /boot (nothing on the host can be written),
// PATH = a temp dir of stub commands that only record their argv, cwd a temp dir. No
// payload may run: no stub records "touch" or "id", and the marker files stay absent.
// A control run of one fix spliced in unquoted shows the sandbox does catch a payload.
import assert from 'node:assert/strict';
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { exec } from '../../src/exec.js';
import { auditVmDisks } from '../../src/decide/audit-vm-disks.js';
import { renderFix } from '../../src/render/shell-quote.js';
import { cli, fixture, withTempDir } from '../helpers.js';
import { recordedFacts, vmFromXml } from '../vm-fixtures.js';

/** Every command a fix may name, plus the payloads' own: each stub appends its argv to LOG. */
const STUBS = ['kvmio', 'virsh', 'sed', 'sysctl', 'update-grub', 'modprobe', 'qemu-img', 'edit', 'qm', 'chmod', 'chgrp', 'reboot', 'touch', 'id', 'set', 'give', 'restore', 'enable', 'install', 'remove', 'turn'];

async function runSandboxed(dir: string, fixes: readonly string[]): Promise<string[]> {
  const bin = join(dir, 'bin');
  const cwd = join(dir, 'cwd');
  const log = join(dir, 'argv.log');
  mkdirSync(bin, { recursive: true });
  mkdirSync(cwd, { recursive: true });
  for (const s of STUBS) {
    writeFileSync(join(bin, s), `#!/bin/sh\nprintf '%s' "${s}" >> "${log}"\nfor a in "$@"; do printf ' [%s]' "$a" >> "${log}"; done\necho >> "${log}"\n`);
    chmodSync(join(bin, s), 0o755);
  }
  writeFileSync(log, '');
  for (const fix of fixes) {
    // /etc, /sys and /boot become empty tmpfs in a private mount namespace: redirections in a fix land there.
    const script = 'mount -t tmpfs none /etc && mount -t tmpfs none /sys && mount -t tmpfs none /boot && cd "$1" && PATH="$2" /bin/sh -c "$3"';
    await exec(['unshare', '--mount', '--propagation', 'private', '/bin/sh', '-c', script, 'sandbox', cwd, bin, fix], { timeoutMs: 20_000 });
  }
  return readFileSync(log, 'utf8').split('\n').filter((l) => l !== '');
}

const ran = (log: readonly string[], cmd: string): string[] => log.filter((l) => l === cmd || l.startsWith(`${cmd} `));

describe('hostile values in fixes cannot run anything', () => {
  it('VM findings (libvirt domain "x;touch /tmp/p", hostile paths), host findings (cmdline \'$(id)\'), --domain-xml FILE', async () => {
    await withTempDir(async (dir) => {
      const marker = join(dir, 'p');
      const evil = `x;touch ${marker}`;
      // Libvirt domains: one with every kind of VM fix, one that shares its image.
      const disks = [
        `<disk type='file' device='disk'><driver name='qemu' type='raw' cache='writeback' io='native'/><source file="/i/a'$(id)'.raw"/><target dev='vda' bus='virtio'/></disk>`,
        `<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='/i/ide;touch ${marker}.raw'/><target dev='sda' bus='sata'/></disk>`,
        `<disk type='file' device='disk'><driver name='qemu' type='qcow2' cache='none'/><source file='/i/big$(id).qcow2'/><target dev='vdb' bus='virtio'/></disk>`,
        `<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='/i/gone\`id\`.raw'/><target dev='vdc' bus='virtio'/></disk>`,
      ].join('');
      const xmlName = evil.replace(/&/g, '&amp;');
      const a = vmFromXml(`<domain type='kvm'><name>${xmlName}</name><devices>${disks}</devices></domain>`);
      const b = vmFromXml(`<domain type='kvm'><name>y$(id)</name><devices><disk type='file' device='disk'><driver name='qemu' type='raw' cache='none'/><source file="/i/a'$(id)'.raw"/><target dev='vda' bus='virtio'/></disk></devices></domain>`);
      assert.equal(a.ref.name, evil);
      const G = 1024 ** 3;
      const facts = await recordedFacts([a, b], {
        platform: { qemu: '7.2.0', libvirt: '9.0.0', kernel: '6.1.0' },
        aioNr: 65000,
        aioMaxNr: 65536,
        sources: {
          "/i/a'$(id)'.raw": { kind: 'present', fsType: 'ext4', directIo: true, image: { format: 'raw', virtualSize: G, actualSize: 4096 } },
          [`/i/ide;touch ${marker}.raw`]: { kind: 'present', fsType: 'ext4', directIo: true, image: { format: 'raw', virtualSize: G, actualSize: G } },
          '/i/big$(id).qcow2': { kind: 'present', fsType: 'ext4', directIo: true, image: { format: 'qcow2', virtualSize: 4096 * G, actualSize: G, clusterSize: 65536 } },
          '/i/gone`id`.raw': { kind: 'missing', reason: "cannot statx '/i/gone`id`.raw': No such file or directory" },
        },
      });
      const vmFixes = auditVmDisks(facts).flatMap((f) => (f.fix ? [renderFix(f.fix)] : []));
      assert.ok(vmFixes.some((f) => f.includes(`kvmio vm tune '${evil}' --yes`)), vmFixes.join('\n'));
      assert.ok(vmFixes.length >= 8, vmFixes.join('\n'));

      // The host: a recorded dump whose kernel command line and sysctl.d carry payloads.
      const dump = join(dir, 'dump');
      cpSync(fixture('hosts', 'nvme-bfq'), dump, { recursive: true });
      writeFileSync(join(dump, 'fs/proc/cmdline'), `BOOT_IMAGE=/vmlinuz-6.8.0-49-generic root=/dev/mapper/ubuntu--vg-root ro elevator='$(id)' iommu=pt\n`);
      const audit = await cli(['audit', '--from', dump, '--json']);
      assert.ok(audit.code === 0 || audit.code === 1, audit.stderr);
      const hostFixes = (JSON.parse(audit.stdout) as { findings: { id: string; fix?: string }[] }).findings.flatMap((f) => (f.fix ? [f.fix] : []));
      assert.ok(hostFixes.some((f) => f.includes('elevator=')), hostFixes.join('\n'));

      // --domain-xml: the file's path is interpolated.
      const file = join(dir, `d;id;'$(id)'.xml`);
      writeFileSync(file, `<domain type='kvm'><name>z</name><devices>${disks}</devices></domain>`);
      const vmAudit = await cli(['vm', 'audit', '--no-libvirt', '--domain-xml', file, '--json']);
      const fileFixes = (JSON.parse(vmAudit.stdout) as { findings: { fix?: string }[] }).findings.flatMap((f) => (f.fix ? [f.fix] : []));
      assert.ok(fileFixes.some((f) => f.includes('--domain-xml')), fileFixes.join('\n'));

      const all = [...vmFixes, ...hostFixes, ...fileFixes];
      const log = await runSandboxed(join(dir, 'sandbox'), all);
      assert.deepEqual(ran(log, 'touch'), [], log.join('\n'));
      assert.deepEqual(ran(log, 'id'), [], log.join('\n'));
      assert.equal(existsSync(marker), false);
      // The fixes did run: the stubs saw the hostile values as single arguments.
      assert.ok(log.some((l) => l.startsWith('kvmio [vm] [tune]') && l.includes(`[${evil}]`)), log.join('\n'));
      assert.ok(log.some((l) => l.startsWith('sed ') && l.includes("elevator='\\$\\(id\\)'")), log.join('\n'));

      // Control: the same fix spliced in unquoted runs the payload, and the sandbox sees it.
      const control = await runSandboxed(join(dir, 'control'), [`kvmio vm tune ${evil} --yes`]);
      assert.equal(ran(control, 'touch').length, 1, control.join('\n'));
    });
  });
});
