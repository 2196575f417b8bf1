"""Managers in processes started with fork."""

from __future__ import annotations

import json
import multiprocessing
import os
from pathlib import Path

import pytest

import sequantlock


def wait_child(pid: int) -> int:
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def run_in_fork(body) -> dict:
    """Run `body()` in a forked child and return the dict it produced."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        code = 0
        try:
            report = body()
        except BaseException as error:  # the child must never return into pytest
            report = {"error": f"{type(error).__name__}: {error}"}
            code = 1
        with os.fdopen(write_end, "w") as out:
            json.dump(report, out)
        os._exit(code)
    os.close(write_end)
    with os.fdopen(read_end) as inp:
        text = inp.read()
    assert wait_child(pid) == 0, text
    return json.loads(text)


def test_forked_child_is_refused_parent_lock(manager, locks_dir: Path) -> None:
    parent = manager.acquire(1, "parent")

    def child() -> dict:
        refused = sequantlock.LockManager(locks_dir=locks_dir).acquire(1, "child")
        return {"acquired": refused.acquired, "holder_pid": refused.holder.pid}

    report = run_in_fork(child)

    assert report == {"acquired": False, "holder_pid": os.getpid()}
    assert manager.check(1).holder == parent.record


def test_forked_child_acquires_and_releases(manager, locks_dir: Path) -> None:
    def child() -> dict:
        child_manager = sequantlock.LockManager(locks_dir=locks_dir)
        taken = child_manager.acquire(2, "child")
        released = child_manager.release(2)
        return {"pid": taken.record.pid, "acquired": taken.acquired, "released": released.released}

    report = run_in_fork(child)

    assert report["acquired"] is True
    assert report["released"] is True
    assert report["pid"] != os.getpid()
    assert manager.check(2) is None


def test_inherited_manager_works_in_child(manager, locks_dir: Path) -> None:
    manager.acquire(3, "parent")

    def child() -> dict:
        info = manager.check(3)
        taken = manager.acquire(4, "child via inherited manager")
        return {"holder_pid": info.holder.pid, "record_pid": taken.record.pid}

    report = run_in_fork(child)

    assert report["holder_pid"] == os.getpid()
    assert report["record_pid"] != os.getpid()
    assert manager.check(3) is not None


def test_child_release_keeps_parent_locks(manager, locks_dir: Path) -> None:
    manager.acquire(7, "parent")
    manager.acquire("parent-named", "parent")

    def child() -> dict:
        return {"released": manager.release(7).released, "all": manager.release_all()}

    report = run_in_fork(child)

    assert report == {"released": False, "all": 0}
    assert (locks_dir / "7.lock").exists()
    assert (locks_dir / "parent-named.lock").exists()
    assert manager.release_all() == 2


def test_child_exit_keeps_parent_lock(manager) -> None:
    manager.acquire(5, "parent")

    report = run_in_fork(lambda: {"ok": True})

    assert report == {"ok": True}
    assert manager.check(5).holder.pid == os.getpid()


def _multiprocessing_worker(locks_dir: str, key: int, queue, done) -> None:
    result = sequantlock.LockManager(locks_dir=locks_dir).acquire(key, "worker")
    queue.put(result.acquired)
    # A worker that exited would leave a lock with a dead pid, which the
    # next worker rightly takes over; stay alive until all have reported.
    done.wait(60)


def test_multiprocessing_fork_workers_one_winner(locks_dir: Path) -> None:
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    done = context.Event()
    workers = [
        context.Process(target=_multiprocessing_worker, args=(str(locks_dir), 6, queue, done))
        for _ in range(8)
    ]
    for worker in workers:
        worker.start()
    outcomes = [queue.get(timeout=60) for _ in workers]
    done.set()
    for worker in workers:
        worker.join(timeout=60)

    assert sorted(outcomes) == [False] * 7 + [True]
