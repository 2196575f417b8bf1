"""Several threads sharing managers."""

from __future__ import annotations

import fcntl
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import sequantlock
from conftest import write_record

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


def test_library_call_releases_gil(make_manager, locks_dir: Path) -> None:
    manager = make_manager()
    manager.acquire(400)
    path = locks_dir / "400.lock"
    outcome = []

    # The library removes a lock only under an exclusive flock on the lock
    # file and retries for a bounded time while another open file holds it.
    # This thread holds that flock while a second thread clears the lock.
    # If the clearing thread kept the GIL inside the library, this thread
    # could not wake up to drop the flock, and the clear would end with the
    # library's timeout error instead of clearing.
    with open(path, "rb") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)
        clearer = threading.Thread(target=lambda: outcome.append(_clear_or_error(manager, 400)))
        clearer.start()
        time.sleep(0.5)
        fcntl.flock(guard, fcntl.LOCK_UN)
    clearer.join()

    assert len(outcome) == 1
    assert isinstance(outcome[0], sequantlock.ClearResult), outcome[0]
    assert outcome[0].cleared is True


def _clear_or_error(manager: sequantlock.LockManager, key: int):
    try:
        return manager.clear(key, force=True)
    except sequantlock.Error as error:
        return error
