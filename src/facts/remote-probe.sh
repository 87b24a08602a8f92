# kvmio remote probe: prints what `kvmio collect` records, as one framed stream on
# stdout, for `ssh HOST sh -s < remote-probe.sh`. It only reads. POSIX sh and POSIX
# utilities only (ls, and the optional tools it finds with `command -v`): it is tested
# under dash and busybox sh. All parsing happens in kvmio, never here (remote-stream.ts
# describes the records). The reads mirror src/facts/probe-*.ts; a test fails when the
# probe reads something this script does not send.
LC_ALL=C
export LC_ALL
unset QUOTING_STYLE LS_COLORS CDPATH
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH
umask 077
NL='
'
_seen='
'
_walked=
# the disk sources srcfacts probed (one per line), and whether versions ran
_probed=$NL
_versions=

# body: the lines of stdin, each as "|LINE"; a last line without newline adds "-".
body() {
  _l=
  while IFS= read -r _l; do printf '|%s\n' "$_l"; done
  if [ -n "$_l" ]; then printf '|%s\n-\n' "$_l"; fi
}

# links P...: one "L P" record (target as body) per symbolic link not sent yet; one ls for all.
links() {
  _todo=
  for _p in "$@"; do
    case $_seen in *"$NL$_p$NL"*) continue ;; esac
    _seen=$_seen$_p$NL
    _todo=1
  done
  [ -n "$_todo" ] || return 0
  command ls -ld -- "$@" 2>/dev/null | while IFS= read -r _line; do
    case $_line in l*) ;; *) continue ;; esac
    _rest=/${_line#*/}
    printf 'L %s\n|%s\n' "${_rest%% -> *}" "${_rest#* -> }"
  done
}

# walk P: sends the links among P's components (parents first), so kvmio can resolve P.
walk() {
  _dir=${1%/*}
  if [ "$_dir" != "$_walked" ]; then
    _rest=${_dir#/}
    _cur=
    _found=
    while [ -n "$_rest" ]; do
      case $_rest in */*) _c=${_rest%%/*}; _rest=${_rest#*/} ;; *) _c=$_rest; _rest= ;; esac
      _cur=$_cur/$_c
      if [ -h "$_cur" ]; then
        case $_seen in *"$NL$_cur$NL"*) ;; *) links "$_cur" ;; esac
      fi
    done
    _walked=$_dir
  fi
  if [ -h "$1" ]; then
    case $_seen in *"$NL$1$NL"*) ;; *) links "$1" ;; esac
  fi
}

# rfile P: "F P" + content; nothing when absent (ENOENT); "E P ERRNO" when unreadable.
rfile() {
  case $1 in *"$NL"*) return 0 ;; esac
  [ -e "$1" ] || return 0
  walk "$1"
  if [ -d "$1" ]; then printf 'E %s EISDIR\n' "$1"; return 0; fi
  if [ ! -r "$1" ]; then printf 'E %s EACCES\n' "$1"; return 0; fi
  printf 'F %s\n' "$1"
  case $1 in
    # read byte by byte (as sh's read does), a numeric sysctl answers only at offset 0
    # (kernel/sysctl.c __do_proc_doulongvec_minmax: nothing when *ppos != 0): one cat
    /proc/sys/*) command cat -- "$1" 2>/dev/null | body ;;
    # arguments end in NUL, which sh's read cannot carry: one per line instead (only
    # "does it name the VMID" is asked of it, src/proxmox/probe-proxmox.ts running())
    /proc/*/cmdline) command tr '\000' '\n' <"$1" 2>/dev/null | body ;;
    *) body < "$1" 2>/dev/null ;;
  esac
}

# rdir P: "D P" + one "KIND NAME" line per entry (l link, d directory, f other); the
# links among the entries are sent too (one ls for all).
rdir() {
  [ -d "$1" ] || return 0
  walk "$1/."
  if [ ! -r "$1" ] || [ ! -x "$1" ]; then printf 'E %s EACCES\n' "$1"; return 0; fi
  printf 'D %s\n' "$1"
  set -- "${1%/}"
  _ls=
  for _e in "$1"/* "$1"/.[!.]* "$1"/..?*; do
    [ -e "$_e" ] || [ -h "$_e" ] || continue
    case $_e in *"$NL"*) continue ;; esac
    if [ -h "$_e" ]; then
      printf '|l %s\n' "${_e##*/}"
      _ls="$_ls$NL$_e"
    elif [ -d "$_e" ]; then printf '|d %s\n' "${_e##*/}"
    else printf '|f %s\n' "${_e##*/}"
    fi
  done
  if [ -n "$_ls" ]; then
    _ifs=$IFS
    IFS=$NL
    set -f
    # shellcheck disable=SC2086
    links $_ls
    set +f
    IFS=$_ifs
  fi
}

