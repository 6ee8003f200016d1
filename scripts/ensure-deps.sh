#!/usr/bin/env bash
# Installs the npm dependencies when they are missing or older than package-lock.json (a pull
# that changed the lock file), so `npm run demo`, scripts/e2e.sh and scripts/bench.sh never
# run against a stale node_modules. npm ci rewrites node_modules/.package-lock.json, which
# then is newer than the lock file it installed from. Source it after ensure-node.sh.
#   . scripts/ensure-deps.sh
# A node_modules that is a symlink (a git worktree sharing another checkout's install) is never
# reinstalled here: npm ci would empty the directory it points to under the other checkout.
if [ -L node_modules ]; then
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "ensure-deps: node_modules is a symlink to $(readlink node_modules); not reinstalling through it (run npm ci where it points if package-lock.json changed)" >&2
  fi
elif [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
