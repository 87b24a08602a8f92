// The engine handler for VFIO binding (engine.ts: handlers per action kind). One action
// per group member: the member's ordered sysfs writes from plan-vfio.ts. The journal
// keeps the member's driver and driver_override before the change; rollback runs the
// steps' undo writes, last step first (restore the override, then drivers/ORIG/bind).
//
// `sysfsRoot` (tests: a writable copy of a recorded sysfs tree) prefixes every path. Such
// a tree has no kernel behind it: the `driver` link does not move when we write unbind or
// drivers_probe, so there the handler checks driver_override only and says so.
import { existsSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { ActionBase } from '../model/action.js';
import { VFIO_DRIVER, type PciWrite, type SysfsStep } from '../decide/plan-vfio.js';
import type { ActionHandler } from './action-handler.js';
import { shellLine, shellQuote } from '../render/shell-quote.js';
import { moduleLoadHandler } from './module-load-handler.js';

export interface VfioAction extends ActionBase {
  readonly kind: 'vfio';
  /** The member's PCI address. */
  readonly address: string;
  /** bind: to vfio-pci; unbind: back to the kernel's own driver. */
  readonly direction: 'bind' | 'unbind';
  /** "/" for the live host; a directory holding a copy of /sys for tests. */
  readonly sysfsRoot: string;
  /** This member's steps, in order, each with its undo writes. */
  readonly steps: readonly SysfsStep[];
}

export interface PciDriverState {
  readonly exists: boolean;
  /** Bound driver's name, or null. */
  readonly driver: string | null;
  /** driver_override, "" when unset ("(null)" in sysfs). */
  readonly override: string;
}

const at = (root: string, path: string): string => (root === '/' || root === '' ? path : join(root, path));
const devDir = (a: VfioAction): string => at(a.sysfsRoot, `/sys/bus/pci/devices/${a.address}`);
const live = (a: VfioAction): boolean => a.sysfsRoot === '/' || a.sysfsRoot === '';

export function readPciDriverState(a: VfioAction): PciDriverState {
  const dir = devDir(a);
  if (!existsSync(dir)) return { exists: false, driver: null, override: '' };
  let driver: string | null = null;
  try {
    driver = basename(readlinkSync(join(dir, 'driver')));
  } catch {
    driver = null;
  }
  let override = '';
  try {
    const t = readFileSync(join(dir, 'driver_override'), 'utf8').trim();
    override = t === '(null)' ? '' : t;
  } catch {
    override = '';
  }
  return { exists: true, driver, override };
}

/** Errors a trigger write may give when the device is already where the write would put it. */
const HARMLESS = new Set(['ENODEV', 'EBUSY', 'ENOENT']);

/**
 * Writes VALUE to an attribute that must exist (never creates one: in a test tree a
 * missing attribute fails as it would in sysfs). Truncates, so a plain-file tree holds
 * exactly the last value; sysfs ignores O_TRUNC.
 */
export function writeAttr(root: string, w: PciWrite): void {
  const path = at(root, w.path);
  if (!existsSync(path)) throw Object.assign(new Error(`${path}: no such attribute`), { code: 'ENOENT' });
  writeFileSync(path, w.value);
}

/** What differs from the action's end state; `checkDriver` false on a test tree, whose driver link never moves. */
function wants(a: VfioAction, s: PciDriverState, checkDriver: boolean): string | undefined {
  if (!s.exists) return `${a.address} is gone`;
  if (a.direction === 'bind') {
    if (s.override !== VFIO_DRIVER) return `${a.address}: driver_override is "${s.override || '(null)'}", expected "vfio-pci"`;
    if (checkDriver && s.driver !== VFIO_DRIVER) return `${a.address}: bound to ${s.driver ?? 'no driver'}, expected vfio-pci (is the vfio-pci module loaded? modprobe vfio-pci)`;
    return undefined;
  }
  if (s.override !== '') return `${a.address}: driver_override is "${s.override}", expected (null)`;
  if (checkDriver && s.driver === VFIO_DRIVER) return `${a.address}: still bound to vfio-pci`;
  return undefined;
}

export const vfioHandler: ActionHandler<VfioAction, PciDriverState> = {
  locate: (a) => a,
  key: (a) => `vfio:${a.address}`,
  snapshot: (a) => readPciDriverState(a),
  isDone: (a, s) => wants(a, s, true) === undefined,
  check: (a, s) => (s.exists ? undefined : `${devDir(a)} does not exist`),
  describe: (a, s) =>
    `${a.address}: driver ${s.driver ?? '(none)'}, override ${s.override || '(null)'} → ${a.direction === 'bind' ? 'vfio-pci' : 'its own driver'}:\n` +
    a.steps.map((st) => `  ${shellLine`echo ${st.write.value.trimEnd()}`} > ${shellQuote(st.write.path)}`).join('\n'),
  apply: (a) => {
    for (const st of a.steps) writeAttr(a.sysfsRoot, st.write);
  },
  verify: (a, s) => wants(a, s, live(a)),
  restore: (a, old) => {
    if (vfioHandler.compare(old, readPciDriverState(a)) === undefined) return;
    const done = new Set<string>();
    for (const st of [...a.steps].reverse()) {
      for (const w of st.undo) {
        // several steps restore the same override: once is enough
        if (done.has(`${w.path}\0${w.value}`)) continue;
        done.add(`${w.path}\0${w.value}`);
        try {
          writeAttr(a.sysfsRoot, w);
        } catch (e) {
          // Undoing a step that never ran: unbinding an unbound device, binding a bound one.
          if (!HARMLESS.has((e as NodeJS.ErrnoException).code ?? '')) throw e;
        }
      }
    }
  },
  compare: (old, cur) => {
    if (!cur.exists) return old.exists ? 'device gone' : undefined;
    const diffs: string[] = [];
    if (old.override !== cur.override) diffs.push(`driver_override "${cur.override || '(null)'}" ≠ original "${old.override || '(null)'}"`);
    if (old.driver !== cur.driver) diffs.push(`driver ${cur.driver ?? '(none)'} ≠ original ${old.driver ?? '(none)'}`);
    return diffs.length > 0 ? diffs.join('; ') : undefined;
  },
  describeRestore: (a, old, cur) => `${a.address}: driver ${cur.driver ?? '(none)'} → ${old.driver ?? '(none)'}, override ${cur.override || '(null)'} → ${old.override || '(null)'}`,
};

export const PASSTHROUGH_HANDLERS = { vfio: vfioHandler as ActionHandler, 'kernel-module': moduleLoadHandler as ActionHandler };
