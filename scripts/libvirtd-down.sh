#!/usr/bin/env bash
# Stops the libvirtd/virtlogd that libvirtd-up.sh started (by PID), nothing else.
set -uo pipefail
pids=${KVMIO_LIBVIRT_PIDS:-/run/kvmio-test-libvirt.pids}
[ -f "$pids" ] || exit 0
while read -r pid; do
  [ -n "$pid" ] && kill "$pid" 2>/dev/null
done < "$pids"
rm -f "$pids"
