// discard_no_unref on a qcow2 disk whose guest discards reach QEMU (discard='unmap').
// Pure, over the neutral model.
//
// QEMU qapi/block-core.json BlockdevOptionsQcow2 discard-no-unref (since 8.1): "data
// clusters will remain preallocated when they are no longer used, e.g. because they are
// discarded or converted to zero clusters ... Keeping the clusters preallocated prevents
// qcow2 fragmentation ... such fragmentation can lead to increased allocation of clusters
// past the end of the image file ... If image file length is of concern (e.g. when storing
// qcow2 images directly on block devices), you should consider enabling this option."
// The host space is still freed (pass-discard-request). libvirt formatdomain <driver
// discard_no_unref> since 9.5.0; an older libvirt drops the attribute on define.
import { fixText, type Finding } from '../model/finding.js';
import type { Platform } from '../model/disk-types.js';
import type { Vm, VmDisk } from '../model/vm.js';
import { atLeast, formatVersion, version } from './version.js';

const REF = 'QEMU qapi/block-core.json qcow2 discard-no-unref (since 8.1); libvirt formatdomain <driver discard_no_unref> (since 9.5.0)';
export const DISCARD_NO_UNREF_MIN = { libvirt: version(9, 5), qemu: version(8, 1) } as const;

/** vm.discard-no-unref for a qcow2 disk (format as declared or as the image says); `store`: where the image file lives. */
export function auditDiscardNoUnref(vm: Vm, disk: VmDisk, format: string | undefined, store: 'block' | 'file' | undefined, platform: Platform, base: Pick<Finding, 'subject' | 'object'>): Finding[] {
  const set = disk.discardNoUnref;
  if (format !== 'qcow2') {
    return set === undefined ? [] : [{ ...base, id: 'vm.discard-no-unref', status: 'skip', observed: `discard_no_unref=${set} on ${format ?? 'an unknown format'}`, why: 'noted: only qcow2 has clusters to keep; the setting does nothing here', ref: REF }];
  }
  if (disk.readOnly) return [];
  const unmap = disk.discard === 'unmap';
  const lv = platform.libvirt;
  const qemu = platform.qemu;
  const have = `libvirt ${formatVersion(lv)}, QEMU ${formatVersion(qemu)}`;
  if (set === 'on') {
    if (lv !== undefined && !atLeast(lv, DISCARD_NO_UNREF_MIN.libvirt)) return [{ ...base, id: 'vm.discard-no-unref', status: 'warn', observed: `discard_no_unref=on, ${have}`, expected: 'libvirt ≥ 9.5', why: 'this libvirt does not know the attribute and drops it on define: the image frees clusters as if it were unset', ref: REF }];
    if (qemu !== undefined && !atLeast(qemu, DISCARD_NO_UNREF_MIN.qemu)) return [{ ...base, id: 'vm.discard-no-unref', status: 'fail', observed: `discard_no_unref=on, ${have}`, expected: 'QEMU ≥ 8.1', why: 'libvirt refuses to start the VM: this QEMU has no qcow2 discard-no-unref', fix: fixText`remove discard_no_unref or upgrade QEMU (${{ vmEdit: vm.ref }})`, ref: REF }];
    return [{ ...base, id: 'vm.discard-no-unref', status: 'pass', observed: `discard_no_unref=on${unmap ? ', discard=unmap' : ''}`, why: 'discarded clusters stay allocated in the qcow2 (the host space is still freed): no fragmentation, no growth past the virtual size', ref: REF }];
  }
  if (!unmap) return [];
  const supported = atLeast(lv, DISCARD_NO_UNREF_MIN.libvirt) && atLeast(qemu, DISCARD_NO_UNREF_MIN.qemu);
  const observed = `discard=unmap, discard_no_unref ${set ?? 'unset'}, ${have}`;
  // Not actionable before libvirt 9.5 / QEMU 8.1: nothing to say.
  if (!supported) return [];
  if (store === 'block') {
    return [{
      ...base,
      id: 'vm.discard-no-unref',
      status: 'warn',
      observed: `${observed}, qcow2 on a block device`,
      expected: "discard_no_unref='on'",
      why: 'guest discards free qcow2 clusters and new writes allocate fresh ones at the end of the image: on a block device the image can outgrow it (ENOSPC, the VM pauses) long before the guest disk is full',
      fix: fixText`set discard_no_unref='on' on the disk's <driver> (${{ vmEdit: vm.ref }})`,
      ref: REF,
    }];
  }
  return [{ ...base, id: 'vm.discard-no-unref', status: 'skip', observed, why: "noted: discard_no_unref='on' keeps discarded clusters allocated (the host space is still freed), which avoids fragmenting the qcow2 as the guest rewrites it", ref: REF }];
}
