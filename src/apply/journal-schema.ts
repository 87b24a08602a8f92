// The journal is input: a record is accepted only in the shape kvmio itself writes, per
// action kind (its action and its snapshots), and, for the commands that act on it
// (rollback, verify), only for targets kvmio itself changes: sysfs/procfs values under
// /sys and /proc/sys, the files it manages (model/host-files.ts) under --root, images,
// LVs, PVs and VGs of their handlers, domains over a local libvirt URI. A mode with
// setuid, setgid or sticky bits is never accepted: no file kvmio manages has them.
// docs/security.md.
import { posix } from 'node:path';
import { z } from 'zod';
import { GRUB_DROPIN_FILE, SYSCTL_FILE, TMPFILES_SCHED_FILE, UDEV_SCHED_FILE, VFIO_MODPROBE_FILE, VFIO_UDEV_FILE } from '../model/host-files.js';

/** Every file a kvmio plan writes, as host paths (prefixed by --root on disk). */
export const MANAGED_FILES: readonly string[] = [SYSCTL_FILE, UDEV_SCHED_FILE, TMPFILES_SCHED_FILE, GRUB_DROPIN_FILE, VFIO_UDEV_FILE, VFIO_MODPROBE_FILE];

/** What rollback and verify accept: the --root the journal's files were written under. */
export interface JournalTrust {
  /** "/" for the live host. */
  readonly root: string;
  /** Kinds of handlers passed to the engine besides the built-in ones (e.g. libvirt pools): their handler checks them. */
  readonly kinds?: readonly string[];
}

const MAX_TEXT = 16 * 1024 * 1024;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** An absolute, normalized path: no "." or ".." component, no empty component, no NUL. */
export const isCleanPath = (p: string): boolean => p.startsWith('/') && p.length <= 4096 && !p.includes('\0') && (p === '/' || (posix.normalize(p) === p && !p.endsWith('/'))) && !p.split('/').includes('..');
const absPath = z.string().refine(isCleanPath, 'expected an absolute path without ".", ".." or empty components');
const text = z.string().max(MAX_TEXT);
const name = z.string().min(1).max(1024).refine((s) => !CONTROL.test(s), 'expected no control characters');
/** LVM names (lvm(8) VALID NAMES): A-Z a-z 0-9 + _ . -, not starting with "-". */
const lvmName = z.string().regex(/^[A-Za-z0-9+_.][A-Za-z0-9+_.-]{0,126}$/, 'expected an LVM name');
/** Permission bits only: no setuid, setgid or sticky (kvmio's files never carry them). */
const mode = z.number().int().min(0).max(0o777);

const base = { id: name, object: z.string().max(4096), reason: text, notes: z.array(text).max(100).optional() };

const sysfsPath = absPath.refine((p) => p.startsWith('/sys/') || p.startsWith('/proc/sys/'), 'expected a path under /sys or /proc/sys');
const pciWrite = z.object({ path: absPath.refine((p) => p.startsWith('/sys/bus/pci/'), 'expected a path under /sys/bus/pci'), value: z.string().max(4096) });

/** Per kind: the action, and its snapshot (journaled as `old` and `done.after`). */
export const KIND_SCHEMAS: Readonly<Record<string, { readonly action: z.ZodType; readonly snapshot: z.ZodType }>> = {
  sysfs: {
    action: z.object({ kind: z.literal('sysfs'), ...base, path: sysfsPath, value: z.string().max(4096) }),
    snapshot: z.union([z.object({ exists: z.literal(false) }), z.object({ exists: z.literal(true), value: z.string().max(1 << 20), choices: z.array(z.string().max(256)).max(256).optional() })]),
  },
  file: {
    action: z.object({ kind: z.literal('file'), ...base, path: absPath, content: text, mode: mode.optional() }),
    snapshot: z.union([
      z.object({ exists: z.literal(false), missingDirs: z.array(absPath).max(64) }),
      z.object({ exists: z.literal(true), base64: z.string().max(MAX_TEXT).regex(/^[A-Za-z0-9+/]*={0,2}$/, 'expected base64'), mode }),
    ]),
  },
  vfio: {
    action: z.object({
      kind: z.literal('vfio'),
      ...base,
      address: z.string().regex(/^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/, 'expected a PCI address'),
      direction: z.enum(['bind', 'unbind']),
      sysfsRoot: absPath,
      steps: z.array(z.object({ address: z.string().max(64), describe: text, write: pciWrite, undo: z.array(pciWrite).max(16) })).max(16),
    }),
    snapshot: z.object({ exists: z.boolean(), driver: z.string().max(256).nullable(), override: z.string().max(256) }),
  },
  'libvirt-define': {
    action: z.object({ kind: z.literal('libvirt-define'), ...base, domain: name, uri: z.string().optional(), xml: text }),
    snapshot: z.union([z.object({ exists: z.literal(false) }), z.object({ exists: z.literal(true), xml: text, state: z.string().max(256) })]),
  },
  'libvirt-edit': {
    action: z.object({
      kind: z.literal('libvirt-edit'),
      ...base,
      domain: name,
      uri: z.string().optional(),
      steps: z.array(z.object({ argv: z.array(z.string().max(4096)).max(64), file: z.object({ name: z.string().max(4096), content: text }).optional() })).max(64),
      addsDiskSource: z.string().max(4096).optional(),
    }),
    snapshot: z.union([z.object({ exists: z.literal(false) }), z.object({ exists: z.literal(true), xml: text, state: z.string().max(256) })]),
  },
  'image-create': {
    action: z
      .object({ kind: z.literal('image-create'), ...base, path: absPath, format: z.enum(['raw', 'qcow2']), virtualBytes: z.number().int().positive().max(Number.MAX_SAFE_INTEGER), argv: z.array(z.string().max(4096)).max(64) })
      .refine((a) => a.argv[0] === 'qemu-img' && a.argv[1] === 'create' && a.argv.includes(a.path), 'expected a qemu-img create of its path'),
    snapshot: z.union([
      z.object({ exists: z.literal(false) }),
      z.object({
        exists: z.literal(true), sizeBytes: z.number().int().min(0), mtimeNs: z.string().regex(/^\d{1,30}$/), format: z.string().max(64).optional(),
        virtualBytes: z.number().int().min(0).optional(), mapSha256: z.string().regex(/^[0-9a-f]{64}$/).optional(), unreadable: z.string().max(4096).optional(), locked: z.boolean(),
      }),
    ]),
  },
  'lvm-lv-create': {
    action: z.object({ kind: z.literal('lvm-lv-create'), ...base, vg: lvmName, lv: lvmName, argv: z.array(z.string().max(4096)).max(64) }).refine((a) => a.argv[0] === 'lvcreate', 'expected an lvcreate argv'),
    snapshot: z.union([
      z.object({ exists: z.literal(false) }),
      z.object({ exists: z.literal(true), uuid: z.string().max(64), attr: z.string().max(32), sizeBytes: z.number().int().min(0), dataPercent: z.number().min(0).max(100).optional(), signatures: z.array(z.string().max(64)).max(64) }),
    ]),
  },
  'lvm-pv-create': {
    action: z.object({ kind: z.literal('lvm-pv-create'), ...base, device: absPath.refine((p) => p.startsWith('/dev/'), 'expected a device under /dev'), wipeSignatures: z.boolean() }),
    snapshot: z.union([z.object({ exists: z.literal(false) }), z.object({ exists: z.literal(true), uuid: z.string().max(64), vg: z.string().max(128) })]),
  },
  'lvm-vg-create': {
    action: z.object({ kind: z.literal('lvm-vg-create'), ...base, vg: lvmName, devices: z.array(absPath.refine((p) => p.startsWith('/dev/'), 'expected a device under /dev')).min(1).max(256) }),
    snapshot: z.union([z.object({ exists: z.literal(false) }), z.object({ exists: z.literal(true), uuid: z.string().max(64), lvCount: z.number().int().min(0), pvCount: z.number().int().min(0) })]),
  },
};

