#!/usr/bin/env bash
# Removes what scripts/setup.sh put outside the clone: /usr/local/bin/kvmio, the installed
# bundle and the Node runtime under /opt/kvmio, the man page and shell completions.
# Keeps the Debian packages (other software may use them) and /var/lib/kvmio (the
# journal `kvmio rollback` needs to undo changes made with --yes).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
script_usage "$0" "$@"
removed=0
remove() {
  if [ -e "$1" ] || [ -L "$1" ]; then
    rm -rf -- "$1"
    say "removed $1"
    removed=1
  fi
}
# /usr/local/bin/kvmio only when it is setup's (a link to the installed bundle, the one
# file older setups installed, or a clone's bin/kvmio.js), never some other program of that name.
if [ -L "$KVMIO_BIN" ]; then
  case "$(readlink "$KVMIO_BIN")" in
    "$KVMIO_PREFIX"/lib/kvmio/kvmio.mjs | "$KVMIO_PREFIX"/lib/kvmio.mjs | */bin/kvmio.js) remove "$KVMIO_BIN" ;;
    *) say "kept $KVMIO_BIN: it links to $(readlink "$KVMIO_BIN"), not to kvmio's install" ;;
  esac
fi
remove "$KVMIO_MAN"
remove "$KVMIO_BASH_COMPLETION"
remove "$KVMIO_ZSH_COMPLETION"
remove "$KVMIO_PREFIX"
[ "$removed" = 1 ] || say "nothing to remove: kvmio is not installed"
say "uninstalled; kept the Debian packages and /var/lib/kvmio (rollback journal)"
