// The one POSIX shell quoting helper: every value kvmio prints inside a command for
// people to paste goes through it (a domain named "x;touch /tmp/p" or a kernel command
// line with '$(id)' must stay one inert word). POSIX.1-2017 XCU 2.2.2: inside single
// quotes nothing is special, and a single quote itself is written as '\''.
import type { Fix, FixPart } from '../model/finding.js';
import type { VmRef } from '../model/vm.js';

/** Characters that never need quoting in a POSIX shell word. */
const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** One shell word for `value`: as is when only safe characters, else single-quoted. */
export function shellQuote(value: string): string {
  if (SAFE.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * TEXT as shell (or YAML) comment lines: every line starts with "# ", so a value with a
 * newline (a path, a plan file name) cannot end the comment and run as a command.
 */
export const shellComment = (text: string): string => text.split(/\r\n|\r|\n/).map((l) => `# ${l}`).join('\n');

/** argv → one command line, each word quoted as needed. */
export const shellCommand = (argv: readonly string[]): string => argv.map(shellQuote).join(' ');

/**
 * A command line inside a message (a hint, a `next:` line, a note): the template's text
 * is kvmio's own and pasted as is; every interpolated value becomes one quoted word (an
 * array, one word per element). shellLine`virsh shutdown ${domain}`.
 */
export function shellLine(text: TemplateStringsArray, ...values: readonly (string | number | readonly string[])[]): string {
  return text.reduce((out, t, i) => {
    const v = i < values.length ? values[i] : undefined;
    const word = v === undefined ? '' : typeof v === 'number' ? String(v) : typeof v === 'string' ? shellQuote(v) : shellCommand(v);
    return out + t + word;
  }, '');
}

/** `kvmio vm tune` for the VM's manager: what re-plans its disks (dry run without --yes). */
export function vmTuneArgv(ref: VmRef, bus = false): string[] {
  const b = bus ? ['--bus'] : [];
  switch (ref.manager.kind) {
    case 'libvirt':
      return ['kvmio', 'vm', 'tune', ref.name, ...b, '--yes'];
    case 'libvirt-xml':
      // Files are never applied: the dry run prints the diff to apply by hand.
      return ['kvmio', 'vm', 'tune', '--domain-xml', ref.manager.file, ...b];
    case 'proxmox':
      return ['kvmio', 'vm', 'tune', '--proxmox', String(ref.manager.vmid), ...b, '--yes'];
  }
}

/** How a person edits the VM's definition by hand, for its manager. */
export function vmEditArgv(ref: VmRef): string[] {
  switch (ref.manager.kind) {
    case 'libvirt':
      return ['virsh', 'edit', ref.name];
    case 'libvirt-xml':
      return ['edit', ref.manager.file];
    case 'proxmox':
      return ['qm', 'set', String(ref.manager.vmid)];
  }
}

function renderPart(p: FixPart): string {
  if ('text' in p) return p.text;
  if ('value' in p) return shellQuote(p.value);
  if ('vmTune' in p) return shellCommand(vmTuneArgv(p.vmTune, p.bus === true));
  return shellCommand(vmEditArgv(p.vmEdit));
}

/** A finding's fix as text to paste: kvmio's literal text, every value quoted as one word. */
export const renderFix = (fix: Fix): string => fix.parts.map(renderPart).join('');
