"""Error classes, the code-to-class mapping and I/O failures."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

import sequantlock
from sequantlock import _native

EXPECTED = {
    "INVALID_ARGUMENT": (sequantlock.InvalidArgumentError, ValueError),
    "INVALID_KEY": (sequantlock.InvalidKeyError, ValueError),
    "IO": (sequantlock.LockIOError, OSError),
    "NO_MEMORY": (sequantlock.LockMemoryError, MemoryError),
    "CALLBACK": (sequantlock.CallbackError, sequantlock.Error),
    "RACE_LOST": (sequantlock.RaceLostError, sequantlock.Error),
    "UNSUPPORTED": (sequantlock.UnsupportedError, NotImplementedError),
    "TIMEOUT": (sequantlock.LockTimeoutError, TimeoutError),
    "INTERNAL": (sequantlock.InternalError, sequantlock.Error),
}


def test_every_library_code_has_a_class() -> None:
    assert set(_native.ERROR_CODES) == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_error_from_code_maps_class(name: str) -> None:
    cls, builtin = EXPECTED[name]
    code = _native.ERROR_CODES[name]

    error = sequantlock.error_from_code(code, "message text")

    assert type(error) is cls
    assert isinstance(error, sequantlock.Error)
    assert isinstance(error, builtin)
    assert error.code == code
    assert error.message == "message text"
    assert str(error) == "message text"


def test_unknown_code_maps_to_base_error() -> None:
    error = sequantlock.error_from_code(-99, "odd")

    assert type(error) is sequantlock.Error
    assert error.code == -99


def test_io_error_carries_errno_and_filename() -> None:
    error = sequantlock.error_from_code(_native.ERROR_CODES["IO"], "m", errno.EACCES, "/x")

    assert error.errno == errno.EACCES
    assert error.filename == "/x"


def test_lock_held_error_is_error() -> None:
    assert issubclass(sequantlock.LockHeldError, sequantlock.Error)


def test_acquire_under_file_raises_lock_io_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    manager = sequantlock.LockManager(locks_dir=blocker / "locks")

    with pytest.raises(sequantlock.LockIOError) as caught:
        manager.acquire(1)

    assert isinstance(caught.value, OSError)
    assert caught.value.code == _native.ERROR_CODES["IO"]
    assert caught.value.errno == errno.ENOTDIR
    assert caught.value.filename is not None
    assert caught.value.filename.startswith(str(blocker))


@pytest.mark.parametrize(
    "options",
    [
        {"stale_age_ms": 0},
        {"stale_age_ms": -5},
        {"skill_lock_ttl_ms": 0},
        {"max_lock_age_ms": -1},
        {"pid": -1},
        {"hostname": "bad\0host"},
        {"locks_dir": "bad\0dir"},
    ],
)
def test_invalid_option_raises_invalid_argument(tmp_path: Path, options) -> None:
    options.setdefault("locks_dir", tmp_path)

    with pytest.raises(sequantlock.InvalidArgumentError) as caught:
        sequantlock.LockManager(**options)

    assert isinstance(caught.value, ValueError)
    assert caught.value.code == _native.ERROR_CODES["INVALID_ARGUMENT"]


@pytest.mark.parametrize("options", [{"stale_age_ms": 1.5}, {"pid": "1"}, {"max_lock_age_ms": True}])
def test_option_of_wrong_type_raises_type_error(tmp_path: Path, options) -> None:
    with pytest.raises(TypeError):
        sequantlock.LockManager(locks_dir=tmp_path, **options)


def test_command_with_nul_raises_invalid_argument(manager, locks_dir: Path) -> None:
    with pytest.raises(sequantlock.InvalidArgumentError):
        manager.acquire(1, "run\0hidden")

    assert not locks_dir.exists()


def test_holder_from_invalid_json_raises_invalid_argument() -> None:
    for text in ("", "{", '{"pid": 0, "hostname": "h", "startedAt": "s", "command": "c"}', "[]"):
        with pytest.raises(sequantlock.InvalidArgumentError):
            sequantlock.Holder.from_json(text)
