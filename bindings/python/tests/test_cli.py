"""Contention between this binding and the sequantlock command-line tool.

The tool's path comes from SEQUANTLOCK_CLI; without it these tests are
skipped.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

import pytest

import sequantlock
from conftest import ENVIRONMENT_VARIABLES, cli_path

EXIT_OK = 0
EXIT_HELD = 1


@pytest.fixture
def cli() -> str:
    path = cli_path()
    if path is None:
        pytest.skip("SEQUANTLOCK_CLI is not set to the sequantlock command-line tool")
    assert os.access(path, os.X_OK), f"SEQUANTLOCK_CLI={path!r} is not an executable file"
    return path


def cli_env() -> Dict[str, str]:
    env = dict(os.environ)
    for name in ENVIRONMENT_VARIABLES:
        env.pop(name, None)
    env["NO_COLOR"] = "1"
    return env


def run_cli(cli: str, locks_dir: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [cli, "--locks-dir", str(locks_dir), *args],
        capture_output=True,
        text=True,
        env=cli_env(),
        timeout=60,
    )


def run_cli_json(cli: str, locks_dir: Path, *args: str):
    completed = run_cli(cli, locks_dir, *args, "--json")
    return completed.returncode, json.loads(completed.stdout)


@pytest.fixture
def pid_owner():
    """A live process whose pid the CLI records as the holder."""
    process = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"],
                               stdin=subprocess.PIPE)
    yield process
    if process.poll() is None:
        process.kill()
        process.wait()


def compact(holder: sequantlock.Holder) -> dict:
    return json.loads(holder.to_json(compact=True))


def test_python_holder_refuses_cli(cli, manager, locks_dir: Path) -> None:
    record = manager.acquire(604, "python holder").record

    completed = run_cli(cli, locks_dir, "acquire", "604", "--command", "cli")

    assert completed.returncode == EXIT_HELD
    assert completed.stderr.strip() == sequantlock.locked_message(604, record)
    assert manager.check(604).holder == record


def test_python_holder_refuses_cli_json(cli, manager, locks_dir: Path) -> None:
    record = manager.acquire("checkout", "python holder").record

    code, output = run_cli_json(cli, locks_dir, "acquire", "checkout")

    assert code == EXIT_HELD
    assert output["acquired"] is False
    assert output["holder"] == compact(record)
    assert output["lockPath"] == manager.lock_path("checkout")


def test_cli_check_sees_python_holder(cli, manager, locks_dir: Path) -> None:
    record = manager.acquire(605, "python holder").record

    code, output = run_cli_json(cli, locks_dir, "check", "605")

    assert code == EXIT_HELD
    assert output["locked"] is True
    assert output["holder"] == compact(record)


def test_cli_holder_refuses_python(cli, manager, locks_dir: Path, pid_owner) -> None:
    code, acquired = run_cli_json(cli, locks_dir, "acquire", "606", "--command", "cli holder",
                                  "--pid", str(pid_owner.pid))
    assert code == EXIT_OK
    assert acquired["acquired"] is True

    refused = manager.acquire(606, "python")

    assert refused.acquired is False
    assert refused.holder.pid == pid_owner.pid
    assert refused.holder.command == "cli holder"
    assert refused.holder.token == acquired["token"]
    _, checked = run_cli_json(cli, locks_dir, "check", "606")
    assert compact(refused.holder) == checked["holder"]
    assert Path(refused.lock_path).read_text() == refused.holder.record


def test_python_takes_dead_cli_holder(cli, manager, locks_dir: Path, pid_owner) -> None:
    code, _ = run_cli_json(cli, locks_dir, "acquire", "607", "--pid", str(pid_owner.pid))
    assert code == EXIT_OK
    pid_owner.kill()
    pid_owner.wait()

    taken = manager.acquire(607, "python")

    assert taken.acquired is True
    assert taken.stale_reason == "pid-dead"
    assert taken.previous.pid == pid_owner.pid


def test_cli_release_with_pid_removes_python_lock(cli, manager, locks_dir: Path) -> None:
    manager.acquire(608, "python holder")

    completed = run_cli(cli, locks_dir, "release", "608", "--pid", str(os.getpid()))

    assert completed.returncode == EXIT_OK
    assert manager.check(608) is None


def test_python_release_external_removes_cli_shell_lock(cli, make_manager, locks_dir: Path) -> None:
    code, _ = run_cli_json(cli, locks_dir, "acquire", "609", "--skip-pid-check")
    assert code == EXIT_OK

    result = make_manager().release_external(609)

    assert result.released is True
    assert not (locks_dir / "609.lock").exists()


def test_cli_clear_refuses_python_lock(cli, manager, locks_dir: Path) -> None:
    manager.acquire(610)

    completed = run_cli(cli, locks_dir, "clear", "610")

    assert completed.returncode == EXIT_HELD
    assert manager.check(610) is not None


def test_cli_list_matches_python_list(cli, manager, locks_dir: Path) -> None:
    for key in (3, 12, "named"):
        manager.acquire(key, f"python {key}")

    code, output = run_cli_json(cli, locks_dir, "list")

    assert code == EXIT_OK
    python_holders = [compact(info.holder) for info in manager.list()]
    assert [entry["holder"] for entry in output["locks"]] == python_holders


RACER_SCRIPT = """
import sys
import sequantlock

result = sequantlock.LockManager(locks_dir=sys.argv[1]).acquire(sys.argv[2], "python racer")
print("acquired" if result.acquired else "held", flush=True)
sys.stdin.read()
"""


def test_processes_of_both_languages_race_one_winner(cli, locks_dir: Path, pid_owner) -> None:
    python_racers: List[subprocess.Popen] = []
    cli_racers: List[subprocess.Popen] = []
    try:
        for _ in range(4):
            python_racers.append(subprocess.Popen(
                [sys.executable, "-c", RACER_SCRIPT, str(locks_dir), "611"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True))
            cli_racers.append(subprocess.Popen(
                [cli, "--locks-dir", str(locks_dir), "acquire", "611", "--pid", str(pid_owner.pid)],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=cli_env()))

        cli_codes = [racer.wait(timeout=60) for racer in cli_racers]
        python_outcomes = [racer.stdout.readline().strip() for racer in python_racers]

        assert set(cli_codes) <= {EXIT_OK, EXIT_HELD}
        assert set(python_outcomes) <= {"acquired", "held"}
        winners = cli_codes.count(EXIT_OK) + python_outcomes.count("acquired")
        assert winners == 1
    finally:
        for racer in python_racers:
            racer.kill()
            racer.wait()
