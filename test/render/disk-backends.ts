// Real backends for the acceptance tests: image files made by qemu-img (sparse raw,
// fully allocated raw, sparse qcow2), a loop device, and a partition of a loop device
// (GPT by sgdisk, partitions by losetup -P, or partx -a where the kernel did not scan).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { exec, execOk } from '../../src/exec.js';
import { withLoop, withTempDir } from '../helpers.js';

export interface RealBackends {
  readonly dir: string;
  readonly rawSparse: string;
  readonly rawFull: string;
  readonly qcow2: string;
  readonly loop: string;
  readonly partition: string;
}

export async function withRealBackends<T>(fn: (b: RealBackends) => Promise<T>): Promise<T> {
  return withTempDir(async (dir) => {
    const rawSparse = join(dir, 'sparse.img');
    const rawFull = join(dir, 'full.img');
    const qcow2 = join(dir, 'disk.qcow2');
    await Promise.all([
      execOk(['qemu-img', 'create', '-q', '-f', 'raw', rawSparse, '64M']),
      execOk(['qemu-img', 'create', '-q', '-f', 'raw', '-o', 'preallocation=falloc', rawFull, '16M']),
      execOk(['qemu-img', 'create', '-q', '-f', 'qcow2', qcow2, '64M']),
    ]);
    return withLoop(dir, 32, (loop) =>
      withLoop(dir, 32, async (disk) => {
        await execOk(['sgdisk', '-n', '1:2048:+8M', disk]);
        const partition = `${disk}p1`;
        if (!existsSync(partition)) await exec(['partx', '-a', disk]);
        if (!existsSync(partition)) throw new Error(`${partition} did not appear after sgdisk and partx -a`);
        return fn({ dir, rawSparse, rawFull, qcow2, loop, partition });
      }, { partscan: true }),
    );
  });
}
