// Which kernel modules the appliance loads, in what order. Debian's cloud kernel builds
// virtio, virtio_blk, virtio_scsi, sd_mod, qemu_fw_cfg and xfs as modules; the appliance
// has no modules.dep and no modprobe, so busybox insmod needs dependencies first. Each
// .ko carries them in its .modinfo section as a NUL-terminated "depends=a,b" string
// (kernel scripts/mod/modpost.c, add_depends), which is all this reads.
import { KvmioError } from '../../errors.js';

/** The drivers every guest needs: both disk buses and the fw_cfg job channel. */
export const APPLIANCE_MODULES = ['virtio_pci', 'virtio_blk', 'virtio_scsi', 'sd_mod', 'qemu_fw_cfg'] as const;
/** Loaded only for an XFS guest target (ext4 is built into Debian's cloud kernel). */
export const XFS_MODULES = ['xfs'] as const;

/** Module names use '_' and '-' interchangeably (kernel/module: module_name normalises to '_'). */
export const normalizeModuleName = (name: string): string => name.replace(/-/g, '_');

/** The depends= list of one module file's bytes (empty when it has none). */
export function parseModuleDepends(bytes: Uint8Array): string[] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const key = Buffer.from('\0depends=', 'latin1');
  const at = buf.indexOf(key);
  if (at < 0) return [];
  const start = at + key.length;
  const end = buf.indexOf(0, start);
  const value = buf.subarray(start, end < 0 ? buf.length : end).toString('latin1');
  return value.split(',').map((s) => normalizeModuleName(s.trim())).filter((s) => s !== '');
}

/**
 * Orders the wanted modules and their dependencies so that every module follows what it
 * depends on. `dependsOf(name)` returns undefined for a module that is not a file
 * (built into the kernel): it is skipped, not loaded.
 */
export function orderModules(wanted: readonly string[], dependsOf: (name: string) => readonly string[] | undefined): string[] {
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: readonly string[]): void => {
    const s = state.get(name);
    if (s === 'done') return;
    if (s === 'visiting') throw new KvmioError('failed', `kernel modules: dependency cycle ${[...path, name].join(' → ')}`);
    const deps = dependsOf(name);
    if (deps === undefined) {
      state.set(name, 'done');
      return;
    }
    state.set(name, 'visiting');
    for (const d of deps) visit(d, [...path, name]);
    state.set(name, 'done');
    order.push(name);
  };
  for (const w of wanted) visit(normalizeModuleName(w), []);
  return order;
}
