// The fio job a guest runs. Pure. fio expands ${VAR} from the environment in job files
// (fio HOWTO, "Environment variables"), so the init's KVMIO_TARGET (the raw disk or a
// file on the filesystem it made) names the target and one job text serves both.
import { FIO_PERCENTILES } from '../fio-json.js';
import type { GuestWorkload } from './guest-types.js';

/** The null job of the boot benchmark: no I/O, so the time is boot plus fio start-up. */
export const NULL_WORKLOAD: GuestWorkload = { name: 'null', rw: 'read', bs: '4k', iodepth: 1, runtimeS: 0, sizeMiB: 16 };

export function renderFioJob(w: GuestWorkload, opts: { readonly neverEnds?: boolean } = {}): string {
  const lines = ['[global]', 'filename=${KVMIO_TARGET}', `size=${w.sizeMiB}m`, `bs=${w.bs}`, `rw=${w.rw}`, `iodepth=${w.iodepth}`, `percentile_list=${FIO_PERCENTILES}`];
  if (w.name === 'null') lines.push('ioengine=null');
  else lines.push('ioengine=libaio', 'direct=1');
  if (opts.neverEnds) lines.push('time_based=1', 'runtime=1000000'); // a job that never ends, for timeout handling
  else if (w.runtimeS > 0) lines.push('time_based=1', `runtime=${w.runtimeS}`);
  lines.push('group_reporting=1', '', `[${w.name}]`, '');
  return lines.join('\n');
}
