// Chosen disks as QEMU arguments (string[], never a shell string), in the seed's order:
// -machine, PCIe root ports (q35), iothread objects, then per disk the PCI device that
// owns the iothread, its -drive, and for virtio-scsi the scsi-hd on that controller.
import type { DiskConfig } from '../model/disk-types.js';
import { layoutDisks, type Placed } from './disk-layout.js';

/** QEMU option values escape a comma by doubling it. */
export const qemuValue = (s: string): string => s.replace(/,/g, ',,');

const opts = (pairs: ReadonlyArray<readonly [string, string | number | null | undefined]>): string =>
  pairs.filter(([, v]) => v !== undefined && v !== null).map(([k, v]) => (k === '' ? String(v) : `${k}=${v}`)).join(',');

/** Root port N: the seed's layout (pcie.0 slot 1c, function 0 multifunction), 8 per slot. */
function rootPortArgs(n: number): string[] {
  const slots = [0x1c, 0x1d, 0x1e, 0x08, 0x09, 0x0a, 0x0b, 0x0c];
  const slot = slots[Math.floor((n - 1) / 8)];
  if (slot === undefined) throw new Error(`too many PCIe root ports (${n}); at most ${slots.length * 8}`);
  const fn = (n - 1) % 8;
  return ['-device', opts([['', 'pcie-root-port'], ['bus', 'pcie.0'], ['addr', `${slot.toString(16)}.${fn}`], ['multifunction', fn === 0 ? 'on' : null], ['port', n], ['chassis', n], ['id', `root.${n}`]])];
}

export const iothreadId = (id: number): string => `io${id}`;
export const driveId = (index: number): string => `disk${index}`;
export const scsiId = (controller: number): string => `scsi${controller}`;

function itemArgs(p: Placed): string[] {
  const bus = p.rootPort === undefined ? null : `root.${p.rootPort}`;
  if (p.kind === 'hostdev') return ['-device', opts([['', 'vfio-pci'], ['host', p.config.backend.address], ['bus', bus]])];
  const c = p.config;
  const io = c.iothread.value === null ? null : iothreadId(c.iothread.value);
  const drive = [
    '-drive',
    opts([
      ['if', 'none'],
      ['id', driveId(p.index)],
      ['cache', c.cache.value],
      ['format', c.format],
      ['aio', c.aio.value],
      ['discard', c.discard.value],
      ['detect-zeroes', c.detectZeroes.value],
      ['readonly', c.readOnly ? 'on' : null],
      ['file', qemuValue(c.backend.path)],
    ]),
  ];
  const serial = c.serial === undefined ? null : qemuValue(c.serial);
  const shareRw = c.shareable ? 'on' : null;
  if (c.bus.value === 'virtio-blk') {
    return [
      '-device',
      opts([['', 'virtio-blk-pci'], ['drive', driveId(p.index)], ['iothread', io], ['num-queues', c.queues.value], ['serial', serial], ['share-rw', shareRw], ['bus', bus]]),
      ...drive,
    ];
  }
  const ctl = scsiId(p.scsiController ?? 0);
  return [
    '-device',
    opts([['', 'virtio-scsi-pci'], ['id', ctl], ['iothread', io], ['num_queues', c.queues.value], ['bus', bus]]),
    ...drive,
    '-device',
    opts([['', 'scsi-hd'], ['drive', driveId(p.index)], ['bus', `${ctl}.0`], ['serial', serial], ['share-rw', shareRw]]),
  ];
}

export function renderQemuDiskArgs(configs: readonly DiskConfig[]): string[] {
  const layout = layoutDisks(configs);
  return [
    '-machine',
    layout.machine,
    ...Array.from({ length: layout.rootPorts }, (_, i) => rootPortArgs(i + 1)).flat(),
    ...layout.iothreads.flatMap((id) => ['-object', `iothread,id=${iothreadId(id)}`]),
    ...layout.items.flatMap(itemArgs),
  ];
}

const shellQuote = (s: string): string => (/^[A-Za-z0-9_.,:=/+@%-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/** For humans: one option and its value per line, shell-quoted, with continuations. */
export function formatArgv(argv: readonly string[]): string {
  const lines: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const next = argv[i + 1];
    if (a.startsWith('-') && next !== undefined && !next.startsWith('-')) {
      lines.push(`${shellQuote(a)} ${shellQuote(next)}`);
      i++;
    } else lines.push(shellQuote(a));
  }
  return `${lines.join(' \\\n')}\n`;
}
