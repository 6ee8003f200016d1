#!/usr/bin/env bash
# Prints a PATH prefix under which `node` is Node 24 LTS.
# Rotor targets Node 24; machines that ship an older node get Node 24 from the
# npm registry package `node@24` (its binary arrives inside the package), cached
# outside the repo so repeat runs cost nothing.
#   eval "$(scripts/ensure-node.sh)"   # exports PATH with node 24 first
set -euo pipefail
want_major=24
cache="${ROTOR_CACHE:-$HOME/.cache/rotor}/node-${want_major}"

current_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ "$(current_major)" -ge "$want_major" ]; then
  echo "# node $(node --version) is new enough"
  exit 0
fi
if [ ! -x "$cache/node_modules/.bin/node" ] || [ ! -f "$cache/.complete" ]; then
  echo "# installing node@${want_major} into $cache" >&2
  rm -rf "$cache" && mkdir -p "$cache"
  npm install --no-save --no-audit --no-fund --loglevel=error --prefix "$cache" "node@${want_major}" >&2
  touch "$cache/.complete"
fi
echo "export PATH=\"$cache/node_modules/.bin:\$PATH\""
