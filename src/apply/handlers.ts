// The handlers of the kinds every journal may hold (the contract is action-handler.ts):
// sysfs values and files here, the rest in their own files. New kinds add a handler (its
// own file in apply/) and either register it in
// BUILTIN_HANDLERS or pass it to the engine in `handlers` (apply/proxmox-handler.ts for
// `qm set`); the journal stores the handler's JSON snapshot, so rollback needs only the
// handler for that kind. docs/engine.md describes the contract.
import { existsSync, lstatSync, readFileSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { dirname } from 'node:path';
import type { FileWrite, SysfsWrite } from '../model/action.js';
import { fileDiff } from '../render/unified-diff.js';
import { missingDirs, removeEmptyDirs, removeFileDurable, writeFileAtomic } from './atomic-file.js';
import { underRoot, type ActionHandler, type HandlerMap } from './action-handler.js';
import { vfioHandler } from './vfio-handler.js';
import { moduleLoadHandler } from './module-load-handler.js';
import { domainDefineHandler, domainEditHandler } from './libvirt-define-handler.js';
import { imageCreateHandler } from './image-create-handler.js';
import { lvCreateHandler, pvCreateHandler, vgCreateHandler } from './lvm-handlers.js';
import { proxmoxHandler } from './proxmox-handler.js';

// ---- sysfs / procfs values -------------------------------------------------------

export type SysfsSnapshot = { readonly exists: false } | { readonly exists: true; readonly value: string; readonly choices?: readonly string[] };

/** "none [mq-deadline] kyber" → current "mq-deadline" with the choices; plain values trimmed. */
export function parseSysfsValue(text: string): { value: string; choices?: string[] } {
  const t = text.trim();
  const m = /\[([^\]]+)\]/.exec(t);
  if (!m) return { value: t };
  return { value: m[1]!, choices: t.replace(/[[\]]/g, '').split(/\s+/).filter((s) => s !== '') };
}

const readSysfs = (path: string): SysfsSnapshot => {
  if (!existsSync(path)) return { exists: false };
  const p = parseSysfsValue(readFileSync(path, 'utf8'));
  return p.choices ? { exists: true, value: p.value, choices: p.choices } : { exists: true, value: p.value };
};

const sameValue = (a: string, b: string): boolean => a.trim().split(/\s+/).join(' ') === b.trim().split(/\s+/).join(' ');

export const sysfsHandler: ActionHandler<SysfsWrite, SysfsSnapshot> = {
  locate: (a) => a,
  key: (a) => `sysfs:${a.path}`,
  snapshot: (a) => readSysfs(a.path),
  isDone: (a, s) => s.exists && sameValue(s.value, a.value),
  check: (a, s) => {
    if (!s.exists) return `${a.path} does not exist`;
    if (s.choices && !s.choices.includes(a.value)) return `${a.path}: "${a.value}" is not offered (available: ${s.choices.join(', ')})`;
    return undefined;
  },
  describe: (a, s) => `${a.object}: ${a.path}: ${s.exists ? s.value : '(missing)'} → ${a.value}`,
  apply: (a) => writeFileSync(a.path, a.value),
  verify: (a, s) => (!s.exists ? `${a.path} is gone` : sameValue(s.value, a.value) ? undefined : `${a.path} is "${s.value}", kvmio set "${a.value}"`),
  restore: (a, old) => {
    // driver_override reads "(null)" when unset and is cleared by writing a newline
    if (old.exists) writeFileSync(a.path, old.value === '(null)' ? '\n' : old.value);
  },
  compare: (old, cur) => (!old.exists ? undefined : !cur.exists ? 'gone' : sameValue(old.value, cur.value) ? undefined : `"${cur.value}" ≠ original "${old.value}"`),
  describeRestore: (a, old, cur) => `${a.object}: ${a.path}: ${cur.exists ? cur.value : '(missing)'} → ${old.exists ? old.value : '(missing, nothing to do)'}`,
};

// ---- whole files ----------------------------------------------------------------------