/** The schemas of KIND (own properties only: a kind named "__proto__" is no kind). */
export const kindSchema = (kind: string): (typeof KIND_SCHEMAS)[string] | undefined => (Object.hasOwn(KIND_SCHEMAS, kind) ? KIND_SCHEMAS[kind] : undefined);

/** The engine key a handler derives from the action: a record's `key` must be it (no aliasing of two targets). */
export function expectedKey(a: Record<string, unknown>): string | undefined {
  switch (a.kind) {
    case 'sysfs': return `sysfs:${String(a.path)}`;
    case 'file': return `file:${String(a.path)}`;
    case 'vfio': return `vfio:${String(a.address)}`;
    case 'image-create': return `image:${String(a.path)}`;
    case 'lvm-lv-create': return `lvm-lv:${String(a.vg)}/${String(a.lv)}`;
    case 'lvm-pv-create': return `lvm-pv:${String(a.device)}`;
    case 'lvm-vg-create': return `lvm-vg:${String(a.vg)}`;
    default: return undefined; // libvirt keys carry the default URI; checked by uri below
  }
}

const under = (root: string, p: string): boolean => root === '/' || p.startsWith(`${root}/`);
const LOCAL_URIS = /^(qemu:\/\/\/(system|session)|test:\/\/\/default)$/;

/** Why a target of an (already shape-checked) action is not one kvmio writes under TRUST, or undefined. */
export function refuseTarget(a: Record<string, unknown>, old: unknown, trust: JournalTrust): string | undefined {
  const root = trust.root;
  switch (a.kind) {
    case 'sysfs':
      return undefined; // the schema keeps it under /sys or /proc/sys (live even with --root, as fix writes it)
    case 'file': {
      const p = String(a.path);
      // With --root R: exactly R + a managed path. Without: a managed path under any root
      // (`fix --root R` journaled it; `rollback --state-dir S` alone must still undo it),
      // so a record can only ever name a file called like one of kvmio's own.
      const ok = root === '/' ? MANAGED_FILES.some((m) => p === m || p.endsWith(m)) : MANAGED_FILES.some((m) => p === `${root}${m}`);
      if (!ok) return `file ${p} is not a file kvmio manages${root === '/' ? '' : ` under --root ${root}`} (${MANAGED_FILES.join(', ')})`;
      const dirs = (old as { missingDirs?: readonly string[] } | undefined)?.missingDirs ?? [];
      // Rollback only rmdirs these when empty (undo of mkdir -p, which may have made the root itself too).
      const bad = dirs.find((d) => !p.startsWith(`${d}/`));
      return bad === undefined ? undefined : `directory ${bad} is not a parent of ${p}`;
    }
    case 'image-create':
      return under(root, String(a.path)) ? undefined : `image ${String(a.path)} is outside --root ${root}`;
    case 'vfio': {
      const s = String(a.sysfsRoot);
      return s === '/' || (root !== '/' ? under(root, s) : true) ? undefined : `vfio sysfs root ${s} is outside --root ${root}`;
    }
    case 'libvirt-define':
    case 'libvirt-edit':
      return a.uri === undefined || LOCAL_URIS.test(String(a.uri)) ? undefined : `libvirt URI ${JSON.stringify(a.uri)} is not a local one kvmio uses (qemu:///system, qemu:///session)`;
    default:
      return undefined;
  }
}
