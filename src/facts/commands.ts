// Commands the probe may run, catalogued so a dump names their outputs (cmd/NAME.out) and
// a remote script can run the same argv. Deliberately empty today: probeHost spawns
// nothing, because the audit must start in under 2× `node -e 0` and every fact it needs
// is in sysfs/procfs. `lsblk -J -o FSTYPE` was considered for unmounted filesystem types
// and left out: without udev (this machine, containers) it reports null for every device,
// and mounted types come from /proc/self/mountinfo anyway. Guards that need a device's
// signature (provision, passthrough) probe that one device when they act.
import { dumpName } from './dump-format.js';
import type { CommandSpec } from './source.js';

export const PROBE_COMMANDS: readonly CommandSpec[] = [];

/** libvirt's URI for reads: LIBVIRT_DEFAULT_URI, else the system daemon (virsh's own default order). */
export const libvirtUri = (env: Readonly<Record<string, string | undefined>> = process.env): string => env.LIBVIRT_DEFAULT_URI ?? 'qemu:///system';

const virsh = (uri: string, ...args: string[]): string[] => ['virsh', '-q', '-c', uri, ...args];

/**
 * The commands the VM probe runs, by dump name (dump-format.ts documents the layout and
 * the order a remote script runs them in). Per-object names carry the object through
 * dumpName, so a sh script names them the same way.
 */
export const VM_COMMANDS = {
  domainList: (uri: string): CommandSpec => ({ name: 'virsh-list', argv: virsh(uri, 'list', '--all', '--name'), timeoutMs: 20_000 }),
  runningList: (uri: string): CommandSpec => ({ name: 'virsh-list-running', argv: virsh(uri, 'list', '--state-running', '--state-paused', '--name'), timeoutMs: 20_000 }),
  savedXml: (uri: string, domain: string): CommandSpec => ({ name: `virsh-dumpxml-inactive/${dumpName(domain)}`, argv: virsh(uri, 'dumpxml', '--inactive', '--', domain), timeoutMs: 20_000 }),
  liveXml: (uri: string, domain: string): CommandSpec => ({ name: `virsh-dumpxml/${dumpName(domain)}`, argv: virsh(uri, 'dumpxml', '--', domain), timeoutMs: 20_000 }),
  dominfo: (uri: string, domain: string): CommandSpec => ({ name: `virsh-dominfo/${dumpName(domain)}`, argv: virsh(uri, 'dominfo', '--', domain), timeoutMs: 20_000 }),
  volPath: (uri: string, pool: string, volume: string): CommandSpec => ({
    name: `virsh-vol-path/${dumpName(pool)}/${dumpName(volume)}`,
    argv: virsh(uri, 'vol-path', '--pool', pool, '--', volume),
    timeoutMs: 20_000,
  }),
  /** %F type, %s size, %b×%B allocated bytes, %t:%T device major:minor (hex) of a block device. */
  stat: (path: string): CommandSpec => ({ name: `stat/${dumpName(path)}`, argv: ['stat', '-L', '-c', '%F|%s|%b|%B|%t:%T', '--', path], timeoutMs: 10_000 }),
  imageInfo: (path: string): CommandSpec => ({ name: `qemu-img-info/${dumpName(path)}`, argv: ['qemu-img', 'info', '-U', '--output=json', '--', path], timeoutMs: 30_000 }),
  /** Run only when imageInfo names a local backing file (probe-image-chain.ts): every layer, no -f, so each format comes from its header or the format its child records. */
  imageChain: (path: string): CommandSpec => ({ name: `qemu-img-info-chain/${dumpName(path)}`, argv: ['qemu-img', 'info', '-U', '--output=json', '--backing-chain', '--', path], timeoutMs: 30_000 }),
  lvs: (path: string): CommandSpec => ({ name: `lvs/${dumpName(path)}`, argv: ['lvs', '--reportformat', 'json', '--units', 'b', '--nosuffix', '-o', 'vg_name,lv_name,lv_attr,lv_size,segtype,lv_path', '--', path], timeoutMs: 15_000 }),
  qemuVersion: (): CommandSpec => ({ name: 'qemu-system-x86_64--version', argv: ['qemu-system-x86_64', '--version'], timeoutMs: 15_000 }),
  virshVersion: (): CommandSpec => ({ name: 'virsh--version', argv: ['virsh', '--version'], timeoutMs: 15_000 }),
} as const;
