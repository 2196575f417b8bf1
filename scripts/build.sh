#!/usr/bin/env bash
# Configures and builds sequantlock (library, CLI and tests) in BUILD_DIR
# (default: build). Extra arguments go to the CMake configure step.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${BUILD_DIR:-$root/build}
jobs=$(nproc 2>/dev/null || echo 2)

cmake -S "$root" -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" \
  >/dev/null
cmake --build "$build_dir" -j "$jobs"
