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
    # read byte by byte (as sh's read does), a sysctl answers only at offset 0
    # (kernel/sysctl.c: a read with *ppos != 0 returns nothing): one cat reads it whole
    /proc/sys/*) command cat -- "$1" 2>/dev/null | body ;;
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

printf 'kvmio-probe-end\n'
