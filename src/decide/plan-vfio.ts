// The sysfs writes that move a whole IOMMU group to vfio-pci (bind) or back to the
// kernel's own drivers (unbind), as an ordered plan the apply engine runs and journals.
// Pure: facts in, writes out. The sequence is the kernel's (Documentation/ABI/testing/
// sysfs-bus-pci, driver_override): set driver_override, unbind from the current driver,
// then ask drivers_probe to bind the device to the override.
//
// Every step carries its own undo, valid whenever that step (and the ones before it)
// ran: rollback runs the undos of the steps that ran, last step first. Binding to the
// original driver is refused by the kernel while driver_override names another, so the
// unbind step's undo restores the override before it writes drivers/ORIG/bind.
import type { Assessment } from './passthrough.js';

export interface PciWrite {
  /** Absolute sysfs path ("/sys/bus/pci/drivers_probe"); the engine may prefix a test root. */
  readonly path: string;
  /** Exactly the bytes to write. */
  readonly value: string;
}

export interface SysfsStep {
  /** The device this step is about. */
  readonly address: string;
  readonly describe: string;
  readonly write: PciWrite;
  /** Writes that undo this step, in order. */
  readonly undo: readonly PciWrite[];
}

export interface VfioPlan {
  readonly action: 'bind' | 'unbind';
  readonly address: string;
  readonly iommuGroup?: number;
  /** Members moved, in order. */
  readonly members: readonly string[];
  /** Members left as they are, with why (bridges; already on the target driver). */
  readonly skipped: readonly { readonly address: string; readonly why: string }[];
  readonly steps: readonly SysfsStep[];
}

export const VFIO_DRIVER = 'vfio-pci';
const dev = (a: string): string => `/sys/bus/pci/devices/${a}`;
const PROBE = '/sys/bus/pci/drivers_probe';

/** Writing a newline clears driver_override (sysfs shows "(null)" when it is unset). */
const overrideValue = (old: string | undefined): string => (old === undefined || old === '' || old === '(null)' ? '\n' : `${old}\n`);

export interface MemberState {
  readonly address: string;
  readonly bridge: boolean;
  readonly driver?: string;
  readonly driverOverride?: string;
}

export function planVfioBind(a: Pick<Assessment, 'address' | 'iommuGroup'>, members: readonly MemberState[]): VfioPlan {
  const steps: SysfsStep[] = [];
  const moved: string[] = [];
  const skipped: { address: string; why: string }[] = [];
  for (const m of [...members].sort((x, y) => x.address.localeCompare(y.address))) {
    if (m.bridge) {
      skipped.push({ address: m.address, why: 'PCI bridge: stays with the host' });
      continue;
    }
    if (m.driver === VFIO_DRIVER) {
      skipped.push({ address: m.address, why: 'already bound to vfio-pci' });
      continue;
    }
    moved.push(m.address);
    steps.push(...moveDevice(m, { override: `${VFIO_DRIVER}\n`, label: VFIO_DRIVER, probed: VFIO_DRIVER, undoProbe: { path: `/sys/bus/pci/drivers/${VFIO_DRIVER}/unbind`, value: m.address } }));
  }
  return { action: 'bind', address: a.address, ...(a.iommuGroup === undefined ? {} : { iommuGroup: a.iommuGroup }), members: moved, skipped, steps };
}

/**
 * Hands every vfio-pci member of the group back to the kernel: clear the override,
 * unbind from vfio-pci, and let drivers_probe pick the device's own driver (nvme, ahci …).
 */
export function planVfioUnbind(a: Pick<Assessment, 'address' | 'iommuGroup'>, members: readonly MemberState[]): VfioPlan {
  const steps: SysfsStep[] = [];
  const moved: string[] = [];
  const skipped: { address: string; why: string }[] = [];
  for (const m of [...members].sort((x, y) => x.address.localeCompare(y.address))) {
    if (m.bridge) {
      skipped.push({ address: m.address, why: 'PCI bridge: stays with the host' });
      continue;
    }
    const overridden = m.driverOverride !== undefined && m.driverOverride !== '' && m.driverOverride !== '(null)';
    if (m.driver !== VFIO_DRIVER && !overridden) {
      skipped.push({ address: m.address, why: m.driver ? `bound to ${m.driver}, not vfio-pci` : 'no driver and no override' });
      continue;
    }
    moved.push(m.address);
    steps.push(...moveDevice(m, { override: '\n', label: '(null)', probed: "the device's own driver", undoProbe: { path: `${dev(m.address)}/driver/unbind`, value: m.address } }));
  }
  return { action: 'unbind', address: a.address, ...(a.iommuGroup === undefined ? {} : { iommuGroup: a.iommuGroup }), members: moved, skipped, steps };
}

/** The kernel's three writes that move one device: set driver_override, unbind its current driver, drivers_probe. */
function moveDevice(m: MemberState, to: { override: string; label: string; probed: string; undoProbe: PciWrite }): SysfsStep[] {
  const restoreOverride: PciWrite = { path: `${dev(m.address)}/driver_override`, value: overrideValue(m.driverOverride) };
  return [
    { address: m.address, describe: `${m.address}: driver_override ${m.driverOverride ?? '(null)'} → ${to.label}`, write: { path: `${dev(m.address)}/driver_override`, value: to.override }, undo: [restoreOverride] },
    ...(m.driver === undefined
      ? []
      : [{
          address: m.address,
          describe: `${m.address}: unbind from ${m.driver}`,
          write: { path: `${dev(m.address)}/driver/unbind`, value: m.address },
          undo: [restoreOverride, { path: `/sys/bus/pci/drivers/${m.driver}/bind`, value: m.address }],
        }]),
    { address: m.address, describe: `${m.address}: probe (binds ${to.probed})`, write: { path: PROBE, value: m.address }, undo: [to.undoProbe] },
  ];
}
