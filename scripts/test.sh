#!/usr/bin/env bash
# Sets up and runs every test: lint, type-check (the build), unit and machine tests.
# Starts libvirtd for the tests when none runs, and stops what it started.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
KVMIO_LIBVIRT_PIDS=$(mktemp)
export KVMIO_LIBVIRT_PIDS
trap './scripts/libvirtd-down.sh; rm -f "$KVMIO_LIBVIRT_PIDS"' EXIT
./scripts/libvirtd-up.sh
npm test
