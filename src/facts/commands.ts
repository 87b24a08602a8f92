// Commands the probe may run, catalogued so a dump names their outputs (cmd/NAME.out) and
// a remote script can run the same argv. Deliberately empty today: probeHost spawns
// nothing, because the audit must start in under 2× `node -e 0` and every fact it needs
// is in sysfs/procfs. `lsblk -J -o FSTYPE` was considered for unmounted filesystem types
// and left out: without udev (this machine, containers) it reports null for every device,
// and mounted types come from /proc/self/mountinfo anyway. Guards that need a device's
// signature (provision, passthrough) probe that one device when they act.
import type { CommandSpec } from './source.js';

export const PROBE_COMMANDS: readonly CommandSpec[] = [];
