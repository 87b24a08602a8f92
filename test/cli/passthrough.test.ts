// kvmio passthrough end to end: recorded hosts, writable copies of their sysfs trees
// (the order of writes observed with strace, independently of kvmio's own account), and
// this machine, which has no IOMMU.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { exec } from '../../src/exec.js';
import { cli, fixture, REPO, withTempDir } from '../helpers.js';
import { writableCopy } from '../sysfs-copy.js';

interface Write {
  readonly path: string;
  readonly value: string;
}

const unescape = (s: string): string => s.replace(/\\(n|t|"|\\)/g, (_, c: string) => ({ n: '\n', t: '\t', '"': '"', '\\': '\\' })[c] ?? c);

/** Every write(2) to a file opened for writing under `prefix`, in order, from an strace log. */
function writesUnder(log: string, prefix: string): Write[] {
  const fds = new Map<string, string>();
  const out: Write[] = [];
  for (const line of log.split('\n')) {
    const open = /^(\d+) +openat\(AT_FDCWD, "([^"]+)", ([A-Z_|]+)[^=]*= (\d+)/.exec(line);
    if (open) {
      if (/O_WRONLY|O_RDWR/.test(open[3] as string)) fds.set(`${open[1]}:${open[4]}`, open[2] as string);
      continue;
    }
    const close = /^(\d+) +close\((\d+)\)/.exec(line);
    if (close) {
      fds.delete(`${close[1]}:${close[2]}`);
      continue;
    }
    const write = /^(\d+) +write\((\d+), "((?:[^"\\]|\\.)*)"/.exec(line);
    const path = write ? fds.get(`${write[1]}:${write[2]}`) : undefined;
    if (write && path?.startsWith(prefix)) out.push({ path: path.slice(prefix.length), value: unescape(write[3] as string) });
  }
  return out;
}

/** Runs `node ARGS` under strace; returns its exit code, output and the writes under `prefix`. */
async function traced(args: readonly string[], prefix: string, dir: string): Promise<{ code: number; stdout: string; stderr: string; writes: Write[] }> {
  const log = join(dir, `strace-${Math.random().toString(36).slice(2)}.log`);
  const r = await exec(['strace', '-f', '-qq', '-s', '256', '-e', 'trace=openat,write,close', '-o', log, process.execPath, ...args], { timeoutMs: 60_000 });
  return { code: r.code, stdout: r.stdout, stderr: r.stderr, writes: writesUnder(readFileSync(log, 'utf8'), prefix) };
}

const kvmio = (...args: string[]): string[] => [join(REPO, 'bin', 'kvmio.js'), ...args];
const attr = (root: string, path: string): string => readFileSync(join(root, path), 'utf8');
const dev = (a: string): string => `/sys/bus/pci/devices/${a}`;

