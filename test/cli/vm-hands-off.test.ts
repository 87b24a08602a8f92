// Acceptance with real tools (losetup -P, sgdisk, mkfs.ext4, mount, pvcreate, vgcreate;
// this machine has no device-mapper, so no LV is ever activated): `kvmio vm audit
// --domain-xml` in-process FAILs a partition the host mounts and a whole disk whose
// partition it mounts, FAILs a PV of a host VG given to a domain, and WARNs when a
// guest-made PV inside the domain's image file shows up in the host's pvs (through a loop
// device backed by that image). Unique names; everything is undone in finally.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { vmFacts } from '../../src/cli/vm-facts.js';
import { auditVmDisks } from '../../src/decide/audit-vm-disks.js';
import { exec, execOk } from '../../src/exec.js';
import { DumpSource } from '../../src/facts/dump-source.js';
import { LocalSource } from '../../src/facts/local-source.js';
import { RecordingSource } from '../../src/facts/recording-source.js';
import type { Finding } from '../../src/model/finding.js';
import type { FindingJson } from '../../src/report/findings-text.js';
import { cli, uniqueName, withLoop, withTempDir } from '../helpers.js';

const LVM = ['env', 'LVM_SUPPRESS_FD_WARNINGS=1'];
const handsOffOf = (fs: readonly Finding[]): Finding[] => fs.filter((f) => f.id === 'vm.host-hands-off' || f.id === 'vm.host-lvm-scan');

function domainXml(dir: string, name: string, disks: readonly { type: 'block' | 'file'; path: string; dev: string }[]): string {
  const file = join(dir, `${name}.xml`);
  writeFileSync(file, `<domain type='kvm'>
  <name>${name}</name>
  <memory unit='MiB'>128</memory>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <devices>
${disks.map((d) => `    <disk type='${d.type}' device='disk'>
      <driver name='qemu' type='raw' cache='none' io='native'/>
      <source ${d.type === 'block' ? 'dev' : 'file'}='${d.path}'/>
      <target dev='${d.dev}' bus='virtio'/>
    </disk>`).join('\n')}
  </devices>
</domain>
`);
  return file;
}

async function handsOff(file: string): Promise<{ code: number; findings: FindingJson[] }> {
  const r = await cli(['vm', 'audit', '--domain-xml', file, '--json', '--only', 'vm.host-hands-off', '--only', 'vm.host-lvm-scan']);
  assert.ok(r.code === 0 || r.code === 1, `exit ${r.code}: ${r.stderr}`);
  return { code: r.code, findings: (JSON.parse(r.stdout) as { findings: FindingJson[] }).findings };
}

const find = (fs: readonly FindingJson[], object: string, id: string): FindingJson => {
  const f = fs.find((x) => x.object === object && x.id === id);
  assert.ok(f, `${id} on ${object}: not among ${fs.map((x) => `${x.id}@${x.object}`).join(', ')}`);
  return f;
};

/** Two GPT partitions on a loop device (losetup -P; partx -a where the kernel did not scan). */
async function withPartitions<T>(dir: string, fn: (disk: string, p1: string, p2: string) => Promise<T>): Promise<T> {
  return withLoop(dir, 64, async (disk) => {
    await execOk(['sgdisk', '-n', '1:2048:+16M', '-n', '2:0:+16M', disk]);
    if (!existsSync(`${disk}p2`)) await exec(['partx', '-a', disk]);
    assert.ok(existsSync(`${disk}p2`), `${disk}p2 did not appear after sgdisk and partx -a`);
    return fn(disk, `${disk}p1`, `${disk}p2`);
  }, { partscan: true });
}

