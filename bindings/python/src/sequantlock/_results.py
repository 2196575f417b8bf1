"""Typed results returned by :class:`sequantlock.LockManager`."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

from . import _native


@dataclass(frozen=True)
class Holder:
    """A lock record: who holds a key.

    The first five fields are the ones the TypeScript original writes;
    the others are ``None`` in records that lack them.
    """

    pid: int
    """The holder's process id."""
    hostname: str
    """The holder's host name."""
    started_at: str
    """When the lock was taken, normally ISO-8601 UTC with milliseconds."""
    command: str
    """The command the holder is running, for people to read."""
    skip_pid_check: bool = False
    """Whether the holder cannot vouch for its PID (a shell that exits
    right after acquiring)."""
    token: Optional[str] = None
    """The random owner token, used by ``release(key, token=...)``."""
    process_start_time: Optional[int] = None
    """The holder process's start time in kernel clock ticks since boot."""
    boot_id: Optional[str] = None
    """The boot id of the holder's kernel."""
    machine_id: Optional[str] = None
    """The machine id of the holder's machine."""
    pid_namespace: Optional[int] = None
    """The inode number of the holder's PID namespace."""
    schema_version: Optional[int] = None
    """The record's schema version."""
    record: str = field(default="", repr=False, compare=False)
    """The record as JSON text, exactly as the lock file holds it; empty for
    a holder built by hand."""

    @classmethod
    def from_json(cls, text: str) -> "Holder":
        """Parse a lock record with the rules used for lock files.

        Raises :class:`InvalidArgumentError` when ``text`` is not a valid
        record.
        """
        return cls(**_native.parse_holder(text))

    def to_json(self, *, compact: bool = False, original_fields: bool = False) -> str:
        """Serialise the record as the library writes it.

        Without flags the text is byte for byte what a lock file holds.
        ``compact`` gives one line without spaces; ``original_fields`` keeps
        only the five fields the TypeScript original defines.
        """
        return _native.holder_to_json(
            self._record_json(), compact=compact, original_fields=original_fields
        )

    def _record_json(self) -> str:
        """Return JSON the library can parse back into this holder."""
        if self.record:
            return self.record
        return _json_from_fields(self)


def _json_from_fields(holder: Holder) -> str:
    """Build the lock file record of a holder made by hand.

    Field names are the record's camelCase ones; fields that are ``None``
    (or false, for ``skipPidCheck``) are left out, as the library does.
    """
    names = {
        "pid": "pid",
        "hostname": "hostname",
        "started_at": "startedAt",
        "command": "command",
        "skip_pid_check": "skipPidCheck",
        "token": "token",
        "process_start_time": "processStartTime",
        "boot_id": "bootId",
        "machine_id": "machineId",
        "pid_namespace": "pidNamespace",
        "schema_version": "schemaVersion",
    }
    record = {}
    for attribute, name in names.items():
        value = getattr(holder, attribute)
        if value is None or value is False:
            continue
        record[name] = value
    return json.dumps(record)


@dataclass(frozen=True)
class AcquireResult:
    """The outcome of :meth:`LockManager.acquire` or
    :meth:`LockManager.force_acquire`."""

    key: str
    """The requested key, as text."""
    acquired: bool
    """Whether this call took the lock."""
    lock_path: str
    """The lock file's absolute path; empty in orchestrator mode."""
    holder: Optional[Holder] = None
    """The holder that kept the lock when not acquired; ``None`` when
    acquired or when a corrupt file still inside its grace time occupies
    the key."""
    corrupt: bool = False
    """Whether a corrupt lock file kept the lock."""
    record: Optional[Holder] = None
    """The record this call wrote, when acquired."""
    token: Optional[str] = None
    """The owner token of the record written, when acquired."""
    replaced: bool = False
    """Whether a previous lock was removed to take this one: a stale lock,
    or any lock under force."""
    previous: Optional[Holder] = None
    """The removed lock's holder; ``None`` when none was removed or it was
    corrupt."""
    stale_reason: Optional[str] = None
    """The reason the removed lock was stale (``"pid-dead"``, ``"age-exceeded"``,
    ...); ``None`` when nothing stale was removed."""
    forced: bool = False
    """Whether the result came from a force acquire."""
    waited_ms: int = 0
    """How long the call waited for the lock, in milliseconds; 0 without
    ``wait``."""


@dataclass(frozen=True)
class LockInfo:
    """One lock file as seen by :meth:`LockManager.check` or
    :meth:`LockManager.list`."""

    key: str
    """The key (``"604"``, ``"checkout"``)."""
    lock_path: str
    """The lock file's absolute path."""
    holder: Optional[Holder]
    """The holder, or ``None`` when the file is corrupt."""
    corrupt: bool
    """Whether the file cannot be read as a lock record."""
    age_ms: int
    """The lock's age in milliseconds."""
    stale: bool
    """Whether the next acquire would remove this lock."""
    stale_reason: Optional[str]
    """The reason it is stale, or ``None`` when fresh."""

    @property
    def issue(self) -> Optional[int]:
        """The issue number for an issue key, else ``None``."""
        return int(self.key) if _native.key_is_issue(self.key) else None


@dataclass(frozen=True)
class ClearResult:
    """The outcome of :meth:`LockManager.clear`."""

    cleared: bool
    """Whether the lock file was removed."""
    reason: str
    """``"cleared"``, ``"no-lock"``, ``"fresh-same-host-alive"`` or
    ``"orchestrator-mode"``."""
    info: Optional[LockInfo] = None
    """The lock that was found, cleared or refused; ``None`` when none was."""


@dataclass(frozen=True)
class ReleaseResult:
    """The outcome of the release methods."""

    released: bool
    """Whether a lock file was removed."""
    reason: str
    """``"released"``, ``"no-lock"``, ``"not-owner"``, ``"cross-host"``,
    ``"token-mismatch"``, ``"corrupt"`` or ``"orchestrator-mode"``."""


@dataclass(frozen=True)
class SignalResult:
    """The outcome of :meth:`LockManager.signal_other`."""

    sent: bool
    """Whether the signal was sent."""
    reason: str
    """``"sent"`` or why not (``"cross-host"``, ``"pid-dead"``, ...)."""


def _holder_from_native(data: Optional[Mapping[str, Any]]) -> Optional[Holder]:
    if data is None:
        return None
    return Holder(**data)


def _lock_info_from_native(data: Optional[Mapping[str, Any]]) -> Optional[LockInfo]:
    if data is None:
        return None
    values = dict(data)
    values["holder"] = _holder_from_native(values["holder"])
    return LockInfo(**values)


def _acquire_result_from_native(key: str, data: Mapping[str, Any]) -> AcquireResult:
    values = dict(data)
    for name in ("holder", "record", "previous"):
        values[name] = _holder_from_native(values[name])
    return AcquireResult(key=key, **values)


def _clear_result_from_native(data: Mapping[str, Any]) -> ClearResult:
    return ClearResult(
        cleared=data["cleared"],
        reason=data["reason"],
        info=_lock_info_from_native(data["info"]),
    )


__all__ = [
    "AcquireResult",
    "ClearResult",
    "Holder",
    "LockInfo",
    "ReleaseResult",
    "SignalResult",
]
