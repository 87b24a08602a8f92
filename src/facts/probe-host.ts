// Gathers HostFacts read-only through a Source: every read starts at once (Promise.all),
// nothing is spawned, and what cannot be read stays a `Read` failure with its reason.
import { classifyRoles } from './classify-roles.js';
import { orderConfFiles, SYSCTL_DIRS, TMPFILES_DIRS, UDEV_RULES_DIRS } from './conf-dirs.js';
import type { HostFacts, Mount, SchedulerRule, SysctlSetting } from './host-facts.js';
import { parseCmdline } from './parse-cmdline.js';
import { parseCpuVendor, parseCpuVirtFlags } from './parse-cpuinfo.js';
import { parseMountinfo, parseProcMounts, parseSwaps } from './parse-mounts.js';
import { parseUnsigned } from './parse-number.js';
import { parseSysctlFile } from './parse-sysctl.js';
import { parseTmpfiles } from './parse-tmpfiles.js';
import { parseUdevRules } from './parse-udev-rules.js';
import { assembleBlockDevices, probeRawBlocks } from './probe-block.js';
import { probeIommu, probePci } from './probe-pci.js';
import { missing, ok, readTrimmed, valueOf, type Read, type Source } from './source.js';

/** Debian's procps (`sysctl --system`) reads /etc/sysctl.conf after every sysctl.d file. */
const SYSCTL_CONF = '/etc/sysctl.conf';

async function listConfFiles(src: Source, dirs: readonly string[], suffix: string): Promise<{ files: string[]; listed: number; reasons: string[] }> {
  const listings = await Promise.all(dirs.map(async (dir) => ({ dir, r: await src.listDir(dir) })));
  const files = orderConfFiles(listings.map(({ dir, r }) => (r.ok ? { dir, names: r.value } : { dir })), suffix);
  return { files, listed: listings.filter((l) => l.r.ok).length, reasons: listings.flatMap((l) => (l.r.ok ? [] : [l.r.reason])) };
}

async function probeSysctl(src: Source): Promise<Read<readonly SysctlSetting[]>> {
  const [{ files, listed, reasons }, conf, link99] = await Promise.all([
    listConfFiles(src, SYSCTL_DIRS, '.conf'), src.readText(SYSCTL_CONF), src.readLink('/etc/sysctl.d/99-sysctl.conf'),
  ]);
  if (listed === 0 && !conf.ok) return missing(`no sysctl.d directory or ${SYSCTL_CONF} readable (${reasons[0] ?? conf.reason})`);
  // Debian links /etc/sysctl.d/99-sysctl.conf to ../sysctl.conf; read it once, last.
  const aliasOfConf = link99.ok && (link99.value === '../sysctl.conf' || link99.value === SYSCTL_CONF);
  const ordered = files.filter((f) => !(aliasOfConf && f === '/etc/sysctl.d/99-sysctl.conf'));
  const texts = await Promise.all(ordered.map((f) => src.readText(f)));
  const settings = texts.flatMap((t, i) => (t.ok ? parseSysctlFile(t.value, ordered[i] as string) : []));
  if (conf.ok) settings.push(...parseSysctlFile(conf.value, SYSCTL_CONF));
  return ok(settings);
}

async function probeSchedulerRules(src: Source): Promise<Read<readonly SchedulerRule[]>> {
  const [udev, tmp] = await Promise.all([listConfFiles(src, UDEV_RULES_DIRS, '.rules'), listConfFiles(src, TMPFILES_DIRS, '.conf')]);
  if (udev.listed === 0 && tmp.listed === 0) return missing(`no udev rules.d or tmpfiles.d directory readable (${udev.reasons[0] ?? ''})`);
  const read = (files: string[]): Promise<Read<string>[]> => Promise.all(files.map((f) => src.readText(f)));
  const [udevTexts, tmpTexts] = await Promise.all([read(udev.files), read(tmp.files)]);
  return ok([
    ...udevTexts.flatMap((t, i) => (t.ok ? parseUdevRules(t.value, udev.files[i] as string) : [])),
    ...tmpTexts.flatMap((t, i) => (t.ok ? parseTmpfiles(t.value, tmp.files[i] as string) : [])),
  ]);
}