# rlink P: the link itself (readlink); nothing when P is not a link.
rlink() {
  [ -h "$1" ] || return 0
  walk "$1"
}

# ropen MODE P: "O MODE:P ok|ERRNO". rw opens read-write (true is a regular builtin, so a
# failed redirection does not end the shell); direct only asks whether the path exists.
ropen() {
  if [ ! -e "$2" ]; then printf 'O %s:%s ENOENT\n' "$1" "$2"; return 0; fi
  if [ "$1" = direct ]; then printf 'O %s:%s ok\n' "$1" "$2"; return 0; fi
  if true <>"$2" 2>/dev/null; then printf 'O %s:%s ok\n' "$1" "$2"; return 0; fi
  if [ ! -r "$2" ] || [ ! -w "$2" ]; then printf 'O %s:%s EACCES\n' "$1" "$2"; return 0; fi
  printf 'O %s:%s EIO\n' "$1" "$2"
}

# conf DIR SUFFIX: a drop-in directory and its files with SUFFIX (conf-dirs.ts).
conf() {
  rdir "$1"
  for _f in "$1"/*"$2"; do
    [ -e "$_f" ] && rfile "$_f"
  done
}

# The temporary directory for command outputs (removed on exit).
T=
tmpdir() {
  [ -z "$T" ] || return 0
  T=${TMPDIR:-/tmp}/kvmio-probe.$$
  mkdir -m 700 -- "$T" 2>/dev/null || { T=; return 1; }
  trap 'rm -rf -- "$T"' EXIT
  trap 'exit 1' HUP INT TERM
}

# run NAME ARGV...: "C NAME RC" + stdout (left in $T/o), "X NAME" + stderr; "U NAME WHY"
# when ARGV[0] is not installed (commands.ts catalogues the argv, dump-format.ts the names).
run() {
  _name=$1
  shift
  if ! command -v "$1" >/dev/null 2>&1; then printf 'U %s %s: not found\n' "$_name" "$1"; : >"$T/o"; return 127; fi
  "$@" >"$T/o" 2>"$T/e" </dev/null
  _rc=$?
  printf 'C %s %s\n' "$_name" "$_rc"
  body <"$T/o"
  if [ -s "$T/e" ]; then printf 'X %s\n' "$_name"; body <"$T/e"; fi
  return $_rc
}

# enc VALUE: the value's bytes as hex in 128-character components joined by "/" (dumpName).
enc() { printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n' | fold -w 128 | paste -s -d / -; }

# unxml TEXT: XML attribute entities decoded, in dump-format.ts's order.
unxml() {
  _x=$1
  for _ent in "&apos;='" '&quot;="' '&lt;=<' '&gt;=>' '&amp;=&'; do
    _from=${_ent%%=*}
    _to=${_ent#*=}
    _out=
    while :; do
      case $_x in
        *"$_from"*) _out=$_out${_x%%"$_from"*}$_to; _x=${_x#*"$_from"} ;;
        *) break ;;
      esac
    done
    _x=$_out$_x
  done
  printf '%s' "$_x"
}

# attr LINE NAME: the value of NAME='…' in one line of virsh's XML (empty when absent).
attr() {
  case $1 in *" $2='"*) ;; *) return 0 ;; esac
  _v=${1#*" $2='"}
  unxml "${_v%%"'"*}"
}

# disks: the local paths (one per line) and pool/volume pairs ("POOL<TAB>VOL") named by
# the <disk> elements of the XML in $T/o, except cdrom and floppy, outside backingStore.
disks() {
  _in=
  _depth=0
  while IFS= read -r _line; do
    case $_line in
      *"<disk "*)
        _in=1
        _depth=0
        case $_line in *"device='cdrom'"* | *"device='floppy'"*) _in= ;; esac
        ;;
      *"</disk>"*) _in= ;;
      *"<backingStore"*"/>"*) ;;
      *"<backingStore"*) _depth=$((_depth + 1)) ;;
      *"</backingStore>"*) _depth=$((_depth - 1)) ;;
      *"<source "*)
        [ -n "$_in" ] && [ "$_depth" -eq 0 ] || continue
        _in=
        _f=$(attr "$_line" file)
        [ -n "$_f" ] || _f=$(attr "$_line" dev)
        if [ -n "$_f" ]; then printf 'P%s\n' "$_f"
        else
          _pool=$(attr "$_line" pool)
          _vol=$(attr "$_line" volume)
          [ -n "$_pool" ] && [ -n "$_vol" ] && printf 'V%s\t%s\n' "$_pool" "$_vol"
        fi
        ;;
    esac
  done <"$T/o"
}

# srcfacts P: what probe-vm-disks.ts reads about one local disk source (dump-format.ts
# "per distinct P"): stat, the O_DIRECT open, then qemu-img info or the block device's
# sysfs entry and lvs
srcfacts() {
  case $_probed in *"$NL$1$NL"*) return 0 ;; esac
  _probed=$_probed$1$NL
  _e=$(enc "$1")
  if run "stat/$_e" stat -L -c '%F|%s|%b|%B|%t:%T' -- "$1"; then
    IFS= read -r _st <"$T/o" || :
    # O_DIRECT open: dd opens with iflag=direct and copies nothing; its message names the errno
    if dd if="$1" of=/dev/null bs=4096 count=0 iflag=direct 2>"$T/e"; then printf 'O direct:%s ok\n' "$1"
    else
      case $(cat "$T/e") in
        *"Invalid argument"*) printf 'O direct:%s EINVAL\n' "$1" ;;
        *"Permission denied"*) printf 'O direct:%s EACCES\n' "$1" ;;
        *"No such file"*) printf 'O direct:%s ENOENT\n' "$1" ;;
        *"Operation not supported"*) printf 'O direct:%s EOPNOTSUPP\n' "$1" ;;
      esac
    fi
    case $_st in
      "regular file|"*)
        # the chain only for a local backing file (probe-image-chain.ts): a name with a
        # colon before any slash is a protocol QEMU would connect to (block.c path_has_protocol)
        if run "qemu-img-info/$_e" qemu-img info -U --output=json -- "$1" &&
          grep -q '"backing-filename": "' "$T/o" && ! grep -q '"backing-filename": "[^/"]*:' "$T/o"; then
          run "qemu-img-info-chain/$_e" qemu-img info -U --output=json --backing-chain -- "$1"
        fi
        ;;
      "block special file|"*)
        _mm=${_st##*|}
        _dev=$((0x${_mm%%:*})):$((0x${_mm#*:}))
        rlink "/sys/dev/block/$_dev"
        rfile "/sys/dev/block/$_dev/partition"
        rfile "/sys/dev/block/$_dev/dm/uuid"
        _uuid=
        [ -r "/sys/dev/block/$_dev/dm/uuid" ] && IFS= read -r _uuid <"/sys/dev/block/$_dev/dm/uuid"
        case $_uuid in LVM-*) run "lvs/$_e" lvs --reportformat json --units b --nosuffix -o vg_name,lv_name,lv_attr,lv_size,segtype,lv_path -- "$1" ;; esac
        ;;
    esac
  fi
}

# versions: QEMU's and libvirt's versions (probe-disk.ts probePlatform), once
versions() {
  [ -z "$_versions" ] || return 0
  _versions=1
  run qemu-system-x86_64--version qemu-system-x86_64 --version
  run virsh--version virsh --version
}

# pvedisks FILE: the disks of a Proxmox VM config's current section, one per line: "P"
# and a path, or "V" and a storage:volume id (src/proxmox/parse-vm-config.ts reads the
# same lines); CD-ROMs and "none" are left out
pvedisks() {
  while IFS= read -r _line; do
    case $_line in '['*) break ;; esac
    case $_line in ide[0-9]*:* | sata[0-9]*:* | scsi[0-9]*:* | virtio[0-9]*:*) ;; *) continue ;; esac
    _opts=${_line#*:}
    case ",$_opts," in *",media=cdrom,"*) continue ;; esac
    _v=${_opts%%,*}
    while :; do case $_v in ' '*) _v=${_v# } ;; *) break ;; esac; done
    _v=${_v#file=}
    case $_v in '' | none | cdrom) ;; /*) printf 'P%s\n' "$_v" ;; *:*) printf 'V%s\n' "$_v" ;; esac
  done <"$1"
}

printf 'kvmio-probe/1\n'

# host (probe-host.ts)
for _p in /proc/sys/kernel/hostname /proc/sys/kernel/osrelease /proc/cmdline /proc/cpuinfo \
  /sys/class/dmi/id/sys_vendor /sys/class/dmi/id/product_name /proc/sys/fs/aio-nr /proc/sys/fs/aio-max-nr \
  /etc/sysctl.conf /etc/tuned/active_profile /proc/self/mountinfo /proc/swaps /proc/mounts; do
  rfile "$_p"
done
ropen rw /dev/kvm
for _p in /usr/bin/udevadm /usr/sbin/udevadm /bin/udevadm /sbin/udevadm; do ropen direct "$_p"; done
rlink /etc/sysctl.d/99-sysctl.conf
for _d in /etc /run /usr/local/lib /usr/lib /lib; do
  conf "$_d/sysctl.d" .conf
  conf "$_d/tmpfiles.d" .conf
  conf "$_d/udev/rules.d" .rules
done

# block devices (probe-block.ts): every attribute any transport reads
_class=/sys/class/block
[ -d "$_class" ] || _class=/sys/block
rdir "$_class"
for _n in "$_class"/*; do
  [ -e "$_n" ] || continue
  if [ -h "$_n" ]; then
    rlink "$_n"
    cd -P -- "$_n" 2>/dev/null || continue
    _b=$PWD
    cd /
  else
    _b=$_n
    rfile "$_b/partition"
  fi
  for _a in dev size queue/rotational queue/scheduler queue/nr_requests queue/read_ahead_kb \
    device/model serial device/serial wwid device/wwid loop/backing_file dm/name; do
    rfile "$_b/$_a"
  done
  rdir "$_b/holders"
  rdir "$_b/slaves"
  rdir "$_b/mq"
  if [ -d "$_b/multipath" ]; then
    rdir "$_b/multipath"
    for _m in "$_b"/multipath/*; do rlink "$_m"; break; done
  fi
done

# IOMMU and PCI (probe-pci.ts)
rdir /sys/class/iommu
rdir /sys/kernel/iommu_groups
for _g in /sys/kernel/iommu_groups/*; do
  [ -d "$_g/devices" ] && rdir "$_g/devices"
done
rdir /sys/bus/pci/devices
for _d in /sys/bus/pci/devices/*; do
  [ -e "$_d" ] || continue
  rlink "$_d"
  for _a in class sriov_totalvfs vendor device driver_override sriov_numvfs; do rfile "$_d/$_a"; done
  rlink "$_d/driver"
  rlink "$_d/iommu_group"
done

# VMs (dump-format.ts "VM facts", in its order): libvirt domains, their disks' sources
if command -v virsh >/dev/null 2>&1 && tmpdir; then
  URI=${LIBVIRT_DEFAULT_URI:-qemu:///system}
  _all=
  _running=
  if run virsh-list virsh -q -c "$URI" list --all --name; then
    while IFS= read -r _n; do
      _n=${_n#"${_n%%[![:space:]]*}"}
      _n=${_n%"${_n##*[![:space:]]}"}
      [ -n "$_n" ] && _all=$_all$_n$NL
    done <"$T/o"
  fi
  if run virsh-list-running virsh -q -c "$URI" list --state-running --state-paused --name; then
    while IFS= read -r _n; do
      _n=${_n#"${_n%%[![:space:]]*}"}
      _n=${_n%"${_n##*[![:space:]]}"}
      [ -n "$_n" ] && _running=$_running$_n$NL
    done <"$T/o"
  fi
  _refs=
  _ifs=$IFS
  IFS=$NL
  set -f
  for _n in $_all; do
    IFS=$_ifs
    run "virsh-dumpxml-inactive/$(enc "$_n")" virsh -q -c "$URI" dumpxml --inactive -- "$_n" && _refs=$_refs$(disks)$NL
    IFS=$NL
  done
  for _n in $_running; do
    IFS=$_ifs
    run "virsh-dumpxml/$(enc "$_n")" virsh -q -c "$URI" dumpxml -- "$_n" && _refs=$_refs$(disks)$NL
    IFS=$NL
  done
  # pool volumes to paths; each distinct path probed once (srcfacts)
  for _r in $_refs; do
    IFS=$_ifs
    case $_r in
      P*) _p=${_r#P} ;;
      V*)
        _r=${_r#V}
        _pool=${_r%%"	"*}
        _vol=${_r#*"	"}
        _p=
        if run "virsh-vol-path/$(enc "$_pool")/$(enc "$_vol")" virsh -q -c "$URI" vol-path --pool "$_pool" -- "$_vol"; then
          IFS= read -r _p <"$T/o" || :
        fi
        ;;
      *) _p= ;;
    esac
    if [ -n "$_p" ]; then srcfacts "$_p"; fi
    IFS=$NL
  done
  IFS=$_ifs
  set +f
  if [ -n "$_all" ]; then versions; fi
fi

# Proxmox VE (src/proxmox/probe-proxmox.ts, in its order): this node's VM configs (the
# qemu-server link into nodes/NODE), storage.cfg, pveversion, every node's configs, and
# for this node's VMs the pid files that say which run here
if [ -d /etc/pve/qemu-server ] && tmpdir; then
  rlink /etc/pve/qemu-server
  _local=/etc/pve/qemu-server
  if [ -h "$_local" ]; then
    _t=$(command ls -ld -- "$_local" 2>/dev/null)
    _t=${_t#* -> }
    case $_t in /*) _local=$_t ;; *) _local=/etc/pve/$_t ;; esac
  fi
  conf "$_local" .conf
  rfile /etc/pve/storage.cfg
  run pveversion pveversion
  rdir /etc/pve/nodes
  for _n in /etc/pve/nodes/*; do
    [ -d "$_n/qemu-server" ] && [ "$_n/qemu-server" != "$_local" ] && conf "$_n/qemu-server" .conf
  done
  for _f in "$_local"/*.conf; do
    [ -e "$_f" ] || continue
    _id=${_f##*/}
    _id=${_id%.conf}
    case $_id in '' | *[!0-9]*) continue ;; esac
    rfile "/var/run/qemu-server/$_id.pid"
    _pid=
    [ -r "/var/run/qemu-server/$_id.pid" ] && IFS= read -r _pid <"/var/run/qemu-server/$_id.pid"
    case $_pid in '' | *[!0-9]*) ;; *) rfile "/proc/$_pid/cmdline" ;; esac
  done
  # every VM's disks: the path Proxmox resolves each volume to (pvesm path), then each
  # distinct path once, as for libvirt's domains
  _refs=
  for _f in /etc/pve/nodes/*/qemu-server/*.conf; do
    [ -r "$_f" ] && _refs=$_refs$(pvedisks "$_f")$NL
  done
  _ifs=$IFS
  IFS=$NL
  set -f
  for _r in $_refs; do
    IFS=$_ifs
    _p=
    case $_r in
      P*) _p=${_r#P} ;;
      V*)
        if run "pvesm-path/$(enc "${_r#V}")" pvesm path "${_r#V}"; then
          IFS= read -r _p <"$T/o" || :
        fi
        ;;
    esac
    if [ -n "$_p" ]; then srcfacts "$_p"; fi
    IFS=$NL
  done
  IFS=$_ifs
  set +f
  versions
fi

# host LVM and the VM block sources' links (probe-host-use.ts, probe-passthrough.ts): the
# PVs the host's LVM sees, the settings that decide what it scans, and what /dev/VG/LV
# (or any linked source) names, so the hands-off checks can tell which device it is
if tmpdir; then
  run pvs env LVM_SUPPRESS_FD_WARNINGS=1 pvs --reportformat json -o pv_name,vg_name
  run lvmconfig-devices env LVM_SUPPRESS_FD_WARNINGS=1 lvmconfig --type full devices
fi
rfile /etc/lvm/lvm.conf
rfile /etc/lvm/devices/system.devices
_ifs=$IFS
IFS=$NL
set -f
for _p in $_probed; do
  case $_p in /dev/*) rlink "$_p" ;; esac
done
set +f
IFS=$_ifs

printf 'kvmio-probe-end\n'
