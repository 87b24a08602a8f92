// fs.aio-max-nr sizing (docs/host-facts.md, measured on QEMU 7.2): every AioContext that does
// native AIO charges 1024 to fs.aio-nr, so one VM costs 1024 × (1 + iothreads serving
// native-AIO disks); aio=threads and io_uring cost nothing. kvmio doubles the need as
// headroom (libvirt-started VMs were seen at 4096), rounds up to a power of two, never
// goes below the kernel default 65536, and never lowers the current value.

import type { Vm } from '../model/vm.js';
import { aioCharge, chargeableVms } from './aio-cost.js';
import { AIO_HEADROOM, AIO_MAX_NR_DEFAULT, AIO_PER_CONTEXT } from './host-defaults.js';

export { AIO_HEADROOM };

export interface AioDemand {
  /** AIO contexts in use at the same time: Σ over VMs of (1 + iothreads serving native disks). */
  readonly contexts: number;
  /** Where the count comes from, for the explanation. */
  readonly explain: string;
}

export const aioDemandFromCounts = (vms: number, iothreads: number): AioDemand => ({
  contexts: vms * (1 + iothreads),
  explain: `${vms} VM${vms === 1 ? '' : 's'} × (1 main loop + ${iothreads} iothread${iothreads === 1 ? '' : 's'} serving native-AIO disks) = ${vms * (1 + iothreads)} AIO contexts`,
});

/**
 * The demand of the VMs a host defines, from the same aioCharge the aio.vm-headroom check
 * uses (a virtio-scsi controller's iothread counts like a disk's own), one definition per VM.
 */
export function aioDemandFromVms(all: readonly Vm[]): AioDemand {
  const vms = chargeableVms(all);
  const charges = vms.map(aioCharge).filter((c) => c.nativeDisks > 0);
  const contexts = charges.reduce((s, c) => s + c.contexts, 0);
  const iot = charges.reduce((s, c) => s + c.contexts - 1, 0);
  return {
    contexts,
    explain: `${charges.length} of ${vms.length} VMs use native AIO (${charges.reduce((s, c) => s + c.nativeDisks, 0)} disks, ${iot} iothreads serving them) = ${contexts} AIO contexts`,
  };
}

const nextPow2 = (n: number): number => 2 ** Math.ceil(Math.log2(Math.max(1, n)));

export interface AioAdvice {
  readonly target: number;
  /** Lines explaining the arithmetic. */
  readonly explain: readonly string[];
}

export function recommendedAioMaxNr(demand: AioDemand, current: number): AioAdvice {
  const need = demand.contexts * AIO_PER_CONTEXT;
  const sized = Math.max(AIO_MAX_NR_DEFAULT, nextPow2(need * AIO_HEADROOM));
  const target = Math.max(sized, current);
  return {
    target,
    explain: [
      demand.explain,
      `${demand.contexts} × ${AIO_PER_CONTEXT} (charged per native-AIO context) = ${need}; × ${AIO_HEADROOM} headroom = ${need * AIO_HEADROOM} → ${sized} (next power of two, at least ${AIO_MAX_NR_DEFAULT})`,
      ...(current > sized ? [`current ${current} is higher: kept (kvmio never lowers it)`] : []),
    ],
  };
}
