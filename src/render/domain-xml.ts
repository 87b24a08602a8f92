// A complete libvirt domain for a planned VM: q35, the disks as the decision table chose
// them (render/libvirt-disk.ts: an iothread per virtio disk, cache/io on the driver),
// passed-through PCI devices as <hostdev managed='no'> with the vfio driver (kvmio binds
// them through the journal, render/hostdev.ts), and UEFI firmware when the VM has a PCI
// device (the guide uses OVMF for assignment; libvirt picks the OVMF build itself with
// <os firmware='efi'>, formatdomain "Operating system booting", since 5.2). Pure.
import type { DiskConfig } from '../model/disk-types.js';
import { libvirtDevices } from './libvirt-disk.js';
import { hostdevElement } from './hostdev.js';
import { el, renderXml, textEl, type XmlElement } from './xml-text.js';

export interface PlannedDomain {
  readonly name: string;
  readonly memoryMiB: number;
  readonly vcpus: number;
  readonly firmware: 'bios' | 'uefi';
  /** "kvm" on a KVM host; "qemu" (TCG) for tests on hosts whose KVM cannot run guests. */
  readonly type: 'kvm' | 'qemu';
  readonly disks: readonly DiskConfig[];
}

export function renderPlannedDomain(d: PlannedDomain): string {
  const dev = libvirtDevices(d.disks);
  // The disk renderer writes managed='yes' (libvirt binds at start); a plan binds through
  // the journal instead, so libvirt must not rebind the host driver at every VM stop.
  const hostdevs = d.disks.flatMap((c) => (c.kind === 'hostdev' ? [hostdevElement(c.backend.address, { managed: false, vfioDriver: true })] : []));
  const devices: XmlElement[] = [...dev.devices.filter((e) => e.name !== 'hostdev'), ...hostdevs];
  const dom = el('domain', [['type', d.type]], [
    textEl('name', d.name),
    textEl('memory', String(d.memoryMiB), [['unit', 'MiB']]),
    textEl('vcpu', String(d.vcpus)),
    dev.iothreads > 0 ? textEl('iothreads', String(dev.iothreads)) : null,
    el('os', d.firmware === 'uefi' ? [['firmware', 'efi']] : [], [textEl('type', 'hvm', [['arch', 'x86_64'], ['machine', 'q35']])]),
    el('features', [], [el('acpi'), el('apic')]),
    el('devices', [], [...devices, el('console', [['type', 'pty']])]),
  ]);
  return `${renderXml(dom)}\n`;
}

