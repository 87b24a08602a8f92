// A tune plan written back in Proxmox's terms: for each disk whose settings differ from
// what the decision table wants, the FULL new drive string (every option the drive had,
// in its place; only cache/aio/iothread/discard/detect_zeroes/queues change), plus
// `scsihw: virtio-scsi-single` where an iothread needs it. The result is the argv of
// one `qm set VMID --scsi0 … [--scsihw …]` (executed through the journal engine) and the
// same command shell-quoted for people to paste. Pure.
import type { AioMode, CacheMode } from '../model/disk-types.js';
import { driveOption, editDrive, parseBool, printDrive, type DriveString } from './parse-drive.js';
import { iothreadActive, usesAio } from './drive-defaults.js';
import { shellCommand } from '../render/shell-quote.js';
import type { ProxmoxDrive, ProxmoxVm } from './read-proxmox-vm.js';

/** What the decision table wants for one disk, in the model's (QEMU's) words. */
export interface DiskWants {
  readonly cache?: CacheMode;
  readonly aio?: AioMode;
  readonly iothread?: boolean;
  /** QEMU words: unmap (Proxmox discard=on) or ignore. */
  readonly discard?: 'unmap' | 'ignore';
  /** off → detect_zeroes=0; on/unmap: Proxmox derives it from discard (its default is on). */
  readonly detectZeroes?: 'unmap' | 'on' | 'off';
  /** virtio-scsi queues (SCSI drives only); null: remove. */
  readonly queues?: number | null;
  readonly reasons?: readonly string[];
}

export interface DriveChange {
  readonly key: string;
  readonly from: string;
  readonly to: string;
  readonly reasons: readonly string[];
}

export interface QmSetPlan {
  readonly vmid: number;
  readonly drives: readonly DriveChange[];
  /** scsihw old → new, when an iothread needs virtio-scsi-single. */
  readonly scsihw?: { readonly from: string; readonly to: string; readonly reason: string };
  /** Disks left alone and why. */
  readonly skipped: readonly string[];
  readonly warnings: readonly string[];
}

export const qmPlanIsEmpty = (p: QmSetPlan): boolean => p.drives.length === 0 && p.scsihw === undefined;

/** Options in `qm set` order: scsihw first (the controller), then drives in config order. */
export function qmSetOptions(p: QmSetPlan): [string, string][] {
  return [...(p.scsihw ? [['scsihw', p.scsihw.to] as [string, string]] : []), ...p.drives.map((d) => [d.key, d.to] as [string, string])];
}

/** The argv kvmio runs (never through a shell). */
export const qmSetArgv = (vmid: number, options: readonly (readonly [string, string])[]): string[] => ['qm', 'set', String(vmid), ...options.flatMap(([k, v]) => [`--${k}`, v])];

/** The command for people to paste: every word shell-quoted (render/shell-quote.ts, the one quoting helper). */
export const displayArgv = (argv: readonly string[]): string => shellCommand(argv);

const boolOf = (d: DriveString, k: string): boolean => parseBool(driveOption(d, k) ?? '0') === true;

/** Plans `qm set` for PVM from per-disk wants (keyed by drive key, "scsi0"). */
export function planQmSet(pvm: ProxmoxVm, wants: ReadonlyMap<string, DiskWants>, opts: { bus?: boolean } = {}): QmSetPlan {
  const drives: DriveChange[] = [];
  const skipped: string[] = [];
  const warnings: string[] = [];
  let scsihw: QmSetPlan['scsihw'];
  const byKey = new Map<string, ProxmoxDrive>(pvm.drives.map((d) => [d.key, d]));
  const disk = (k: string) => pvm.vm.disks.find((d) => d.key === k);
  for (const [key, want] of wants) {
    const pd = byKey.get(key);
    const vd = disk(key);
    if (pd && (pd.iface === 'efidisk' || pd.iface === 'tpmstate')) {
      skipped.push(`${key}: Proxmox has no cache/aio options for ${pd.iface} drives`);
      continue;
    }
    if (!pd || !vd) {
      skipped.push(`${key}: not a drive of VM ${pvm.vmid}`);
      continue;
    }
    if (vd.device === 'cdrom') continue;
    if (pvm.pending.includes(key)) {
      skipped.push(`${key}: a pending change exists for it; apply or revert it first (qm config ${pvm.vmid} --current vs qm config ${pvm.vmid})`);
      continue;
    }
    const set: Record<string, string | null> = {};
    const reasons: string[] = [...(want.reasons ?? [])];
    if (want.cache !== undefined && vd.cache.value !== want.cache) set.cache = want.cache;
    const scfg = pd.resolved.storage;
    if (want.aio !== undefined && usesAio(scfg, pd.drive.file) && vd.aio.value !== want.aio) set.aio = want.aio;
    if (want.discard !== undefined && vd.discard !== want.discard) set.discard = want.discard === 'unmap' ? 'on' : driveOption(pd.drive, 'discard') === undefined ? null : 'ignore';
    if (want.detectZeroes === 'off' && vd.detectZeroes !== 'off') set.detect_zeroes = '0';
    else if (want.detectZeroes !== undefined && want.detectZeroes !== 'off' && driveOption(pd.drive, 'detect_zeroes') !== undefined && !boolOf(pd.drive, 'detect_zeroes')) set.detect_zeroes = null;
    if (want.queues !== undefined && pd.iface === 'scsi' && (want.queues === null ? driveOption(pd.drive, 'queues') !== undefined : vd.queues !== want.queues)) set.queues = want.queues === null ? null : String(want.queues);
    if (want.iothread === true) {
      const io = iothreadActive(pd.iface, pd.drive, scsihw?.to ?? pvm.scsihw.value);
      if (pd.iface === 'virtio' || pd.iface === 'scsi') {
        if (!boolOf(pd.drive, 'iothread')) set.iothread = '1';
        if (pd.iface === 'scsi' && !io.on && (scsihw?.to ?? pvm.scsihw.value) !== 'virtio-scsi-single') {
          const from = pvm.scsihw.value;
          if (from === 'virtio-scsi-pci' || opts.bus) {
            scsihw = { from: pvm.scsihw.explicit ? from : `${from} (default)`, to: 'virtio-scsi-single', reason: 'iothread=1 works on SCSI disks only with scsihw virtio-scsi-single (one controller, and one iothread, per disk)' };
            if (from !== 'virtio-scsi-pci') warnings.push(`scsihw ${from} → virtio-scsi-single changes the guest's SCSI controller: it needs the virtio-scsi driver (Linux has it; Windows needs virtio-win) before the next start`);
          } else {
            delete set.iothread;
            skipped.push(`${key}: an iothread needs scsihw virtio-scsi-single, which replaces the emulated ${from} controller (the guest needs the virtio-scsi driver): run with --bus to propose it`);
          }
        }
      } else {
        skipped.push(`${key}: ${pd.iface} drives have no iothread; moving the disk to virtio-scsi or virtio-blk changes the guest's device (Windows needs virtio-win first): qm set ${pvm.vmid} --scsiN … --delete ${key}`);
      }
    }
    if (Object.keys(set).length === 0) continue;
    const to = printDrive(editDrive(pd.drive, set));
    if (to === pd.text.trim()) continue;
    drives.push({ key, from: pd.text, to, reasons });
  }
  if (pvm.vm.running && (drives.length > 0 || scsihw)) warnings.push(`VM ${pvm.vmid} is running: Proxmox keeps these changes pending until the VM is stopped and started (a reboot inside the guest is not enough)`);
  return { vmid: pvm.vmid, drives, ...(scsihw ? { scsihw } : {}), skipped, warnings };
}