describe('kvmio passthrough list/check on recorded hosts', () => {
  it('list --json on the DL360: verdicts, groups and disk uses as data', async () => {
    const r = await cli(['passthrough', 'list', '--json', '--from', fixture('hosts', 'dl360-gen9')]);
    assert.equal(r.code, 0, r.stderr);
    const data = JSON.parse(r.stdout) as { devices: { address: string; iommuGroup: number; verdict: { status: string } }[] };
    const nvme = data.devices.filter((d) => /^0000:0[4-7]:00\.0$/.test(d.address));
    assert.deepEqual(nvme.map((d) => [d.address, d.iommuGroup, d.verdict.status]), [
      ['0000:04:00.0', 20, 'refused'], ['0000:05:00.0', 21, 'allowed'], ['0000:06:00.0', 22, 'allowed'], ['0000:07:00.0', 23, 'allowed'],
    ]);
  });

  const golden = (name: string, actual: string): void => {
    const file = fixture('golden', 'passthrough', name);
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, actual);
    assert.ok(existsSync(file), `${file} is missing; run with UPDATE_GOLDEN=1 to write it`);
    assert.equal(actual, readFileSync(file, 'utf8'), `${name} differs from its golden file (UPDATE_GOLDEN=1 rewrites it)`);
  };
  for (const host of ['dl360-gen9', 'shared-group', 'sriov-nvme']) {
    it(`list on ${host} matches its golden file`, async () => {
      const r = await cli(['passthrough', 'list', '--from', fixture('hosts', host)]);
      assert.equal(r.code, 0, r.stderr);
      golden(`${host}.list.txt`, r.stdout);
    });
  }

  it('check: exit 1 with the members listed when a NIC shares the group; exit 0 once the NIC is named', async () => {
    const from = fixture('hosts', 'shared-group');
    const refused = await cli(['passthrough', 'check', '03:00.0', '--from', from]);
    assert.equal(refused.code, 1);
    assert.match(refused.stdout, /0000:02:00\.0 +network .*igb/);
    assert.match(refused.stdout, /IOMMU group 9 also holds 0000:02:00\.0/);
    const named = await cli(['passthrough', 'check', '03:00.0', '--with', '02:00.0', '--from', from]);
    assert.equal(named.code, 0, named.stdout);
  });

  it('bind without --yes: plans modprobe vfio-pci only where vfio-pci is a module not yet loaded', async () => {
    const module = await cli(['passthrough', 'bind', '03:00.0', '--with', '02:00.0', '--from', fixture('hosts', 'shared-group')]);
    assert.equal(module.code, 0, module.stderr);
    assert.match(module.stdout, /would run: modprobe vfio-pci/);
    assert.match(module.stdout, /would write \(run again with --yes\)/);
    const builtin = await cli(['passthrough', 'bind', '05:00.0', '--from', fixture('hosts', 'dl360-gen9')]);
    assert.equal(builtin.code, 0, builtin.stderr);
    assert.doesNotMatch(builtin.stdout, /run: modprobe/);
  });

  it('bad addresses are usage errors (exit 2)', async () => {
    const from = fixture('hosts', 'dl360-gen9');
    assert.equal((await cli(['passthrough', 'check', 'nvme0', '--from', from])).code, 2);
    const r = await cli(['passthrough', 'check', '0000:09:00.0', '--from', from]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /no PCI device 0000:09:00\.0/);
    const stray = await cli(['passthrough', 'bind', '05:00.0', '--with', '06:00.0', '--from', from]);
    assert.equal(stray.code, 2);
    assert.match(stray.stderr, /--with 0000:06:00\.0: not in IOMMU group 21; expected one of its members: 0000:05:00\.0/);
  });
});