/** Mounts (mountinfo, /proc/mounts as the fallback) with swap areas as "[SWAP]" mounts, and the swap list. */
export async function probeMounts(src: Source): Promise<{ mounts: Read<readonly Mount[]>; swaps: readonly string[] }> {
  const [info, swaps] = await Promise.all([src.readText('/proc/self/mountinfo'), src.readText('/proc/swaps')]);
  let mounts = info.ok ? parseMountinfo(info.value) : info;
  if (!mounts.ok) {
    const fallback = await src.readText('/proc/mounts');
    const parsed = fallback.ok ? parseProcMounts(fallback.value) : fallback;
    mounts = parsed.ok ? parsed : missing(`${mounts.reason}; ${parsed.reason}`);
  }
  const swapList = swaps.ok ? (valueOf(parseSwaps(swaps.value)) ?? []) : [];
  const swapMounts: Mount[] = swapList.map((s) => ({ devNumber: '0:0', mountpoint: '[SWAP]', fstype: 'swap', source: s }));
  return { mounts: mounts.ok ? ok([...mounts.value, ...swapMounts]) : mounts, swaps: swapList };
}

async function probeAio(src: Source): Promise<HostFacts['aio']> {
  const [nr, max] = await Promise.all([src.readText('/proc/sys/fs/aio-nr'), src.readText('/proc/sys/fs/aio-max-nr')]);
  if (!nr.ok) return nr;
  if (!max.ok) return max;
  const n = parseUnsigned(nr.value, 'fs.aio-nr');
  const m = parseUnsigned(max.value, 'fs.aio-max-nr');
  if (!n.ok) return n;
  if (!m.ok) return m;
  return ok({ nr: n.value, maxNr: m.value });
}

const oneLine = (r: Read<string>, what: string): Read<string> => {
  if (!r.ok) return r;
  // eslint-disable-next-line no-control-regex
  return r.value === '' || r.value.includes('\n') || /[\x00-\x1f]/.test(r.value) ? missing(`${what}: "${r.value.slice(0, 40)}" is not one line of text`) : r;
};

/** udevadm's usual places (Debian /usr/bin, RHEL /usr/sbin, and the pre-usrmerge ones). */
const UDEVADM = ['/usr/bin/udevadm', '/usr/sbin/udevadm', '/bin/udevadm', '/sbin/udevadm'] as const;

/** Is udev installed? Present when any udevadm opens (or fails other than ENOENT); absent when every one is ENOENT. */
async function probeUdev(src: Source): Promise<Read<boolean>> {
  const rs = await Promise.all(UDEVADM.map((p) => src.tryOpen(p, 'direct')));
  if (rs.some((r) => r.ok && (r.value.opened || !/ENOENT/.test(r.value.error ?? '')))) return ok(true);
  const failed = rs.find((r) => !r.ok);
  return failed && !failed.ok ? failed : ok(false);
}

export async function probeHost(src: Source): Promise<HostFacts> {
  const [hostname, release, cmdline, cpuinfo, vendor, product, kvm, aio, sysctl, schedulerRules, tuned, raw, mounts, iommu] = await Promise.all([
    readTrimmed(src, '/proc/sys/kernel/hostname'),
    readTrimmed(src, '/proc/sys/kernel/osrelease'),
    src.readText('/proc/cmdline'),
    src.readText('/proc/cpuinfo'),
    readTrimmed(src, '/sys/class/dmi/id/sys_vendor'),
    readTrimmed(src, '/sys/class/dmi/id/product_name'),
    src.tryOpen('/dev/kvm', 'rw'),
    probeAio(src),
    probeSysctl(src),
    probeSchedulerRules(src),
    readTrimmed(src, '/etc/tuned/active_profile'),
    probeRawBlocks(src),
    probeMounts(src),
    probeIommu(src),
  ]);
  const udevPresent = await probeUdev(src);
  const blockDevices = raw.ok ? ok(assembleBlockDevices(raw.value, valueOf(mounts.mounts) ?? [], mounts.swaps)) : raw;
  const pci = await probePci(src, valueOf(blockDevices) ?? [], iommu);
  const cpuFlags = cpuinfo.ok ? parseCpuVirtFlags(cpuinfo.value) : cpuinfo;
  const dmi: Read<{ sysVendor: string; productName: string }> = !vendor.ok ? vendor : !product.ok ? product : ok({ sysVendor: vendor.value, productName: product.value });
  return {
    source: src.label,
    hostname: oneLine(hostname, 'hostname'),
    kernelRelease: oneLine(release, 'kernel release'),
    cmdline: cmdline.ok ? parseCmdline(cmdline.value) : cmdline,
    roles: classifyRoles({ kvm, cpuFlags, dmi, disks: valueOf(blockDevices) ?? [] }),
    cpuVendor: cpuinfo.ok ? parseCpuVendor(cpuinfo.value) : cpuinfo,
    udevPresent,
    aio,
    sysctl,
    schedulerRules,
    tunedProfile: oneLine(tuned, 'tuned active_profile'),
    blockDevices,
    mounts: mounts.mounts,
    iommu,
    pci,
  };
}
