// A provisioning step as data, for display: what `disk create` / `vg create` show in a
// dry run. Steps never run from here; the CLI turns a plan into engine actions
// (src/apply/), which journal, apply, verify and undo them.
import { argvText, shellWord } from '../render/argv-text.js';

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
  if (s.kind === 'exec' && s.file !== undefined) return `cat > ${shellWord(s.file.name)} <<'EOF'\n${s.file.content.trimEnd()}\nEOF\n${argvText(s.argv)}`;
  return s.kind === 'exec' ? argvText(s.argv) : `# create ${shellWord(s.path)} exclusively (O_EXCL: stop if anything is there)`;
}
