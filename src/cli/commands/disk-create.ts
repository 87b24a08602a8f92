// `kvmio disk create NAME --size SIZE --on TARGET`: a VM disk made the seed's way, behind
// the data guards; dry-run unless --yes. The work is in src/provision/disk-create.ts; the
// change goes through the journal engine, so `kvmio rollback` undoes it.
import { Option, type Command } from 'commander';
import type { Ctx } from '../context.js';
import { group } from '../group.js';
import { faultHook, resolveHostState } from '../host-state.js';
import { oneOf } from '../options.js';
import { parseSize } from '../../size.js';
import { shellLine } from '../../render/shell-quote.js';

export const DISK_CREATE_HELP = `
Targets (--on):
  DIR            an image file DIR/NAME.raw or DIR/NAME.qcow2 (qemu-img)
  lv:VG          a linear logical volume /dev/VG/NAME (lvcreate -n NAME -L SIZE VG)
  thin:VG/POOL   a thin logical volume (lvcreate -V SIZE -T VG/POOL -n NAME)
  /dev/…         a partition or whole disk handed to the VM as is: nothing is written,
                 the guards run and the disk XML is printed (seed §3, "pass-through a
                 partition or disk")

raw (the seed's "best performance"): preallocated, --prealloc falloc (default: the
  blocks are reserved in seconds) or full (zeros written; slow, but allocation is
  certain on every file system). Only a fully allocated file may use aio=native. The
  free space is checked (statfs) before anything is written.

qcow2 (smaller, snapshots): --prealloc metadata (default, as virt-install), falloc,
  full or off.
  --cluster-size 2M (default, the seed's "larger clusters"): fewer L2 lookups and a
    small L2 table (QEMU's default 32 MiB L2 cache maps 8 TiB), but each first write
    allocates, and copy-on-write copies, a whole 2 MiB cluster: costly for snapshots
    and backing chains.
  --extended-l2 (cluster 128k unless --cluster-size, as Proxmox does for snapshot
    chains): each cluster is split into 32 sub-clusters of 4 KiB, so COW and
    allocation work in 4 KiB units; L2 entries double to 16 bytes, so the default 32
    MiB cache maps 256 GiB (L2 cache for full coverage = size x 16 / cluster).
  Plain 64k clusters (QEMU's default) map 256 GiB with the default cache
  (size x 8 / cluster).

Guards (refuse before anything is written; the message names the guard):
  signature.* (filesystem, partition table, LVM, RAID, swap, crypto), partitions:
    overridable with --force;
  mounted, swap-active, holders, root-boot, active-pv, libvirt-domain, open,
  image-exists, free-space, lv-exists, vg-free: never overridden.

Examples:
  kvmio disk create web --size 100G --on /var/lib/libvirt/images
  kvmio disk create db --size 100G --on /srv/images --format qcow2 --extended-l2 --yes
  kvmio disk create data --size 500G --on thin:vmdata/pool --attach web --yes
  kvmio disk create scratch --on /dev/sdb1 --attach web --yes`;

interface Opts {
  size?: string;
  on?: string;
  pool?: string;
  format?: 'raw' | 'qcow2';
  prealloc?: 'off' | 'metadata' | 'falloc' | 'full';
  clusterSize?: string;
  extendedL2?: boolean;
  attach?: string;
  targetDev?: string;
  bus?: 'virtio-blk' | 'virtio-scsi';
  yes?: boolean;
  force?: boolean;
  json?: boolean;
  root?: string;
  stateDir?: string;
  wait?: boolean;
}

