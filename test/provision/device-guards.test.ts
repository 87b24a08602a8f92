// The data guards on real targets: loop devices holding ext4, xfs, swap, a GPT label, an
// LVM PV, an md superblock, a mount, a libvirt disk, a stacked loop device, a mounted
// partition, active swap, and the root disk. Each is refused by the named guard, by both
// `vg create --yes` (pvcreate would write) and `disk create --yes`, and its bytes are
// unchanged. For the root disk no writer tool is even started.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createReadStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { exec, execOk } from '../../src/exec.js';
import { cli, cliProcess, fixture, uniqueName, withLoop, withTempDir } from '../helpers.js';

const LVM_ENV = { LVM_SUPPRESS_FD_WARNINGS: '1' };

const sha256 = (path: string): Promise<string> =>
  new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(path).on('data', (b) => h.update(b)).on('end', () => resolve(h.digest('hex'))).on('error', reject);
  });

type Cleanup = () => Promise<unknown>;
interface Target {
  readonly name: string;
  readonly mib: number;
  readonly partscan?: boolean;
  /** Prepares the loop device; returns its cleanup. */
  readonly setup: (dev: string, dir: string) => Promise<Cleanup>;
  readonly guard: string;
  /** Text the refusal must contain (the object and the value seen). */
  readonly says: (dev: string) => string;
  /** A use guard: --force must not override it. */
  readonly use: boolean;
}

const nothing: Cleanup = async () => undefined;

async function mountRo(dev: string, dir: string): Promise<Cleanup> {
  const mnt = join(dir, uniqueName('mnt'));
  mkdirSync(mnt);
  await execOk(['mount', '-o', 'ro', dev, mnt]);
  return () => exec(['umount', mnt]);
}

/** md 1.2 superblock: magic a92b4efc at 4 KiB, major_version 1, super_offset 8 (sectors) at 4 KiB + 144. */
async function writeMdSuperblock(dev: string): Promise<void> {
  const sb = Buffer.alloc(256);
  sb.writeUInt32LE(0xa92b4efc, 0);
  sb.writeUInt32LE(1, 4);
  sb.writeBigUInt64LE(8n, 144);
  const tmp = `${dev.replace(/\//g, '_')}.sb`;
  const path = join('/tmp', `kvmio-${process.pid}-${tmp}`);
  writeFileSync(path, sb);
  try {
    await execOk(['dd', `if=${path}`, `of=${dev}`, 'bs=4096', 'seek=1', 'conv=notrunc,fsync', 'status=none']);
  } finally {
    await exec(['rm', '-f', path]);
  }
}

