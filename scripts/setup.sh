#!/usr/bin/env bash
# Sets kvmio up from a fresh clone: Debian packages, npm packages from the lockfile, build.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/deps.sh
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npm run build --silent
# Put `kvmio` on PATH for this checkout.
ln -sf "$PWD/bin/kvmio.js" /usr/local/bin/kvmio
