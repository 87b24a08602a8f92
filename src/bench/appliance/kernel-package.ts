// The appliance kernel from Debian's linux-image-cloud-amd64: resolve the versioned
// package the metapackage depends on, `apt-get download` it into a cache directory and
// unpack it with `dpkg-deb -x`. Nothing is installed: the host's kernel and package
// database are untouched.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KvmioError } from '../../errors.js';
import { execOk } from '../../exec.js';
import { parseKernelDependency } from './parse-apt-depends.js';

export const KERNEL_METAPACKAGE = 'linux-image-cloud-amd64';

export interface UnpackedKernel {
  readonly package: string;
  /** The bzImage (boot/vmlinuz-VERSION). */
  readonly kernel: string;
  /** lib/modules/VERSION of the unpacked package. */
  readonly modulesDir: string;
  readonly version: string;
}

/** Finds boot/vmlinuz-* and lib/modules/* in an unpacked tree. */
export function findKernelIn(root: string, pkg: string): UnpackedKernel {
  const boot = join(root, 'boot');
  const vmlinuz = existsSync(boot) ? readdirSync(boot).filter((f) => f.startsWith('vmlinuz-')) : [];
  const first = vmlinuz[0];
  if (first === undefined || vmlinuz.length !== 1) throw new KvmioError('failed', `${pkg}: expected exactly one boot/vmlinuz-* in the package, found ${vmlinuz.length}`);
  const version = first.slice('vmlinuz-'.length);
  // Debian ships modules under /lib/modules, or /usr/lib/modules after the usrmerge move.
  const modulesDir = [join(root, 'lib', 'modules', version), join(root, 'usr', 'lib', 'modules', version)].find((d) => existsSync(d));
  if (modulesDir === undefined) throw new KvmioError('failed', `${pkg}: no lib/modules/${version} in the package`);
  return { package: pkg, kernel: join(boot, first), modulesDir, version };
}

/** Downloads and unpacks the Debian cloud kernel into cacheDir (once per package version). */
export async function fetchDebianKernel(cacheDir: string): Promise<UnpackedKernel> {
  const depends = await execOk(['apt-cache', 'depends', KERNEL_METAPACKAGE], { timeoutMs: 60_000 });
  const pkg = parseKernelDependency(KERNEL_METAPACKAGE, depends.stdout);
  const root = join(cacheDir, 'kernel', pkg);
  if (existsSync(join(root, '.unpacked'))) return findKernelIn(root, pkg);
  const dl = join(cacheDir, 'kernel', `.download-${process.pid}`);
  rmSync(dl, { recursive: true, force: true });
  mkdirSync(dl, { recursive: true });
  try {
    await execOk(['apt-get', 'download', '-q', pkg], { cwd: dl, timeoutMs: 600_000 });
    const deb = readdirSync(dl).find((f) => f.endsWith('.deb'));
    if (deb === undefined) throw new KvmioError('failed', `apt-get download ${pkg}: no .deb written`);
    const tree = join(dl, 'tree');
    await execOk(['dpkg-deb', '-x', join(dl, deb), tree], { timeoutMs: 300_000 });
    findKernelIn(tree, pkg);
    writeFileSync(join(tree, '.unpacked'), `${deb}\n`);
    rmSync(root, { recursive: true, force: true });
    renameSync(tree, root);
  } finally {
    rmSync(dl, { recursive: true, force: true });
  }
  return findKernelIn(root, pkg);
}
