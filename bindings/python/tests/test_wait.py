"""acquire(wait=...) and the context managers' wait: real threads and processes."""

from __future__ import annotations

import json
import math
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Any, Callable, List, Optional, Tuple

import pytest

import sequantlock
from conftest import write_record

# Generous bounds: a working wait ends long before these, and a broken one
# fails the test instead of hanging it.
WAIT_SECONDS = 120.0
JOIN_SECONDS = 180.0
EVENT_SECONDS = 60.0

# Short enough to keep the suite quick, used only where a timeout is the
# expected outcome.
SHORT_WAIT_SECONDS = 0.3


class SeamFailure(Exception):
    pass


class CallCounter:
    """Counts calls of a seam, for another thread to wait on."""

    def __init__(self) -> None:
        self.calls = 0
        self._changed = threading.Condition()

    def record_call(self) -> None:
        with self._changed:
            self.calls += 1
            self._changed.notify_all()

    def wait_for_calls(self, count: int) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: self.calls >= count, EVENT_SECONDS)


class CountingClock(CallCounter):
    """A ``now`` seam on the real clock that counts its calls.

    The library reads the clock once or more per lock attempt, so once the
    count passes what one refused attempt needs, a waiter has refused,
    waited and come back for another attempt.
    """

    def __call__(self) -> float:
        self.record_call()
        return time.time() * 1000


def waiter_clock(make_manager, key: Any) -> Tuple[sequantlock.LockManager, CountingClock, int]:
    """Return a manager on a :class:`CountingClock` and the call count at
    which a waiter started on it has finished one wait.

    One refused attempt, made here, measures the calls an attempt makes.
    """
    clock = CountingClock()
    manager = make_manager(now=clock)
    assert manager.acquire(key).acquired is False
    per_attempt = clock.calls
    assert per_attempt > 0
    # Calls so far, plus the waiter's first attempt, plus one call of the
    # attempt that follows its first wait.
    return manager, clock, 2 * per_attempt + 1


class Waiter(threading.Thread):
    """A thread that runs one acquire and keeps its result or exception."""

    def __init__(self, call: Callable[[], Any]) -> None:
        super().__init__(daemon=True)
        self._call = call
        self.result: Optional[Any] = None
        self.error: Optional[BaseException] = None

    def run(self) -> None:
        try:
            self.result = self._call()
        except BaseException as error:
            self.error = error

    def outcome(self) -> Any:
        self.join(JOIN_SECONDS)
        assert not self.is_alive(), "waiter still running"
        if self.error is not None:
            raise self.error
        return self.result


def test_wait_none_and_zero_make_one_attempt(make_manager) -> None:
    taken = make_manager().acquire(1, "holder")
    waiter = make_manager()

    for wait in (None, 0, 0.0):
        result = waiter.acquire(1, wait=wait)
        assert result.acquired is False
        assert result.holder == taken.record
        assert result.waited_ms == 0


def test_wait_free_key_acquires(manager, locks_dir: Path) -> None:
    result = manager.acquire(2, "cmd", wait=WAIT_SECONDS)

    assert result.acquired is True
    assert isinstance(result.waited_ms, int)
    assert result.record.command == "cmd"
    assert (locks_dir / "2.lock").exists()


def test_acquire_without_wait_reports_zero_waited(manager) -> None:
    assert manager.acquire(3).waited_ms == 0
    assert manager.force_acquire(3).waited_ms == 0


def test_wait_gets_lock_released_by_thread(make_manager, locks_dir: Path) -> None:
    holder_manager = make_manager()
    taken = holder_manager.acquire(4, "holder thread")
    manager, clock, waiting_calls = waiter_clock(make_manager, 4)
    released: List[bool] = []

    def hold_until_waiter_waits() -> None:
        if clock.wait_for_calls(waiting_calls):
            released.append(holder_manager.release(4).released)

    holder = threading.Thread(target=hold_until_waiter_waits, daemon=True)
    holder.start()
    result = manager.acquire(4, "waiter", wait=WAIT_SECONDS)
    holder.join(JOIN_SECONDS)

    assert released == [True]
    assert result.acquired is True
    assert result.replaced is False
    assert result.previous is None
    assert result.record.command == "waiter"
    assert result.record.token != taken.token
    assert isinstance(result.waited_ms, int)
    assert manager.check(4).holder == result.record


