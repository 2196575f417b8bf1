#!/usr/bin/env bash
# Runs the mutual-exclusion stress test for longer than the ctest run does:
# more runs, more workers, more acquisitions and more kills, on one and on
# three keys and on both publish paths. Prints the totals of each case (runs,
# processes, acquisitions, kills, steals, overlaps) and the time taken.
#
# Usage: tests/soak/run.sh [RUNS]
#   RUNS                             runs a case (default 20)
#   SEQUANTLOCK_STRESS_PROCESSES     workers at once (default 16)
#   SEQUANTLOCK_STRESS_ACQUISITIONS  locks a worker takes (default 100)
#   SEQUANTLOCK_STRESS_KILLS         kills a run (default 24)
#   SEQUANTLOCK_STRESS_SEED          seed of the first run (default 1)
#   BUILD_DIR                        build directory (default build)
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
build_dir=${BUILD_DIR:-$root/build}
runs=${1:-20}

if [[ ! "$runs" =~ ^[1-9][0-9]*$ ]]; then
  echo "soak: invalid run count '$runs': expected a positive integer" >&2
  exit 2
fi

export SEQUANTLOCK_STRESS_RUNS=$runs
export SEQUANTLOCK_STRESS_PROCESSES=${SEQUANTLOCK_STRESS_PROCESSES:-16}
export SEQUANTLOCK_STRESS_ACQUISITIONS=${SEQUANTLOCK_STRESS_ACQUISITIONS:-100}
export SEQUANTLOCK_STRESS_KILLS=${SEQUANTLOCK_STRESS_KILLS:-24}
export SEQUANTLOCK_STRESS_SEED=${SEQUANTLOCK_STRESS_SEED:-1}

cmake -S "$root" -B "$build_dir" >/dev/null
cmake --build "$build_dir" -j "$(nproc 2>/dev/null || echo 2)" \
  --target stress_test stress_worker >/dev/null

echo "soak: $runs runs a case, $SEQUANTLOCK_STRESS_PROCESSES workers," \
  "$SEQUANTLOCK_STRESS_ACQUISITIONS acquisitions a worker," \
  "$SEQUANTLOCK_STRESS_KILLS kills a run, seed $SEQUANTLOCK_STRESS_SEED"
start=$SECONDS
"$build_dir/tests/stress_test" --gtest_filter='KeysAndPublishPaths/*' \
  --gtest_brief=1
echo "soak: passed in $((SECONDS - start)) s"
