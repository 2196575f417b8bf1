"""Key conversion and validation."""

from __future__ import annotations

from pathlib import Path

import pytest

import sequantlock
from sequantlock import _native

INVALID_KEYS = [0, -1, "", "0", "007", "+5", " 5", "5 ", "-3", "a b", "x.lock", ".hidden",
                "_under", "a/b", "../up", "é", "a" * 129, "604\0"]
VALID_KEYS = [1, 604, "604", "checkout", "a", "A-b_c.d", "a" * 128]


@pytest.mark.parametrize("key", INVALID_KEYS)
def test_invalid_key_raises_invalid_key_error(manager, key) -> None:
    with pytest.raises(sequantlock.InvalidKeyError) as caught:
        manager.acquire(key)

    assert isinstance(caught.value, ValueError)
    assert isinstance(caught.value, sequantlock.Error)
    assert caught.value.code == _native.ERROR_CODES["INVALID_KEY"]


@pytest.mark.parametrize("key", INVALID_KEYS)
def test_invalid_key_touches_no_file(manager, locks_dir: Path, key) -> None:
    for operation in (manager.acquire, manager.force_acquire, manager.check, manager.release,
                      manager.release_external, manager.clear, manager.lock_path):
        with pytest.raises(sequantlock.InvalidKeyError):
            operation(key)

    assert not locks_dir.exists()


@pytest.mark.parametrize("key", VALID_KEYS)
def test_valid_key_round_trips(manager, key) -> None:
    assert sequantlock.validate_key(key) == str(key)
    assert manager.lock_path(key).endswith(f"/{key}.lock")


@pytest.mark.parametrize("key", [1.0, None, b"604", True, ["604"]])
def test_key_of_wrong_type_raises_type_error(manager, key) -> None:
    with pytest.raises(TypeError):
        manager.acquire(key)


def test_is_issue_key() -> None:
    assert sequantlock.is_issue_key(604) is True
    assert sequantlock.is_issue_key("604") is True
    assert sequantlock.is_issue_key("checkout") is False
    assert sequantlock.is_issue_key("0604") is False


def test_lock_path_is_inside_locks_dir(manager, locks_dir: Path) -> None:
    assert manager.lock_path(604) == str(locks_dir / "604.lock")
    assert manager.lock_path("checkout") == str(locks_dir / "checkout.lock")
    assert not locks_dir.exists()