describe('vm audit: the host keeps its hands off what it gave away (real loop devices)', () => {
  it('FAILs a partition the host mounts, and the whole disk whose partition it mounts; the unused sibling partition passes', async () => {
    await withTempDir((dir) => withPartitions(dir, async (disk, p1, p2) => {
      await execOk(['mkfs.ext4', '-q', p1]);
      const mnt = join(dir, 'mnt');
      mkdirSync(mnt);
      await execOk(['mount', p1, mnt]);
      try {
        const name = uniqueName('kvmio-handsoff-mount');
        const r = await handsOff(domainXml(dir, name, [{ type: 'block', path: p1, dev: 'vda' }, { type: 'block', path: disk, dev: 'vdb' }, { type: 'block', path: p2, dev: 'vdc' }]));
        assert.equal(r.code, 1);
        const p1Name = p1.slice(5);
        for (const d of ['vda', 'vdb']) {
          const f = find(r.findings, `vm:${name}/${d}`, 'vm.host-hands-off');
          assert.equal(f.status, 'fail', JSON.stringify(f));
          assert.equal(f.observed, `${p1Name} is mounted on ${mnt}`);
        }
        assert.equal(find(r.findings, `vm:${name}/vdc`, 'vm.host-hands-off').status, 'pass');
      } finally {
        await exec(['umount', mnt]);
      }
    }));
  });

  it('FAILs a PV of a host VG (one that spans another device) given to a domain', async () => {
    await withTempDir((dir) => withLoop(dir, 16, (a) => withLoop(dir, 16, async (b) => {
      const vg = uniqueName('kvmio_handsoff_vg').replace(/-/g, '_');
      await execOk([...LVM, 'pvcreate', '-q', a, b]);
      try {
        await execOk([...LVM, 'vgcreate', '-q', vg, a, b]);
        const name = uniqueName('kvmio-handsoff-pv');
        const file = domainXml(dir, name, [{ type: 'block', path: a, dev: 'vda' }]);
        const r = await handsOff(file);
        assert.equal(r.code, 1);
        const f = find(r.findings, `vm:${name}/vda`, 'vm.host-hands-off');
        assert.equal(f.status, 'fail');
        assert.equal(f.observed, `${a.slice(5)} is an LVM PV of the host's volume group "${vg}" also has ${b}, outside this VM's disks`);
        // kvmio collect records what the checks read; a dump replays them to the same findings
        const rec = new RecordingSource(new LocalSource());
        const live = handsOffOf(auditVmDisks(await vmFacts({ source: rec, libvirt: false, domainXml: [file] }, 'qemu:///system')));
        await rec.save(join(dir, 'dump'), { redact: false });
        const replayed = handsOffOf(auditVmDisks(await vmFacts({ source: new DumpSource(join(dir, 'dump')), libvirt: false, domainXml: [file] }, 'qemu:///system')));
        assert.deepEqual(replayed, live);
        assert.deepEqual(live.map((x) => x.status), ['fail', 'warn']);
      } finally {
        await exec([...LVM, 'vgremove', '-q', '-f', vg]);
        await exec([...LVM, 'pvremove', '-q', '-f', a, b]);
      }
    })));
  });

  it("WARNs when a guest-made PV inside the domain's image file shows up in the host's pvs, with the filter to add", async () => {
    await withTempDir((dir) => withLoop(dir, 16, async (loop, image) => {
      const vg = uniqueName('kvmio_handsoff_guestvg').replace(/-/g, '_');
      await execOk([...LVM, 'pvcreate', '-q', loop]);
      try {
        await execOk([...LVM, 'vgcreate', '-q', vg, loop]);
        const name = uniqueName('kvmio-handsoff-image');
        const r = await handsOff(domainXml(dir, name, [{ type: 'file', path: image, dev: 'vda' }]));
        assert.equal(r.code, 0, 'a warning is not a failure');
        assert.equal(find(r.findings, `vm:${name}/vda`, 'vm.host-hands-off').status, 'pass');
        const f = find(r.findings, `vm:${name}/vda`, 'vm.host-lvm-scan');
        assert.equal(f.status, 'warn');
        assert.match(f.observed ?? '', new RegExp(`^the host's pvs shows ${loop.slice(5)} \\(VG "${vg}", only on this VM's disks`));
        // JSON carries the fix as the text to paste
        const fix = f.fix ?? '';
        assert.ok(fix.includes(`global_filter = [ "r|^${loop}(p[0-9]+)?$|" ]`), fix);
      } finally {
        await exec([...LVM, 'vgremove', '-q', '-f', vg]);
        await exec([...LVM, 'pvremove', '-q', '-f', loop]);
      }
    }));
  });
});
