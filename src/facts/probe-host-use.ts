// Probes what the host does with the block devices behind VM disks (host-use-facts.ts),
// through the Source, so `kvmio collect` records it and a dump replays it: the sysfs
// block tree joined with mounts and swap (probe-block.ts, as the host probe does), the
// host's PVs (the same `pvs` pass-through records), the LVM scan settings and, for VM
// sources under /dev, the kernel name each resolves to (by the device number of the VM
// probe's `stat -L`, else by following links). Reads only.
//
// LVM settings: `lvmconfig --type full devices` first: it prints what LVM will use
// (lvm.conf, lvmlocal.conf and the build's defaults merged; lvmconfig(8)); without lvm2's
// tools the file /etc/lvm/lvm.conf with lvm2's documented defaults; neither → lvm2 absent.
import type { HostLvmConfig, HostUseFacts } from './host-use-facts.js';
import { lvmScanSettings, parseLvmConfig } from './parse-lvm-conf.js';
import { parseDevicesFile } from './parse-lvm-devices-file.js';
import { parsePvsJson } from './parse-storage-use.js';
import { assembleBlockDevices, probeRawBlocks } from './probe-block.js';
import { resolveLinks } from './probe-device.js';
import { probeMounts } from './probe-host.js';
import { parseStatLine } from './probe-vm-disks.js';
import { VM_COMMANDS } from './commands.js';
import { passthroughCommands, runText } from './probe-passthrough.js';
import { missing, ok, valueOf, type CommandSpec, type Read, type Source } from './source.js';

export const LVM_CONF = '/etc/lvm/lvm.conf';
export const LVM_DEVICES_DIR = '/etc/lvm/devices';

export const hostUseCommands = {
  lvmconfig: (): CommandSpec => ({ name: 'lvmconfig-devices', argv: ['env', 'LVM_SUPPRESS_FD_WARNINGS=1', 'lvmconfig', '--type', 'full', 'devices'], timeoutMs: 20_000 }),
};

/** The LVM scan settings: lvmconfig, else the file, else "not installed". */
export async function probeHostLvm(src: Source): Promise<Read<HostLvmConfig>> {
  const r = await src.run(hostUseCommands.lvmconfig());
  const notInstalled = r.ok ? r.value.code === 127 : /ENOENT|not found/i.test(r.reason);
  let from: string;
  let text: string;
  if (r.ok && r.value.code === 0) {
    from = 'lvmconfig --type full devices';
    text = r.value.stdout;
  } else {
    const file = await src.readText(LVM_CONF);
    if (!file.ok) {
      if (notInstalled && /ENOENT/.test(file.reason)) return ok({ installed: false });
      const why = r.ok ? `lvmconfig: exit ${r.value.code}: ${r.value.stderr.trim().split('\n').slice(-1)[0] ?? ''}` : r.reason;
      return missing(`LVM settings unreadable: ${why}; ${file.reason}`);
    }
    from = LVM_CONF;
    text = file.value;
  }
  const tree = parseLvmConfig(text);
  if (!tree.ok) return missing(`${from}: ${tree.reason}`);
  const scan = lvmScanSettings(tree.value);
  if (!scan.useDevicesFile) return ok({ installed: true, from, scan });
  const df = await src.readText(`${LVM_DEVICES_DIR}/${scan.devicesFile}`);
  const devicesFile = df.ok ? parseDevicesFile(df.value) : /ENOENT/.test(df.reason) ? 'absent' : df;
  return ok({ installed: true, from, scan, devicesFile });
}

/** Host use facts for the VM sources `paths` (files and block devices). */
export async function probeHostUse(src: Source, paths: readonly string[]): Promise<HostUseFacts> {
  const [raw, mounts, pvsText, lvm] = await Promise.all([probeRawBlocks(src), probeMounts(src), runText(src, passthroughCommands.pvs()), probeHostLvm(src)]);
  const blockDevices = raw.ok ? ok(assembleBlockDevices(raw.value, valueOf(mounts.mounts) ?? [], mounts.swaps)) : raw;
  const byNumber = new Map((valueOf(blockDevices) ?? []).flatMap((d) => (d.devNumber ? [[d.devNumber, d.name] as const] : [])));
  const deviceOf = new Map<string, string>();
  for (const p of paths.filter((x) => x.startsWith('/dev/'))) {
    // By device number first (the VM probe's own stat -L, replayed from a dump too): it
    // follows udev's links (/dev/VG/LV, /dev/zvol/…) even where they were not recorded.
    const st = await src.run(VM_COMMANDS.stat(p));
    const num = st.ok && st.value.code === 0 ? parseStatLine(st.value.stdout)?.devNumber : undefined;
    const named = num === undefined ? undefined : byNumber.get(num);
    if (named !== undefined) {
      deviceOf.set(p, named);
      continue;
    }
    if (num !== undefined) {
      deviceOf.set(p, `device ${num}`);
      continue;
    }
    const real = await resolveLinks(src, p);
    if (real.startsWith('/dev/')) deviceOf.set(p, real.slice(5));
  }
  return {
    blockDevices,
    pvs: !pvsText.ok ? pvsText : pvsText.value.trim() === '' ? ok([]) : parsePvsJson(pvsText.value),
    lvm,
    deviceOf,
  };
}