def test_wait_forever_gets_lock(make_manager) -> None:
    holder_manager = make_manager()
    holder_manager.acquire(5, "holder")
    manager, clock, waiting_calls = waiter_clock(make_manager, 5)

    waiter = Waiter(lambda: manager.acquire(5, "forever", wait=math.inf))
    waiter.start()
    assert clock.wait_for_calls(waiting_calls)
    assert holder_manager.release(5).released is True
    result = waiter.outcome()

    assert result.acquired is True
    assert result.record.command == "forever"


def test_wait_gets_lock_of_killed_process(make_manager, holder_process) -> None:
    holder = holder_process("6", "doomed holder")
    assert holder.report["acquired"] is True
    manager, clock, waiting_calls = waiter_clock(make_manager, 6)

    waiter = Waiter(lambda: manager.acquire(6, "survivor", wait=WAIT_SECONDS))
    waiter.start()
    assert clock.wait_for_calls(waiting_calls)
    holder.process.send_signal(signal.SIGKILL)
    holder.process.wait(timeout=EVENT_SECONDS)
    result = waiter.outcome()

    assert result.acquired is True
    assert result.replaced is True
    assert result.stale_reason == "pid-dead"
    assert result.previous is not None
    assert result.previous.pid == holder.pid
    assert result.previous.command == "doomed holder"
    assert result.record.command == "survivor"


def test_wait_timeout_returns_holder(make_manager) -> None:
    taken = make_manager().acquire(7, "holder")

    result = make_manager().acquire(7, "waiter", wait=SHORT_WAIT_SECONDS)

    assert result.acquired is False
    assert result.holder == taken.record
    assert result.lock_path == taken.lock_path
    assert result.record is None
    assert result.token is None
    assert isinstance(result.waited_ms, int)
    assert make_manager().check(7).holder == taken.record


def test_hold_wait_timeout_raises_lock_held_error(make_manager) -> None:
    taken = make_manager().acquire(8, "holder")

    with pytest.raises(sequantlock.LockHeldError) as caught:
        with make_manager().hold(8, wait=SHORT_WAIT_SECONDS):
            pytest.fail("body ran while the lock was held")

    assert caught.value.holder == taken.record
    assert caught.value.key == "8"
    assert caught.value.message == sequantlock.locked_message(8, taken.record)
    assert make_manager().check(8).holder == taken.record


def test_lock_function_wait_timeout_raises(make_manager, locks_dir: Path) -> None:
    taken = make_manager().acquire("checkout", "holder")

    with pytest.raises(sequantlock.LockHeldError) as caught:
        with sequantlock.lock("checkout", locks_dir=locks_dir, wait=SHORT_WAIT_SECONDS):
            pytest.fail("body ran while the lock was held")

    assert caught.value.holder == taken.record


def test_hold_wait_gets_lock_released_by_thread(make_manager, locks_dir: Path) -> None:
    holder_manager = make_manager()
    holder_manager.acquire(9, "holder")
    manager, clock, waiting_calls = waiter_clock(make_manager, 9)

    def hold_until_waiter_waits() -> None:
        if clock.wait_for_calls(waiting_calls):
            holder_manager.release(9)

    holder = threading.Thread(target=hold_until_waiter_waits, daemon=True)
    holder.start()
    with manager.hold(9, "waiter", wait=WAIT_SECONDS) as result:
        assert result.acquired is True
        assert manager.check(9).holder == result.record
    holder.join(JOIN_SECONDS)

    assert not (locks_dir / "9.lock").exists()


