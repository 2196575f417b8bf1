"""Fixtures shared by the sequantlock binding tests."""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any, Callable, Iterator, Optional

import pytest

import sequantlock

ENVIRONMENT_VARIABLES = (
    "SEQUANT_ORCHESTRATOR",
    "SEQUANT_LOCKS_DIR",
    "SEQUANT_SKILL_LOCK_TTL_MS",
    "SEQUANT_MAX_LOCK_AGE_MS",
)

# A fixed clock reading for tests that drive time through the `now` seam:
# 2026-05-10T14:32:00.000Z.
BASE_MS = 1778423520000


def iso(ms: int) -> str:
    """Format epoch milliseconds the way lock records store them."""
    moment = datetime.datetime.fromtimestamp(ms / 1000, tz=datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the caller's SEQUANT_* settings out of every test."""
    for name in ENVIRONMENT_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def locks_dir(tmp_path: Path) -> Path:
    """A locks directory that does not exist yet."""
    return tmp_path / "locks"


@pytest.fixture
def make_manager(locks_dir: Path) -> Callable[..., sequantlock.LockManager]:
    """Build managers on the test's locks directory."""

    def make(**options: Any) -> sequantlock.LockManager:
        options.setdefault("locks_dir", locks_dir)
        return sequantlock.LockManager(**options)

    return make


@pytest.fixture
def manager(make_manager: Callable[..., sequantlock.LockManager]) -> sequantlock.LockManager:
    return make_manager()


def write_record(locks_dir: Path, key: str, **fields: Any) -> Path:
    """Write a lock file as another process (or the TypeScript original)
    would, with the record's camelCase field names. ``startedAt`` defaults
    to the real current time."""
    record = {
        "pid": 4242,
        "hostname": "other-host",
        "startedAt": iso(int(time.time() * 1000)),
        "command": "npx sequant fullsolve",
    }
    record.update(fields)
    locks_dir.mkdir(parents=True, exist_ok=True)
    path = locks_dir / f"{key}.lock"
    path.write_text(json.dumps(record, indent=2))
    return path


def age_file(path: Path, seconds: float) -> None:
    """Move a file's mtime into the past."""
    stat = path.stat()
    os.utime(path, (stat.st_atime - seconds, stat.st_mtime - seconds))


def run_python(code: str, *args: str, **kwargs: Any) -> subprocess.CompletedProcess:
    """Run Python code in a fresh interpreter that imports this package."""
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        capture_output=True,
        text=True,
        timeout=120,
        **kwargs,
    )


HOLDER_SCRIPT = """
import json, sys, time
import sequantlock

manager = sequantlock.LockManager(locks_dir=sys.argv[1])
result = manager.acquire(sys.argv[2], command=sys.argv[3])
print(json.dumps({"acquired": result.acquired, "record": result.record.record if result.record else None}), flush=True)
sys.stdin.readline()
manager.release(sys.argv[2])
"""


class HolderProcess:
    """A Python process that holds one lock until a line arrives on its stdin."""

    def __init__(self, locks_dir: Path, key: str, command: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", HOLDER_SCRIPT, str(locks_dir), key, command],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        self.report = json.loads(line)

    @property
    def pid(self) -> int:
        return self.process.pid

    def finish(self) -> int:
        """Ask the holder to release and exit; return its exit status."""
        assert self.process.stdin is not None
        try:
            self.process.stdin.write("\n")
            self.process.stdin.flush()
        except BrokenPipeError:
            pass
        return self.process.wait(timeout=60)

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(timeout=60)


@pytest.fixture
def holder_process(locks_dir: Path) -> Iterator[Callable[..., HolderProcess]]:
    """Start Python processes that hold locks; they are stopped afterwards."""
    started = []

    def start(key: str, command: str = "holder") -> HolderProcess:
        holder = HolderProcess(locks_dir, key, command)
        started.append(holder)
        return holder

    yield start
    for holder in started:
        if holder.process.poll() is None:
            holder.kill()


def cli_path() -> Optional[str]:
    return os.environ.get("SEQUANTLOCK_CLI") or None
