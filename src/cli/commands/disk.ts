// `kvmio disk xml SOURCE` and `kvmio disk args SOURCE`: probe the backend, choose its
// settings with the decision table, and print libvirt XML or QEMU arguments.
import type { Command } from 'commander';
// static: the single-executable bundle cannot run a dynamic import() of a built-in (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING)
import { resolve } from 'node:path';
import type { Ctx } from '../context.js';
import { group } from '../group.js';
import { oneOf } from '../options.js';
import { boundedInt, IOTHREAD_ID_MAX, QUEUES_MAX, refuseConflict } from '../validate.js';
import { AIO_MODES, BUSES, CACHE_MODES, DISCARDS, MACHINES, type Discard, type DiskIntent } from '../../model/disk-types.js';

/** The parsed flags: the disk intent (bare --discard means unmap), plus output choices. */
interface DiskOpts extends Omit<DiskIntent, 'discard' | 'bench'> {
  readonly discard?: Discard | true;
  readonly explain?: boolean;
  readonly json?: boolean;
  readonly domain?: string | boolean;
  readonly stateDir?: string;
}

function withDiskOptions(c: Command): Command {
  return c
    .argument('<SOURCE>', 'image file (raw/qcow2), block device (whole disk or partition), lv:VG/LV or /dev/VG/LV, or PCI address (0000:03:00.0)')
    .option('--bus <bus>', `disk bus: ${BUSES.join(', ')} (default virtio-blk)`, oneOf('--bus', BUSES))
    .option('--iothread', 'give the disk an iothread (default for virtio)')
    .option('--no-iothread', 'run the disk\'s I/O in QEMU\'s main loop')
    .option('--iothread-id <n>', 'iothread id to use (default 1)', boundedInt('--iothread-id', IOTHREAD_ID_MAX, "libvirt's iothread ids are unsigned ints"))
    .option('--queues <n>', 'virtio queues (virtio-blk num-queues, virtio-scsi num_queues)', boundedInt('--queues', QUEUES_MAX, "QEMU's VIRTIO_QUEUE_MAX"))
    .option('--cache <mode>', `cache mode: ${CACHE_MODES.join(', ')} (default: none when O_DIRECT works)`, oneOf('--cache', CACHE_MODES))
    .option('--aio <mode>', `aio mode: auto, ${AIO_MODES.join(', ')} (default auto)`, oneOf('--aio', ['auto', ...AIO_MODES] as const))
    .option('--discard [mode]', `discard: ${DISCARDS.join(', ')}; bare --discard means unmap (default: unmap for thin LVs and sparse files)`, oneOf('--discard', DISCARDS))
    .option('--read-only', 'a read-only disk')
    .option('--serial <text>', 'disk serial shown to the guest')
    .option('--target <dev>', 'guest target name (vda… for virtio-blk, sda… for virtio-scsi)')
    .option('--machine <type>', `machine type: ${MACHINES.join(', ')} (default q35)`, oneOf('--machine', MACHINES))
    .option('--shareable', 'a disk shared between VMs (forces cache=none)')
    .option('--explain', 'print every choice with its reason and reference')
    .option('--json', 'print the probed backend, the choices and the output as JSON')
    .option('--state-dir <dir>', 'where kvmio bench saved its results (aio evidence; default /var/lib/kvmio)');
}

const intentOf = (o: DiskOpts): DiskIntent => {
  // the help says shareable forces cache=none: any other explicit cache contradicts it
  refuseConflict(o.shareable === true && o.cache !== undefined && o.cache !== 'none', '--shareable', `--cache ${o.cache ?? ''}`, 'a disk shared between VMs needs cache=none (no host page cache between the guests)');
  return intentFields(o);
};

const intentFields = (o: DiskOpts): DiskIntent => ({
  ...(o.bus ? { bus: o.bus } : {}),
  ...(o.iothread === undefined ? {} : { iothread: o.iothread }),
  ...(o.iothreadId === undefined ? {} : { iothreadId: o.iothreadId }),
  ...(o.queues === undefined ? {} : { queues: o.queues }),
  ...(o.cache ? { cache: o.cache } : {}),
  ...(o.aio ? { aio: o.aio } : {}),
  ...(o.discard ? { discard: o.discard === true ? 'unmap' : o.discard } : {}),
  ...(o.readOnly ? { readOnly: true } : {}),
  ...(o.serial === undefined ? {} : { serial: o.serial }),
  ...(o.target === undefined ? {} : { target: o.target }),
  ...(o.machine ? { machine: o.machine } : {}),
  ...(o.shareable ? { shareable: true } : {}),
});

async function runDisk(ctx: Ctx, what: 'xml' | 'args', source: string, o: DiskOpts): Promise<void> {
  const { probeBackend, probePlatform } = await import('../../facts/probe-disk.js');
  const { chooseDiskConfig } = await import('../../decide/choose-disk-config.js');
  const { renderDomainXml, renderLibvirtFragment } = await import('../../render/libvirt-disk.js');
  const { formatArgv, renderQemuDiskArgs } = await import('../../render/qemu-disk-args.js');
  const { renderExplain } = await import('../../render/disk-explain.js');

  const intent = intentOf(o); // validated before probing: bad flags fail fast
  const { backend, notes } = await probeBackend(source);
  // `disk args` is QEMU's own argv: no libvirt in the path, so libvirt's version does not limit it.
  const platform = { ...(await probePlatform(undefined, backend)), writer: what === 'args' ? 'qemu' : 'libvirt' } as const;
  // aio rule 2: saved kvmio bench results for this store and format (src/bench/evidence.ts).
  const { loadAioEvidence } = await import('../../bench/evidence.js');
  const ev = backend.kind === 'pci' ? undefined : loadAioEvidence(resolve(ctx.cwd, o.stateDir ?? '/var/lib/kvmio'), backend).evidence;
  const config = chooseDiskConfig(backend, ev ? { ...intent, bench: ev } : intent, platform);
  const domainName = typeof o.domain === 'string' ? o.domain : 'kvmio-vm';
  const xml = o.domain ? renderDomainXml([config], { name: domainName }) : renderLibvirtFragment([config]);
  const argv = renderQemuDiskArgs([config]);

  if (o.json) {
    ctx.json({ source, backend, platform, notes, config, ...(what === 'xml' ? { xml } : { argv }) });
    return;
  }
  for (const n of notes) ctx.warn(n);
  for (const w of config.warnings) ctx.warn(w);
  if (o.explain) ctx.print(renderExplain([config]));
  ctx.print(what === 'xml' ? xml : formatArgv(argv));
}

export function register(program: Command, ctx: Ctx): void {
  const disk = group(program, 'disk', 'VM disks: choose settings and render libvirt XML or QEMU arguments');
  withDiskOptions(disk.command('xml').description('print the libvirt <disk>/<hostdev> (and the <iothreads> and controllers it needs) for SOURCE'))
    .option('--domain [name]', 'print a complete minimal domain (TCG, 64 MiB, no OS) around the disk')
    .action((source: string, o: DiskOpts) => runDisk(ctx, 'xml', source, o));
  withDiskOptions(disk.command('args').description('print the QEMU arguments for SOURCE'))
    .action((source: string, o: DiskOpts) => runDisk(ctx, 'args', source, o));
}
