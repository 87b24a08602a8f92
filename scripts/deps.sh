#!/usr/bin/env bash
# Installs what kvmio and its tests use on Debian 12 (as root), only what is missing.
# --no-install-recommends keeps systemd out (FACTS.md: libvirt pulls an upgrade otherwise).
set -euo pipefail
PKGS=(
  util-linux e2fsprogs xfsprogs gdisk lvm2 kmod   # block devices, signatures, LVM
  qemu-utils qemu-system-x86 fio                  # images, QEMU, benchmarks
  libvirt-daemon-system libvirt-daemon-system-sysv libvirt-clients libxml2-utils
  openssh-server openssh-client iproute2 ansible  # fleet: sshd in a netns, playbooks
  cpio busybox-static lz4 systemd                 # guest appliance; systemd-tmpfiles
  strace                                          # tests: audit starts no process; order of sysfs writes
  chromium                                        # tests only: the bench HTML report opened headless
)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "kvmio: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y --no-install-recommends "${missing[@]}"
fi
