"""Library log records reach logging.getLogger("sequantlock")."""

from __future__ import annotations

import logging
from pathlib import Path

from conftest import write_record


def test_stale_takeover_is_logged(make_manager, locks_dir: Path, caplog) -> None:
    write_record(locks_dir, "604", hostname="seam-host", pid=4242)
    manager = make_manager(hostname="seam-host", is_pid_alive=lambda pid: False)

    with caplog.at_level(logging.DEBUG, logger="sequantlock"):
        result = manager.acquire(604)

    assert result.stale_reason == "pid-dead"
    records = [r for r in caplog.records if r.name == "sequantlock"]
    assert records
    assert all(r.levelno in (logging.DEBUG, logging.INFO, logging.WARNING) for r in records)
    assert all(r.getMessage() for r in records)


def test_logger_has_null_handler() -> None:
    import sequantlock  # noqa: F401

    handlers = logging.getLogger("sequantlock").handlers
    assert any(isinstance(h, logging.NullHandler) for h in handlers)