def test_hold_wait_threads_take_turns(make_manager, locks_dir: Path) -> None:
    count = 8
    inside = 0
    most_inside = 0
    entered: List[int] = []
    counter_lock = threading.Lock()
    barrier = threading.Barrier(count)

    def work(index: int) -> None:
        nonlocal inside, most_inside
        manager = make_manager()
        barrier.wait(EVENT_SECONDS)
        with manager.hold("shared", f"thread {index}", wait=WAIT_SECONDS):
            with counter_lock:
                inside += 1
                most_inside = max(most_inside, inside)
                entered.append(index)
            # Stay inside long enough for the other threads to be waiting.
            time.sleep(0.02)
            with counter_lock:
                inside -= 1

    threads = [Waiter(lambda index=index: work(index)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.outcome()

    assert sorted(entered) == list(range(count))
    assert most_inside == 1
    assert not (locks_dir / "shared.lock").exists()


def test_wait_releases_gil(make_manager) -> None:
    holder_manager = make_manager()
    taken = holder_manager.acquire(10, "holder")
    manager, clock, waiting_calls = waiter_clock(make_manager, 10)

    waiter = Waiter(lambda: manager.acquire(10, "waiter", wait=WAIT_SECONDS))
    waiter.start()
    assert clock.wait_for_calls(waiting_calls)
    # Pure Python work on this thread. If the waiter kept the GIL for its
    # wait, this thread would run only after the wait had timed out.
    total = 0
    for round_index in range(200):
        total += sum(range(10_000)) + round_index
    still_waiting = waiter.is_alive()
    held_by = manager.check(10).holder
    holder_manager.release(10)
    result = waiter.outcome()

    assert total == 200 * sum(range(10_000)) + sum(range(200))
    assert still_waiting is True
    assert held_by == taken.record
    assert result.acquired is True


def test_wait_seam_reports_holder_dead(make_manager, locks_dir: Path) -> None:
    write_record(locks_dir, "11", hostname="seam-host", pid=4242)
    dead = threading.Event()
    probes = CallCounter()

    def probe(pid: int) -> bool:
        probes.record_call()
        return not dead.is_set()

    manager = make_manager(hostname="seam-host", is_pid_alive=probe)
    waiter = Waiter(lambda: manager.acquire(11, "waiter", wait=WAIT_SECONDS))
    waiter.start()
    assert probes.wait_for_calls(2)
    dead.set()
    result = waiter.outcome()

    assert result.acquired is True
    assert result.replaced is True
    assert result.stale_reason == "pid-dead"
    assert result.previous.pid == 4242


def test_wait_seam_exception_ends_wait(make_manager, locks_dir: Path) -> None:
    path = write_record(locks_dir, "12", hostname="seam-host", pid=4243)
    before = path.read_bytes()
    failing = threading.Event()
    probes = CallCounter()
    raised = SeamFailure("probe failed")

    def probe(pid: int) -> bool:
        probes.record_call()
        if failing.is_set():
            raise raised
        return True

    manager = make_manager(hostname="seam-host", is_pid_alive=probe)
    waiter = Waiter(lambda: manager.acquire(12, wait=WAIT_SECONDS))
    waiter.start()
    assert probes.wait_for_calls(2)
    failing.set()

    with pytest.raises(SeamFailure) as caught:
        waiter.outcome()
    assert caught.value is raised
    assert path.read_bytes() == before


def test_wait_in_orchestrator_mode(make_manager, locks_dir: Path) -> None:
    result = make_manager(orchestrator_mode=True).acquire(13, wait=WAIT_SECONDS)

    assert result.acquired is True
    assert result.lock_path == ""
    assert not locks_dir.exists()


INVALID_WAITS = [-1, -0.001, -math.inf, math.nan, 1e300]


@pytest.mark.parametrize("wait", INVALID_WAITS)
def test_acquire_invalid_wait_raises_value_error(manager, locks_dir: Path, wait) -> None:
    with pytest.raises(ValueError) as caught:
        manager.acquire(14, wait=wait)

    assert isinstance(caught.value, sequantlock.InvalidArgumentError)
    assert caught.value.code == sequantlock.InvalidArgumentError.code
    assert not locks_dir.exists()


@pytest.mark.parametrize("wait", INVALID_WAITS)
def test_hold_invalid_wait_raises_value_error(manager, locks_dir: Path, wait) -> None:
    with pytest.raises(sequantlock.InvalidArgumentError):
        with manager.hold(15, wait=wait):
            pytest.fail("body ran with an invalid wait")

    assert not locks_dir.exists()


@pytest.mark.parametrize("wait", INVALID_WAITS)
def test_lock_function_invalid_wait_raises_value_error(locks_dir: Path, wait) -> None:
    with pytest.raises(sequantlock.InvalidArgumentError):
        with sequantlock.lock(16, locks_dir=locks_dir, wait=wait):
            pytest.fail("body ran with an invalid wait")

    assert not locks_dir.exists()


@pytest.mark.parametrize("wait", ["1", True, [1], object()])
def test_acquire_wait_wrong_type_raises_type_error(manager, locks_dir: Path, wait) -> None:
    with pytest.raises(TypeError):
        manager.acquire(17, wait=wait)

    assert not locks_dir.exists()


@pytest.mark.parametrize("wait", [1, math.inf])
def test_hold_force_with_wait_raises_value_error(manager, locks_dir: Path, wait) -> None:
    with pytest.raises(sequantlock.InvalidArgumentError):
        with manager.hold(18, force=True, wait=wait):
            pytest.fail("body ran with force and a wait")
    with pytest.raises(sequantlock.InvalidArgumentError):
        with sequantlock.lock(18, locks_dir=locks_dir, force=True, wait=wait):
            pytest.fail("body ran with force and a wait")

    assert not locks_dir.exists()


def test_hold_force_with_zero_wait_takes_over(make_manager) -> None:
    first = make_manager().acquire(19, "first")

    with make_manager().hold(19, "second", force=True, wait=0) as result:
        assert result.previous == first.record


# Runs in a child process: one manager holds the key and a second waits for
# it. The second manager's clock seam reports on stdout once the wait has
# begun, and the parent then sends SIGINT.
SIGINT_SEAM_SCRIPT = """
import json, sys, threading, time
import sequantlock

locks_dir = sys.argv[1]
holder = sequantlock.LockManager(locks_dir=locks_dir)
taken = holder.acquire(20, "holder")

calls = 0
waiting_calls = None

def clock():
    global calls
    calls += 1
    if waiting_calls is not None and calls == waiting_calls:
        print("waiting", flush=True)
    return time.time() * 1000

waiter = sequantlock.LockManager(locks_dir=locks_dir, now=clock)
waiter.acquire(20)
waiting_calls = 2 * calls + 1
result = None
try:
    result = waiter.acquire(20, "waiter", wait=600)
    outcome = "returned"
except KeyboardInterrupt:
    outcome = "interrupted"
report = {
    "outcome": outcome,
    "result": None if result is None else result.acquired,
    "waiter_released": waiter.release_all(),
    "still_held_by_holder": waiter.check(20).holder.token == taken.token,
    "holder_released": holder.release(20).released,
}
print(json.dumps(report), flush=True)
"""

# Runs in a child process without seams, so the wait is woken only by the
# library's own events. It waits without a time limit for a key held by
# another process.
SIGINT_PLAIN_SCRIPT = """
import json, math, sys
import sequantlock

waiter = sequantlock.LockManager(locks_dir=sys.argv[1])
print("waiting", flush=True)
try:
    waiter.acquire(sys.argv[2], "waiter", wait=math.inf)
    outcome = "returned"
except KeyboardInterrupt:
    outcome = "interrupted"
print(json.dumps({"outcome": outcome, "waiter_released": waiter.release_all()}), flush=True)
"""


def start_script(script: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish_script(process: subprocess.Popen) -> dict:
    stdout, stderr = process.communicate(timeout=EVENT_SECONDS)
    assert process.returncode == 0, stderr
    return json.loads(stdout.strip().splitlines()[-1])


def process_state(pid: int) -> str:
    """Return the state letter from /proc/PID/stat ("R", "S", ...)."""
    with open(f"/proc/{pid}/stat", encoding="utf-8") as stat:
        return stat.read().rsplit(")", 1)[1].split()[0]


def test_sigint_interrupts_wait(locks_dir: Path) -> None:
    process = start_script(SIGINT_SEAM_SCRIPT, str(locks_dir))
    try:
        assert process.stdout.readline().strip() == "waiting"
        process.send_signal(signal.SIGINT)
        report = finish_script(process)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()

    assert report["outcome"] == "interrupted"
    assert report["result"] is None
    assert report["waiter_released"] == 0
    assert report["still_held_by_holder"] is True
    assert report["holder_released"] is True
    assert not (locks_dir / "20.lock").exists()


def test_sigint_interrupts_unlimited_wait(locks_dir: Path, holder_process) -> None:
    holder = holder_process("21", "holder")
    assert holder.report["acquired"] is True
    process = start_script(SIGINT_PLAIN_SCRIPT, str(locks_dir), "21")
    try:
        assert process.stdout.readline().strip() == "waiting"
        # After its last output the child has nothing to do but the wait,
        # so once it sleeps it is inside the library's poll().
        deadline = time.monotonic() + EVENT_SECONDS
        while process_state(process.pid) != "S" and time.monotonic() < deadline:
            time.sleep(0.01)
        process.send_signal(signal.SIGINT)
        report = finish_script(process)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()

    assert report == {"outcome": "interrupted", "waiter_released": 0}
    holder_record = json.loads(holder.report["record"])
    on_disk = json.loads((locks_dir / "21.lock").read_text())
    assert on_disk["token"] == holder_record["token"]
    assert holder.finish() == 0
    assert not (locks_dir / "21.lock").exists()
