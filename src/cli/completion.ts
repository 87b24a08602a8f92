// `kvmio completion bash|zsh` and `kvmio man`: generated from the command definitions
// of the very program that runs, so they list every command and flag, and only those.
import { Argument, type Command } from 'commander';
import type { Ctx } from './context.js';
import { commandTree } from './command-tree.js';

export const SHELLS = ['bash', 'zsh'] as const;

export function registerCompletion(program: Command, ctx: Ctx, version: string): void {
  program
    .command('completion')
    .description('print a shell completion script (bash or zsh)')
    .addArgument(new Argument('<shell>', 'the shell').choices(SHELLS))
    .addHelpText('after', `
Install:
  kvmio completion bash > /usr/local/share/bash-completion/completions/kvmio
  kvmio completion zsh > /usr/local/share/zsh/site-functions/_kvmio
(scripts/setup.sh does both.) Or for this shell only: source <(kvmio completion bash)`)
    .action(async (shell: (typeof SHELLS)[number]) => {
      const tree = commandTree(program);
      const render = shell === 'bash' ? (await import('./completion-bash.js')).renderBashCompletion : (await import('./completion-zsh.js')).renderZshCompletion;
      ctx.stdout.write(render(tree, program.name()));
    });
  program
    .command('man', { hidden: true })
    .description('print the man page (roff) generated from the command definitions')
    .action(async () => {
      const { renderManPage } = await import('./man-page.js');
      ctx.stdout.write(renderManPage(commandTree(program), { version, date: MAN_DATE }));
    });
}

/** The man page's date: fixed per release, so the page is reproducible (no build time in it). */
const MAN_DATE = '2026-12-01';
