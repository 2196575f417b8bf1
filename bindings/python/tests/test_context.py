"""The hold() and lock() context managers."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import sequantlock
from conftest import BASE_MS, iso, write_record


class BodyFailure(Exception):
    pass


def test_hold_releases_on_normal_exit(manager, locks_dir: Path) -> None:
    with manager.hold(80, "work") as result:
        assert result.acquired is True
        assert (locks_dir / "80.lock").exists()

    assert not (locks_dir / "80.lock").exists()


def test_hold_releases_on_exception(manager, locks_dir: Path) -> None:
    with pytest.raises(BodyFailure):
        with manager.hold(81):
            raise BodyFailure

    assert not (locks_dir / "81.lock").exists()


def test_hold_releases_on_keyboard_interrupt(manager, locks_dir: Path) -> None:
    with pytest.raises(KeyboardInterrupt):
        with manager.hold(82):
            raise KeyboardInterrupt

    assert not (locks_dir / "82.lock").exists()


def test_hold_raises_lock_held_error(make_manager, locks_dir: Path) -> None:
    taken = make_manager().acquire(83, "npx sequant fullsolve 83")

    with pytest.raises(sequantlock.LockHeldError) as caught:
        with make_manager().hold(83):
            pytest.fail("body ran while the lock was held")

    error = caught.value
    assert isinstance(error, sequantlock.Error)
    assert error.key == "83"
    assert error.holder == taken.record
    assert error.lock_path == taken.lock_path
    assert error.message == sequantlock.locked_message(83, taken.record)
    assert str(error) == error.message
    assert (locks_dir / "83.lock").exists()


def test_locked_message_is_canonical(make_manager, locks_dir: Path) -> None:
    write_record(locks_dir, "604", pid=12345, startedAt="2026-05-10T14:32:00.000Z",
                 command="npx sequant fullsolve 604")
    holder = make_manager(now=lambda: BASE_MS).check(604).holder

    assert sequantlock.locked_message(604, holder) == (
        "Issue #604 is being worked on by PID 12345 since 2026-05-10T14:32:00.000Z "
        "(npx sequant fullsolve 604). Use --force to take over, or wait for the other session."
    )


def test_hold_on_corrupt_file_has_no_holder(manager, locks_dir: Path) -> None:
    locks_dir.mkdir()
    (locks_dir / "84.lock").write_text("{")

    with pytest.raises(sequantlock.LockHeldError) as caught:
        with manager.hold(84):
            pass

    assert caught.value.holder is None
    assert caught.value.message == sequantlock.locked_message(84, None)


def test_hold_does_not_remove_lock_taken_over(make_manager, locks_dir: Path) -> None:
    with make_manager().hold(85):
        taker = make_manager().force_acquire(85, "taker")

    assert make_manager().check(85).holder == taker.record


def test_hold_force_takes_over(make_manager, locks_dir: Path) -> None:
    first = make_manager().acquire(86, "first")

    with make_manager().hold(86, "second", force=True) as result:
        assert result.previous == first.record

    assert not (locks_dir / "86.lock").exists()


def test_lock_function_uses_manager_options(locks_dir: Path) -> None:
    with sequantlock.lock("checkout", "git", locks_dir=locks_dir, hostname="h1") as result:
        assert result.record.hostname == "h1"
        assert (locks_dir / "checkout.lock").exists()

    assert not (locks_dir / "checkout.lock").exists()


def test_lock_function_raises_when_held(locks_dir: Path) -> None:
    with sequantlock.lock(87, locks_dir=locks_dir):
        with pytest.raises(sequantlock.LockHeldError):
            with sequantlock.lock(87, locks_dir=locks_dir):
                pass


def test_hold_in_orchestrator_mode(make_manager, locks_dir: Path) -> None:
    with make_manager(orchestrator_mode=True).hold(88) as result:
        assert result.acquired is True
        assert result.lock_path == ""

    assert not locks_dir.exists()


SIGINT_SCRIPT = """
import sys
import sequantlock

manager = sequantlock.LockManager(locks_dir=sys.argv[1])
try:
    with manager.hold(89, "interrupted"):
        print("held", flush=True)
        sys.stdin.readline()
except KeyboardInterrupt:
    print("interrupted", flush=True)
    sys.exit(7)
"""


def test_hold_releases_on_real_sigint(locks_dir: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-c", SIGINT_SCRIPT, str(locks_dir)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout.readline().strip() == "held"
        assert (locks_dir / "89.lock").exists()

        process.send_signal(signal.SIGINT)

        assert process.wait(timeout=60) == 7
        assert process.stdout.readline().strip() == "interrupted"
        assert not (locks_dir / "89.lock").exists()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
