#!/usr/bin/env bash
# Starts virtlogd and libvirtd for the tests when none answers (FACTS.md: no systemd or
# udev here, so /dev/kvm is root-only and QEMU must run as root). Records the PIDs it
# started in $KVMIO_LIBVIRT_PIDS so libvirtd-down.sh stops only those.
set -euo pipefail
pids=${KVMIO_LIBVIRT_PIDS:?set KVMIO_LIBVIRT_PIDS to a file for the PIDs}
if virsh -c qemu:///system version >/dev/null 2>&1; then exit 0; fi
mkdir -p /var/log/libvirt /run/libvirt
conf=/etc/libvirt/qemu.conf
grep -q '^user = "root"' "$conf" || printf 'user = "root"\ngroup = "root"\n' >> "$conf"
: > "$pids"
if ! pgrep -x virtlogd >/dev/null; then
  virtlogd -d
  sleep 0.2
  pgrep -x virtlogd >> "$pids" || true
fi
libvirtd -d
for _ in $(seq 1 100); do
  virsh -c qemu:///system version >/dev/null 2>&1 && break
  sleep 0.3
done
pgrep -x libvirtd >> "$pids" || true
virsh -c qemu:///system version >/dev/null
