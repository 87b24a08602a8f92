// `kvmio vg create VG DEVICE…`: LVM for VM disks (seed §4), behind the data guards;
// dry-run unless --yes. The work is in src/provision/vg-create.ts; the change goes
// through the journal engine, so `kvmio rollback` undoes it.
import type { Command } from 'commander';
import type { Ctx } from '../context.js';
import { group } from '../group.js';
import { faultHook, resolveHostState } from '../host-state.js';
import { parseSize } from '../../size.js';
import { shellLine } from '../../render/shell-quote.js';

const VG_HELP = `
Every DEVICE must pass the guards first (signatures, mounted, swap, holders, root/boot,
active PV, libvirt domain, open); --force overrides signature guards only. Then:
  pvcreate DEVICE…; vgcreate VG DEVICE…
  with --thin-pool: lvcreate --type thin-pool -L DATA --poolmetadatasize META -n NAME VG
Thin pools are sized like Proxmox: metadata 1% of the data, at least 1 GiB, at most
16 GiB; without --thin-size the data takes what is left after the metadata and its spare.
Then: kvmio disk create NAME --size SIZE --on thin:VG/NAME (or lv:VG).

Example:
  kvmio vg create vmdata /dev/sda4 --thin-pool pool --yes`;

interface Opts {
  thinPool?: string;
  thinSize?: string;
  yes?: boolean;
  force?: boolean;
  json?: boolean;
  root?: string;
  stateDir?: string;
  wait?: boolean;
}

export function register(program: Command, ctx: Ctx): void {
  group(program, 'vg', 'LVM volume groups for VM disks')
    .command('create')
    .description('Make DEVICEs LVM physical volumes in a new volume group (optionally with a thin pool), behind data guards')
    .argument('<vg>', 'volume group name')
    .argument('<devices...>', 'partitions or whole disks')
    .option('--thin-pool <name>', 'also create a thin pool NAME in the VG')
    .option('--thin-size <size>', 'thin pool data size (default: all the space left)')
    .option('--yes', 'do it (without: print what would be done)')
    .option('--force', 'override signature guards only (never a mount, a holder, root/boot or a disk in use)')
    .option('--json', 'print JSON')
    .option('--root <dir>', 'locates the default state dir (DIR/var/lib/kvmio)')
    .option('--state-dir <dir>', 'journal and lock directory (default /var/lib/kvmio): kvmio rollback undoes the creation')
    .option('--wait', 'wait for another kvmio run holding the lock instead of refusing')
    .addHelpText('after', VG_HELP)
    .action(async (vg: string, devices: string[], o: Opts) => {
      const { prepareVgCreate, applyVgCreate } = await import('../../provision/vg-create.js');
      const { renderStep } = await import('../../provision/step.js');
      const { formatTrip, GuardRefusal } = await import('../../provision/guards.js');
      const { usageError } = await import('../../errors.js');
      if (o.thinSize !== undefined && o.thinPool === undefined) throw usageError('--thin-size: needs --thin-pool NAME');
      const { ownedKeys } = await import('../../apply/engine.js');
      const { stateDir } = resolveHostState(o, ctx);
      const plan = await prepareVgCreate({
        owned: await ownedKeys(stateDir),
        vg,
        devices,
        ...(o.thinPool !== undefined ? { thinPool: o.thinPool } : {}),
        ...(o.thinSize !== undefined ? { thinSize: parseSize(o.thinSize, '--thin-size') } : {}),
        force: o.force === true,
      }).catch((e: unknown) => {
        if (o.json && e instanceof GuardRefusal) return e;
        throw e;
      });
      if (plan instanceof GuardRefusal) {
        ctx.json({ applied: false, refused: true, vg, trips: plan.trips });
        ctx.exitCode = 1;
        return;
      }
      const warnings = plan.overridden.map((t) => `--force overrides: ${formatTrip(t).replace(/^.*?refused by guard /, 'guard ')}`);
      for (const w of warnings) if (!o.json) ctx.warn(w);
      let run: string | undefined;
      if (o.yes) {
        const fault = faultHook(ctx.env);
        run = await applyVgCreate(plan, { stateDir, onNote: (n) => ctx.warn(n), wait: o.wait === true, ...(fault !== undefined ? { faultAfterStep: fault } : {}) });
      }
      const thin = plan.thin ? { name: plan.thin.name, dataBytes: plan.thin.data.bytes, metadataBytes: plan.thin.metadata.bytes } : null;
      if (o.json) {
        ctx.json({ applied: o.yes === true, vg, devices, steps: plan.steps.map(renderStep), thinPool: thin, warnings, notes: plan.notes, ...(run !== undefined ? { run } : {}) });
        return;
      }
      const lines = [`vg ${vg} on ${devices.join(', ')}`, 'guards: passed', o.yes ? 'ran:' : 'would run:', ...plan.steps.map((s) => `  ${renderStep(s)}`)];
      for (const n of plan.notes) lines.push(`note: ${n}`);
      lines.push(o.yes ? `done: volume group ${vg} created` : 'dry run: nothing changed; add --yes to do it');
      if (run !== undefined) lines.push(`journaled as run ${run}: "${shellLine`kvmio rollback --run ${run}`}" shows how to undo it`);
      ctx.print(lines.join('\n'));
    });
}
