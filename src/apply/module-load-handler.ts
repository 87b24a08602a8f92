// The engine handler for loading a kernel module before VFIO binds: `modprobe vfio-pci`.
// drivers_probe does not load modules (Documentation/ABI/testing/sysfs-bus-pci,
// drivers_probe), so with driver_override set and vfio-pci absent a device would end up
// with no driver. Loaded means the driver is registered on the PCI bus
// (/sys/bus/pci/drivers/vfio-pci, what facts/probe-passthrough.ts reads), built in or a
// module. Rollback runs `modprobe -r` only when kvmio loaded it (journaled as not loaded)
// and no device is bound to it any more (the vfio actions, newer, are undone first).
//
// `sysfsRoot` (tests: a copy of a recorded tree) is where "loaded" is read; modprobe is
// whatever `modprobe` is on PATH (there, a stand-in: module loading cannot run in a tree).
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { exec } from '../exec.js';
import type { ActionBase } from '../model/action.js';
import { shellCommand } from '../render/shell-quote.js';
import type { ActionHandler } from './action-handler.js';

/** The only modules kvmio loads: a journal naming another is not one it wrote. */
export const LOADABLE_MODULES: readonly string[] = ['vfio-pci'];

export interface ModuleLoad extends ActionBase {
  readonly kind: 'kernel-module';
  /** modprobe's name ("vfio-pci"). */
  readonly module: string;
  /** The PCI driver the module registers ("vfio-pci"): its /sys/bus/pci/drivers entry. */
  readonly pciDriver: string;
  /** "/" for the live host; a copy of a recorded tree in tests. */
  readonly sysfsRoot: string;
}

export interface ModuleState {
  readonly loaded: boolean;
  /** PCI addresses bound to the driver now. */
  readonly bound: readonly string[];
}

const driverDir = (a: ModuleLoad): string => join(a.sysfsRoot === '' ? '/' : a.sysfsRoot, 'sys', 'bus', 'pci', 'drivers', a.pciDriver);
const PCI_ADDRESS = /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/;

export function readModuleState(a: ModuleLoad): ModuleState {
  const dir = driverDir(a);
  if (!existsSync(dir)) return { loaded: false, bound: [] };
  return { loaded: true, bound: readdirSync(dir).filter((n) => PCI_ADDRESS.test(n)).sort() };
}

const notOurs = (a: ModuleLoad): string | undefined =>
  LOADABLE_MODULES.includes(a.module) && a.pciDriver === a.module ? undefined : `module ${JSON.stringify(a.module)} (driver ${JSON.stringify(a.pciDriver)}) is not one kvmio loads (${LOADABLE_MODULES.join(', ')})`;

async function modprobe(args: readonly string[]): Promise<void> {
  const argv = ['modprobe', ...args];
  const r = await exec(argv, { timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`${shellCommand(argv)}: exit ${r.code}: ${r.stderr.trim().split('\n').slice(-1)[0] ?? ''}`);
}

export const moduleLoadHandler: ActionHandler<ModuleLoad, ModuleState> = {
  locate: (a) => a,
  key: (a) => `module:${a.module}`,
  snapshot: (a) => readModuleState(a),
  isDone: (_a, s) => s.loaded,
  check: (a) => notOurs(a),
  describe: (a, s) => `${a.module}: ${s.loaded ? 'loaded' : 'not loaded'} → loaded (${shellCommand(['modprobe', a.module])})`,
  apply: (a) => modprobe([a.module]),
  verify: (a, s) => (s.loaded ? undefined : `${driverDir(a)} is absent after modprobe ${a.module} (is the module installed for this kernel?)`),
  restore: async (a, old) => {
    const bad = notOurs(a);
    if (bad !== undefined) throw new Error(bad);
    if (!old.loaded && readModuleState(a).loaded) await modprobe(['-r', a.module]);
  },
  compare: (old, cur) => (old.loaded === cur.loaded ? undefined : cur.loaded ? 'loaded, originally not' : 'unloaded, originally loaded'),
  describeRestore: (a, old, cur) => (old.loaded ? `${a.module}: was loaded before kvmio, left alone\n` : cur.loaded ? `${a.module}: ${shellCommand(['modprobe', '-r', a.module])} (kvmio loaded it)\n` : `${a.module}: not loaded\n`),
  refuseRestore: (a, old, cur) =>
    !old.loaded && cur.loaded && cur.bound.length > 0 ? `${a.module} is in use by ${cur.bound.join(', ')}; kvmio unloads it only when no device is bound to it (kvmio passthrough unbind ADDR --yes)` : undefined,
};
