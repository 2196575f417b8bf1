#!/bin/sh
# Installs a built sequantlock tree into a temporary prefix, builds
# examples/consumer against that prefix with CMake (find_package) and with
# pkg-config, and runs both programs.
#
# Usage: scripts/check-install.sh BUILD_DIR
#
# Prints each step, then "N passed, N failed". Exits 0 only when every step
# passed, 1 when a step failed, 2 on a usage error. Needs cmake, make, a C
# compiler and pkg-config on PATH.
set -u

if [ "$#" -ne 1 ]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
build_dir=$1
if [ ! -f "$build_dir/CMakeCache.txt" ]; then
  echo "check-install.sh: '$build_dir' is not a CMake build directory" >&2
  exit 2
fi
source_dir=$(cd "$(dirname "$0")/.." && pwd)
consumer_dir=$source_dir/examples/consumer

work=$(mktemp -d "${TMPDIR:-/tmp}/sequantlock-install-XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT INT TERM
prefix=$work/prefix
log=$work/step.log

passed=0
failed=0

# Runs one step: prints its description and the outcome, and the step's
# output when it fails.
step() {
  description=$1
  shift
  printf '%s ... ' "$description"
  if "$@" >"$log" 2>&1; then
    passed=$((passed + 1))
    echo ok
    return 0
  fi
  failed=$((failed + 1))
  echo FAILED
  sed 's/^/    /' "$log"
  return 1
}

# Runs one step like step() and also prints its output when it passes.
step_verbose() {
  if step "$@"; then
    sed 's/^/    /' "$log"
    return 0
  fi
  return 1
}

finish() {
  echo "$passed passed, $failed failed"
  if [ "$failed" -eq 0 ]; then exit 0; fi
  exit 1
}

for tool in cmake make pkg-config; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "check-install.sh: '$tool' not found on PATH" >&2
    failed=$((failed + 1))
  fi
done
[ "$failed" -eq 0 ] || finish

echo "installing $build_dir into $prefix"
step "cmake --install" cmake --install "$build_dir" --prefix "$prefix" || finish

# The library directory depends on GNUInstallDirs (lib, lib64 or a
# multiarch directory), so find it from the installed pkg-config file.
pc_file=$(find "$prefix" -name sequantlock.pc -path '*/pkgconfig/*' | head -n 1)
if [ -n "$pc_file" ]; then
  libdir=$(dirname "$(dirname "$pc_file")")
else
  libdir=$prefix/lib
fi

step "installed sequantlock.h" test -f "$prefix/include/sequantlock.h"
step "installed sequantlock.hpp" test -f "$prefix/include/sequantlock.hpp"
step "installed sequantlock.pc" test -n "$pc_file"
step "installed CMake package" \
  test -f "$libdir/cmake/sequantlock/sequantlockConfig.cmake"
step "installed library and SONAME link" \
  test -f "$libdir/libsequantlock.so" -a -e "$libdir/libsequantlock.so.0"

# With the CMake package.
step "configure consumer with find_package" \
  cmake -S "$consumer_dir" -B "$work/cmake-build" \
    -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release
step "build consumer with find_package" cmake --build "$work/cmake-build"
mkdir -p "$work/locks-cmake"
step_verbose "run consumer built with find_package" \
  env LD_LIBRARY_PATH="$libdir" "$work/cmake-build/consumer" \
    "$work/locks-cmake/locks"

# With pkg-config. The .pc file names its prefix relative to its own
# directory; the check catches one that names the configure-time prefix,
# which would silently build against another install.
export PKG_CONFIG_PATH="$libdir/pkgconfig"
step "pkg-config finds sequantlock" pkg-config --exists sequantlock
pc_prefix=$(pkg-config --variable=prefix sequantlock 2>/dev/null)
step "pkg-config prefix is the install prefix ('$pc_prefix')" \
  test "$(realpath -m "$pc_prefix")" = "$(realpath -m "$prefix")"
mkdir -p "$work/make-build"
step "build consumer with pkg-config" \
  make -f "$consumer_dir/Makefile" BUILD_DIR="$work/make-build"
mkdir -p "$work/locks-make"
step_verbose "run consumer built with pkg-config" \
  env LD_LIBRARY_PATH="$libdir" "$work/make-build/consumer" \
    "$work/locks-make/locks"
step "consumer loads the installed library" \
  sh -c 'LD_LIBRARY_PATH="$1" ldd "$2" | grep -F "$1/libsequantlock.so"' \
    sh "$libdir" "$work/make-build/consumer"

finish
