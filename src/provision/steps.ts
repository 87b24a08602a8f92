// The steps a provisioning command takes, shown as is in a dry run and run in order by
// applySteps: the only code in provision/ that changes the host. A failed step undoes the
// steps before it, newest first, so a half-made VG or image does not stay behind.
import { closeSync, constants, mkdtempSync, openSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { exec, execFailure } from '../exec.js';
import { KvmioError } from '../errors.js';

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

const quote = (a: string): string => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);

/** A step as the user would type it (display only; steps never run through a shell). */
export function renderStep(s: Step): string {
  if (s.kind === 'exec' && s.file !== undefined) return `cat > ${quote(s.file.name)} <<'EOF'\n${s.file.content.trimEnd()}\nEOF\n${s.argv.map(quote).join(' ')}`;
  return s.kind === 'exec' ? s.argv.map(quote).join(' ') : `# create ${quote(s.path)} exclusively (O_EXCL: stop if anything is there)`;
}

export interface StepRunner {
  run(argv: readonly string[], env: Readonly<Record<string, string>>): Promise<{ code: number; stderr: string }>;
}

const realRunner: StepRunner = {
  run: async (argv, env) => {
    const r = await exec(argv, { env, timeoutMs: 30 * 60_000 });
    if (r.code !== 0) throw execFailure(r);
    return r;
  },
};

export interface AppliedStep {
  readonly step: string;
  readonly ok: boolean;
}

/** Runs steps in order; on failure undoes the finished ones (newest first) and rethrows with what happened. */
export async function applySteps(steps: readonly Step[], env: Readonly<Record<string, string>> = {}, runner: StepRunner = realRunner): Promise<AppliedStep[]> {
  const done: Step[] = [];
  const log: AppliedStep[] = [];
  for (const s of steps) {
    try {
      if (s.kind === 'exec') await runWithFile(s, env, runner);
      else closeSync(openSync(s.path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600));
      done.push(s);
      log.push({ step: renderStep(s), ok: true });
    } catch (e) {
      const undone: string[] = [];
      for (const d of [...done].reverse()) {
        try {
          if (d.kind === 'reserve-file') {
            unlinkSync(d.path);
            undone.push(`rm ${d.path}`);
          } else if (d.undo) {
            await runner.run(d.undo, env);
            undone.push(d.undo.join(' '));
          }
        } catch {
          undone.push(`FAILED to undo: ${renderStep(d)}`);
        }
      }
      const msg = e instanceof Error ? e.message : String(e);
      throw new KvmioError('failed', `${renderStep(s)} failed: ${msg}${undone.length ? `; undone: ${undone.join('; ')}` : ''}`, { cause: e });
    }
  }
  return log;
}

async function runWithFile(s: Extract<Step, { kind: 'exec' }>, env: Readonly<Record<string, string>>, runner: StepRunner): Promise<void> {
  if (s.file === undefined) {
    await runner.run(s.argv, env);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'kvmio-'));
  const path = join(dir, basename(s.file.name));
  try {
    writeFileSync(path, s.file.content, { mode: 0o600 });
    await runner.run(s.argv.map((a) => (a === s.file?.name ? path : a)), env);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
