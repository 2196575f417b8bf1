"""Per-key lock files shared by cooperating processes.

sequantlock keeps two sessions of an issue-driven orchestrator from working
on the same key (an issue number or a name such as ``checkout``) at the same
time. A lock for key K is the file ``<locks dir>/K.lock`` holding a JSON
record of its holder. Every decision is made by ``libsequantlock``, the same
library the ``sequantlock`` command-line tool and the Node addon use, so all
of them agree::

    import sequantlock

    manager = sequantlock.LockManager()
    with manager.hold(604, command="fix the parser"):
        ...  # raises sequantlock.LockHeldError when another session holds 604

Log records of the library's decisions go to
``logging.getLogger("sequantlock")``.
"""

from __future__ import annotations

import os
from typing import Optional, Union

from . import _logging, _native
from ._errors import (
    CallbackError,
    Error,
    InternalError,
    InvalidArgumentError,
    InvalidKeyError,
    LockHeldError,
    LockIOError,
    LockMemoryError,
    LockTimeoutError,
    RaceLostError,
    UnsupportedError,
    error_from_code,
)
from ._manager import Key, LockManager, key_text, lock, locked_message
from ._results import (
    AcquireResult,
    ClearResult,
    Holder,
    LockInfo,
    ReleaseResult,
    SignalResult,
)

__version__: str = _native.HEADER_VERSION
"""The version of the sequantlock.h this package was built against."""

DEFAULT_STALE_AGE_MS: int = _native.DEFAULT_STALE_AGE_MS
"""Age after which a lock held on another host is stale: 2 hours."""
DEFAULT_SKILL_LOCK_TTL_MS: int = _native.DEFAULT_SKILL_LOCK_TTL_MS
"""Age after which a skip-PID-check lock is stale: 6 hours."""
DEFAULT_MAX_LOCK_AGE_MS: int = _native.DEFAULT_MAX_LOCK_AGE_MS
"""Age after which any lock is stale unless its holder is proved alive:
24 hours."""
DEFAULT_LOCKS_DIR: str = _native.DEFAULT_LOCKS_DIR
"""The directory, relative to a repository root, that holds the locks."""

_logging.install()


def library_version() -> str:
    """Return the version of the loaded libsequantlock, such as ``"0.1.0"``."""
    return _native.version()


def validate_key(key: Key) -> str:
    """Check a key and return it as text.

    Raises :class:`InvalidKeyError` unless ``key`` is a positive issue
    number (without sign, spaces or leading zeros) or a named key matching
    ``[A-Za-z0-9][A-Za-z0-9._-]{0,127}`` that does not end in ``.lock``.
    """
    text = key_text(key)
    _native.validate_key(text)
    return text


def is_issue_key(key: Key) -> bool:
    """Return whether ``key`` is a valid issue key (a positive integer)."""
    return _native.key_is_issue(key_text(key))


def resolve_locks_dir(explicit: Optional[Union[str, "os.PathLike[str]"]] = None) -> str:
    """Resolve the locks directory as a manager without ``locks_dir`` would.

    ``explicit`` wins when given and not empty, then ``SEQUANT_LOCKS_DIR``,
    then ``.sequant/locks`` under the root shared by every worktree of the
    enclosing git repository, then ``.sequant/locks`` under the current
    directory. The result is absolute; nothing is created and git is not
    run.
    """
    path = None if explicit is None else os.fsdecode(os.fspath(explicit))
    return _native.resolve_locks_dir(path)


def is_orchestrator_mode() -> bool:
    """Return whether ``SEQUANT_ORCHESTRATOR`` is set to a non-empty value."""
    return _native.orchestrator_mode_from_env()


def default_is_pid_alive(pid: int) -> bool:
    """Probe a process with ``kill(pid, 0)``: ``True`` when it exists
    (``EPERM`` counts as existing), ``False`` when it does not or ``pid`` is
    not a positive process id."""
    return _native.default_is_pid_alive(pid)


__all__ = [
    "AcquireResult",
    "CallbackError",
    "ClearResult",
    "DEFAULT_LOCKS_DIR",
    "DEFAULT_MAX_LOCK_AGE_MS",
    "DEFAULT_SKILL_LOCK_TTL_MS",
    "DEFAULT_STALE_AGE_MS",
    "Error",
    "Holder",
    "InternalError",
    "InvalidArgumentError",
    "InvalidKeyError",
    "Key",
    "LockHeldError",
    "LockIOError",
    "LockInfo",
    "LockManager",
    "LockMemoryError",
    "LockTimeoutError",
    "RaceLostError",
    "ReleaseResult",
    "SignalResult",
    "UnsupportedError",
    "default_is_pid_alive",
    "error_from_code",
    "is_issue_key",
    "is_orchestrator_mode",
    "library_version",
    "lock",
    "locked_message",
    "resolve_locks_dir",
    "validate_key",
]