const TARGETS: readonly Target[] = [
  {
    name: 'ext4',
    mib: 32,
    setup: async (dev) => (await execOk(['mkfs.ext4', '-q', '-F', dev]), nothing),
    guard: 'signature.filesystem',
    says: (dev) => `ext4 filesystem signature at offset 0x438 on ${dev} (blkid)`,
    use: false,
  },
  {
    name: 'xfs',
    mib: 320,
    setup: async (dev) => (await execOk(['mkfs.xfs', '-q', '-f', dev]), nothing),
    guard: 'signature.filesystem',
    says: (dev) => `xfs filesystem signature at offset 0x0 on ${dev}`,
    use: false,
  },
  {
    name: 'swap signature',
    mib: 32,
    setup: async (dev) => (await execOk(['mkswap', dev]), nothing),
    guard: 'signature.swap',
    says: (dev) => `swap swap signature at offset 0xff6 on ${dev}`,
    use: false,
  },
  {
    name: 'GPT label (sgdisk)',
    mib: 32,
    setup: async (dev) => (await execOk(['sgdisk', '-o', dev]), nothing),
    guard: 'signature.partition-table',
    says: (dev) => `gpt partition table signature at offset 0x200 on ${dev}`,
    use: false,
  },
  {
    name: 'LVM PV in no VG',
    mib: 32,
    setup: async (dev) => {
      await execOk(['pvcreate', '-q', dev], { env: LVM_ENV });
      return () => exec(['pvremove', '-q', '-ff', '-y', dev], { env: LVM_ENV });
    },
    guard: 'signature.lvm',
    says: (dev) => `LVM2_member LVM physical volume signature at offset 0x218 on ${dev}`,
    use: false,
  },
  {
    name: 'md 1.2 superblock',
    mib: 32,
    setup: async (dev) => {
      await writeMdSuperblock(dev);
      // The fixture must really look like an md member to blkid.
      assert.match((await execOk(['blkid', '-p', '-o', 'export', dev])).stdout, /TYPE=linux_raid_member/);
      return nothing;
    },
    guard: 'signature.raid',
    says: (dev) => `linux_raid_member RAID member (md superblock) signature at offset 0x1000 on ${dev}`,
    use: false,
  },
  {
    name: 'mounted ext4',
    mib: 32,
    setup: async (dev, dir) => {
      await execOk(['mkfs.ext4', '-q', '-F', dev]);
      return mountRo(dev, dir);
    },
    guard: 'mounted',
    says: (dev) => `${dev} is mounted on `,
    use: true,
  },
  {
    name: 'a mounted partition of a partitioned disk',
    mib: 64,
    partscan: true,
    setup: async (dev, dir) => {
      await execOk(['sgdisk', '-n', '1:2048:0', dev]);
      await execOk(['partx', '-u', dev]).catch(() => undefined);
      await execOk(['mkfs.ext4', '-q', '-F', `${dev}p1`]);
      return mountRo(`${dev}p1`, dir);
    },
    guard: 'mounted',
    says: (dev) => `${dev}p1 is mounted on `,
    use: true,
  },
  {
    name: 'a disk of a libvirt domain',
    mib: 32,
    setup: async (dev, dir) => {
      const name = uniqueName('kvmio-guard');
      const xml = join(dir, `${name}.xml`);
      writeFileSync(
        xml,
        `<domain type='qemu'><name>${name}</name><memory unit='MiB'>64</memory><os><type arch='x86_64' machine='q35'>hvm</type></os>` +
          `<devices><disk type='block' device='disk'><driver name='qemu' type='raw'/><source dev='${dev}'/><target dev='vdc' bus='virtio'/></disk></devices></domain>`,
      );
      await execOk(['virsh', '-q', '-c', 'qemu:///system', 'define', xml]);
      return () => exec(['virsh', '-q', '-c', 'qemu:///system', 'undefine', name]);
    },
    guard: 'libvirt-domain',
    says: (dev) => `uses it as vdc (${dev})`,
    use: true,
  },
  {
    name: 'a loop device stacked on it (holder)',
    mib: 32,
    setup: async (dev) => {
      const top = (await execOk(['losetup', '-f', '--show', dev])).stdout.trim();
      return () => exec(['losetup', '-d', top]);
    },
    guard: 'holders',
    says: (dev) => `is backed by ${dev}`,
    use: true,
  },
  {
    name: 'active swap',
    mib: 32,
    setup: async (dev) => {
      await execOk(['mkswap', dev]);
      await execOk(['swapon', dev]);
      return () => exec(['swapoff', dev]);
    },
    guard: 'swap-active',
    says: (dev) => `${dev} is active swap (/proc/swaps)`,
    use: true,
  },
  {
    name: 'an LVM PV in a volume group',
    mib: 32,
    setup: async (dev) => {
      const vg = uniqueName('kvg').replace(/-/g, '_');
      await execOk(['pvcreate', '-q', dev], { env: LVM_ENV });
      await execOk(['vgcreate', '-q', vg, dev], { env: LVM_ENV });
      return async () => {
        await exec(['vgremove', '-q', '-f', vg], { env: LVM_ENV });
        await exec(['pvremove', '-q', dev], { env: LVM_ENV });
      };
    },
    guard: 'active-pv',
    says: (dev) => `${dev} is a physical volume of volume group kvg_`,
    use: true,
  },
];

