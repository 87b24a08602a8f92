import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { probeDomains, probeVfioPci } from '../../src/facts/probe-passthrough.js';
import { missing, ok, type CommandSpec, type Read, type Source } from '../../src/facts/source.js';

/** An in-memory Source: command outputs by name, links and directories by path. */
function memory(cmds: Record<string, string | { code: number; stdout?: string; stderr?: string }>, links: Record<string, string> = {}, dirs: Record<string, string[]> = {}, files: Record<string, string> = {}): Source {
  return {
    label: 'memory',
    readText: async (p) => (files[p] !== undefined ? ok(files[p] as string) : missing(`${p}: ENOENT`)),
    listDir: async (p) => (dirs[p] ? ok(dirs[p] as string[]) : missing(`${p}: ENOENT`)),
    readLink: async (p) => (links[p] ? ok(links[p] as string) : missing(`${p}: EINVAL`)),
    run: async (c: CommandSpec): Promise<Read<{ code: number; stdout: string; stderr: string }>> => {
      const v = cmds[c.name];
      if (v === undefined) return missing(`${c.name}: not in dump`);
      return ok(typeof v === 'string' ? { code: 0, stdout: v, stderr: '' } : { code: v.code, stdout: v.stdout ?? '', stderr: v.stderr ?? '' });
    },
    tryOpen: async () => missing('-'),
  };
}

describe('probe of pass-through facts', () => {
  it('a domain disk named by /dev/disk/by-id also counts under its kernel name', async () => {
    const src = memory(
      { 'virsh-list': 'vm1\n', 'virsh-dumpxml.vm1': "<domain><name>vm1</name><devices><disk type='block'><source dev='/dev/disk/by-id/nvme-Samsung_X_1'/></disk></devices></domain>" },
      { '/dev/disk/by-id/nvme-Samsung_X_1': '../../nvme1n1' },
    );
    assert.deepEqual(await probeDomains(src, 'qemu:///system'), ok([{ name: 'vm1', diskSources: ['/dev/disk/by-id/nvme-Samsung_X_1', '/dev/nvme1n1'], hostdevs: [] }]));
  });
  it('virsh missing means no domains; virsh failing means unknown', async () => {
    assert.deepEqual(await probeDomains(memory({ 'virsh-list': { code: 127 } }), 'qemu:///system'), ok([]));
    const failed = await probeDomains(memory({ 'virsh-list': { code: 1, stderr: 'error: failed to connect to the hypervisor' } }), 'qemu:///system');
    assert.equal(failed.ok, false);
    assert.match(failed.ok ? '' : failed.reason, /failed to connect/);
  });
  it('vfio-pci: loaded, a module file, built in, or nowhere (with where we looked)', async () => {
    const rel = ok('6.1.0-28-amd64');
    const dir = '/lib/modules/6.1.0-28-amd64/kernel/drivers/vfio/pci';
    assert.deepEqual(await probeVfioPci(memory({}, {}, { '/sys/bus/pci/drivers': ['nvme', 'vfio-pci'] }), rel), ok({ loaded: true, builtin: false, looked: ['/sys/bus/pci/drivers/vfio-pci', dir, '/lib/modules/6.1.0-28-amd64/modules.builtin'] }));
    const mod = await probeVfioPci(memory({}, {}, { '/sys/bus/pci/drivers': ['nvme'], [dir]: ['vfio-pci-core.ko.xz', 'vfio-pci.ko.xz'] }), rel);
    assert.equal(mod.ok && mod.value.moduleFile, `${dir}/vfio-pci.ko.xz`);
    const builtin = await probeVfioPci(memory({}, {}, { '/sys/bus/pci/drivers': [] }, { '/lib/modules/6.1.0-28-amd64/modules.builtin': 'kernel/drivers/vfio/pci/vfio-pci.ko\n' }), rel);
    assert.equal(builtin.ok && builtin.value.builtin, true);
    const none = await probeVfioPci(memory({}, {}, { '/sys/bus/pci/drivers': [] }), rel);
    assert.deepEqual(none.ok && [none.value.loaded, none.value.builtin, none.value.moduleFile], [false, false, undefined]);
  });
});
