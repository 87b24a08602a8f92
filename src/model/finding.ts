// Findings are data, not exceptions: every check on every object yields one, including
// SKIP with the reason when a fact could not be read.

export type Status = 'pass' | 'warn' | 'fail' | 'skip';

export interface Finding {
  /** Dotted rule id, e.g. "sched.host-ssd"; `--only` matches it or a prefix. */
  readonly id: string;
  /** What was checked: "host", a block device name ("sda"), a VM disk ("vm:web/vda"). */
  readonly object: string;
  readonly status: Status;
  readonly observed?: string;
  readonly expected?: string;
  /** One line: why this matters, citing the source in `ref`. */
  readonly why: string;
  /** The exact fix, as a command or an edit; absent when nothing is to be done. */
  readonly fix?: string;
  /** Where the fact comes from: kernel/QEMU/libvirt doc, source file, peer tool. */
  readonly ref?: string;
}

const ORDER: Readonly<Record<Status, number>> = { fail: 0, warn: 1, skip: 2, pass: 3 };

export const worst = (findings: readonly Finding[]): Status =>
  findings.reduce<Status>((w, f) => (ORDER[f.status] < ORDER[w] ? f.status : w), 'pass');

/** `--only` accepts an id or a dotted prefix of one ("sched" matches "sched.host-ssd"). */
export const matchesOnly = (id: string, only: readonly string[]): boolean =>
  only.length === 0 || only.some((o) => id === o || id.startsWith(`${o}.`));
