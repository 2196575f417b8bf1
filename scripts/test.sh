#!/usr/bin/env bash
# Installs what the tests need, builds everything, and runs every suite:
# the GoogleTest suites under ctest, the installed-package consumers, the
# Python binding's pytest suite, the Node addon's suite, and then the
# GoogleTest suites again under ASan+UBSan (with fault injection) and TSan,
# and a short libFuzzer run (scripts/sanitize.sh). Prints one summary line
# per suite and exits non-zero if any failed.
#
# SEQUANTLOCK_SKIP_SANITIZE=1 leaves out the sanitizer and fuzzing stage.
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${BUILD_DIR:-$root/build}
export BUILD_DIR=$build_dir
cd "$root"

skip_sanitize=${SEQUANTLOCK_SKIP_SANITIZE:-0}
if [[ "$skip_sanitize" != 1 ]]; then
  export SEQUANTLOCK_WITH_SANITIZE=1
fi
"$root/scripts/install-deps.sh" || exit 1

declare -a summary=()
failed=0

run_suite() {
  local name=$1
  shift
  local start=$SECONDS
  echo
  echo "=== $name"
  if "$@"; then
    summary+=("ok      $name ($((SECONDS - start)) s)")
  else
    summary+=("FAILED  $name ($((SECONDS - start)) s)")
    failed=1
  fi
}

run_suite "build" "$root/scripts/build.sh"
if [[ $failed -ne 0 ]]; then
  echo "build failed; no tests were run" >&2
  exit 1
fi

export SEQUANTLOCK_CLI=$build_dir/cli/sequantlock

run_suite "ctest" ctest --test-dir "$build_dir" --output-on-failure \
  -j "$(nproc 2>/dev/null || echo 2)"

if [[ -x "$root/scripts/check-install.sh" ]]; then
  run_suite "install and consumers" "$root/scripts/check-install.sh" \
    "$build_dir"
fi

if [[ -x "$root/bindings/python/run-tests.sh" ]]; then
  run_suite "python" "$root/bindings/python/run-tests.sh"
  # The Node suite's cross-language tests drive Python through this venv.
  if [[ -x "$root/bindings/python/build/venv/bin/python" ]]; then
    export SEQUANTLOCK_PYTHON=$root/bindings/python/build/venv/bin/python
  fi
fi

if [[ -f "$root/bindings/node/package.json" ]]; then
  run_suite "node" bash -c "cd '$root/bindings/node' && npm ci --no-audit \
--no-fund && npm test"
fi

if [[ "$skip_sanitize" != 1 ]]; then
  run_suite "sanitizers and fuzzing" "$root/scripts/sanitize.sh"
fi

echo
echo "=== summary"
printf '%s\n' "${summary[@]}"
passed_count=0
failed_count=0
for line in "${summary[@]}"; do
  if [[ $line == ok* ]]; then
    passed_count=$((passed_count + 1))
  else
    failed_count=$((failed_count + 1))
  fi
done
echo "suites: $passed_count passed, $failed_count failed"
exit $failed
