#!/usr/bin/env bash
# Builds promql-check (Prometheus's query engine and TSDB from the Go module pinned in go.mod)
# into the test-bed cache, keyed by the hash of its sources, and prints the binary's path.
# First build: a few minutes on 2 cores (module download); later calls return at once.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
exec bash "$here/../../scripts/lib/build-go-tool.sh" "$here" promql-check
