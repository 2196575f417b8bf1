"""signal_other on real processes."""

from __future__ import annotations

import os
import signal
import socket
from pathlib import Path

import sequantlock
from conftest import BASE_MS, iso


def test_signal_sent_to_replaced_holder(make_manager, holder_process) -> None:
    holder = holder_process("1", "victim")
    assert holder.report["acquired"] is True

    forced = make_manager().force_acquire(1, "taker")
    result = make_manager().signal_other(forced.previous)

    assert result == sequantlock.SignalResult(sent=True, reason="sent")
    assert holder.process.wait(timeout=60) == -signal.SIGTERM


def test_signal_uses_given_signal(make_manager, holder_process) -> None:
    holder = holder_process("2", "victim")
    forced = make_manager().force_acquire(2)

    result = make_manager().signal_other(forced.previous, signal.SIGUSR1)

    assert result.sent is True
    assert holder.process.wait(timeout=60) == -signal.SIGUSR1


def test_signal_refuses_dead_holder(make_manager, holder_process) -> None:
    holder = holder_process("3", "gone")
    previous = make_manager().check(3).holder
    holder.kill()

    result = make_manager().signal_other(previous)

    assert result.sent is False
    assert result.reason == "pid-dead"


def test_signal_refuses_self(manager) -> None:
    record = manager.acquire(4).record

    result = manager.signal_other(record)

    assert result == sequantlock.SignalResult(sent=False, reason="self-or-parent")


def test_signal_refuses_parent(manager) -> None:
    parent = sequantlock.Holder(
        pid=os.getppid(), hostname=socket.gethostname(), started_at=iso(BASE_MS), command="parent"
    )

    assert manager.signal_other(parent).reason == "self-or-parent"


def test_signal_refuses_cross_host(manager, holder_process) -> None:
    holder = holder_process("5")
    other = sequantlock.Holder(pid=holder.pid, hostname="other-host", started_at=iso(BASE_MS), command="c")

    result = manager.signal_other(other)

    assert result.reason == "cross-host"
    assert holder.process.poll() is None


def test_signal_refuses_skip_pid_check_holder(make_manager, holder_process) -> None:
    holder = holder_process("6")
    shell = make_manager(pid=holder.pid).acquire(7, "shell", skip_pid_check=True).record

    result = make_manager().signal_other(shell)

    assert result.sent is False
    assert result.reason == "skip-pid-check"
    assert holder.process.poll() is None


def test_signal_refuses_holder_past_ceiling(make_manager, holder_process) -> None:
    holder = holder_process("8")
    old = sequantlock.Holder(
        pid=holder.pid, hostname=socket.gethostname(), started_at=iso(BASE_MS), command="old"
    )
    manager = make_manager(max_lock_age_ms=1000, now=lambda: BASE_MS + 1001)

    result = manager.signal_other(old)

    assert result.sent is False
    assert result.reason in ("stale-pid-untrusted", "pid-reused")
    assert holder.process.poll() is None


def test_signal_other_rejects_non_holder(manager) -> None:
    import pytest

    with pytest.raises(TypeError):
        manager.signal_other({"pid": 1})  # type: ignore[arg-type]
