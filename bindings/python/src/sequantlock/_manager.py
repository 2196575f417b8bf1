"""The lock manager and its context managers."""

from __future__ import annotations

import contextlib
import math
import numbers
import os
import signal as _signal
from typing import Any, Callable, Iterator, List, Optional, Union

from . import _native
from ._errors import ERR_INVALID_ARGUMENT, ERR_INVALID_KEY, LockHeldError, error_from_code
from ._results import (
    AcquireResult,
    ClearResult,
    Holder,
    LockInfo,
    ReleaseResult,
    SignalResult,
    _acquire_result_from_native,
    _clear_result_from_native,
    _lock_info_from_native,
)

Key = Union[int, str]
"""A lock key: a positive issue number, or a named key such as ``"checkout"``."""

PathLike = Union[str, "os.PathLike[str]"]


def key_text(key: Key) -> str:
    """Convert a key to the text the library uses.

    Integers become their decimal form, so ``604`` and ``"604"`` name the
    same lock. The library validates the result.
    """
    if isinstance(key, bool) or not isinstance(key, (int, str)):
        raise TypeError(
            f"lock key must be an int issue number or a str, not {type(key).__name__}"
        )
    if isinstance(key, int):
        return str(key)
    if "\0" in key:
        raise error_from_code(
            ERR_INVALID_KEY, f"invalid lock key {key!r}: contains a NUL character"
        )
    return key


# The largest wait in milliseconds that the C API's int64_t timeout holds.
_MAX_WAIT_MS = 2**63 - 1


def _wait_ms(wait: Optional[float]) -> int:
    """Convert a ``wait`` in seconds to the native timeout in milliseconds.

    Returns 0 for no wait and -1 for no time limit. A positive wait is
    rounded up to whole milliseconds, so it never becomes "no wait".
    """
    if wait is None:
        return 0
    if isinstance(wait, bool) or not isinstance(wait, numbers.Real):
        raise TypeError(f"wait must be a number of seconds, not {type(wait).__name__}")
    seconds = float(wait)
    if math.isnan(seconds) or seconds < 0:
        raise error_from_code(
            ERR_INVALID_ARGUMENT,
            f"invalid wait {wait!r}: must be 0 or a positive number of seconds, "
            "or math.inf to wait without a time limit",
        )
    if math.isinf(seconds):
        return -1
    ms = math.ceil(seconds * 1000)
    if ms > _MAX_WAIT_MS:
        raise error_from_code(
            ERR_INVALID_ARGUMENT,
            f"invalid wait {wait!r}: larger than {_MAX_WAIT_MS // 1000} seconds; "
            "use math.inf to wait without a time limit",
        )
    return ms


def _reject_wait_with_force(force: bool, wait: Optional[float]) -> None:
    if force and _wait_ms(wait) != 0:
        raise error_from_code(
            ERR_INVALID_ARGUMENT,
            f"invalid wait {wait!r}: force takes the lock at once and cannot wait",
        )


def _optional_path(value: Optional[PathLike]) -> Optional[str]:
    return None if value is None else os.fsdecode(os.fspath(value))


def _optional_int(name: str, value: Optional[int], unit: str) -> Optional[int]:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int {unit}, not {type(value).__name__}")
    return value


def _optional_callable(name: str, value: Optional[Callable[..., Any]]) -> Any:
    if value is not None and not callable(value):
        raise TypeError(f"{name} must be callable, not {type(value).__name__}")
    return value


def locked_message(key: Key, holder: Optional[Holder]) -> str:
    """Format the canonical refusal for ``key`` held by ``holder``.

    The text is the one the command-line tool prints, for example
    ``Issue #604 is being worked on by PID 12345 since ... Use --force to
    take over, or wait for the other session.`` A ``None`` holder (a corrupt
    lock file) is described as an unreadable lock.
    """
    record = None if holder is None else holder._record_json()
    return _native.format_locked_message(key_text(key), record)


