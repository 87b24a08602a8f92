#!/usr/bin/env bash
# Sets up and runs every test: lint, type-check (the build), unit and machine tests, on
# the Node that setup.sh provides. Installs the Debian packages only the tests need,
# starts libvirtd for the tests when none runs, and stops what it started.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
script_usage "scripts/$(basename "$0")" "$@"
./scripts/setup.sh
node_bin=$(find_node_bin)
export PATH="$node_bin:$PATH"
./scripts/deps.sh test
KVMIO_LIBVIRT_PIDS=$(mktemp)
export KVMIO_LIBVIRT_PIDS
trap './scripts/libvirtd-down.sh; rm -f "$KVMIO_LIBVIRT_PIDS"' EXIT
./scripts/libvirtd-up.sh
npm test
say "all tests passed on node $(node --version); kvmio is $KVMIO_BIN"
