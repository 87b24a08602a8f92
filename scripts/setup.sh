#!/usr/bin/env bash
# Sets kvmio up from a fresh clone (Debian 12, as root): the Debian packages running
# kvmio needs, a supported Node (provided in /opt/kvmio/node when the machine has none or
# an older one), the npm packages from the lockfile, the build, and an installed copy
# outside the clone: /opt/kvmio/lib/kvmio/ (the bundle: kvmio.mjs and its chunks, run by
# that node) behind /usr/local/bin/kvmio, with its man page and shell completions. Prints what it
# installs; scripts/uninstall.sh removes all of it but the Debian packages.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
script_usage "scripts/$(basename "$0")" "$@"

./scripts/deps.sh runtime
node_bin=$(./scripts/node.sh | tail -n 1)
export PATH="$node_bin:$PATH"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages from package-lock.json into $PWD/node_modules"
  npm ci --no-audit --no-fund
fi
npm run build --silent
npm run bundle --silent

# The installed copy runs without the clone: the bundle inlines every dependency, and its
# launcher's first line names the node to run it with. Staged beside the old copy and
# swapped in with one rename each, so a kvmio running meanwhile finds all its chunks.
say "installing $KVMIO_PREFIX/lib/kvmio/ and $KVMIO_BIN, $KVMIO_MAN, shell completions"
mkdir -p "$KVMIO_PREFIX/lib" "$(dirname "$KVMIO_BIN")" "$(dirname "$KVMIO_MAN")" \
  "$(dirname "$KVMIO_BASH_COMPLETION")" "$(dirname "$KVMIO_ZSH_COMPLETION")"
stage="$KVMIO_PREFIX/lib/.kvmio.$$"
rm -rf "$stage"
cp -R dist/kvmio "$stage"
rm -rf "$stage/.compile-cache"
{ printf '#!%s\n' "$node_bin/node"; tail -n +2 dist/kvmio/kvmio.mjs; } > "$stage/kvmio.mjs"
chmod 755 "$stage/kvmio.mjs"
rm -rf "$KVMIO_PREFIX/lib/kvmio.old"
[ ! -e "$KVMIO_PREFIX/lib/kvmio" ] || mv "$KVMIO_PREFIX/lib/kvmio" "$KVMIO_PREFIX/lib/kvmio.old"
mv "$stage" "$KVMIO_PREFIX/lib/kvmio"
rm -rf "$KVMIO_PREFIX/lib/kvmio.old" "$KVMIO_PREFIX/lib/kvmio.mjs"
ln -sfn "$KVMIO_PREFIX/lib/kvmio/kvmio.mjs" "$KVMIO_BIN"
"$KVMIO_BIN" completion bash > "$KVMIO_BASH_COMPLETION"
"$KVMIO_BIN" completion zsh > "$KVMIO_ZSH_COMPLETION"
"$KVMIO_BIN" man > "$KVMIO_MAN"
if command -v mandb >/dev/null; then mandb -q 2>/dev/null || true; fi
say "ready: kvmio is $KVMIO_BIN ($("$KVMIO_BIN" --version), node $(node --version) from $node_bin); try: kvmio audit"
