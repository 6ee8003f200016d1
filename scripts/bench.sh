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
#     --status-heartbeat 0     operator --status-heartbeat (default its own, 5m); 0: waves write no heartbeat
#                              status, so they compare like for like whatever their delay after the sync
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
#   It also prints "Time to all Ready" with the same columns as the eso mode, to compare the two.
#   scripts/bench.sh eso [options]       the same sync with ESO's controller instead of Rotor (e2e/bench/eso/),
#                                        on the same bed, same secrets and ExternalSecrets (external-secrets.io/v1);
#                                        e2e/bench/eso/build.sh builds ESO (version.env there) from $ESO_SRC
#                                        (default /work/eso-src), AWS provider only, into $ROTOR_CACHE/eso-<ver>/
#     --sizes, --runs, --timeout, --refresh-interval   as for scale
#     --workers 16             ESO --concurrent (default 16)
#     --client-qps 500         ESO --client-qps (default 500)
#     --client-burst 500       ESO --client-burst (default 500)
#   Side by side, one at a time on a quiet machine:
#     scripts/bench.sh scale --sizes 1000,3000 --workers 32 --store-concurrency default --memory-limit 256Mi --wave-after 0 --runs 3
#     scripts/bench.sh eso --sizes 1000,3000 --runs 3
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(scripts/ensure-node.sh)"
. scripts/ensure-deps.sh
npx tsc -p tsconfig.json

if [[ "${1:-}" == modules ]]; then
  exec node e2e/bench/module-memory.mjs
fi
if [[ "${1:-}" != scale && "${1:-}" != eso ]]; then
  exec 9>"${TMPDIR:-/tmp}/rotor-e2e.lock"
  flock 9
  # A fresh test bed, so ExternalSecrets left by other runs do not add to the counts.
  e2e/testbed/operator.sh stop || true
  e2e/testbed/down.sh
  exec npx vitest run --config e2e/bench/vitest.config.ts "$@"
fi
mode="$1"
shift
# Options of the scale mode that mean nothing to ESO's controller.
rotor_only() { [[ "$mode" == scale ]] || { echo "$1 is an option of scripts/bench.sh scale, not of eso (see the header of $0)" >&2; exit 2; }; }
eso_only() { [[ "$mode" == eso ]] || { echo "$1 is an option of scripts/bench.sh eso, not of scale (see the header of $0)" >&2; exit 2; }; }
while (($#)); do
  case "$1" in
    --store-concurrency|--wave-after|--status-heartbeat|--restart-window|--memory-limit|--profile|--profile-sizes|--profile-wave|--write-docs) rotor_only "$1" ;;&
    --client-qps|--client-burst) eso_only "$1" ;;&
    --sizes) export ROTOR_BENCH_SIZES="$2"; shift 2 ;;
    --workers) export ROTOR_BENCH_WORKERS="$2"; shift 2 ;;
    --store-concurrency) export ROTOR_BENCH_STORE_CONCURRENCY="$2"; shift 2 ;;
    --refresh-interval) export ROTOR_BENCH_REFRESH_INTERVAL="$2"; shift 2 ;;
    --wave-after) export ROTOR_BENCH_WAVE_AFTER="$2"; shift 2 ;;
    --status-heartbeat) export ROTOR_BENCH_STATUS_HEARTBEAT="$2"; shift 2 ;;
    --runs) export ROTOR_BENCH_RUNS="$2"; shift 2 ;;
    --restart-window) export ROTOR_BENCH_RESTART_WINDOW="$2"; shift 2 ;;
    --memory-limit) export ROTOR_BENCH_MEMORY_LIMIT="$2"; shift 2 ;;
    --timeout) export ROTOR_BENCH_TIMEOUT="$2"; shift 2 ;;
    --profile) export ROTOR_BENCH_PROFILE=1; shift ;;
    --profile-sizes) export ROTOR_BENCH_PROFILE_SIZES="$2"; shift 2 ;;
    --profile-wave) export ROTOR_BENCH_PROFILE_WAVE=1; shift ;;
    --write-docs) export ROTOR_BENCH_WRITE_DOCS=1; shift ;;
    --client-qps) export ROTOR_BENCH_ESO_CLIENT_QPS="$2"; shift 2 ;;
    --client-burst) export ROTOR_BENCH_ESO_CLIENT_BURST="$2"; shift 2 ;;
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
if [[ "$mode" == eso ]]; then
  export ROTOR_BENCH_WORKERS="${ROTOR_BENCH_WORKERS:-16}"
  ROTOR_BENCH_ESO_VERSION="$(. e2e/bench/eso/version.env && echo "$ESO_VERSION")"
  ROTOR_BENCH_ESO_BIN="$(bash e2e/bench/eso/build.sh)"
  export ROTOR_BENCH_ESO_VERSION ROTOR_BENCH_ESO_BIN
  exec npx vitest run --config e2e/bench/eso/vitest.config.ts
fi
exec npx vitest run --config e2e/bench/scale/vitest.config.ts
