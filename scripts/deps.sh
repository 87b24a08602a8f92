#!/usr/bin/env bash
# Installs Debian 12 packages (as root), only those missing:
#   deps.sh runtime   what running kvmio needs (setup.sh)
#   deps.sh test      what only the tests need (test.sh)
# --no-install-recommends keeps systemd out, and only missing packages are named, so
# nothing already installed is upgraded (libvirt would pull a systemd upgrade otherwise);
# --no-remove aborts rather than remove a package to make room (e.g. a conflicting nodejs).
set -euo pipefail
RUNTIME_PKGS=(
  util-linux kmod                                 # lsblk, blkid, wipefs, losetup; modprobe vfio-pci
  qemu-utils lvm2                                 # qemu-img; pvs/vgs/lvs, vgcreate, lvcreate
  libvirt-clients                                 # virsh: domains, pools, define
  openssh-client                                  # fleet: ssh HOST sh -s
)
# Test-only packages: add new ones here, one group a line.
TEST_PKGS=(
  e2fsprogs xfsprogs gdisk                        # signatures the provisioning guards must see
  qemu-system-x86 fio                             # QEMU, benchmarks
  libvirt-daemon-system libvirt-daemon-system-sysv libxml2-utils
  openssh-server iproute2 ansible                 # fleet: sshd in a netns, playbooks
  cpio busybox-static lz4 systemd                 # guest appliance; systemd-tmpfiles
  strace                                          # tests: audit starts no process; order of sysfs writes
  chromium                                        # tests only: the bench HTML report opened headless
  prometheus                                      # tests: promtool check metrics (audit --format prometheus)
  zsh                                             # tests: the zsh completion in a real zsh
)
case "${1:-}" in
  runtime) PKGS=("${RUNTIME_PKGS[@]}") ;;
  test) PKGS=("${TEST_PKGS[@]}") ;;
  *) echo "usage: $0 runtime|test" >&2; exit 2 ;;
esac
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "kvmio: installing $1 packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y --no-install-recommends --no-remove "${missing[@]}"
else
  echo "kvmio: $1 packages already installed: ${PKGS[*]}"
fi
