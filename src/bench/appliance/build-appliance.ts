// Builds (or finds in the cache) the guest benchmark appliance: a kernel plus an lz4
// initramfs with busybox, fio, mke2fs and mkfs.xfs with their libraries, the virtio
// modules and the /init of render-init.ts. Cached under STATE/appliance/KEY, where KEY
// hashes every input (init text, module list, and path/size/mtime of each file copied),
// so a new fio, kernel or init gives a new appliance and an unchanged host reuses it.
import { createHash } from 'node:crypto';
import {
  chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { KvmioError, usageError } from '../../errors.js';
import { execOk } from '../../exec.js';
import { fetchDebianKernel, type UnpackedKernel } from './kernel-package.js';
import { APPLIANCE_MODULES, XFS_MODULES, normalizeModuleName, orderModules, parseModuleDepends } from './module-order.js';
import { parseLdd } from './parse-ldd.js';
import { renderInit } from './render-init.js';

/** Bump when the layout or the init protocol changes in a way the inputs do not show. */
const APPLIANCE_FORMAT = 1;

/** Host binaries copied into the appliance, and where they go (busybox-static, fio, e2fsprogs, xfsprogs). */
export const DEFAULT_TOOLS: Readonly<Record<string, { readonly src: string; readonly dest: string }>> = {
  busybox: { src: '/bin/busybox', dest: '/bin/busybox' },
  fio: { src: '/usr/bin/fio', dest: '/usr/bin/fio' },
  mke2fs: { src: '/usr/sbin/mke2fs', dest: '/sbin/mke2fs' },
  mkfsXfs: { src: '/usr/sbin/mkfs.xfs', dest: '/sbin/mkfs.xfs' },
};

export interface ApplianceOptions {
  /** The appliance lives under STATE/appliance. */
  readonly stateDir: string;
  /** Where the Debian kernel package is downloaded and unpacked (default STATE/cache). */
  readonly cacheDir?: string;
  /** A kernel the user names instead of Debian's; its modules directory (lib/modules/VERSION) when the drivers are modules. */
  readonly kernel?: { readonly path: string; readonly modulesDir?: string };
  readonly tools?: Readonly<Record<string, { readonly src: string; readonly dest: string }>>;
  /** Build even when the cache holds an appliance for the same inputs. */
  readonly rebuild?: boolean;
}

export interface Appliance {
  readonly key: string;
  readonly dir: string;
  readonly kernel: string;
  readonly initrd: string;
  readonly kernelSource: string;
  readonly kernelVersion: string | undefined;
  readonly modules: readonly string[];
  readonly initrdBytes: number;
  /** False when it came from the cache. */
  readonly built: boolean;
}

interface FileInput {
  readonly src: string;
  readonly dest: string;
}

function listModules(dir: string): Map<string, string> {
  const found = new Map<string, string>();
  const walk = (d: string): void => {
    for (const ent of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, ent.name);
      if (ent.isDirectory()) walk(p);
      else if (ent.name.endsWith('.ko')) found.set(normalizeModuleName(ent.name.slice(0, -3)), p);
    }
  };
  walk(dir);
  return found;
}

async function kernelOf(opts: ApplianceOptions): Promise<{ kernel: string; modulesDir: string | undefined; source: string; version: string | undefined }> {
  if (opts.kernel) {
    const { path, modulesDir } = opts.kernel;
    if (!existsSync(path) || !statSync(path).isFile()) throw usageError(`--kernel ${path}: not a file; expected a bootable kernel image (bzImage or vmlinux)`);
    if (modulesDir !== undefined && (!existsSync(modulesDir) || !statSync(modulesDir).isDirectory())) {
      throw usageError(`--modules ${modulesDir}: not a directory; expected the kernel's lib/modules/VERSION`);
    }
    return { kernel: path, modulesDir, source: path, version: undefined };
  }
  const k: UnpackedKernel = await fetchDebianKernel(opts.cacheDir ?? join(opts.stateDir, 'cache'));
  return { kernel: k.kernel, modulesDir: k.modulesDir, source: k.package, version: k.version };
}

const identity = (path: string): string => {
  const s = statSync(path);
  return `${path}:${s.size}:${Math.trunc(s.mtimeMs)}`;
};

