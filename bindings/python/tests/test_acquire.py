"""acquire and force_acquire: results, refusals and stale takeovers."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

import sequantlock
from conftest import BASE_MS, age_file, iso, write_record


def test_acquire_free_key_writes_record(manager, locks_dir: Path) -> None:
    result = manager.acquire(604, "npx sequant fullsolve 604")

    assert isinstance(result, sequantlock.AcquireResult)
    assert result.acquired is True
    assert result.key == "604"
    assert result.lock_path == str(locks_dir / "604.lock")
    assert os.path.exists(result.lock_path)
    assert result.holder is None
    assert result.corrupt is False
    assert result.replaced is False
    assert result.previous is None
    assert result.stale_reason is None
    assert result.forced is False
    assert result.token
    assert isinstance(result.record, sequantlock.Holder)
    assert result.record.pid == os.getpid()
    assert result.record.hostname == socket.gethostname()
    assert result.record.command == "npx sequant fullsolve 604"
    assert result.record.skip_pid_check is False
    assert result.record.token == result.token


def test_acquire_record_matches_file(manager) -> None:
    result = manager.acquire("checkout", "git checkout")

    with open(result.lock_path, encoding="utf-8") as f:
        on_disk = f.read()
    assert result.record.record == on_disk
    assert sequantlock.Holder.from_json(on_disk) == result.record


def test_acquire_default_command_is_unknown(manager) -> None:
    result = manager.acquire(1)

    assert result.record.command == "unknown"


def test_acquire_int_and_str_keys_are_same_lock(manager) -> None:
    first = manager.acquire(42, "first")
    second = manager.acquire("42", "second")

    assert first.acquired is True
    assert second.acquired is False
    assert second.lock_path == first.lock_path


def test_acquire_is_not_reentrant(manager) -> None:
    manager.acquire(7, "first")
    again = manager.acquire(7, "second")

    assert again.acquired is False
    assert again.holder is not None
    assert again.holder.pid == os.getpid()
    assert again.holder.command == "first"
    assert again.record is None
    assert again.token is None


def test_acquire_refused_by_other_manager(make_manager) -> None:
    make_manager().acquire(8, "first")
    refused = make_manager().acquire(8, "second")

    assert refused.acquired is False
    assert refused.holder.command == "first"


def test_acquire_fresh_cross_host_lock_is_refused(make_manager, locks_dir: Path) -> None:
    write_record(locks_dir, "9", hostname="other-host", startedAt=iso(BASE_MS))
    manager = make_manager(now=lambda: BASE_MS + 60_000)

    result = manager.acquire(9)

    assert result.acquired is False
    assert result.holder.hostname == "other-host"
    assert result.holder.pid == 4242
    assert result.holder.started_at == iso(BASE_MS)
    assert result.holder.token is None
    assert result.holder.schema_version is None


def test_acquire_replaces_old_cross_host_lock(make_manager, locks_dir: Path) -> None:
    write_record(locks_dir, "10", hostname="other-host", startedAt=iso(BASE_MS))
    manager = make_manager(now=lambda: BASE_MS + sequantlock.DEFAULT_STALE_AGE_MS + 1)

    result = manager.acquire(10, "taker")

    assert result.acquired is True
    assert result.replaced is True
    assert result.stale_reason == "age-exceeded"
    assert result.previous.hostname == "other-host"
    assert result.previous.pid == 4242
    assert result.record.command == "taker"


def test_acquire_cross_host_age_limit_is_exclusive(make_manager, locks_dir: Path) -> None:
    write_record(locks_dir, "11", hostname="other-host", startedAt=iso(BASE_MS))
    manager = make_manager(now=lambda: BASE_MS + sequantlock.DEFAULT_STALE_AGE_MS)

    assert manager.acquire(11).acquired is False


def test_acquire_replaces_dead_same_host_holder(make_manager, locks_dir: Path) -> None:
    write_record(locks_dir, "12", hostname="seam-host", pid=777)
    manager = make_manager(hostname="seam-host", is_pid_alive=lambda pid: False)

    result = manager.acquire(12)

    assert result.acquired is True
    assert result.stale_reason == "pid-dead"
    assert result.previous.pid == 777


def test_acquire_keeps_live_same_host_holder(make_manager, locks_dir: Path) -> None:
    write_record(locks_dir, "13", hostname="seam-host", pid=777)
    manager = make_manager(hostname="seam-host", is_pid_alive=lambda pid: True)

    result = manager.acquire(13)

    assert result.acquired is False
    assert result.holder.pid == 777


def test_acquire_skip_pid_check_records_flag(manager) -> None:
    result = manager.acquire(14, "shell", skip_pid_check=True)

    assert result.record.skip_pid_check is True
    with open(result.lock_path, encoding="utf-8") as f:
        assert '"skipPidCheck": true' in f.read()


def test_acquire_max_age_exceeded(make_manager, locks_dir: Path) -> None:
    write_record(locks_dir, "15", hostname="seam-host", pid=777, startedAt=iso(BASE_MS))
    manager = make_manager(
        hostname="seam-host",
        is_pid_alive=lambda pid: True,
        max_lock_age_ms=1000,
        now=lambda: BASE_MS + 1001,
    )

    result = manager.acquire(15)

    assert result.acquired is True
    assert result.stale_reason == "max-age-exceeded"


def test_acquire_skill_lock_ttl(make_manager, locks_dir: Path) -> None:
    write_record(locks_dir, "16", hostname="seam-host", pid=777, skipPidCheck=True,
                 startedAt=iso(BASE_MS))
    fresh = make_manager(hostname="seam-host", skill_lock_ttl_ms=5000, now=lambda: BASE_MS + 5000)
    stale = make_manager(hostname="seam-host", skill_lock_ttl_ms=5000, now=lambda: BASE_MS + 5001)

    assert fresh.acquire(16).acquired is False
    result = stale.acquire(16)
    assert result.acquired is True
    assert result.stale_reason == "age-exceeded"


def test_acquire_corrupt_file_in_grace_is_refused(manager, locks_dir: Path) -> None:
    locks_dir.mkdir()
    (locks_dir / "17.lock").write_text("{ not json")

    result = manager.acquire(17)

    assert result.acquired is False
    assert result.corrupt is True
    assert result.holder is None


def test_acquire_replaces_old_corrupt_file(manager, locks_dir: Path) -> None:
    locks_dir.mkdir()
    path = locks_dir / "18.lock"
    path.write_text("")
    age_file(path, 60)

    result = manager.acquire(18)

    assert result.acquired is True
    assert result.replaced is True
    assert result.stale_reason == "corrupt"
    assert result.previous is None


def test_force_acquire_takes_fresh_lock(make_manager) -> None:
    first = make_manager().acquire(19, "first")
    forced = make_manager().force_acquire(19, "second")

    assert forced.acquired is True
    assert forced.forced is True
    assert forced.replaced is True
    assert forced.previous == first.record
    assert forced.stale_reason is None
    assert forced.record.command == "second"


def test_force_acquire_free_key(manager) -> None:
    forced = manager.force_acquire(20, "only")

    assert forced.acquired is True
    assert forced.forced is True
    assert forced.replaced is False
    assert forced.previous is None


def test_force_acquire_replaces_corrupt_file(manager, locks_dir: Path) -> None:
    locks_dir.mkdir()
    (locks_dir / "21.lock").write_text("garbage")

    forced = manager.force_acquire(21)

    assert forced.acquired is True
    assert forced.replaced is True
    assert forced.previous is None


def test_acquire_creates_locks_dir(manager, locks_dir: Path) -> None:
    assert not locks_dir.exists()

    manager.acquire(22)

    assert locks_dir.is_dir()


def test_acquire_result_is_frozen(manager) -> None:
    result = manager.acquire(23)

    with pytest.raises(AttributeError):
        result.acquired = False  # type: ignore[misc]
    with pytest.raises(AttributeError):
        result.record.pid = 1  # type: ignore[misc]


def test_acquire_result_repr_is_readable(manager) -> None:
    result = manager.acquire(24, "repr check")

    text = repr(result)
    assert text.startswith("AcquireResult(key='24', acquired=True")
    assert "command='repr check'" in text
    assert "record=Holder(" in text