export function register(program: Command, ctx: Ctx): void {
  group(program, 'disk', 'VM disks: create them, and write their libvirt XML and QEMU arguments')
    .command('create')
    .description('Create a VM disk (image file, LV, thin LV) or hand over a partition/disk, behind data guards; print its libvirt XML')
    .argument('<name>', 'disk name: the image file is NAME.raw/NAME.qcow2, the LV is NAME')
    .option('--on <target>', 'DIR, lv:VG, thin:VG/POOL, or /dev/… (partition or whole disk)')
    .option('--pool <pool>', 'create the volume through this libvirt pool instead (virsh vol-create-as; kvmio pool create makes one)')
    .option('--size <size>', 'virtual size, e.g. 100G (not for a device handed over as is)')
    .addOption(new Option('--format <format>', 'image format (directory targets)').argParser(oneOf('--format', ['raw', 'qcow2'] as const)))
    .addOption(new Option('--prealloc <mode>', 'preallocation: raw falloc|full|off (default falloc); qcow2 metadata|falloc|full|off (default metadata)').argParser(oneOf('--prealloc', ['off', 'metadata', 'falloc', 'full'] as const)))
    .option('--cluster-size <size>', 'qcow2 cluster size (default 2M, or 128k with --extended-l2)')
    .option('--extended-l2', 'qcow2 extended L2 entries (4 KiB sub-clusters; Proxmox)')
    .option('--attach <domain>', "add the disk to DOMAIN's persistent definition (virsh attach-device --config)")
    .option('--target-dev <dev>', 'guest target name (vdb, sdc); default: the first free one')
    .addOption(new Option('--bus <bus>', 'disk bus for the XML').argParser(oneOf('--bus', ['virtio-blk', 'virtio-scsi'] as const)))
    .option('--yes', 'do it (without: print what would be done)')
    .option('--force', 'override signature guards only (never a mount, a holder, root/boot or a disk in use)')
    .option('--json', 'print JSON')
    .option('--root <dir>', 'locates the default state dir (DIR/var/lib/kvmio)')
    .option('--state-dir <dir>', 'journal and lock directory (default /var/lib/kvmio): kvmio rollback undoes the creation')
    .option('--wait', 'wait for another kvmio run holding the lock instead of refusing')
    .addHelpText('after', DISK_CREATE_HELP)
    .action(async (name: string, o: Opts) => {
      if ((o.on === undefined) === (o.pool === undefined)) throw (await import('../../errors.js')).usageError('disk create: expected exactly one of --on TARGET or --pool POOL');
      if (o.pool !== undefined) return (await import('./pool.js')).diskCreateInPool(name, { ...o, pool: o.pool }, ctx);
      const { planDiskCreate, applyDiskCreate } = await import('../../provision/disk-create.js');
      const { renderStep } = await import('../../provision/step.js');
      const { formatTrip, GuardRefusal } = await import('../../provision/guards.js');
      const { ownedKeys } = await import('../../apply/engine.js');
      const { stateDir } = resolveHostState(o, ctx);
      const plan = await planDiskCreate({
        name,
        on: o.on ?? '',
        ...(o.size !== undefined ? { size: parseSize(o.size, '--size') } : {}),
        ...(o.format ? { format: o.format } : {}),
        ...(o.prealloc ? { prealloc: o.prealloc } : {}),
        ...(o.clusterSize !== undefined ? { clusterSize: parseSize(o.clusterSize, '--cluster-size') } : {}),
        ...(o.extendedL2 ? { extendedL2: true } : {}),
        ...(o.attach !== undefined ? { attach: o.attach } : {}),
        ...(o.targetDev !== undefined ? { targetDev: o.targetDev } : {}),
        ...(o.bus ? { bus: o.bus } : {}),
        force: o.force === true,
        cwd: ctx.cwd,
        env: ctx.env,
        owned: await ownedKeys(stateDir),
      }).catch((e: unknown) => {
        if (o.json && e instanceof GuardRefusal) return e;
        throw e;
      });
      if (plan instanceof GuardRefusal) {
        ctx.json({ applied: false, refused: true, name, trips: plan.trips });
        ctx.exitCode = 1;
        return;
      }
      const warnings = plan.overridden.map((t) => `--force overrides: ${formatTrip(t).replace(/^.*?refused by guard /, 'guard ')}`);
      const steps = [...plan.steps, ...plan.attachSteps];
      if (!o.yes) {
        if (o.json) {
          ctx.json({ applied: false, name, target: plan.target, path: plan.path, steps: steps.map(renderStep), warnings, notes: plan.notes, xml: plan.disk.diskElement });
          return;
        }
        for (const w of warnings) ctx.warn(w);
        const lines = [`disk ${name}: ${plan.path}${plan.image ? ` (${plan.image.format}, preallocation=${plan.image.prealloc}${plan.image.clusterBytes ? `, cluster ${plan.image.clusterBytes} bytes${plan.image.extendedL2 ? ', extended L2' : ''}` : ''})` : ''}`];
        lines.push('guards: passed', steps.length ? 'would run:' : 'would run: nothing (the device is used as is)', ...steps.map((s) => `  ${renderStep(s).replace(/\n/g, '\n  ')}`));
        for (const n of plan.notes) lines.push(`note: ${n}`);
        lines.push('disk XML:', plan.disk.fragment.trimEnd(), 'dry run: nothing changed; add --yes to do it');
        ctx.print(lines.join('\n'));
        return;
      }
      for (const w of warnings) ctx.warn(w);
      const fault = faultHook(ctx.env);
      const r = await applyDiskCreate(plan, { stateDir, onNote: (n) => ctx.warn(n), wait: o.wait === true, ...(fault !== undefined ? { faultAfterStep: fault } : {}) });
      if (o.json) {
        ctx.json({ applied: true, name, target: plan.target, path: plan.path, steps: steps.map(renderStep), warnings, notes: plan.notes, info: r.info ?? null, attached: r.attached ? o.attach : null, xml: r.disk.diskElement, runs: r.runs });
        return;
      }
      const lines = [plan.target.kind === 'device' ? `disk ${name}: ${plan.path} handed over as is (nothing written to it)` : `disk ${name}: created ${plan.path}`];
      if (r.info) lines.push(`qemu-img info: format ${r.info.format}, virtual-size ${r.info.virtualSize}, actual-size ${r.info.actualSize ?? 'unknown'}${r.info.clusterSize ? `, cluster-size ${r.info.clusterSize}` : ''}`);
      for (const n of plan.notes) lines.push(`note: ${n}`);
      if (r.attached) lines.push(`attached to ${o.attach} as ${r.disk.config.target.value} (persistent definition; takes effect at its next start)`);
      lines.push('disk XML:', r.disk.fragment.trimEnd());
      for (const run of r.runs) lines.push(`journaled as run ${run}: "${shellLine`kvmio rollback --run ${run}`}" shows how to undo it`);
      ctx.print(lines.join('\n'));
    });
}
