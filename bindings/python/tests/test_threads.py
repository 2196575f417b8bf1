"""Several threads sharing managers."""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import sequantlock
from conftest import run_python, write_record

THREADS = 16


def race(function, count: int = THREADS):
    barrier = threading.Barrier(count)

    def run(index: int):
        barrier.wait()
        return function(index)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def test_threads_one_winner_shared_manager(manager) -> None:
    results = race(lambda i: manager.acquire(1, f"thread {i}"))

    winners = [r for r in results if r.acquired]
    assert len(winners) == 1
    for loser in results:
        if not loser.acquired:
            assert loser.holder == winners[0].record


def test_threads_one_winner_own_managers(make_manager) -> None:
    managers = [make_manager() for _ in range(THREADS)]

    results = race(lambda i: managers[i].acquire("shared", f"thread {i}"))

    assert sum(r.acquired for r in results) == 1


def test_threads_force_acquire_leaves_one_holder(make_manager) -> None:
    managers = [make_manager() for _ in range(THREADS)]

    results = race(lambda i: managers[i].force_acquire(2, f"thread {i}"))

    holder = make_manager().check(2).holder
    assert sum(1 for r in results if r.record == holder) == 1


def test_threads_distinct_keys_all_acquire(manager, locks_dir: Path) -> None:
    results = race(lambda i: manager.acquire(100 + i))

    assert all(r.acquired for r in results)
    assert [info.key for info in manager.list()] == [str(100 + i) for i in range(THREADS)]
    assert manager.release_all() == THREADS
    assert manager.list() == []


def test_threads_callables_run_concurrently(make_manager, locks_dir: Path) -> None:
    for i in range(THREADS):
        write_record(locks_dir, str(200 + i), hostname="seam-host", pid=7000 + i)
    seen = []
    seen_lock = threading.Lock()

    def probe(pid: int) -> bool:
        with seen_lock:
            seen.append((threading.get_ident(), pid))
        return False

    manager = make_manager(hostname="seam-host", is_pid_alive=probe)
    results = race(lambda i: manager.acquire(200 + i))

    assert all(r.acquired and r.stale_reason == "pid-dead" for r in results)
    assert {pid for _, pid in seen} == {7000 + i for i in range(THREADS)}


def test_threads_callable_exceptions_stay_on_their_thread(make_manager, locks_dir: Path) -> None:
    for i in range(THREADS):
        write_record(locks_dir, str(300 + i), hostname="seam-host", pid=8000 + i)

    class Odd(Exception):
        pass

    def probe(pid: int) -> bool:
        if pid % 2:
            raise Odd(pid)
        return False

    manager = make_manager(hostname="seam-host", is_pid_alive=probe)

    def attempt(i: int):
        try:
            return manager.acquire(300 + i)
        except Odd as error:
            return error

    results = race(attempt)

    for i, result in enumerate(results):
        if (8000 + i) % 2:
            assert isinstance(result, Odd)
            assert result.args == (8000 + i,)
        else:
            assert isinstance(result, sequantlock.AcquireResult)
            assert result.acquired is True


GIL_SCRIPT = """
import os, sys, threading
import sequantlock

locks_dir = sys.argv[1]
os.makedirs(locks_dir)
fifo = os.path.join(locks_dir, "blocked.lock")
os.mkfifo(fifo)
manager = sequantlock.LockManager(locks_dir=locks_dir)
outcome = []
reader = threading.Thread(target=lambda: outcome.append(manager.check("blocked")))
reader.start()
# The reader thread is blocked inside the library opening the FIFO. This
# thread can only get here and open the writing end if the library call
# released the GIL; opening it unblocks the reader.
with open(fifo, "w") as writer:
    writer.write("{")
reader.join()
print("done", flush=True)
"""


def test_library_call_releases_gil(tmp_path: Path) -> None:
    completed = run_python(GIL_SCRIPT, str(tmp_path / "locks"))

    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "done"
