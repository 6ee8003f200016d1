#!/usr/bin/env bash
# Installs (once) the pinned cfn-lint into a virtualenv in the cache outside the repo and prints
# the path of its cfn-lint. The unit test operator/test/deploy/events-iac.test.ts validates the
# CloudFormation templates in deploy/events/ with it (and is skipped, saying why, when it is absent).
# Keyed by version: a bump installs into a new dir; the .built marker is written only on success,
# so an interrupted install is redone and a complete one costs milliseconds. Needs only python3
# (>= 3.9) and the Python package index.
#   ROTOR_CFN_LINT="$(scripts/ensure-cfn-lint.sh)"
set -euo pipefail
CFN_LINT_VERSION=1.58.0
dir="${ROTOR_CACHE:-$HOME/.cache/rotor}/cfn-lint-$CFN_LINT_VERSION"
bin="$dir/venv/bin/cfn-lint"
if [[ "$(cat "$dir/.built" 2>/dev/null)" != "$CFN_LINT_VERSION" ]]; then
  echo "[cfn-lint] installing cfn-lint $CFN_LINT_VERSION into $dir" >&2
  rm -rf "$dir" && mkdir -p "$dir"
  {
    python3 -m venv "$dir/venv" &&
      "$dir/venv/bin/python" -m pip install --disable-pip-version-check --no-input -q "cfn-lint==$CFN_LINT_VERSION" &&
      "$bin" --version
  } >"$dir/install.log" 2>&1 || { tail -n 30 "$dir/install.log" >&2; echo "[cfn-lint] install failed (log: $dir/install.log)" >&2; exit 1; }
  echo "$CFN_LINT_VERSION" >"$dir/.built"
fi
echo "$bin"
