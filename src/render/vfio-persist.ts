// How a vfio-pci binding survives a reboot, with each option's trade-off. A sysfs bind
// lasts until reboot only. Two ways, offered, never applied silently:
//  1. modprobe.d `options vfio-pci ids=VENDOR:DEVICE` (+ softdep so vfio-pci loads
//     before the storage driver): binds EVERY device with that ID, including the host's
//     own controller when it is the same model (identical NVMe drives).
//  2. a per-address driver_override, driverctl-style (`driverctl set-override ADDR
//     vfio-pci`, or the udev rule driverctl writes): exactly one device, but the address
//     can change when cards move or firmware renumbers buses.
// Refs: kernel Documentation/driver-api/vfio.rst; driverctl(8).
import { VFIO_MODPROBE_FILE, VFIO_UDEV_FILE } from '../model/host-files.js';

export interface SameIdDevice {
  readonly address: string;
  /** Why the host needs it, when it does (e.g. "carries /"). */
  readonly hostUse?: string;
}

export interface PersistOption {
  readonly kind: 'modprobe-ids' | 'driver-override';
  readonly file: string;
  readonly content: string;
  /** Commands that do the same (argv each). */
  readonly commands: readonly (readonly string[])[];
  readonly tradeoff: string;
  /** True when this option would take a device the host needs. */
  readonly dangerous: boolean;
}

const hex = (id: string): string => id.replace(/^0x/, '').toLowerCase();

export function renderPersistOptions(
  members: readonly { readonly address: string; readonly vendor: string; readonly device: string; readonly storageDriver?: string }[],
  sameId: readonly SameIdDevice[],
): PersistOption[] {
  const ids = [...new Set(members.map((m) => `${hex(m.vendor)}:${hex(m.device)}`))].sort();
  const drivers = [...new Set(members.map((m) => m.storageDriver).filter((d): d is string => d !== undefined && d !== 'vfio-pci'))].sort();
  const hostNeeds = sameId.filter((s) => s.hostUse !== undefined);
  const modprobe = [
    `# kvmio: bind these device IDs to vfio-pci at boot (every device with the ID!)`,
    `options vfio-pci ids=${ids.join(',')}`,
    ...drivers.map((d) => `softdep ${d} pre: vfio-pci`),
    '',
  ].join('\n');
  const others = sameId.map((s) => `${s.address}${s.hostUse ? ` (${s.hostUse})` : ''}`);
  const udev = [
    '# kvmio: per-address vfio-pci override (what driverctl set-override writes)',
    ...members.map((m) => `ACTION=="add", SUBSYSTEM=="pci", KERNEL=="${m.address}", ATTR{driver_override}="vfio-pci"`),
    '',
  ].join('\n');
  return [
    {
      kind: 'driver-override',
      file: VFIO_UDEV_FILE,
      content: udev,
      commands: members.map((m) => ['driverctl', 'set-override', m.address, 'vfio-pci']),
      tradeoff: 'binds exactly these addresses and nothing else; needs udev (or driverctl); the address changes if cards move or the firmware renumbers buses, and then the wrong device (or none) is overridden',
      dangerous: false,
    },
    {
      kind: 'modprobe-ids',
      file: VFIO_MODPROBE_FILE,
      content: modprobe,
      commands: [['update-initramfs', '-u']],
      tradeoff: others.length === 0
        ? 'binds every device with these vendor:device IDs, now and after hardware changes: none other is present today, but any identical card added later goes to vfio-pci too; needs the initramfs rebuilt (update-initramfs -u) when the storage driver loads from it'
        : `binds every device with these vendor:device IDs: ${others.join(', ')} would be taken from the host too${hostNeeds.length > 0 ? ' (the host needs them: do NOT use this option)' : ''}; needs the initramfs rebuilt (update-initramfs -u)`,
      dangerous: hostNeeds.length > 0,
    },
  ];
}