class LockManager:
    """Takes and releases per-key lock files in one locks directory.

    Every argument is optional. ``locks_dir`` defaults to
    ``SEQUANT_LOCKS_DIR``, then ``.sequant/locks`` under the root of the
    enclosing git repository (shared by its worktrees), then
    ``.sequant/locks`` under the current directory. It is resolved now and
    created on the first write. The three ages are in milliseconds.
    ``orchestrator_mode`` defaults to whether ``SEQUANT_ORCHESTRATOR`` is set
    to a non-empty value, and turns every operation into a no-op.

    ``hostname``, ``pid``, ``boot_id`` and ``machine_id`` replace the values
    recorded and compared. ``is_pid_alive(pid) -> bool`` replaces the
    liveness probe, and its answer is final. ``now() -> int | float`` returns
    the current time in milliseconds since the Unix epoch. An exception
    raised by either callable propagates unchanged from the method that
    needed it, and no lock file is changed.

    A manager may be shared by threads. The GIL is released while the
    library works on files.
    """

    def __init__(
        self,
        locks_dir: Optional[PathLike] = None,
        stale_age_ms: Optional[int] = None,
        skill_lock_ttl_ms: Optional[int] = None,
        max_lock_age_ms: Optional[int] = None,
        orchestrator_mode: Optional[bool] = None,
        hostname: Optional[str] = None,
        pid: Optional[int] = None,
        is_pid_alive: Optional[Callable[[int], object]] = None,
        now: Optional[Callable[[], Union[int, float]]] = None,
        *,
        boot_id: Optional[str] = None,
        machine_id: Optional[str] = None,
    ) -> None:
        self._native = _native.Manager(
            locks_dir=_optional_path(locks_dir),
            stale_age_ms=_optional_int("stale_age_ms", stale_age_ms, "of milliseconds"),
            skill_lock_ttl_ms=_optional_int("skill_lock_ttl_ms", skill_lock_ttl_ms, "of milliseconds"),
            max_lock_age_ms=_optional_int("max_lock_age_ms", max_lock_age_ms, "of milliseconds"),
            orchestrator_mode=None if orchestrator_mode is None else bool(orchestrator_mode),
            hostname=hostname,
            pid=_optional_int("pid", pid, "process id"),
            is_pid_alive=_optional_callable("is_pid_alive", is_pid_alive),
            now=_optional_callable("now", now),
            boot_id=boot_id,
            machine_id=machine_id,
        )

    def __repr__(self) -> str:
        return f"LockManager(locks_dir={self.locks_dir!r}, is_noop={self.is_noop!r})"

    def __enter__(self) -> "LockManager":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release_all()

    @property
    def locks_dir(self) -> str:
        """The absolute locks directory."""
        return self._native.locks_dir

    @property
    def is_noop(self) -> bool:
        """Whether the manager is in orchestrator mode, where every
        operation is a no-op."""
        return self._native.is_noop

    def lock_path(self, key: Key) -> str:
        """Return the lock file path of ``key``. Raises
        :class:`InvalidKeyError` for an invalid key."""
        return self._native.lock_path(key_text(key))

    def acquire(
        self,
        key: Key,
        command: Optional[str] = None,
        *,
        skip_pid_check: bool = False,
        wait: Optional[float] = None,
    ) -> AcquireResult:
        """Take the lock for ``key``, waiting up to ``wait`` seconds while it
        is held.

        A stale lock in the way is removed, and the result names it and the
        reason. A fresh one is left alone and the result carries its holder.
        Locks are not re-entrant: a second acquire of a key this process
        holds is refused with this process as the holder. ``command`` is
        recorded for people to read (default ``"unknown"``).
        ``skip_pid_check`` records that the holder cannot vouch for its PID,
        so the lock is judged by age alone.

        ``wait`` is ``None`` or ``0`` for a single attempt, a positive number
        of seconds, or ``math.inf`` for no time limit. The wait is woken by
        the lock file's removal and by the exit of a holder on this host, and
        re-checks at least every second for locks that expire by age. The
        calling thread blocks with the GIL released, and a signal handler
        that raises (``KeyboardInterrupt`` on Ctrl-C) ends the wait with its
        exception: the wait runs in slices of at most 200 ms and the handlers
        run between them. When the time runs out the result is a refusal
        carrying the holder, not an exception, and its ``waited_ms`` is how
        long the call waited.

        Raises :class:`InvalidKeyError`, :class:`LockIOError`, or whatever a
        seam callable raised; :class:`InvalidArgumentError` (a
        ``ValueError``) for a negative or NaN ``wait`` and ``TypeError`` for
        one that is not a number, before any file is touched.
        """
        text = key_text(key)
        wait_ms = _wait_ms(wait)
        data = self._native.acquire(text, command, skip_pid_check, False, wait_ms)
        return _acquire_result_from_native(text, data)

    def force_acquire(
        self, key: Key, command: Optional[str] = None, *, skip_pid_check: bool = False
    ) -> AcquireResult:
        """Take the lock for ``key`` whatever holds it.

        The result's ``previous`` is the holder that was replaced. No process
        is signalled; use :meth:`signal_other` for that. Raises as :meth:`acquire` does,
        and :class:`RaceLostError` when other processes kept taking the key
        faster than it could be replaced.
        """
        text = key_text(key)
        data = self._native.acquire(text, command, skip_pid_check, True, 0)
        return _acquire_result_from_native(text, data)

    def signal_other(self, holder: Holder, signal: int = _signal.SIGTERM) -> SignalResult:
        """Send ``signal`` to a previous holder when that is safe.

        The signal is sent only when the holder is on this host and in this
        PID namespace, alive, not this process or its parent, not a
        skip-PID-check holder, and provably the process that took the lock.
        The result's ``reason`` names the check that stopped it.
        """
        if not isinstance(holder, Holder):
            raise TypeError(f"holder must be a Holder, not {type(holder).__name__}")
        sent, reason = self._native.signal_other(holder._record_json(), int(signal))
        return SignalResult(sent=sent, reason=reason)

    def release(self, key: Key, *, token: Optional[str] = None) -> ReleaseResult:
        """Remove the lock for ``key`` if this manager owns it.

        Without ``token`` the lock is removed when this manager took it, or
        when it was written without a token by this pid on this host. With
        ``token`` it is removed only when its owner token matches.
        Idempotent.
        """
        text = key_text(key)
        if token is None:
            reason = self._native.release(text)
        else:
            reason = self._native.release_token(text, token)
        return ReleaseResult(released=reason == "released", reason=reason)

    def release_external(self, key: Key) -> ReleaseResult:
        """Remove a lock held on this host when it is a skip-PID-check lock
        or its pid is this manager's pid.

        This is the release used by shells that acquired with
        ``skip_pid_check`` and have since exited.
        """
        reason = self._native.release_external(key_text(key))
        return ReleaseResult(released=reason == "released", reason=reason)

    def release_all(self) -> int:
        """Release every lock this manager took and still holds.

        Returns how many files were removed. Carries on past a failure and
        raises the first one afterwards.
        """
        return self._native.release_all()

    def check(self, key: Key) -> Optional[LockInfo]:
        """Read the lock for ``key`` without changing anything.

        Returns ``None`` when there is no lock file. A stale leftover is
        returned with ``stale`` set.
        """
        return _lock_info_from_native(self._native.check(key_text(key)))

    def list(self) -> List[LockInfo]:
        """List every lock in the directory, sorted by key: issue numbers in
        numeric order, then named keys.

        A missing directory gives an empty list. Raises :class:`LockIOError`
        when the directory cannot be read or is not a directory.
        """
        return [_lock_info_from_native(entry) for entry in self._native.list()]  # type: ignore[misc]

    def clear(self, key: Key, *, force: bool = False) -> ClearResult:
        """Remove the lock for ``key``. Without ``force`` a fresh lock is
        kept and the result's reason is ``"fresh-same-host-alive"``."""
        return _clear_result_from_native(self._native.clear(key_text(key), force))

    def classify(self, holder: Holder) -> Optional[str]:
        """Return why ``holder`` would be stale under this manager's rules,
        or ``None`` when it is fresh."""
        if not isinstance(holder, Holder):
            raise TypeError(f"holder must be a Holder, not {type(holder).__name__}")
        return self._native.classify(holder._record_json())

    @contextlib.contextmanager
    def hold(
        self,
        key: Key,
        command: Optional[str] = None,
        *,
        skip_pid_check: bool = False,
        force: bool = False,
        wait: Optional[float] = None,
    ) -> Iterator[AcquireResult]:
        """Hold the lock for ``key`` for the duration of a ``with`` block.

        ``wait`` is as for :meth:`acquire`. Raises :class:`LockHeldError`
        when another holder keeps the lock, after waiting when ``wait`` is
        given (never with ``force``, which takes over at once and cannot be
        combined with a wait). The lock is released however the block
        ends, including by ``KeyboardInterrupt``. The release uses the owner
        token, so a lock that someone else took over in the meantime is left
        alone.
        """
        _reject_wait_with_force(force, wait)
        if force:
            result = self.force_acquire(key, command, skip_pid_check=skip_pid_check)
        else:
            result = self.acquire(key, command, skip_pid_check=skip_pid_check, wait=wait)
        if not result.acquired:
            raise LockHeldError(
                locked_message(result.key, result.holder),
                key=result.key,
                holder=result.holder,
                lock_path=result.lock_path,
            )
        try:
            yield result
        finally:
            if result.token:
                self.release(result.key, token=result.token)
            else:
                self.release(result.key)


@contextlib.contextmanager
def lock(
    key: Key,
    command: Optional[str] = None,
    *,
    skip_pid_check: bool = False,
    force: bool = False,
    wait: Optional[float] = None,
    **manager_options: Any,
) -> Iterator[AcquireResult]:
    """Hold the lock for ``key`` with a new :class:`LockManager`.

    ``manager_options`` are passed to :class:`LockManager` (for example
    ``locks_dir=``). Behaves as :meth:`LockManager.hold`, including
    ``wait``.
    """
    manager = LockManager(**manager_options)
    with manager.hold(
        key, command, skip_pid_check=skip_pid_check, force=force, wait=wait
    ) as result:
        yield result
