#!/usr/bin/env bash
# Benchmarks against the real operator on the local test bed; the numbers in
# docs/benchmarks.md come from here.
#
#   scripts/bench.sh [vitest filter]     AWS calls per refresh, STS calls (e2e/bench/aws-calls.bench.ts)
#   scripts/bench.sh e2e/bench/events.bench.ts   event-driven refresh: rotation → every Secret, reads per
#                                        rotation, idle AWS calls with events vs polling at 1m (by hand,
#                                        ~25 min; ROTOR_BENCH_EVENTS_RUNS=3 for medians of 3; best on a bed
#                                        of its own: ROTOR_TESTBED_DIR and the ROTOR_*_PORT variables)
#   scripts/bench.sh modules             memory each runtime dependency costs when loaded (e2e/bench/module-memory.mjs)
#   scripts/bench.sh scale [options]     scale benchmark (e2e/bench/scale/), on its own test bed:
#     --sizes 1000,3000        ExternalSecrets per scenario (default 1000; 10k is for this script, not CI)
#     --workers 4,16           operator --concurrency values (default 4)
#     --store-concurrency X    operator --store-concurrency: workers (default: the one store may use
#                              them all), default (the operator's own default, as the chart runs it), or N
#     --refresh-interval 1h    spec.refreshInterval of the ExternalSecrets with --wave-after 0 (shorter: refreshes in the restart window)
#     --wave-after 3m          measure one refresh wave of all N after the sync: the ExternalSecrets get a refresh
#                              interval whose first wave starts this long after they are created (default 60 s
#                              + 30 ms per ExternalSecret; 0 = no wave)
#     --runs 3                 runs per scenario; times are reported as the median (default 1)
#     --restart-window 60s     restart the operator after the sync and watch it this long (0 = skip)
#     --memory-limit 256Mi     ROTOR_MEMORY_LIMIT for the operator: heap sized as in such a container
#     --profile                CPU profile of the sync + heap snapshot after it (e2e/.state/bench/)
#     --profile-sizes 10000    the same, for these sizes only
#     --profile-wave           CPU profile of the measured wave instead
#     --timeout 30m            give up on a sync after this long
#     --write-docs             replace the generated table in docs/benchmarks.md
#   The scale bed lives in $ROTOR_TESTBED_DIR (default /tmp/rotor-bench) on ports that differ from
#   the e2e bed's (override with the ROTOR_*_PORT variables of e2e/testbed/up.sh and operator.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(scripts/ensure-node.sh)"
. scripts/ensure-deps.sh
npx tsc -p tsconfig.json

if [[ "${1:-}" == modules ]]; then
  exec node e2e/bench/module-memory.mjs
fi
if [[ "${1:-}" != scale ]]; then
  exec 9>"${TMPDIR:-/tmp}/rotor-e2e.lock"
  flock 9
  # A fresh test bed, so ExternalSecrets left by other runs do not add to the counts.
  e2e/testbed/operator.sh stop || true
  e2e/testbed/down.sh
  exec npx vitest run --config e2e/bench/vitest.config.ts "$@"
fi
shift
while (($#)); do
  case "$1" in
    --sizes) export ROTOR_BENCH_SIZES="$2"; shift 2 ;;
    --workers) export ROTOR_BENCH_WORKERS="$2"; shift 2 ;;
    --store-concurrency) export ROTOR_BENCH_STORE_CONCURRENCY="$2"; shift 2 ;;
    --refresh-interval) export ROTOR_BENCH_REFRESH_INTERVAL="$2"; shift 2 ;;
    --wave-after) export ROTOR_BENCH_WAVE_AFTER="$2"; shift 2 ;;
    --runs) export ROTOR_BENCH_RUNS="$2"; shift 2 ;;
    --restart-window) export ROTOR_BENCH_RESTART_WINDOW="$2"; shift 2 ;;
    --memory-limit) export ROTOR_BENCH_MEMORY_LIMIT="$2"; shift 2 ;;
    --timeout) export ROTOR_BENCH_TIMEOUT="$2"; shift 2 ;;
    --profile) export ROTOR_BENCH_PROFILE=1; shift ;;
    --profile-sizes) export ROTOR_BENCH_PROFILE_SIZES="$2"; shift 2 ;;
    --profile-wave) export ROTOR_BENCH_PROFILE_WAVE=1; shift ;;
    --write-docs) export ROTOR_BENCH_WRITE_DOCS=1; shift ;;
    *) echo "unknown option $1 (see the header of $0)" >&2; exit 2 ;;
  esac
done
export ROTOR_TESTBED_DIR="${ROTOR_TESTBED_DIR:-/tmp/rotor-bench}"
[[ "$ROTOR_TESTBED_DIR" != /tmp/rotor-testbed ]] || { echo "the scale benchmark needs its own ROTOR_TESTBED_DIR" >&2; exit 2; }
export ROTOR_ETCD_PORT="${ROTOR_ETCD_PORT:-23379}" ROTOR_ETCD_PEER_PORT="${ROTOR_ETCD_PEER_PORT:-23380}"
export ROTOR_APISERVER_PORT="${ROTOR_APISERVER_PORT:-27443}" ROTOR_KCM_PORT="${ROTOR_KCM_PORT:-21257}"
export ROTOR_LOCALSTACK_PORT="${ROTOR_LOCALSTACK_PORT:-4766}"
export ROTOR_OPERATOR_METRICS_PORT="${ROTOR_OPERATOR_METRICS_PORT:-29080}" ROTOR_OPERATOR_HEALTH_PORT="${ROTOR_OPERATOR_HEALTH_PORT:-29081}"
export ROTOR_BENCH_INSPECT_PORT="${ROTOR_BENCH_INSPECT_PORT:-9329}"
export ROTOR_BENCH_MACHINE="${ROTOR_BENCH_MACHINE:-$(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -m), Node $(node -v)}"
exec 9>"${TMPDIR:-/tmp}/rotor-bench-scale.lock"
flock 9
exec npx vitest run --config e2e/bench/scale/vitest.config.ts
