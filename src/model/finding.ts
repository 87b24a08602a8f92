// Findings are data, not exceptions: every check on every object yields one, including
// SKIP with the reason when a fact could not be read. A finding's subject and fix are
// structures too: the CLI and the report print them (render/shell-quote.ts renders a
// fix for pasting, quoting every value) and never parse them back.
import type { VmRef } from './vm.js';

export type Status = 'pass' | 'warn' | 'fail' | 'skip';

/** What a finding is about. */
export type Subject =
  | { readonly kind: 'host' }
  | { readonly kind: 'block'; readonly device: string }
  | { readonly kind: 'pci'; readonly address: string }
  /** A VM, or one of its disks by the label the manager gives it ("vda", "scsi0"). */
  | { readonly kind: 'vm'; readonly vm: VmRef; readonly disk?: string };

/** What kvmio itself can run to fix a finding (the display command says the same for people). */
export type FixAction =
  | { readonly kind: 'vm-tune'; readonly vm: VmRef; readonly bus?: boolean }
  | { readonly kind: 'host-fix'; readonly only: string; readonly device?: string };

/**
 * One piece of a fix's display: kvmio's own literal text; a value from the host or the VM
 * (a name, a path, a command line), which the renderer shell-quotes as one word; or a
 * command about a VM that the renderer spells for its manager (libvirt: kvmio vm tune
 * NAME; an XML file: kvmio vm tune --domain-xml FILE; Proxmox: kvmio vm tune --proxmox
 * VMID), so decide/ never names a manager's tool.
 */
export type FixPart =
  | { readonly text: string }
  | { readonly value: string }
  | { readonly vmTune: VmRef; readonly bus?: boolean }
  | { readonly vmEdit: VmRef };

/** A fix for people to read and paste (render/shell-quote.ts renderFix), and what kvmio can run for it. */
export interface Fix {
  readonly parts: readonly FixPart[];
  readonly action?: FixAction;
}

const isPart = (v: unknown): v is FixPart => typeof v === 'object' && v !== null;

/**
 * fixText`kvmio fix --only ${id}`: the template's strings are literal text, each
 * interpolated string or number one value (quoted when rendered), each FixPart as is.
 */
export function fixText(strings: TemplateStringsArray | readonly string[], ...values: readonly (string | number | FixPart)[]): Fix {
  const parts: FixPart[] = [];
  strings.forEach((t, i) => {
    if (t !== '') parts.push({ text: t });
    if (i < values.length) {
      const v = values[i] as string | number | FixPart;
      parts.push(isPart(v) ? v : { value: String(v) });
    }
  });
  return { parts };
}

/** The same fix with the action kvmio can run for it. */
export const withAction = (fix: Fix, action: FixAction): Fix => ({ ...fix, action });

/** Fixes in sequence: "A && B". */
export const fixAnd = (a: Fix, b: Fix, sep = ' && '): Fix => ({
  parts: [...a.parts, { text: sep }, ...b.parts],
  ...(a.action ? { action: a.action } : b.action ? { action: b.action } : {}),
});

export interface Finding {
  /** Dotted rule id, e.g. "sched.host-ssd"; `--only` matches it or a prefix. */
  readonly id: string;
  /** What was checked, as data; `object` is its label. Absent only for rules that have not been given one. */
  readonly subject?: Subject;
  /** The subject's label: "host", a block device name ("sda"), a VM disk ("vm:web/vda"). */
  readonly object: string;
  readonly status: Status;
  readonly observed?: string;
  readonly expected?: string;
  /** One line: why this matters, citing the source in `ref`. */
  readonly why: string;
  /** The exact fix, as a command or an edit; absent when nothing is to be done. */
  readonly fix?: Fix;
  /** Where the fact comes from: kernel/QEMU/libvirt doc, source file, peer tool. */
  readonly ref?: string;
}

const ORDER: Readonly<Record<Status, number>> = { fail: 0, warn: 1, skip: 2, pass: 3 };

export const worst = (findings: readonly Finding[]): Status =>
  findings.reduce<Status>((w, f) => (ORDER[f.status] < ORDER[w] ? f.status : w), 'pass');

/** `--only` accepts an id or a dotted prefix of one ("sched" matches "sched.host-ssd"). */
export const matchesOnly = (id: string, only: readonly string[]): boolean =>
  only.length === 0 || only.some((o) => id === o || id.startsWith(`${o}.`));