export type FileSnapshot =
  | { readonly exists: false; /** directories a write would create (removed again on rollback) */ readonly missingDirs: readonly string[] }
  | { readonly exists: true; readonly base64: string; readonly mode: number };

const readFileSnap = (path: string): FileSnapshot =>
  existsSync(path)
    ? { exists: true, base64: readFileSync(path).toString('base64'), mode: statSync(path).mode & 0o7777 }
    : { exists: false, missingDirs: missingDirs(dirname(path)) };

const text = (s: FileSnapshot): string | undefined => (s.exists ? Buffer.from(s.base64, 'base64').toString('utf8') : undefined);

/** Joins ROOT and an absolute host path ("/" root leaves it unchanged). */

export const fileHandler: ActionHandler<FileWrite, FileSnapshot> = {
  locate: (a, root) => ({ ...a, path: underRoot(root, a.path) }),
  key: (a) => `file:${a.path}`,
  snapshot: (a) => readFileSnap(a.path),
  isDone: (a, s) => s.exists && text(s) === a.content && s.mode === (a.mode ?? 0o644),
  // A symlink would be replaced by a regular file and could not be restored as a link.
  check: (a) => {
    let st;
    try {
      st = lstatSync(a.path);
    } catch {
      return undefined; // absent: created
    }
    return st.isFile() ? undefined : `${a.path} exists and is not a regular file (symlink or special); kvmio only replaces regular files`;
  },
  describe: (a, s) => fileDiff(text(s), a.content, a.path) || `${a.path}: mode → ${(a.mode ?? 0o644).toString(8)}\n`,
  apply: (a) => writeFileAtomic(a.path, a.content, a.mode ?? 0o644),
  verify: (a, s) => (!s.exists ? `${a.path} was removed` : text(s) !== a.content ? `${a.path} differs from what kvmio wrote:\n${fileDiff(a.content, text(s), a.path)}` : undefined),
  restore: (a, old) => {
    if (old.exists) {
      writeFileAtomic(a.path, Buffer.from(old.base64, 'base64'), old.mode);
      chmodSync(a.path, old.mode); // the umask may have trimmed it
    } else {
      removeFileDurable(a.path);
      removeEmptyDirs(old.missingDirs);
    }
  },
  compare: (old, cur) => {
    if (!old.exists) return cur.exists ? 'exists, originally absent' : undefined;
    if (!cur.exists) return 'missing, originally present';
    if (old.base64 !== cur.base64) return 'bytes differ from the original';
    return old.mode === cur.mode ? undefined : `mode ${cur.mode.toString(8)} ≠ original ${old.mode.toString(8)}`;
  },
  describeRestore: (a, old, cur) => (old.exists ? fileDiff(text(cur), text(old), a.path) || `${a.path}: unchanged\n` : cur.exists ? `${a.path}: remove (did not exist before kvmio)\n` : `${a.path}: already absent\n`),
};

/**
 * Every kind the journal may contain. `kvmio rollback` and `verify` read journals written
 * by any command, so a new kind (e.g. VFIO unbind/bind) must be added HERE, not only
 * passed to applyActions, or rollback cannot undo it.
 */
export const BUILTIN_HANDLERS: HandlerMap = {
  sysfs: sysfsHandler as ActionHandler,
  file: fileHandler as ActionHandler,
  // passthrough bind/unbind share the journal, so `kvmio rollback` must know them too
  vfio: vfioHandler as ActionHandler,
  // modprobe vfio-pci before a bind (passthrough bind, plan apply)
  'kernel-module': moduleLoadHandler as ActionHandler,
  'libvirt-define': domainDefineHandler as ActionHandler,
  'libvirt-edit': domainEditHandler as ActionHandler,
  'image-create': imageCreateHandler as ActionHandler,
  'lvm-lv-create': lvCreateHandler as ActionHandler,
  'lvm-pv-create': pvCreateHandler as ActionHandler,
  'lvm-vg-create': vgCreateHandler as ActionHandler,
  // vm tune --proxmox journals qm set; rollback and verify read any journal
  'proxmox-set': proxmoxHandler as ActionHandler,
};
