#!/usr/bin/env bash
# Each side reads the other's lock files: the TypeScript original's
# algorithm (original-lock.mjs) and the sequantlock CLI, on real files.
# Usage: interop_test.sh SEQUANTLOCK_CLI
set -uo pipefail

cli=$1
here=$(cd "$(dirname "$0")" && pwd)
original() { node "$here/original-lock.mjs" "$@"; }
dir=$(mktemp -d)
sleep 60 &
holder=$!
trap 'kill "$holder" 2>/dev/null; rm -rf "$dir"' EXIT

passed=0
failed=0
expect() {
  local name=$1
  shift
  if "$@"; then
    passed=$((passed + 1))
    echo "ok      $name"
  else
    failed=$((failed + 1))
    echo "FAILED  $name"
  fi
}
contains() { [[ "$1" == *"$2"* ]]; }

# The original writes; sequantlock reads.
original write "$dir" 801 "$holder" "npx sequant run 801"
check=$("$cli" --locks-dir "$dir" check 801 --json)
status=$?
expect "sequantlock sees the original's live holder as held" \
  test "$status" -eq 1
expect "sequantlock reads the original's pid" \
  contains "$check" "\"pid\":$holder,"
expect "sequantlock reads the original's command" \
  contains "$check" '"command":"npx sequant run 801"'

original write "$dir" 802 "$holder" "/fullsolve 802" --skip-pid-check
check=$("$cli" --locks-dir "$dir" check 802 --json)
expect "sequantlock reads the original's skipPidCheck" \
  contains "$check" '"skipPidCheck":true'
"$cli" --locks-dir "$dir" release 802 >/dev/null
expect "sequantlock releases the original's skip-PID-check lock" \
  test ! -e "$dir/802.lock"

# sequantlock writes; the original reads.
"$cli" --locks-dir "$dir" acquire 803 --pid "$holder" \
  --command 'run "803" with a quote' >/dev/null
read=$(original read "$dir" 803)
expect "the original validates sequantlock's record" \
  test "$read" != "null"
expect "the original reads sequantlock's pid" \
  contains "$read" "\"pid\":$holder,"
expect "the original reads sequantlock's command" \
  contains "$read" '"command":"run \"803\" with a quote"'
expect "the original drops the identity fields" \
  test "$(echo "$read" | grep -c token)" -eq 0

"$cli" --locks-dir "$dir" acquire 804 --skip-pid-check --command x >/dev/null
read=$(original read "$dir" 804)
expect "the original reads sequantlock's skipPidCheck" \
  contains "$read" '"skipPidCheck":true'

set +e
original write "$dir" 803 "$holder" "second session" 2>/dev/null
status=$?
set -e
expect "the original cannot create over sequantlock's lock" \
  test "$status" -ne 0

"$cli" --locks-dir "$dir" acquire checkout --pid "$holder" >/dev/null
listed=$(original list "$dir")
expect "the original lists sequantlock's issue locks" \
  contains "$listed" '"issue":803'
expect "the original skips named locks, as it skips checkout.lock" \
  test "$(echo "$listed" | grep -c checkout)" -eq 0

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
