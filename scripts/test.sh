#!/usr/bin/env bash
# Sets up and runs every test: lint, type-check (the build), unit and machine tests.
# Starts libvirtd for the tests when none runs, and stops what it started.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
./scripts/libvirtd-up.sh
trap ./scripts/libvirtd-down.sh EXIT
npm test
