#!/usr/bin/env bash
# Builds the project and its GoogleTest suites with AddressSanitizer and
# UndefinedBehaviorSanitizer (with the test-only fault points compiled in,
# so the fault injection suite runs too), then with ThreadSanitizer, and
# runs ctest in each build. Then builds the libFuzzer target with clang and
# runs it for a short time on the seed corpus. Prints one summary line per
# stage and exits non-zero if any stage failed.
#
# Build directories live under build-sanitize/ (SANITIZE_DIR overrides it).
# SANITIZE_STAGES selects stages from "asan tsan fuzz" (default: all), and
# SEQUANTLOCK_FUZZ_SECONDS sets the fuzzing time (default 30).
#
# The installed-package consumers (scripts/check-install.sh) and the Python
# and Node suites are not run here. They load the instrumented library into
# an uninstrumented program or interpreter, and a sanitizer runtime must be
# loaded before every other library of the process.
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out_dir=${SANITIZE_DIR:-$root/build-sanitize}
stages=${SANITIZE_STAGES:-asan tsan fuzz}
fuzz_seconds=${SEQUANTLOCK_FUZZ_SECONDS:-30}
jobs=$(nproc 2>/dev/null || echo 2)
cd "$root"

declare -a summary=()
failed=0

run_stage() {
  local name=$1
  shift
  local start=$SECONDS
  echo
  echo "=== $name"
  if "$@"; then
    summary+=("ok      $name ($((SECONDS - start)) s)")
    return 0
  fi
  summary+=("FAILED  $name ($((SECONDS - start)) s)")
  failed=1
  return 1
}

wants() {
  [[ " $stages " == *" $1 "* ]]
}

# -O1 is the level that clang's AddressSanitizer documentation suggests for
# reasonable speed, and -g1 (line tables only) is enough for symbolised
# reports.
build_sanitized() {
  local dir=$1
  local sanitizers=$2
  shift 2
  cmake -S "$root" -B "$dir" \
    -DCMAKE_BUILD_TYPE=Debug \
    -DCMAKE_C_FLAGS_DEBUG="-O1 -g1" \
    -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g1" \
    -DSEQUANTLOCK_SANITIZE="$sanitizers" \
    -DSEQUANTLOCK_BUILD_TESTS=ON \
    -DSEQUANTLOCK_BUILD_CLI=ON \
    "$@" &&
    cmake --build "$dir" -j "$jobs"
}

run_ctest() {
  local dir=$1
  shift
  ctest --test-dir "$dir" --output-on-failure --timeout 900 -j "$jobs" "$@"
}

if wants asan; then
  export ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1
  export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
  asan_dir=$out_dir/asan-ubsan
  if run_stage "asan+ubsan build" build_sanitized "$asan_dir" \
      "address,undefined" -DSEQUANTLOCK_FAULT_INJECTION=ON \
      -DCMAKE_CXX_FLAGS="-fno-sanitize-recover=undefined" \
      -DCMAKE_C_FLAGS="-fno-sanitize-recover=undefined"; then
    run_stage "asan+ubsan ctest" run_ctest "$asan_dir"
  fi
  unset ASAN_OPTIONS UBSAN_OPTIONS
fi

if wants tsan; then
  export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1
  tsan_dir=$out_dir/tsan
  if run_stage "tsan build" build_sanitized "$tsan_dir" thread; then
    run_stage "tsan ctest" run_ctest "$tsan_dir"
  fi
  unset TSAN_OPTIONS
fi

build_fuzzer() {
  if ! command -v clang++ >/dev/null; then
    echo "clang++ not found: install Debian's clang and libclang-rt-14-dev" >&2
    return 1
  fi
  cmake -S "$root/tests/fuzz" -B "$out_dir/fuzz" \
    -DCMAKE_CXX_COMPILER=clang++ &&
    cmake --build "$out_dir/fuzz" -j "$jobs"
}

# New inputs go to a corpus under the build directory, so the seed corpus
# in the repository stays as committed.
run_fuzzer() {
  local corpus=$out_dir/fuzz/corpus
  local artifacts=$out_dir/fuzz/artifacts
  mkdir -p "$corpus" "$artifacts"
  "$out_dir/fuzz/core_fuzzer" -max_total_time="$fuzz_seconds" \
    -max_len=4096 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$artifacts/" "$corpus" "$root/tests/fuzz/corpus"
}

if wants fuzz; then
  if run_stage "fuzz build" build_fuzzer; then
    run_stage "fuzz run (${fuzz_seconds} s)" run_fuzzer
  fi
fi

echo
echo "=== sanitize summary"
printf '%s\n' "${summary[@]}"
exit $failed
