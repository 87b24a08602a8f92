// Chosen disks as libvirt XML: <iothreads> (domain level), then inside <devices> the
// PCIe root ports (q35), virtio-scsi controllers, <disk> and <hostdev> elements.
// Element and attribute order is fixed (libvirt's own output order) for golden files.
import type { DiskDeviceConfig } from '../model/disk-types.js';
import { layoutDisks, type Layout, type PlacedDisk, type PlacedHostdev } from './disk-layout.js';
import type { DiskConfig } from '../model/disk-types.js';
import { el, renderXml, textEl, type XmlElement } from './xml-text.js';
import { hostdevElement } from './hostdev.js';

export interface LibvirtDevices {
  /** <iothreads>N</iothreads> belongs at domain level; 0 when no disk uses one. */
  readonly iothreads: number;
  /** Elements for <devices>, in order: root ports, controllers, disks, hostdevs. */
  readonly devices: readonly XmlElement[];
}

export function libvirtDevices(configs: readonly DiskConfig[]): LibvirtDevices {
  const layout = layoutDisks(configs);
  // libvirt reads a PCI controller without index as index 0 (pcie-root on q35), so
  // root ports are numbered 1..N; libvirt then puts each PCI device on a free one.
  const ports: XmlElement[] = Array.from({ length: layout.rootPorts }, (_, i) => el('controller', [['type', 'pci'], ['index', i + 1], ['model', 'pcie-root-port']]));
  const controllers: XmlElement[] = [];
  const disks: XmlElement[] = [];
  const hostdevs: XmlElement[] = [];
  for (const p of layout.items) {
    if (p.kind === 'hostdev') {
      hostdevs.push(hostdevXml(p));
      continue;
    }
    if (p.scsiController !== undefined) controllers.push(scsiControllerXml(p.config, p.scsiController));
    disks.push(diskXml(p));
  }
  return { iothreads: maxIothread(layout), devices: [...ports, ...controllers, ...disks, ...hostdevs] };
}

// libvirt numbers iothreads 1..N, so <iothreads> must reach the highest id used.
const maxIothread = (l: Layout): number => l.iothreads.reduce((m, id) => Math.max(m, id), 0);

function scsiControllerXml(c: DiskDeviceConfig, index: number): XmlElement {
  const driver = c.queues.value !== null || c.iothread.value !== null
    ? el('driver', [['queues', c.queues.value], ['iothread', c.iothread.value]])
    : null;
  return el('controller', [['type', 'scsi'], ['index', index], ['model', 'virtio-scsi']], [driver]);
}

function diskXml(p: PlacedDisk): XmlElement {
  const c = p.config;
  const b = c.backend;
  const blk = c.bus.value === 'virtio-blk';
  const driver = el('driver', [
    ['name', 'qemu'],
    ['type', c.format],
    ['cache', c.cache.value],
    ['io', c.aio.value],
    ['discard', c.discard.value],
    ['detect_zeroes', c.detectZeroes.value],
    // virtio-blk carries its iothread and queues on the disk; virtio-scsi on the controller.
    ['iothread', blk ? c.iothread.value : null],
    ['queues', blk ? c.queues.value : null],
  ]);
  const source = b.kind === 'file' ? el('source', [['file', b.path]]) : el('source', [['dev', b.path]]);
  return el('disk', [['type', b.kind === 'file' ? 'file' : 'block'], ['device', 'disk']], [
    driver,
    source,
    el('target', [['dev', c.target.value], ['bus', blk ? 'virtio' : 'scsi']]),
    c.readOnly ? el('readonly') : null,
    c.shareable ? el('shareable') : null,
    c.serial !== undefined ? textEl('serial', c.serial) : null,
    p.scsiController !== undefined ? el('address', [['type', 'drive'], ['controller', p.scsiController], ['bus', 0], ['target', 0], ['unit', 0]]) : null,
  ]);
}

function hostdevXml(p: PlacedHostdev): XmlElement {
  return hostdevElement(p.config.backend.address, { managed: true });
}

/** What `kvmio disk xml` prints: the domain-level <iothreads>, then the <devices> elements. */
export function renderLibvirtFragment(configs: readonly DiskConfig[]): string {
  const d = libvirtDevices(configs);
  const parts = [
    ...(d.iothreads > 0 ? ['<!-- in <domain> -->', renderXml(textEl('iothreads', String(d.iothreads)))] : []),
    d.devices.some((e) => e.name === 'controller')
      ? '<!-- in <devices> (controller indexes count from 1 for root ports and 0 for SCSI: renumber them if the domain already uses those) -->'
      : '<!-- in <devices> -->',
    ...d.devices.map((e) => renderXml(e)),
  ];
  return `${parts.join('\n')}\n`;
}

export interface DomainOptions {
  readonly name: string;
  /** "qemu" (TCG) or "kvm". */
  readonly type?: 'qemu' | 'kvm';
  readonly memoryMiB?: number;
  readonly vcpus?: number;
}

/** A minimal, complete domain around the disks (tests, `--domain`): no OS, no network. */
export function renderDomainXml(configs: readonly DiskConfig[], opts: DomainOptions): string {
  const d = libvirtDevices(configs);
  const machine = configs[0]?.machine.value ?? 'q35';
  const dom = el('domain', [['type', opts.type ?? 'qemu']], [
    textEl('name', opts.name),
    textEl('memory', String(opts.memoryMiB ?? 64), [['unit', 'MiB']]),
    textEl('vcpu', String(opts.vcpus ?? 1)),
    d.iothreads > 0 ? textEl('iothreads', String(d.iothreads)) : null,
    el('os', [], [textEl('type', 'hvm', [['arch', 'x86_64'], ['machine', machine]])]),
    el('devices', [], [...d.devices]),
  ]);
  return `${renderXml(dom)}\n`;
}
