#!/usr/bin/env bash
# Installs what sequantlock needs, builds the library, the CLI and both
# bindings, and runs the demonstration (scripts/demo.sh).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
export BUILD_DIR=${BUILD_DIR:-$root/build}

echo "== installing Debian packages"
"$root/scripts/install-deps.sh"

echo "== building the library, the CLI and the tests in $BUILD_DIR"
start=$SECONDS
"$root/scripts/build.sh" >/dev/null
echo "built in $((SECONDS - start)) s: $BUILD_DIR/cli/sequantlock"

echo "== building the Python binding into bindings/python/build/venv"
start=$SECONDS
venv=$root/bindings/python/build/venv
[[ -x "$venv/bin/python" ]] || python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet "$root/bindings/python"
echo "built in $((SECONDS - start)) s: $venv/bin/python -c 'import sequantlock'"

echo "== building the Node addon in bindings/node"
start=$SECONDS
(cd "$root/bindings/node" && npm ci --no-audit --no-fund --silent)
echo "built in $((SECONDS - start)) s: import { LockManager } from 'sequantlock'"

"$root/scripts/demo.sh"
