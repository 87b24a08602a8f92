// A provisioning step as data, for display: what `disk create` / `vg create` show in a
// dry run. Steps never run from here; the CLI turns a plan into engine actions
// (src/apply/), which journal, apply, verify and undo them.
import { shellCommand, shellComment, shellQuote } from '../render/shell-quote.js';

export type Step =
  | {
      readonly kind: 'exec';
      readonly argv: readonly string[];
      readonly why: string;
      readonly undo?: readonly string[];
      /**
       * A file the tool reads (virsh attach-device FILE): written to a private temporary
       * directory, its path put where argv has `name`, removed afterwards.
       */
      readonly file?: { readonly name: string; readonly content: string };
    }
  /** Creates an empty file with O_EXCL, so an image that appears between the guard and qemu-img is never overwritten. */
  | { readonly kind: 'reserve-file'; readonly path: string; readonly why: string };

/** A step as the user would type it (display only; steps never run through a shell). */
export function renderStep(s: Step): string {
  if (s.kind === 'exec' && s.file !== undefined) {
    // a here-document ends at the first line equal to its delimiter (POSIX XCU 2.7.4): pick one the content never has
    const lines = new Set(s.file.content.split('\n'));
    let eof = 'EOF';
    while (lines.has(eof)) eof = `${eof}_`;
    return `cat > ${shellQuote(s.file.name)} <<'${eof}'\n${s.file.content.trimEnd()}\n${eof}\n${shellCommand(s.argv)}`;
  }
  return s.kind === 'exec' ? shellCommand(s.argv) : shellComment(`create ${shellQuote(s.path)} exclusively (O_EXCL: stop if anything is there)`);
}
