"""Package metadata, helpers, holders and typing files."""

from __future__ import annotations

import dataclasses
import inspect
import os
from pathlib import Path

import pytest

import sequantlock
from sequantlock import _native
from conftest import BASE_MS, iso, write_record


def test_version_matches_library() -> None:
    assert sequantlock.__version__ == sequantlock.library_version()
    major, minor, patch = (int(part) for part in sequantlock.__version__.split("."))
    assert _native.version_number() == major * 10000 + minor * 100 + patch


def test_defaults_are_exported() -> None:
    assert sequantlock.DEFAULT_STALE_AGE_MS == 2 * 3600 * 1000
    assert sequantlock.DEFAULT_SKILL_LOCK_TTL_MS == 6 * 3600 * 1000
    assert sequantlock.DEFAULT_MAX_LOCK_AGE_MS == 24 * 3600 * 1000
    assert sequantlock.DEFAULT_LOCKS_DIR == ".sequant/locks"


def test_typing_files_are_installed() -> None:
    package = Path(sequantlock.__file__).parent
    assert (package / "py.typed").exists()
    assert (package / "_native.pyi").exists()


def test_extension_loads_bundled_library() -> None:
    package = Path(sequantlock.__file__).resolve().parent
    with open("/proc/self/maps", encoding="utf-8") as maps:
        loaded = {line.split()[-1] for line in maps if "libsequantlock.so" in line}

    assert loaded
    assert {str(Path(path).parent) for path in loaded} == {str(package)}


@pytest.mark.parametrize("name", sequantlock.__all__)
def test_public_names_have_docstrings(name: str) -> None:
    obj = getattr(sequantlock, name)
    if isinstance(obj, (int, str)) or name == "Key":
        return
    assert inspect.getdoc(obj), name


def test_public_methods_have_docstrings() -> None:
    for name, member in inspect.getmembers(sequantlock.LockManager):
        if name.startswith("_"):
            continue
        assert inspect.getdoc(member), name


def test_result_classes_are_frozen_dataclasses() -> None:
    for cls in (sequantlock.AcquireResult, sequantlock.LockInfo, sequantlock.ClearResult,
                sequantlock.ReleaseResult, sequantlock.SignalResult, sequantlock.Holder):
        assert dataclasses.is_dataclass(cls)
        assert cls.__dataclass_params__.frozen  # type: ignore[attr-defined]


def test_holder_has_record_fields(manager) -> None:
    holder = manager.acquire(1).record
    names = [f.name for f in dataclasses.fields(holder)]

    assert names == ["pid", "hostname", "started_at", "command", "skip_pid_check", "token",
                     "process_start_time", "boot_id", "machine_id", "pid_namespace",
                     "schema_version", "record"]
    assert holder.schema_version == _native.SCHEMA_VERSION
    assert "record=" not in repr(holder)


def test_holder_to_json_original_fields(make_manager, locks_dir: Path) -> None:
    holder = make_manager(now=lambda: BASE_MS).acquire(2, "cmd").record

    compact = holder.to_json(compact=True, original_fields=True)

    assert compact == (
        '{"pid":%d,"hostname":"%s","startedAt":"%s","command":"cmd"}'
        % (holder.pid, holder.hostname, iso(BASE_MS))
    )


def test_hand_built_holder_round_trips() -> None:
    holder = sequantlock.Holder(pid=12, hostname="h", started_at=iso(BASE_MS), command="c",
                                skip_pid_check=True, token="t0", process_start_time=99,
                                boot_id="b", machine_id="m", pid_namespace=4026531836,
                                schema_version=1)

    assert sequantlock.Holder.from_json(holder.to_json()) == holder


def test_original_record_reads_without_new_fields(make_manager, locks_dir: Path) -> None:
    write_record(locks_dir, "3", startedAt=iso(BASE_MS), extraField="ignored")

    holder = make_manager(now=lambda: BASE_MS).check(3).holder

    assert holder == sequantlock.Holder(pid=4242, hostname="other-host", started_at=iso(BASE_MS),
                                        command="npx sequant fullsolve")


def test_resolve_locks_dir_explicit(tmp_path: Path) -> None:
    assert sequantlock.resolve_locks_dir(tmp_path / "x") == str(tmp_path / "x")


def test_resolve_locks_dir_environment(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SEQUANT_LOCKS_DIR", str(tmp_path / "env"))

    assert sequantlock.resolve_locks_dir() == str(tmp_path / "env")
    assert sequantlock.LockManager().locks_dir == str(tmp_path / "env")


def test_resolve_locks_dir_git_worktree_root(tmp_path: Path, monkeypatch) -> None:
    root = tmp_path / "repo"
    for part in ("objects", "refs"):
        (root / ".git" / part).mkdir(parents=True)
    (root / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (root / "src" / "deep").mkdir(parents=True)
    monkeypatch.chdir(root / "src" / "deep")

    assert sequantlock.resolve_locks_dir() == str(root / ".sequant" / "locks")


def test_resolve_locks_dir_outside_git(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)

    assert sequantlock.resolve_locks_dir() == str(tmp_path / ".sequant" / "locks")


def test_relative_locks_dir_is_absolute(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)

    manager = sequantlock.LockManager(locks_dir="rel")

    assert manager.locks_dir == str(tmp_path / "rel")
    assert repr(manager) == f"LockManager(locks_dir={str(tmp_path / 'rel')!r}, is_noop=False)"


def test_default_is_pid_alive() -> None:
    assert sequantlock.default_is_pid_alive(os.getpid()) is True
    assert sequantlock.default_is_pid_alive(0) is False
    assert sequantlock.default_is_pid_alive(-5) is False
