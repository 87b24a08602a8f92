#!/usr/bin/env bash
# Stops the libvirtd/virtlogd that libvirtd-up.sh started (by PID), nothing else.
set -uo pipefail
pids=${KVMIO_LIBVIRT_PIDS:?set KVMIO_LIBVIRT_PIDS to a file for the PIDs}
[ -s "$pids" ] || exit 0
while read -r pid; do
  [ -n "$pid" ] && kill "$pid" 2>/dev/null
done < "$pids"
: > "$pids"
