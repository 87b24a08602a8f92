// Acceptance: `kvmio collect` on a host with three libvirt domains (real libvirtd; one disk
// is a pool volume), then `kvmio audit --from DUMP` in a process that cannot reach
// libvirtd or run any tool (LIBVIRT_DEFAULT_URI on a dead socket, PATH empty) gives the
// same VM findings as the live audit; the findings are kept as a golden file.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { writeFileSync } from 'node:fs';
import { exec, execOk } from '../../src/exec.js';
import { renderFindingsText } from '../../src/report/findings-text.js';
import type { FindingJson } from '../../src/report/findings-text.js';
import { cli, cliProcess, fixture, uniqueName, withTempDir } from '../helpers.js';
import { assertGolden } from '../vm-fixtures.js';

const URI = ['-c', 'qemu:///system'];
const virsh = (...args: string[]) => execOk(['virsh', '-q', ...URI, ...args], { timeoutMs: 60_000 });

const domain = (name: string, disks: string): string =>
  `<domain type='qemu'><name>${name}</name><memory unit='MiB'>64</memory><vcpu>1</vcpu><os><type arch='x86_64' machine='q35'>hvm</type></os><devices>${disks}</devices></domain>`;

describe('kvmio collect + audit --from: VM disks offline', () => {
  it('three domains: the dump audit without libvirtd gives the live audit\'s VM findings', async () => {
    await withTempDir(async (dir) => {
      const tag = uniqueName('kc');
      const names = [`${tag}-a`, `${tag}-b`, `${tag}-c`];
      const pool = `${tag}-pool`;
      await execOk(['qemu-img', 'create', '-q', '-f', 'qcow2', join(dir, 'a.qcow2'), '1G']);
      await execOk(['qemu-img', 'create', '-q', '-f', 'raw', '-o', 'preallocation=falloc', join(dir, 'b.raw'), '16M']);
      await execOk(['qemu-img', 'create', '-q', '-f', 'raw', join(dir, 'vol.raw'), '16M']);
      const defined: string[] = [];
      let poolUp = false;
      try {
        await virsh('pool-define-as', pool, 'dir', '--target', dir);
        await virsh('pool-start', pool);
        poolUp = true;
        const disks = [
          `<disk type='file' device='disk'><driver name='qemu' type='qcow2' cache='none' io='native'/><source file='${dir}/a.qcow2'/><target dev='vda' bus='virtio'/></disk>`,
          `<disk type='file' device='disk'><driver name='qemu' type='raw' cache='writeback'/><source file='${dir}/b.raw'/><target dev='sda' bus='sata'/></disk>`,
          `<disk type='volume' device='disk'><driver name='qemu' type='raw'/><source pool='${pool}' volume='vol.raw'/><target dev='vda' bus='virtio'/></disk>`,
        ];
        for (const [i, n] of names.entries()) {
          const f = join(dir, `${n}.xml`);
          writeFileSync(f, domain(n, disks[i] as string));
          await virsh('define', f);
          defined.push(n);
        }
        const ours = (fs: FindingJson[]): FindingJson[] =>
          fs.filter((f) => f.subject?.kind === 'vm' && names.includes(f.subject.vm.name)).map((f) => {
            const { subject: _s, action: _a, ...rest } = f; // subject and action carry the URI the audit used
            return rest;
          });
        const live = await cli(['audit', '--only', 'vm', '--json']);
        assert.ok(live.code === 0 || live.code === 1, live.stderr);
        const liveVm = ours((JSON.parse(live.stdout) as { findings: FindingJson[] }).findings);

        const dump = join(dir, 'dump');
        const col = await cli(['collect', '-o', dump]);
        assert.equal(col.code, 0, col.stderr);
        const off = await cliProcess(['audit', '--from', dump, '--only', 'vm', '--json'], {
          env: { LIBVIRT_DEFAULT_URI: `qemu+unix:///system?socket=${join(dir, 'no-such.sock')}`, PATH: join(dir, 'no-tools') },
        });
        assert.ok(off.code === 0 || off.code === 1, off.stderr);
        const offVm = ours((JSON.parse(off.stdout) as { findings: FindingJson[] }).findings);

        assert.ok(liveVm.length >= 15, JSON.stringify(liveVm));
        assert.deepEqual(offVm, liveVm);
        const text = renderFindingsText(offVm.map((f) => ({ ...f, fix: undefined, ...(f.fix ? { fix: { parts: [{ text: f.fix }] } } : {}) })), { verbose: true })
          .split(dir).join('DIR')
          .split(tag).join('TAG');
        assertGolden(fixture('golden', 'collect', 'three-domains.txt'), text);
      } finally {
        for (const n of defined) await exec(['virsh', '-q', ...URI, 'undefine', n]);
        if (poolUp) await exec(['virsh', '-q', ...URI, 'pool-destroy', pool]);
        await exec(['virsh', '-q', ...URI, 'pool-undefine', pool]);
      }
    });
  });
});
