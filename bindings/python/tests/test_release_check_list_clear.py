"""release, release_external, release_all, check, list and clear."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import sequantlock
from conftest import BASE_MS, age_file, iso, write_record


def test_release_removes_own_lock(manager) -> None:
    taken = manager.acquire(30)

    result = manager.release(30)

    assert result == sequantlock.ReleaseResult(released=True, reason="released")
    assert not os.path.exists(taken.lock_path)


def test_release_is_idempotent(manager) -> None:
    manager.acquire(31)
    manager.release(31)

    again = manager.release(31)

    assert again.released is False
    assert again.reason == "no-lock"


def test_release_leaves_other_holder(make_manager, locks_dir: Path) -> None:
    write_record(locks_dir, "32", hostname="other-host")

    result = make_manager().release(32)

    assert result.released is False
    assert result.reason in ("not-owner", "cross-host")
    assert (locks_dir / "32.lock").exists()


def test_release_by_token(make_manager) -> None:
    taken = make_manager().acquire(33)
    other = make_manager()

    wrong = other.release(33, token="not-the-token")
    right = other.release(33, token=taken.token)

    assert wrong.released is False
    assert wrong.reason == "token-mismatch"
    assert right.released is True
    assert right.reason == "released"


def test_release_corrupt_file_is_kept(manager, locks_dir: Path) -> None:
    locks_dir.mkdir()
    (locks_dir / "34.lock").write_text("{")

    result = manager.release(34)

    assert result.released is False
    assert (locks_dir / "34.lock").exists()


def test_release_external_removes_skip_pid_check_lock(make_manager) -> None:
    make_manager(pid=999_999).acquire(35, "shell", skip_pid_check=True)

    result = make_manager().release_external(35)

    assert result.released is True
    assert result.reason == "released"


def test_release_external_removes_own_pid_lock(make_manager) -> None:
    make_manager(pid=999_998).acquire(36)

    result = make_manager(pid=999_998).release_external(36)

    assert result.released is True


def test_release_external_refuses_other_pid(make_manager, locks_dir: Path) -> None:
    make_manager(pid=999_997).acquire(37)

    result = make_manager().release_external(37)

    assert result.released is False
    assert result.reason == "not-owner"
    assert (locks_dir / "37.lock").exists()


def test_release_external_refuses_cross_host(make_manager, locks_dir: Path) -> None:
    write_record(locks_dir, "38", hostname="other-host", skipPidCheck=True)

    result = make_manager().release_external(38)

    assert result.released is False
    assert result.reason == "cross-host"


def test_release_all_releases_only_own_locks(make_manager, locks_dir: Path) -> None:
    mine = make_manager()
    other = make_manager()
    mine.acquire(39)
    mine.acquire("named")
    other.acquire(40)

    assert mine.release_all() == 2
    assert not (locks_dir / "39.lock").exists()
    assert not (locks_dir / "named.lock").exists()
    assert (locks_dir / "40.lock").exists()
    assert mine.release_all() == 0


def test_manager_context_releases_all(make_manager, locks_dir: Path) -> None:
    with make_manager() as manager:
        manager.acquire(41)

    assert not (locks_dir / "41.lock").exists()


def test_check_missing_returns_none(manager, locks_dir: Path) -> None:
    assert manager.check(50) is None
    assert not locks_dir.exists()


def test_check_returns_holder(make_manager) -> None:
    taken = make_manager().acquire(51, "checked")

    info = make_manager().check(51)

    assert isinstance(info, sequantlock.LockInfo)
    assert info.key == "51"
    assert info.issue == 51
    assert info.lock_path == taken.lock_path
    assert info.holder == taken.record
    assert info.corrupt is False
    assert info.stale is False
    assert info.stale_reason is None
    assert isinstance(info.age_ms, int)


def test_check_age_comes_from_clock(make_manager, locks_dir: Path) -> None:
    write_record(locks_dir, "52", startedAt=iso(BASE_MS))

    info = make_manager(now=lambda: BASE_MS + 12_345).check(52)

    assert info.age_ms == 12_345


def test_check_reports_stale_leftover(make_manager, locks_dir: Path) -> None:
    write_record(locks_dir, "53", hostname="seam-host", pid=4242)

    info = make_manager(hostname="seam-host", is_pid_alive=lambda pid: False).check(53)

    assert info.stale is True
    assert info.stale_reason == "pid-dead"
    assert (locks_dir / "53.lock").exists()


def test_check_corrupt_file(manager, locks_dir: Path) -> None:
    locks_dir.mkdir()
    (locks_dir / "54.lock").write_text('{"pid": -1}')

    info = manager.check(54)

    assert info.corrupt is True
    assert info.holder is None
    assert info.stale is False


def test_check_named_key_has_no_issue(manager) -> None:
    manager.acquire("checkout")

    assert manager.check("checkout").issue is None


def test_list_missing_dir_is_empty(manager, locks_dir: Path) -> None:
    assert manager.list() == []
    assert not locks_dir.exists()


def test_list_sorts_issues_numerically_then_names(manager, locks_dir: Path) -> None:
    for key in (100, "zeta", 9, "alpha", 25):
        manager.acquire(key)
    (locks_dir / "session-abc.issue").write_text("9")
    (locks_dir / "notes.txt").write_text("not a lock")

    keys = [info.key for info in manager.list()]

    assert keys == ["9", "25", "100", "alpha", "zeta"]


def test_list_includes_corrupt_and_stale(make_manager, locks_dir: Path) -> None:
    write_record(locks_dir, "60", hostname="seam-host", pid=4242)
    (locks_dir / "61.lock").write_text("")
    manager = make_manager(hostname="seam-host", is_pid_alive=lambda pid: False)

    entries = {info.key: info for info in manager.list()}

    assert entries["60"].stale is True
    assert entries["60"].stale_reason == "pid-dead"
    assert entries["61"].corrupt is True
    assert entries["61"].holder is None


def test_list_on_file_raises_lock_io_error(tmp_path: Path) -> None:
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("")
    manager = sequantlock.LockManager(locks_dir=not_a_dir)

    with pytest.raises(sequantlock.LockIOError) as caught:
        manager.list()

    assert isinstance(caught.value, OSError)
    assert caught.value.errno is not None
    assert caught.value.filename is not None


def test_clear_no_lock(manager) -> None:
    result = manager.clear(70)

    assert result == sequantlock.ClearResult(cleared=False, reason="no-lock", info=None)


def test_clear_refuses_fresh_lock(make_manager, locks_dir: Path) -> None:
    make_manager().acquire(71)

    result = make_manager().clear(71)

    assert result.cleared is False
    assert result.reason == "fresh-same-host-alive"
    assert result.info.key == "71"
    assert (locks_dir / "71.lock").exists()


def test_clear_force_removes_fresh_lock(make_manager, locks_dir: Path) -> None:
    make_manager().acquire(72)

    result = make_manager().clear(72, force=True)

    assert result.cleared is True
    assert result.reason == "cleared"
    assert result.info.holder.pid == os.getpid()
    assert not (locks_dir / "72.lock").exists()


def test_clear_removes_stale_lock(make_manager, locks_dir: Path) -> None:
    write_record(locks_dir, "73", hostname="seam-host", pid=4242)

    result = make_manager(hostname="seam-host", is_pid_alive=lambda pid: False).clear(73)

    assert result.cleared is True
    assert result.info.stale_reason == "pid-dead"


def test_clear_removes_old_corrupt_file(manager, locks_dir: Path) -> None:
    locks_dir.mkdir()
    path = locks_dir / "74.lock"
    path.write_text("{")
    age_file(path, 60)

    result = manager.clear(74)

    assert result.cleared is True
    assert result.info.corrupt is True
    assert not path.exists()


def test_classify_holder(make_manager, locks_dir: Path) -> None:
    write_record(locks_dir, "75", hostname="seam-host", pid=4242)
    holder = make_manager().check(75).holder

    dead = make_manager(hostname="seam-host", is_pid_alive=lambda pid: False)
    alive = make_manager(hostname="seam-host", is_pid_alive=lambda pid: True)

    assert dead.classify(holder) == "pid-dead"
    assert alive.classify(holder) is None