/** Returns the cached appliance for these inputs, or builds it. */
export async function buildAppliance(opts: ApplianceOptions): Promise<Appliance> {
  const k = await kernelOf(opts);
  const files: FileInput[] = [];
  let modules: string[] = [];
  let xfsModules: string[] = [];
  if (k.modulesDir !== undefined) {
    const available = listModules(k.modulesDir);
    const dependsOf = (name: string): string[] | undefined => {
      const p = available.get(name);
      return p === undefined ? undefined : parseModuleDepends(readFileSync(p));
    };
    modules = orderModules(APPLIANCE_MODULES, dependsOf);
    xfsModules = orderModules(XFS_MODULES, dependsOf).filter((m) => !modules.includes(m));
    for (const m of [...modules, ...xfsModules]) files.push({ src: available.get(m) as string, dest: `/lib/modules/kvmio/${m}.ko` });
    const missing = ['virtio_blk', 'virtio_scsi'].filter((m) => !modules.includes(m));
    if (missing.length === 2) throw new KvmioError('failed', `${k.modulesDir}: neither virtio_blk.ko nor virtio_scsi.ko found (uncompressed); expected the kernel's modules directory`);
  }
  const tools = opts.tools ?? DEFAULT_TOOLS;
  const libs = new Set<string>();
  for (const t of Object.values(tools)) {
    if (!existsSync(t.src)) throw new KvmioError('failed', `${t.src}: not found; the appliance needs it (Debian packages busybox-static, fio, e2fsprogs, xfsprogs)`);
    files.push(t);
    const ldd = await execOk(['ldd', t.src]).catch(() => undefined); // a static binary makes ldd exit 1
    for (const lib of ldd ? parseLdd(t.src, ldd.stdout) : []) libs.add(lib);
  }
  for (const lib of libs) files.push({ src: lib, dest: lib });
  const init = renderInit({ modules, xfsModules, libraryDirs: [...new Set([...libs].map((l) => dirname(l)))] });

  const hash = createHash('sha256');
  hash.update(JSON.stringify({ format: APPLIANCE_FORMAT, init, kernel: identity(k.kernel), files: files.map((f) => [f.dest, identity(f.src)]) }));
  const key = hash.digest('hex').slice(0, 16);
  const root = join(opts.stateDir, 'appliance');
  const dir = join(root, key);
  const result = (built: boolean): Appliance => ({
    key, dir, kernel: join(dir, 'kernel'), initrd: join(dir, 'initrd.lz4'), kernelSource: k.source, kernelVersion: k.version, modules: [...modules, ...xfsModules],
    initrdBytes: statSync(join(dir, 'initrd.lz4')).size, built,
  });
  if (!opts.rebuild && existsSync(join(dir, 'manifest.json'))) return result(false);

  mkdirSync(root, { recursive: true });
  const staging = mkdtempSync(join(root, '.build-'));
  try {
    const tree = join(staging, 'tree');
    for (const f of files) {
      const to = join(tree, f.dest);
      mkdirSync(dirname(to), { recursive: true });
      copyFileSync(f.src, to); // follows symlinks: the file's content under the name ldd printed
      chmodSync(to, statSync(f.src).mode & 0o777);
    }
    writeFileSync(join(tree, 'init'), init, { mode: 0o755 });
    const entries: string[] = [];
    const walk = (d: string): void => {
      for (const ent of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
        const p = join(d, ent.name);
        entries.push(relative(tree, p));
        if (ent.isDirectory()) walk(p);
      }
    };
    walk(tree);
    const out = join(staging, 'out');
    mkdirSync(out);
    // newc is the format the kernel unpacks (Documentation/driver-api/early-userspace/buffer-format.rst);
    // lz4 legacy framing (-l) is the only lz4 framing it accepts (lib/decompress_unlz4.c).
    await execOk(['cpio', '--quiet', '-o', '-H', 'newc', '-R', '0:0', '-O', join(staging, 'initrd.cpio')], { cwd: tree, input: `${entries.join('\n')}\n`, timeoutMs: 300_000 });
    await execOk(['lz4', '-l', '-q', '-f', join(staging, 'initrd.cpio'), join(out, 'initrd.lz4')], { timeoutMs: 300_000 });
    copyFileSync(k.kernel, join(out, 'kernel'));
    writeFileSync(join(out, 'init'), init);
    writeFileSync(join(out, 'manifest.json'), `${JSON.stringify({ key, format: APPLIANCE_FORMAT, kernelSource: k.source, kernelVersion: k.version, modules, xfsModules, files: files.map((f) => f.dest) }, null, 2)}\n`);
    rmSync(dir, { recursive: true, force: true });
    renameSync(out, dir);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  // Older appliances (other keys) are superseded: a changed input means they are stale.
  for (const old of readdirSync(root)) if (old !== key && !old.startsWith('.')) rmSync(join(root, old), { recursive: true, force: true });
  return result(true);
}
