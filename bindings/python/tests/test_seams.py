"""Test seams: plain values and Python callables crossing the C ABI."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import sequantlock
from conftest import BASE_MS, iso, write_record


class SeamFailure(Exception):
    pass


def test_hostname_seam_is_recorded(make_manager) -> None:
    result = make_manager(hostname="seam-host").acquire(1)

    assert result.record.hostname == "seam-host"


def test_pid_seam_is_recorded(make_manager) -> None:
    result = make_manager(pid=123_456).acquire(2)

    assert result.record.pid == 123_456


def test_pid_seam_owns_tokenless_record(make_manager, locks_dir: Path) -> None:
    hostname = make_manager().acquire(99).record.hostname
    write_record(locks_dir, "3", hostname=hostname, pid=123_457)

    assert make_manager().release(3).reason == "not-owner"
    assert make_manager(pid=123_457).release(3).released is True


def test_now_seam_sets_started_at(make_manager) -> None:
    result = make_manager(now=lambda: BASE_MS).acquire(4)

    assert result.record.started_at == iso(BASE_MS)


def test_now_seam_accepts_float(make_manager) -> None:
    result = make_manager(now=lambda: BASE_MS + 0.75).acquire(5)

    assert result.record.started_at == iso(BASE_MS)


@pytest.mark.parametrize("value", ["1778423520000", None, True, [1]])
def test_now_seam_wrong_type_raises_type_error(make_manager, locks_dir: Path, value) -> None:
    manager = make_manager(now=lambda: value)

    with pytest.raises(TypeError):
        manager.acquire(6)
    assert not (locks_dir / "6.lock").exists()


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_now_seam_non_finite_raises_value_error(make_manager, value) -> None:
    with pytest.raises(ValueError):
        make_manager(now=lambda: value).acquire(7)


def test_now_seam_out_of_range_raises_overflow(make_manager) -> None:
    with pytest.raises(OverflowError):
        make_manager(now=lambda: 2**70).acquire(8)


def test_is_pid_alive_receives_holder_pid(make_manager, locks_dir: Path) -> None:
    write_record(locks_dir, "9", hostname="seam-host", pid=5151)
    asked = []

    def probe(pid: int) -> bool:
        asked.append(pid)
        return True

    make_manager(hostname="seam-host", is_pid_alive=probe).acquire(9)

    assert asked
    assert set(asked) == {5151}


def test_is_pid_alive_uses_truthiness(make_manager, locks_dir: Path) -> None:
    write_record(locks_dir, "10", hostname="seam-host", pid=5152)

    assert make_manager(hostname="seam-host", is_pid_alive=lambda pid: 1).acquire(10).acquired is False
    assert make_manager(hostname="seam-host", is_pid_alive=lambda pid: []).acquire(10).acquired is True


def test_is_pid_alive_exception_surfaces_unchanged(make_manager, locks_dir: Path) -> None:
    path = write_record(locks_dir, "11", hostname="seam-host", pid=5153)
    before = path.read_bytes()
    raised = SeamFailure("probe failed")

    def probe(pid: int) -> bool:
        raise raised

    manager = make_manager(hostname="seam-host", is_pid_alive=probe)
    for operation in (manager.acquire, manager.check, manager.clear):
        with pytest.raises(SeamFailure) as caught:
            operation(11)
        assert caught.value is raised
    assert path.read_bytes() == before


def test_now_exception_surfaces_unchanged(make_manager, locks_dir: Path) -> None:
    raised = SeamFailure("clock failed")

    def clock() -> int:
        raise raised

    with pytest.raises(SeamFailure) as caught:
        make_manager(now=clock).acquire(12)

    assert caught.value is raised
    assert not (locks_dir / "12.lock").exists()


def test_keyboard_interrupt_in_callable_surfaces(make_manager, locks_dir: Path) -> None:
    write_record(locks_dir, "13", hostname="seam-host", pid=5154)

    def probe(pid: int) -> bool:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        make_manager(hostname="seam-host", is_pid_alive=probe).acquire(13)


def test_manager_works_after_callable_raised(make_manager, locks_dir: Path) -> None:
    write_record(locks_dir, "14", hostname="seam-host", pid=5155)
    calls = {"count": 0}

    def probe(pid: int) -> bool:
        calls["count"] += 1
        if calls["count"] == 1:
            raise SeamFailure("first call fails")
        return False

    manager = make_manager(hostname="seam-host", is_pid_alive=probe)
    with pytest.raises(SeamFailure):
        manager.acquire(14)

    result = manager.acquire(14)

    assert result.acquired is True
    assert result.stale_reason == "pid-dead"


def test_exception_keeps_traceback_of_callable(make_manager) -> None:
    def clock() -> int:
        raise SeamFailure("deep")

    with pytest.raises(SeamFailure) as caught:
        make_manager(now=clock).acquire(15)

    assert caught.traceback[-1].name == "clock"


@pytest.mark.parametrize("name", ["is_pid_alive", "now"])
def test_non_callable_seam_raises_type_error(make_manager, name) -> None:
    with pytest.raises(TypeError):
        make_manager(**{name: 42})


def test_orchestrator_mode_never_calls_seams(make_manager) -> None:
    def fail(*args: object) -> int:
        raise AssertionError("seam called in orchestrator mode")

    manager = make_manager(orchestrator_mode=True, is_pid_alive=fail, now=fail)

    assert manager.acquire(16).acquired is True
    assert manager.check(16) is None
