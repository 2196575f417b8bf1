#!/usr/bin/env bash
# Installs what the benchmarks need, builds them, runs every measurement in
# one temporary directory, and writes docs/benchmarks.md from the results.
# The raw results are kept in bench/results/. Takes about 5 to 10 minutes
# on 2 cores; every loop has a fixed count.
#
# Usage: bench/run.sh            (as root, or with sudo for apt-get)
# BUILD_DIR sets the build tree (default /tmp/bench-build). The lock
# directories go under TMPDIR when it is set, else under /dev/shm when that
# is a tmpfs, else under /tmp.
set -euo pipefail

bench=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$bench")
build=${BUILD_DIR:-/tmp/bench-build}
results=$bench/results

log() { echo "bench: $*" >&2; }

install_packages() {
  local packages=(cmake g++ make pkg-config nlohmann-json3-dev libcli11-dev
    libbenchmark-dev hyperfine strace util-linux nodejs npm python3-venv)
  local missing=()
  for package in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null |
        grep -q 'install ok installed'; then
      missing+=("$package")
    fi
  done
  # node, npm and python3 may come from elsewhere than Debian's packages.
  local present=()
  for package in "${missing[@]}"; do
    case $package in
      nodejs) command -v node >/dev/null || present+=("$package") ;;
      npm) command -v npm >/dev/null || present+=("$package") ;;
      python3-venv) python3 -m venv --help >/dev/null 2>&1 ||
        present+=("$package") ;;
      *) present+=("$package") ;;
    esac
  done
  missing=("${present[@]+"${present[@]}"}")
  if [[ ${#missing[@]} -gt 0 ]]; then
    local sudo_cmd=()
    [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
    log "installing ${missing[*]}"
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq \
      "${missing[@]}" >/dev/null
  fi
  if [[ ! -x $bench/.venv/bin/python ]]; then
    python3 -m venv "$bench/.venv"
  fi
  "$bench/.venv/bin/pip" install -q --upgrade filelock
  (cd "$bench" && npm install --no-audit --no-fund --silent)
  if [[ ! -f $repo/bindings/node/build/Release/sequantlock.node ]]; then
    (cd "$repo/bindings/node" && npm ci --no-audit --no-fund --silent)
  fi
}

build_programs() {
  cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=Release \
    -DSEQUANTLOCK_BUILD_BENCH=ON -DSEQUANTLOCK_BUILD_TESTS=OFF >/dev/null
  cmake --build "$build" -j2 >/dev/null
  # The addon is rebuilt so that it runs the same library sources.
  (cd "$repo/bindings/node" && npm run --silent build >/dev/null)
}

# Prints the directory for the lock directories: TMPDIR when set, else
# /dev/shm when it is a tmpfs, else /tmp. A disk filesystem's allocator can
# dominate a loop that creates and deletes files (see describe_filesystem).
bench_tmpdir() {
  if [[ -n ${TMPDIR:-} ]]; then
    echo "$TMPDIR"
  elif [[ $(stat -f -c %T /dev/shm 2>/dev/null) == tmpfs && -w /dev/shm ]]
  then
    echo /dev/shm
  else
    echo /tmp
  fi
}

# The filesystem type of a directory, and for ext4 whether it has a
# journal: without one, the inode allocator skips inodes deleted in the last
# few seconds, which slows any loop that creates and deletes files.
describe_filesystem() {
  local type source
  type=$(findmnt -no FSTYPE -T "$1" 2>/dev/null || stat -f -c %T "$1")
  source=$(findmnt -no SOURCE -T "$1" 2>/dev/null || true)
  if [[ $type == ext4 && -n $source && -d /sys/fs/ext4/${source##*/} ]]; then
    if [[ $(cat "/sys/fs/ext4/${source##*/}/journal_task" 2>/dev/null) == \
          "<none>" ]]; then
      type="ext4 without a journal"
    else
      type="ext4 with a journal"
    fi
  fi
  echo "$type"
}

# Counts system calls of acquire+release: strace -c over N pairs minus the
# same program over 0 pairs, and a full trace of one pair.
count_syscalls() {
  local program=$build/bench/sequantlock_bench_syscalls
  strace -f -c -U name,calls -o "$results/strace-0.txt" \
    "$program" "$run/syscalls-0" 0
  strace -f -c -U name,calls -o "$results/strace-1000.txt" \
    "$program" "$run/syscalls-1000" 1000
  strace -f -o "$run/one.trace" "$program" "$run/syscalls-1" 1
  marked_calls "$run/one.trace" >"$results/strace-one.txt"
  # Check and stale steal plant their locks before the marked region, so
  # their calls are counted inside it, over 100 operations each.
  local mode
  for mode in check steal; do
    strace -f -o "$run/$mode.trace" "$program" "$run/syscalls-$mode" 100 \
      "$mode"
    marked_calls "$run/$mode.trace" >"$results/strace-$mode.txt"
  done
}

# The calls of a trace between the begin and end marks, without pids.
marked_calls() {
  awk '/sequantlock-bench-begin/ {on = 1; next}
       /sequantlock-bench-end/ {on = 0} on' "$1" | sed -E 's/^[0-9]+ +//'
}

time_processes() {
  local cli=$build/cli/sequantlock
  local flags=(-N --warmup 10 --runs 100 --ignore-failure --style none)
  mkdir -p "$run/free" "$run/flock" "$run/run"
  hyperfine "${flags[@]}" --export-json "$results/hyperfine-check.json" \
    -n "true (process floor)" "true" \
    -n "sequantlock check (held)" "$cli --locks-dir $run/list check 604" \
    -n "sequantlock check (free)" "$cli --locks-dir $run/free check 604" \
    -n "node original check (held)" \
    "node $bench/check-original.mjs $run/list 604" \
    -n "node original check (free)" \
    "node $bench/check-original.mjs $run/free 604" >/dev/null
  hyperfine "${flags[@]}" --export-json "$results/hyperfine-run.json" \
    -n "sequantlock run 604 -- true" \
    "$cli --locks-dir $run/run run 604 -- true" \
    -n "flock FILE true" "flock $run/flock/604 true" >/dev/null
}

# Counts the system calls of one list of the 10,000 locks, and of the wait's
# inotify instances in the hand-off, for the causes section.
trace_costs() {
  strace -f -c -U name,calls -o "$results/strace-list.txt" \
    "$build/cli/sequantlock" --locks-dir "$run/list" list --json >/dev/null
  if TMPDIR=$run strace -ff -o "$run/wait.trace" \
      "$build/bench/sequantlock_bench_handoff" wait 5 >/dev/null 2>&1; then
    local waiter
    waiter=$(ls "$run"/wait.trace.* | sort -t. -k3 -n | tail -1)
    echo "rounds=5" >"$results/wait-trace.txt"
    echo "waiter_inotify_init1=$(grep -c '^inotify_init1' "$waiter")" \
      >>"$results/wait-trace.txt"
  fi
}

profile_acquire() {
  command -v perf >/dev/null || return 0
  perf record -q -o "$run/acquire.perf" "$build/bench/sequantlock_bench" \
    --benchmark_filter='^BM_AcquireRelease$' --benchmark_min_time=1 \
    >/dev/null 2>&1 || return 0
  perf report -i "$run/acquire.perf" --sort dso --stdio 2>/dev/null |
    grep '%' >"$results/perf-acquire-dso.txt" || true
  perf report -i "$run/acquire.perf" --sort sym --stdio 2>/dev/null |
    grep '%' | head -15 >"$results/perf-acquire-sym.txt" || true
}

describe_machine() {
  {
    echo "nproc=$(nproc)"
    echo "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- |
      sed 's/^ *//')"
    echo "kernel=$(uname -r)"
    echo "tmp_fs=$(describe_filesystem "$run")"
    echo "tmp_dir=$(dirname "$run")"
    echo "load_start=$load_start"
    echo "load_end=$(cut -d' ' -f1-3 /proc/loadavg)"
    echo "node=$(node --version)"
    echo "python=$("$bench/.venv/bin/python" -c 'import platform;
print(platform.python_version())')"
    echo "filelock=$("$bench/.venv/bin/python" -c 'import filelock;
print(filelock.__version__)')"
    echo "proper_lockfile=$(node -p \
      "require('$bench/node_modules/proper-lockfile/package.json').version")"
    echo "hyperfine=$(hyperfine --version | cut -d' ' -f2)"
    echo "benchmark=$(dpkg-query -W -f='${Version}' libbenchmark-dev)"
    echo "strace=$(strace -V | head -1 | awk '{print $NF}')"
    echo "library=$(git -C "$repo" rev-parse --short HEAD)$(
      git -C "$repo" diff --quiet HEAD -- libsequantlock include ||
      echo '+uncommitted')"
  } >"$results/machine.txt"
}

main() {
  log "installing packages"
  install_packages
  log "building"
  build_programs

  run=$(mktemp -d "$(bench_tmpdir)/sequantlock-bench-run-XXXXXX")
  rm -rf "$results"
  mkdir -p "$results"
  load_start=$(cut -d' ' -f1-3 /proc/loadavg)
  sleep 900 &
  holder=$!
  trap 'kill "$holder" 2>/dev/null || true; rm -rf "$run"' EXIT
  "$build/bench/sequantlock_bench_fixture" "$run/list" 10000 "$holder"

  log "C ABI (Google Benchmark)"
  SEQUANTLOCK_BENCH_LIST_DIR=$run/list TMPDIR=$run \
    "$build/bench/sequantlock_bench" --benchmark_repetitions=10 \
    --benchmark_min_time=0.1 --benchmark_out="$results/gbench.json" \
    --benchmark_out_format=json >/dev/null 2>"$results/gbench.err"
  log "system calls"
  count_syscalls
  log "whole processes (hyperfine)"
  time_processes
  log "Node in-process"
  node "$bench/peers.mjs" inproc "$run/list" "$run/node" \
    >"$results/node.jsonl"
  log "Python in-process"
  mkdir -p "$run/python"
  "$bench/.venv/bin/python" "$bench/peers.py" inproc "$run/python" \
    >"$results/python.jsonl"
  log "hand-off"
  : >"$results/handoff.jsonl"
  local mode
  for mode in flock wait poll-10ms; do
    TMPDIR=$run "$build/bench/sequantlock_bench_handoff" "$mode" 50 \
      >>"$results/handoff.jsonl" || log "hand-off mode $mode not measured"
  done
  for mode in filelock softfilelock; do
    "$bench/.venv/bin/python" "$bench/peers.py" handoff "$mode" 30 \
      "$run/python" >>"$results/handoff.jsonl"
  done
  for mode in original-poll-10ms proper-lockfile; do
    mkdir -p "$run/handoff-$mode"
    node "$bench/peers.mjs" handoff "$mode" 30 "$run/handoff-$mode" \
      >>"$results/handoff.jsonl"
  done
  log "profile"
  trace_costs
  profile_acquire
  describe_machine

  python3 "$bench/report.py" "$results" "$repo/docs/benchmarks.md"
  log "wrote docs/benchmarks.md"
}

main "$@"
