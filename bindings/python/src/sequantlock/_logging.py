"""Forwarding of the library's log records to ``logging``."""

from __future__ import annotations

import atexit
import logging

from . import _native

logger = logging.getLogger("sequantlock")
"""The logger that receives the library's decisions, such as
``cleared stale lock 604: pid-dead``. The library's levels are the standard
``DEBUG``, ``INFO`` and ``WARNING``."""

# A library leaves handler configuration to the application; without this,
# Python's last-resort handler would print warnings to stderr.
logger.addHandler(logging.NullHandler())


def _emit(level: int, message: str) -> None:
    if logger.isEnabledFor(level):
        logger.log(level, "%s", message)


def install() -> None:
    """Route the library's process-wide log callback to :data:`logger`."""
    _native.set_log_handler(_emit)
    # The callback must be gone before the interpreter shuts down, because
    # it needs the interpreter to run.
    atexit.register(_native.set_log_handler, None)
