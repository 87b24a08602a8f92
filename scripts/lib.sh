# Shared by setup.sh, test.sh and uninstall.sh (sourced, not run). Where kvmio installs
# itself outside the clone, and how it finds a supported Node runtime.
KVMIO_PREFIX=${KVMIO_PREFIX:-/opt/kvmio}       # runtime (node/) and the installed bundle (lib/)
KVMIO_BIN=${KVMIO_BIN:-/usr/local/bin/kvmio}
KVMIO_MAN=${KVMIO_MAN:-/usr/local/share/man/man1/kvmio.1}
KVMIO_BASH_COMPLETION=${KVMIO_BASH_COMPLETION:-/usr/local/share/bash-completion/completions/kvmio}
KVMIO_ZSH_COMPLETION=${KVMIO_ZSH_COMPLETION:-/usr/local/share/zsh/site-functions/_kvmio}
# Node LTS lines kvmio supports (package.json engines); the one setup provides.
KVMIO_NODE_MIN_MAJOR=22
KVMIO_NODE_PROVIDE=${KVMIO_NODE_PROVIDE:-24}
KVMIO_NPM_PROVIDE=${KVMIO_NPM_PROVIDE:-11}
# Where Debian's nodejs and npm packages put node and npm (a test points it elsewhere).
KVMIO_DEBIAN_BIN=${KVMIO_DEBIAN_BIN:-/usr/bin}

say() { printf 'kvmio: %s\n' "$*"; }

# `SCRIPT --help`: the script's header comment (what it does, what it installs), exit 0;
# any other argument is a usage error (exit 2). Called with the script's path and "$@".
script_usage() {
  local script=$1
  shift
  [ "$#" -gt 0 ] || return 0
  case "$1" in
    -h | --help)
      printf 'usage: %s\n' "$script"
      sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$script"
      exit 0
      ;;
    *)
      printf 'usage: %s (no arguments; --help says what it does)\n' "$script" >&2
      exit 2
      ;;
  esac
}

# Major version of the node binary $1, or nothing when it does not run.
node_major() {
  "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || true
}

# Prints the directory holding the node (and npm) the scripts use: the one setup
# provided under $KVMIO_PREFIX/node, else a node on PATH that is recent enough.
find_node_bin() {
  local n m
  for n in "$KVMIO_PREFIX/node/bin/node" "$(command -v node || true)"; do
    [ -n "$n" ] && [ -x "$n" ] || continue
    m=$(node_major "$n")
    if [ -n "$m" ] && [ "$m" -ge "$KVMIO_NODE_MIN_MAJOR" ]; then
      dirname "$(readlink -f "$n")"
      return 0
    fi
  done
  return 1
}

# What node.sh does, as one line of tab-separated words (no side effects;
# test/package/node-choice.test.ts):
#   use DIR          a supported node is there (find_node_bin)
#   fetch NODE NPM   fetch the provided Node with this node and npm (any version that runs)
#   apt              no node and npm at all: install Debian's nodejs and npm first
choose_node() {
  local dir node npm
  if dir=$(find_node_bin); then
    printf 'use\t%s\n' "$dir"
    return 0
  fi
  node=$(command -v node || true)
  npm=$(command -v npm || true)
  if [ -n "$node" ] && [ -n "$npm" ] && [ -n "$(node_major "$node")" ]; then
    printf 'fetch\t%s\t%s\n' "$node" "$npm"
  elif [ -x "$KVMIO_DEBIAN_BIN/node" ] && [ -e "$KVMIO_DEBIAN_BIN/npm" ] && [ -n "$(node_major "$KVMIO_DEBIAN_BIN/node")" ]; then
    printf 'fetch\t%s\t%s\n' "$KVMIO_DEBIAN_BIN/node" "$KVMIO_DEBIAN_BIN/npm"
  else
    echo apt
  fi
}
