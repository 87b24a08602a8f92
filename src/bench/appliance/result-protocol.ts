// What the appliance writes to its second serial port (ttyS1, a file on the host), so
// kernel messages on the console (ttyS0) never mix into it:
//   kvmio-guest key value          ← facts the guest saw (scheduler, start/end epoch…)
//   -----BEGIN FIO JSON-----
//   { fio --output-format=json }
//   -----END FIO JSON----- rc=N   ← fio's exit status; a missing end marker = truncated
//   kvmio-guest-error message     ← instead, when the init could not run the job
export const FACT_PREFIX = 'kvmio-guest ';
export const ERROR_PREFIX = 'kvmio-guest-error ';
export const JSON_BEGIN = '-----BEGIN FIO JSON-----';
export const JSON_END = '-----END FIO JSON-----';

/** Kernel command-line words the init reads (the kernel hands unknown key=value words to init as environment). */
export const GUEST_ENV = {
  disk: 'KVMIO_DISK',
  scheduler: 'KVMIO_SCHED',
  target: 'KVMIO_FS',
  startAt: 'KVMIO_START',
} as const;

/** fw_cfg item carrying the fio job (QEMU docs/specs/fw_cfg.rst: user items live under opt/). */
export const FW_CFG_JOB = 'opt/fio.job';
