// The dump: what `kvmio collect` writes and `--from DIR` reads. A plain directory, so
// hand-made fixtures are reviewable in diffs:
//   kvmio-dump.json           format marker and metadata
//   fs/<absolute path>        files, directories and symbolic links as read on the host
//                             (an empty directory holds only .kvmio-keep, hidden from listings)
//   cmd/NAME.out|.err|.rc     a catalogued command's stdout, stderr, exit code (default 0)
//   cmd/NAME.unavailable      why the command could not be started
//   open.json                 {"rw:/dev/kvm": "ok" | "EACCES", "direct:/img": …} open probes
//   errors.json               {"/path": "EACCES"} reads that failed other than by absence
// A remote host produces the same tree from one POSIX sh script's output.
//
// NAME is a fixed word ("virsh-list") or, for a command about one object (a domain, a
// pool volume, an image path), a word, "/", and the object's encoded name (dumpName
// below), so a sh script derives it without kvmio: the object's bytes as lowercase hex,
// cut into 128-character components joined by "/" (a component stays under NAME_MAX
// with its extension; a 1000-byte path is 16 components):
//   enc() { printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n' | fold -w 128 | paste -s -d / -; }
// (od -v: without it od prints "*" for repeated lines.) Names with two objects (pool and
// volume) put one "/" between the encodings.
//
// VM facts (the catalogue is facts/commands.ts VM_COMMANDS; URI is the libvirt URI,
// default qemu:///system), in the order a remote script runs them, all in one pass:
//   cmd/virsh-list                         virsh -q -c URI list --all --name
//   cmd/virsh-list-running                 virsh -q -c URI list --state-running --state-paused --name
//   per domain NAME of virsh-list (each line, trimmed, non-empty):
//     cmd/virsh-dumpxml-inactive/enc(NAME) virsh -q -c URI dumpxml --inactive -- NAME
//   per domain NAME of virsh-list-running:
//     cmd/virsh-dumpxml/enc(NAME)          virsh -q -c URI dumpxml -- NAME
//   per <disk> of those XMLs whose device is not cdrom/floppy, its local path:
//     <source file='P'> or <source dev='P'>  → P (XML entities &apos; &quot; &lt; &gt;
//                                              &amp; decoded, in that order)
//     <source pool='POOL' volume='VOL'>     → cmd/virsh-vol-path/enc(POOL)/enc(VOL):
//                                              virsh -q -c URI vol-path --pool POOL -- VOL,
//                                              P = its stdout without the final newline
//   per distinct P (one each per run, however many disks name it):
//     cmd/stat/enc(P)                      stat -L -c '%F|%s|%b|%B|%t:%T' -- P
//     open.json "direct:P"                 opened read-only with O_DIRECT: "ok" or the errno
//                                          name (EINVAL, ENOENT…); only when stat succeeded
//     stat type "regular file":
//       cmd/qemu-img-info/enc(P)           qemu-img info -U --output=json -- P
//     stat type "block special file" (MAJ:MIN from %t:%T, hex, as decimal):
//       fs/sys/dev/block/MAJ:MIN           the link, and its partition and dm/uuid files
//       dm/uuid starting "LVM-":
//         cmd/lvs/enc(P)                   lvs --reportformat json --units b --nosuffix
//                                          -o vg_name,lv_name,lv_attr,lv_size,segtype,lv_path -- P
//   once, when any domain was read:
//     cmd/qemu-system-x86_64--version, cmd/virsh--version, fs/proc/sys/kernel/osrelease,
//     fs/proc/self/mountinfo, fs/proc/sys/fs/aio-nr, fs/proc/sys/fs/aio-max-nr
//   Proxmox VE (src/proxmox/probe-proxmox.ts), when /etc/pve/qemu-server exists:
//     fs/etc/pve/qemu-server (the link), nodes/*/qemu-server/*.conf, storage.cfg,
//     cmd/pveversion, fs/var/run/qemu-server/VMID.pid and fs/proc/PID/cmdline (this node);
//     per disk volume cmd/pvesm-path/enc(STORAGE:VOLUME) (pvesm path), then the
//     per-P records above for every path a config names or pvesm returned
// The local side finds the same P from the recorded XML with the libvirt adapter
// (src/libvirt/read-domain.ts) and the recorded vol-path answers; a path the remote
// missed is a "not in dump" SKIP for that disk, never a crash.
//
// The host part: the probe's reads are a fixed set
// of paths plus directory walks (sysfs_paths in probe-host.ts, probe-block.ts,
// probe-pci.ts), so a constant script sent as `ssh HOST sh -s` can print, for each path,
// one framed record: "F <path>\n<length>\n<bytes>" for a file (cat), "L <path> <target>"
// for a link (readlink), "D <path> <names…>" for a directory (ls -A), "E <path> <errno>"
// for a failed read, "O rw:/dev/kvm ok|EACCES" for the open probe (`: <>/dev/kvm`), and
// "C NAME <rc>" + stdout/stderr for catalogued commands (commands.ts). The local side
// turns the records into fs/, open.json, errors.json and cmd/ exactly as
// RecordingSource.save does, so DumpSource replays either. The script needs only sh, cat,
// ls and readlink (busybox has them), and its output is parsed locally, never on the host.
export const DUMP_FORMAT = 'kvmio-dump/1';
export const DUMP_META = 'kvmio-dump.json';
/** Marks a directory that was empty on the host (git keeps no empty directories); never listed. */
export const DUMP_KEEP = '.kvmio-keep';

export interface DumpMeta {
  readonly format: string;
  readonly collectedAt: string;
  readonly origin: string;
  readonly redacted: boolean;
}

/** An object's name inside a dump command name: hex of its UTF-8 bytes, 128-character components joined by "/". */
export function dumpName(value: string): string {
  const hex = Buffer.from(value, 'utf8').toString('hex');
  const parts: string[] = [];
  for (let i = 0; i < hex.length; i += 128) parts.push(hex.slice(i, i + 128));
  return parts.join('/');
}

/** The inverse of dumpName, for listings. */
export const fromDumpName = (name: string): string => Buffer.from(name.replace(/\//g, ''), 'hex').toString('utf8');

export const openKey = (mode: string, path: string): string => `${mode}:${path}`;

export interface LinkReader {
  /** The link target if `path` (inside the tree) is a symbolic link, else undefined. */
  linkAt(path: string): string | undefined;
}

/**
 * Resolves an absolute path inside a tree whose symbolic links are read through
 * `reader`; absolute link targets are re-rooted at the tree, and ".." never climbs out
 * of it. With `followLast` false the final component is not followed (for readlink).
 */
export function resolvePath(path: string, reader: LinkReader, followLast = true): string {
  let pending = path.split('/').filter((c) => c !== '' && c !== '.');
  let done: string[] = [];
  let hops = 0;
  while (pending.length > 0) {
    const c = pending.shift() as string;
    if (c === '..') {
      done.pop();
      continue;
    }
    const candidate = [...done, c];
    const isLast = pending.length === 0;
    const target = isLast && !followLast ? undefined : reader.linkAt('/' + candidate.join('/'));
    if (target === undefined) {
      done = candidate;
      continue;
    }
    if (++hops > 40) throw new Error(`${path}: too many levels of symbolic links`);
    if (target.startsWith('/')) done = [];
    pending = [...target.split('/').filter((t) => t !== '' && t !== '.'), ...pending];
  }
  return '/' + done.join('/');
}