describe('kvmio passthrough bind/unbind on a writable copy of a recorded sysfs tree', () => {
  it('bind writes override, unbind, drivers_probe in order; prints <hostdev> and -device; kvmio rollback restores the override and rebinds nvme', async () => {
    await withTempDir(async (dir) => {
      const { dump, root } = writableCopy('dl360-gen9', dir);
      const state = join(dir, 'state');
      const a = '0000:05:00.0';
      const r = await traced(kvmio('passthrough', 'bind', a, '--from', dump, '--sysfs-root', root, '--state-dir', state, '--yes'), root, dir);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(r.writes, [
        { path: `${dev(a)}/driver_override`, value: 'vfio-pci\n' },
        { path: `${dev(a)}/driver/unbind`, value: a },
        { path: '/sys/bus/pci/drivers_probe', value: a },
      ]);
      assert.equal(attr(root, `${dev(a)}/driver_override`), 'vfio-pci\n');
      assert.equal(attr(root, '/sys/bus/pci/drivers/nvme/unbind'), a, 'driver/unbind resolves to the nvme driver');
      assert.match(r.stdout, /<hostdev mode='subsystem' type='pci' managed='no'>[\s\S]*<address domain='0x0000' bus='0x05' slot='0x00' function='0x0'\/>/);
      assert.match(r.stdout, /QEMU: -device vfio-pci,host=0000:05:00\.0/);
      assert.match(r.stdout, /options vfio-pci ids=8086:0a54[\s\S]*0000:04:00\.0 \(nvme0n1 is an LVM PV of volume group "vmpool"\)[\s\S]*do NOT use this option/);
      assert.match(readFileSync(join(state, 'journal.jsonl'), 'utf8'), /"key":"vfio:0000:05:00.0"/);

      const rb = await traced(kvmio('rollback', '--yes', '--json', '--state-dir', state), root, dir);
      assert.equal(rb.code, 0, rb.stderr);
      assert.deepEqual((JSON.parse(rb.stdout) as { outcomes: { kind: string; status: string }[] }).outcomes.map((o) => [o.kind, o.status]), [['vfio', 'restored']]);
      assert.deepEqual(rb.writes, [
        { path: '/sys/bus/pci/drivers/vfio-pci/unbind', value: a },
        { path: `${dev(a)}/driver_override`, value: '\n' },
        { path: '/sys/bus/pci/drivers/nvme/bind', value: a },
      ]);
      assert.equal(attr(root, `${dev(a)}/driver_override`).trim(), '', 'override cleared (sysfs shows "(null)")');
      assert.equal(readlinkSync(join(root, dev(a), 'driver')).endsWith('/nvme'), true);
    });
  });

  it('bind killed (SIGKILL) right after its writes: kvmio rollback still restores the original driver', async () => {
    await withTempDir(async (dir) => {
      const { dump, root } = writableCopy('dl360-gen9', dir);
      const state = join(dir, 'state');
      const a = '0000:06:00.0';
      const env = { ...process.env, KVMIO_FAULT_AFTER_STEP: '2' } as Record<string, string>;
      const killed = await exec([process.execPath, ...kvmio('passthrough', 'bind', a, '--from', dump, '--sysfs-root', root, '--state-dir', state, '--yes')], { env });
      assert.equal(killed.code === 0, false, 'the run was killed');
      assert.equal(attr(root, `${dev(a)}/driver_override`), 'vfio-pci\n');
      const rb = await traced(kvmio('rollback', '--yes', '--state-dir', state), root, dir);
      assert.equal(rb.code, 0, rb.stderr + rb.stdout);
      assert.deepEqual(rb.writes.map((w) => w.path), ['/sys/bus/pci/drivers/vfio-pci/unbind', `${dev(a)}/driver_override`, '/sys/bus/pci/drivers/nvme/bind']);
      assert.equal(attr(root, `${dev(a)}/driver_override`).trim(), '');
    });
  });

  it('a failure part-way rolls the whole group back: nothing is left on vfio-pci', async () => {
    await withTempDir(async (dir) => {
      const { dump, root } = writableCopy('shared-group', dir);
      rmSync(join(root, 'sys/bus/pci/drivers/nvme/unbind')); // the NVMe's unbind will fail
      const r = await traced(kvmio('passthrough', 'bind', '03:00.0', '--with', '02:00.0', '--from', dump, '--sysfs-root', root, '--state-dir', join(dir, 'state'), '--yes'), root, dir);
      assert.equal(r.code, 1);
      assert.match(r.stdout, /rolled back: 0000:03:00\.0, 0000:02:00\.0/);
      assert.deepEqual(r.writes, [
        { path: `${dev('0000:02:00.0')}/driver_override`, value: 'vfio-pci\n' },
        { path: `${dev('0000:02:00.0')}/driver/unbind`, value: '0000:02:00.0' },
        { path: '/sys/bus/pci/drivers_probe', value: '0000:02:00.0' },
        { path: `${dev('0000:03:00.0')}/driver_override`, value: 'vfio-pci\n' },
        // 03:00.0 unbind fails here; rollback, newest first
        { path: '/sys/bus/pci/drivers/vfio-pci/unbind', value: '0000:03:00.0' },
        { path: `${dev('0000:03:00.0')}/driver_override`, value: '\n' },
        { path: '/sys/bus/pci/drivers/nvme/bind', value: '0000:03:00.0' },
        { path: '/sys/bus/pci/drivers/vfio-pci/unbind', value: '0000:02:00.0' },
        { path: `${dev('0000:02:00.0')}/driver_override`, value: '\n' },
        { path: '/sys/bus/pci/drivers/igb/bind', value: '0000:02:00.0' },
      ]);
      for (const a of ['0000:02:00.0', '0000:03:00.0']) assert.equal(attr(root, `${dev(a)}/driver_override`).trim(), '');
    });
  });

  it('unbind gives a vfio-pci VF back: override cleared, unbound from vfio-pci, drivers_probe', async () => {
    await withTempDir(async (dir) => {
      const { dump, root } = writableCopy('sriov-nvme', dir);
      const a = '0000:41:00.1';
      const dry = await traced(kvmio('passthrough', 'unbind', a, '--from', dump, '--sysfs-root', root, '--state-dir', join(dir, 'state')), root, dir);
      assert.equal(dry.code, 0, dry.stderr);
      assert.deepEqual(dry.writes, [], 'without --yes nothing is written');
      assert.match(dry.stdout, /would write/);
      const r = await traced(kvmio('passthrough', 'unbind', a, '--from', dump, '--sysfs-root', root, '--state-dir', join(dir, 'state'), '--yes'), root, dir);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(r.writes, [
        { path: `${dev(a)}/driver_override`, value: '\n' },
        { path: `${dev(a)}/driver/unbind`, value: a },
        { path: '/sys/bus/pci/drivers_probe', value: a },
      ]);
      assert.equal(attr(root, '/sys/bus/pci/drivers/vfio-pci/unbind'), a);
    });
  });

  it('a refused bind writes nothing and keeps no journal: the NVMe holding the host pool', async () => {
    await withTempDir(async (dir) => {
      const { dump, root } = writableCopy('dl360-gen9', dir);
      const state = join(dir, 'state');
      const r = await traced(kvmio('passthrough', 'bind', '04:00.0', '--from', dump, '--sysfs-root', root, '--state-dir', state, '--yes'), root, dir);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /refused, nothing written[\s\S]*nvme0n1 is an LVM PV of volume group "vmpool"/);
      assert.deepEqual(r.writes, []);
      assert.equal(existsSync(join(state, 'journal.jsonl')), false);
    });
  });
});

