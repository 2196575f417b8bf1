"""Orchestrator mode turns every operation into a no-op."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

import sequantlock


def check_noop(manager: sequantlock.LockManager, locks_dir: Path) -> None:
    assert manager.is_noop is True
    acquired = manager.acquire(1, "x")
    assert acquired.acquired is True
    assert acquired.lock_path == ""
    forced = manager.force_acquire(1)
    assert forced.lock_path == ""
    assert forced.previous is None
    assert manager.check(1) is None
    assert manager.list() == []
    assert manager.clear(1, force=True) == sequantlock.ClearResult(
        cleared=False, reason="orchestrator-mode", info=None
    )
    assert manager.release(1).reason == "orchestrator-mode"
    assert manager.release_external(1).released is False
    assert manager.release_all() == 0
    holder = sequantlock.Holder(pid=os.getpid(), hostname="h", started_at="s", command="c")
    assert manager.signal_other(holder, signal.SIGTERM) == sequantlock.SignalResult(
        sent=False, reason="orchestrator"
    )
    assert not locks_dir.exists()


def test_orchestrator_option_makes_noop(make_manager, locks_dir: Path) -> None:
    check_noop(make_manager(orchestrator_mode=True), locks_dir)


@pytest.mark.parametrize("value", ["1", "0", "false", "yes"])
def test_orchestrator_environment_makes_noop(make_manager, locks_dir: Path, monkeypatch, value) -> None:
    monkeypatch.setenv("SEQUANT_ORCHESTRATOR", value)

    assert sequantlock.is_orchestrator_mode() is True
    check_noop(make_manager(), locks_dir)


def test_empty_orchestrator_environment_is_off(make_manager, monkeypatch) -> None:
    monkeypatch.setenv("SEQUANT_ORCHESTRATOR", "")

    assert sequantlock.is_orchestrator_mode() is False
    assert make_manager().is_noop is False


def test_option_overrides_environment(make_manager, monkeypatch) -> None:
    monkeypatch.setenv("SEQUANT_ORCHESTRATOR", "1")

    assert make_manager(orchestrator_mode=False).is_noop is False
