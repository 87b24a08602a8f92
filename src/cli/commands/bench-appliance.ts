// `kvmio bench appliance build`: build (or show the cached) guest benchmark appliance.
// Nothing on the host changes but the state directory: the kernel package is downloaded
// and unpacked there, never installed.
import type { Command } from 'commander';
import type { Ctx } from '../context.js';
import { DEFAULT_STATE_DIR, defaultStateDir } from '../host-state.js';

interface ApplianceOpts {
  readonly kernel?: string;
  readonly modules?: string;
  readonly stateDir?: string;
  readonly cacheDir?: string;
  readonly rebuild?: boolean;
  readonly json?: boolean;
}

export function registerAppliance(bench: Command, ctx: Ctx): void {
  const appliance = bench.command('appliance').description('the guest benchmark appliance (kernel + initramfs with busybox and fio)');
  const build = appliance
    .command('build')
    .description('build the appliance into the state directory (reused until its inputs change)')
    .option('--kernel <path>', 'boot this kernel instead of Debian\'s linux-image-cloud-amd64 (downloaded with apt-get, unpacked, not installed)')
    .option('--modules <dir>', 'the --kernel\'s lib/modules/VERSION directory (omit when its virtio drivers are built in)')
    .option('--state-dir <dir>', `where the appliance is kept (default ${DEFAULT_STATE_DIR})`)
    .option('--cache-dir <dir>', 'where the kernel package is downloaded and unpacked (default STATE/cache)')
    .option('--rebuild', 'build even when an appliance for the same inputs exists')
    .option('--json', 'print the appliance as JSON')
    // `bench` has --state-dir too: commander gives it to whichever command is named first, so merge both.
    .action(async (_o: ApplianceOpts, cmd: Command) => {
      const o = cmd.optsWithGlobals<ApplianceOpts>();
      const { isAbsolute, join } = await import('node:path');
      const { buildAppliance } = await import('../../bench/appliance/build-appliance.js');
      const abs = (p: string): string => (isAbsolute(p) ? p : join(ctx.cwd, p));
      const a = await buildAppliance({
        stateDir: abs(o.stateDir ?? defaultStateDir(ctx.env, ctx.cwd)),
        ...(o.cacheDir ? { cacheDir: abs(o.cacheDir) } : {}),
        ...(o.kernel ? { kernel: { path: abs(o.kernel), ...(o.modules ? { modulesDir: abs(o.modules) } : {}) } } : {}),
        rebuild: o.rebuild === true,
      });
      if (o.json) ctx.json(a);
      else {
        ctx.print(`appliance ${a.key} ${a.built ? 'built' : 'up to date'}: ${a.dir}`);
        ctx.print(`  kernel ${a.kernelSource}${a.kernelVersion ? ` (${a.kernelVersion})` : ''}, initramfs ${(a.initrdBytes / 1048576).toFixed(1)} MiB, modules ${a.modules.join(' ') || '(none)'}`);
      }
    });
  for (const c of [appliance, build]) c.exitOverride().configureOutput({ writeOut: (s) => ctx.stdout.write(s), writeErr: (s) => ctx.stderr.write(s) });
}