describe('kvmio passthrough on this machine (no IOMMU)', () => {
  const iommuUnits = existsSync('/sys/class/iommu') ? readdirSync('/sys/class/iommu') : [];
  const addresses = existsSync('/sys/bus/pci/devices') ? readdirSync('/sys/bus/pci/devices').sort() : [];
  const target = addresses.find((a) => existsSync(`/sys/bus/pci/devices/${a}/driver`)) ?? addresses[0];
  const skip = iommuUnits.length > 0 ? 'this machine has an IOMMU' : target === undefined ? 'no PCI devices' : false;

  it('check says the IOMMU is off, exit 1', { skip }, async () => {
    const r = await cli(['passthrough', 'check', target as string]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /FAIL +pt\.iommu +no IOMMU: \/sys\/class\/iommu is empty/);
    assert.match(r.stdout, /not ready for VFIO: pt\.iommu/);
    assert.match(r.stdout, /is in no IOMMU group: the IOMMU is off/);
  });

  it('bind --yes refuses and writes nothing under /sys', { skip }, async () => {
    await withTempDir(async (dir) => {
      const a = target as string;
      const before = readFileSync(`/sys/bus/pci/devices/${a}/driver_override`, 'utf8');
      const r = await traced(kvmio('passthrough', 'bind', a, '--yes', '--state-dir', join(dir, 'state')), '/sys', dir);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /refused, nothing written[\s\S]*pt\.iommu: no IOMMU/);
      assert.deepEqual(r.writes, []);
      assert.equal(readFileSync(`/sys/bus/pci/devices/${a}/driver_override`, 'utf8'), before);
      assert.equal(existsSync(join(dir, 'state', 'journal.jsonl')), false);
    });
  });
});