describe('data guards on real devices', () => {
  for (const t of TARGETS) {
    it(`refuses ${t.name} by guard ${t.guard}${t.use ? ', even with --force' : ''}; bytes unchanged`, async () => {
      await withTempDir((dir) =>
        withLoop(
          dir,
          t.mib,
          async (dev, file) => {
            const cleanup = await t.setup(dev, dir);
            try {
              const before = await sha256(file);
              const vg = uniqueName('kvg').replace(/-/g, '_');
              // A private journal: kvmio treats a PV its journal says it created as its own, and a
              // shared /var/lib/kvmio remembers earlier runs on the same (reused) loop device.
              const state = ['--state-dir', join(dir, 'state')];
              const runs = [
                ['vg', 'create', vg, dev, '--yes', ...state],
                ['disk', 'create', 'g', '--on', dev, '--yes', ...state],
                ...(t.use ? [['vg', 'create', vg, dev, '--yes', '--force', ...state], ['disk', 'create', 'g', '--on', dev, '--yes', '--force', ...state]] : []),
              ];
              for (const args of runs) {
                const r = await cli(args);
                assert.equal(r.code, 1, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
                assert.ok(r.stderr.includes(`${dev}: refused by guard ${t.guard}: `), `${args.join(' ')}:\n${r.stderr}`);
                assert.ok(r.stderr.includes(t.says(dev)), `expected "${t.says(dev)}" in:\n${r.stderr}`);
              }
              assert.equal((await exec(['vgs', vg], { env: LVM_ENV })).code, 5, 'no VG was created');
              assert.equal(await sha256(file), before, `${t.name}: bytes changed`);
            } finally {
              await cleanup();
            }
          },
          t.partscan ? { partscan: true } : {},
        ),
      );
    });
  }

  it('a signature guard yields to --force (dry run shows pvcreate --yes), a use guard never does', async () => {
    await withTempDir((dir) =>
      withLoop(dir, 32, async (dev) => {
        await execOk(['mkfs.ext4', '-q', '-F', dev]);
        const vg = uniqueName('kvg').replace(/-/g, '_');
        const r = await cli(['vg', 'create', vg, dev, '--force']);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stderr, /--force overrides: guard signature\.filesystem: ext4 filesystem signature/);
        assert.ok(r.stdout.includes(`pvcreate --yes ${dev}`), r.stdout);
      }),
    );
  });

  it('--json reports a refusal as data: every trip with its guard, object, value and whether --force could override it', async () => {
    await withTempDir((dir) =>
      withLoop(dir, 32, async (dev) => {
        await execOk(['mkfs.ext4', '-q', '-F', dev]);
        const r = await cli(['disk', 'create', 'g', '--on', dev, '--json', '--yes']);
        assert.equal(r.code, 1);
        const j = JSON.parse(r.stdout) as { refused: boolean; trips: { guard: string; object: string; value: string; overridable: boolean }[] };
        assert.equal(j.refused, true);
        assert.deepEqual(j.trips.map((t) => [t.guard, t.object, t.overridable]), [['signature.filesystem', dev, true]]);
        assert.match(j.trips[0]?.value ?? '', /^ext4 filesystem signature/);
      }),
    );
  });

  it('refuses the root disk /dev/vda by guard root-boot, and no writer tool is even started', async () => {
    await withTempDir(async (dir) => {
      const log = join(dir, 'writers.log');
      writeFileSync(log, '');
      // Every writer kvmio could start (pvcreate, vgcreate, lvcreate, qemu-img, …) is a recording trap first on PATH.
      const env = { PATH: `${fixture('bin', 'writer-trap')}:${process.env.PATH ?? ''}`, KVMIO_FAKE_LOG: log };
      for (const args of [
        ['vg', 'create', uniqueName('kvg'), '/dev/vda', '--yes', '--force'],
        ['disk', 'create', 'root', '--on', '/dev/vda', '--yes', '--force'],
        ['disk', 'create', 'root', '--on', '/dev/vda', '--attach', 'nonexistent-domain', '--yes', '--force'],
      ]) {
        const r = await cliProcess(args, { env });
        assert.equal(r.code, 1, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
        assert.match(r.stderr, /\/dev\/vda: refused by guard root-boot: it backs \/ \(\/dev\/vda\)/);
        assert.match(r.stderr, /\/dev\/vda: refused by guard mounted: \/dev\/vda is mounted on \//);
      }
      assert.equal(readFileSync(log, 'utf8'), '', 'a writer tool was started');
    });
  });
});
