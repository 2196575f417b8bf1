#!/usr/bin/env bash
# Demonstrates sequantlock on real processes in a real git repository:
# session A holds issue 604 with `sequantlock run`, session B is refused,
# A is killed with SIGKILL, and B's next attempt recovers the stale lock.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cli=${SEQUANTLOCK_CLI:-${BUILD_DIR:-$root/build}/cli/sequantlock}
if [[ ! -x "$cli" ]]; then
  echo "demo: $cli not found; run scripts/build.sh first" >&2
  exit 1
fi

work=$(mktemp -d)
session_a=""
cleanup() {
  if [[ -n "$session_a" ]]; then kill -9 "$session_a" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() { printf '$ %s\n' "$*"; }

export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
export GIT_AUTHOR_NAME=demo GIT_AUTHOR_EMAIL=demo@example.invalid
export GIT_COMMITTER_NAME=demo GIT_COMMITTER_EMAIL=demo@example.invalid
unset SEQUANT_LOCKS_DIR SEQUANT_ORCHESTRATOR

step "A real git repository with a linked worktree"
git init -q "$work/repo"
echo "demo" > "$work/repo/README"
git -C "$work/repo" add README
git -C "$work/repo" commit -qm "Initial commit"
git -C "$work/repo" worktree add -q "$work/feature" -b feature
echo "main checkout:   $work/repo"
echo "linked worktree: $work/feature"

step "Session A takes issue 604 in the main checkout and works for a while"
cd "$work/repo"
show "sequantlock run 604 -- sleep 300 &"
"$cli" run 604 -- sleep 300 &
session_a=$!
for _ in $(seq 100); do
  [[ -f "$work/repo/.sequant/locks/604.lock" ]] && break
  sleep 0.05
done
echo "session A is PID $session_a; its lock file:"
cat "$work/repo/.sequant/locks/604.lock"
echo

step "Session B, in the linked worktree, asks for the same issue"
cd "$work/feature"
show "sequantlock acquire 604 --command 'session B'"
set +e
"$cli" acquire 604 --command "session B"
status=$?
set -e
echo "exit status $status: refused, because session A is alive"

step "Session A is killed with SIGKILL: no cleanup code runs"
show "kill -KILL $session_a"
child=$(pgrep -P "$session_a" sleep || true)
kill -KILL "$session_a"
wait "$session_a" 2>/dev/null || true
session_a=""
sleep 0.2
# A zombie waiting for its parent to reap it has exited too.
if [[ -n "$child" ]] && [[ -r "/proc/$child/stat" ]] &&
    ! grep -q ') Z ' "/proc/$child/stat"; then
  echo "its command (PID $child) is still running"
else
  echo "its command${child:+ (PID $child)} died with it"
fi
echo "the lock file is still there:"
ls "$work/repo/.sequant/locks"
show "sequantlock check 604"
"$cli" check 604

step "Session B tries again: the stale lock is recovered, no file removed by hand"
show "sequantlock run 604 -- sh -c 'echo working on issue \$SEQUANT_ISSUE'"
"$cli" run 604 -- sh -c 'echo "working on issue $SEQUANT_ISSUE"'

step "Afterwards nothing is held"
show "sequantlock list"
"$cli" list
