// What QEMU does when a disk's I/O fails, and copy-on-read: settings a reviewer wants to
// see. Pure, over the neutral model.
//
// libvirt formatdomain <driver error_policy/rerror_policy>: "stop", "report", "ignore",
// "enospace"; they become QEMU's werror=/rerror= (qemu-options.hx -drive: "ignore" =
// ignore the error and try to continue). A write the host failed and the guest was told
// succeeded is lost without a trace: FAIL. rerror_policy='ignore' hands the guest a
// buffer that was never filled: WARN.
import type { Finding } from '../model/finding.js';
import type { VmDisk } from '../model/vm.js';

const REF = "libvirt formatdomain <driver error_policy> / rerror_policy; QEMU qemu-options.hx -drive werror=/rerror= ('ignore': ignore the error and try to continue)";
const REF_COR = 'libvirt formatdomain <driver copy_on_read>; QEMU -drive copy-on-read=on';

type Base = Pick<Finding, 'subject' | 'object'>;

export function auditErrorPolicy(disk: VmDisk, base: Base): Finding[] {
  const out: Finding[] = [];
  const w = disk.errorPolicy;
  const r = disk.readErrorPolicy;
  if (w !== undefined || r !== undefined) {
    const observed = [w !== undefined ? `error_policy=${w}` : undefined, r !== undefined ? `rerror_policy=${r}` : undefined].filter(Boolean).join(' ');
    if (w === 'ignore') {
      out.push({ ...base, id: 'vm.error-policy', status: 'fail', observed, expected: "error_policy='stop' (or 'report', or unset)", why: 'a failed write is ignored and the guest is told it succeeded: the data is silently lost', ref: REF });
    } else if (r === 'ignore') {
      out.push({ ...base, id: 'vm.error-policy', status: 'warn', observed, expected: "rerror_policy='stop' or 'report' (or unset)", why: 'a failed read is ignored: the guest gets a buffer that was never filled and takes it for data', ref: REF });
    } else {
      out.push({ ...base, id: 'vm.error-policy', status: 'pass', observed, why: 'I/O errors stop the VM or reach the guest', ref: REF });
    }
  }
  if (disk.copyOnRead === 'on') {
    out.push({ ...base, id: 'vm.copy-on-read', status: 'skip', observed: 'copy_on_read=on', why: 'noted: every read from a backing file is also written into the top image (the overlay grows with reads; the backing chain is read less over time)', ref: REF_COR });
  }
  return out;
}
