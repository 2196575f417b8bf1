"""Exceptions raised by sequantlock, and the one mapping from library codes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Dict, Optional, Type

if TYPE_CHECKING:
    from ._results import Holder

# Library return codes, as pinned by the error table in sequantlock.h.
ERR_INVALID_ARGUMENT = -1
ERR_INVALID_KEY = -2
ERR_IO = -3
ERR_NO_MEMORY = -4
ERR_CALLBACK = -5
ERR_RACE_LOST = -6
ERR_UNSUPPORTED = -7
ERR_TIMEOUT = -8
ERR_INTERNAL = -9


class Error(Exception):
    """Base class of every exception raised by sequantlock.

    ``code`` is the library's negative return code (``0`` for errors that
    do not come from a library call, such as :class:`LockHeldError`) and
    ``message`` the library's message, subject first.
    """

    code: int = 0

    def __init__(self, message: str, *, code: Optional[int] = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return self.message


class InvalidArgumentError(Error, ValueError):
    """An argument other than the key is invalid (for example a
    non-positive age or a malformed lock record)."""

    code = ERR_INVALID_ARGUMENT


class InvalidKeyError(Error, ValueError):
    """The key is neither a positive issue number nor a valid named key."""

    code = ERR_INVALID_KEY


class LockIOError(Error, OSError):
    """A file system operation failed.

    ``errno`` is the operating system's error number (``None`` when the
    library reported none) and ``filename`` the path concerned (``None``
    when none was reported).
    """

    code = ERR_IO

    def __init__(
        self,
        message: str,
        *,
        code: Optional[int] = None,
        os_errno: Optional[int] = None,
        filename: Optional[str] = None,
    ) -> None:
        OSError.__init__(self, os_errno, message, filename)
        self.message = message
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return self.message


class LockMemoryError(Error, MemoryError):
    """The library ran out of memory."""

    code = ERR_NO_MEMORY


class CallbackError(Error):
    """A callback reported failure without a Python exception to re-raise.

    An exception raised by a Python ``is_pid_alive`` or ``now`` callable is
    re-raised unchanged instead of this.
    """

    code = ERR_CALLBACK


class RaceLostError(Error):
    """Other processes kept taking the key faster than a force acquire could
    replace it."""

    code = ERR_RACE_LOST


class UnsupportedError(Error, NotImplementedError):
    """The operation is not supported on this system."""

    code = ERR_UNSUPPORTED


class LockTimeoutError(Error, TimeoutError):
    """A library operation timed out."""

    code = ERR_TIMEOUT

    def __init__(self, message: str, *, code: Optional[int] = None) -> None:
        TimeoutError.__init__(self, message)
        self.message = message
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return self.message


class InternalError(Error):
    """The library hit a state it considers impossible."""

    code = ERR_INTERNAL


class LockHeldError(Error):
    """The lock is held by another session (or by this process).

    ``holder`` is the current holder, or ``None`` when a corrupt lock file
    occupies the key. ``message`` is the canonical refusal shared with the
    command-line tool.
    """

    def __init__(
        self,
        message: str,
        *,
        key: str,
        holder: Optional["Holder"],
        lock_path: str,
    ) -> None:
        super().__init__(message)
        self.key = key
        self.holder = holder
        self.lock_path = lock_path


_CLASS_BY_CODE: Dict[int, Type[Error]] = {
    ERR_INVALID_ARGUMENT: InvalidArgumentError,
    ERR_INVALID_KEY: InvalidKeyError,
    ERR_IO: LockIOError,
    ERR_NO_MEMORY: LockMemoryError,
    ERR_CALLBACK: CallbackError,
    ERR_RACE_LOST: RaceLostError,
    ERR_UNSUPPORTED: UnsupportedError,
    ERR_TIMEOUT: LockTimeoutError,
    ERR_INTERNAL: InternalError,
}


def error_from_code(
    code: int,
    message: str,
    os_errno: Optional[int] = None,
    path: Optional[str] = None,
) -> Error:
    """Build the exception for a library return code.

    This is the only place codes become exception classes. A code the
    table does not know becomes a plain :class:`Error` carrying the code.
    """
    cls = _CLASS_BY_CODE.get(code, Error)
    if cls is LockIOError:
        return LockIOError(message, code=code, os_errno=os_errno, filename=path)
    return cls(message, code=code)
