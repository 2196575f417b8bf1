"""Python measurements of the filelock package, the peer most Python code
uses for lock files. Each result is one JSON line {"name", "unit": "ns",
"samples"}; a sample is the mean time of one operation over one timeit
batch, or one hand-off.

Usage: python peers.py inproc WORK_DIR
       python peers.py handoff filelock|softfilelock ROUNDS WORK_DIR
"""

import json
import os
import random
import sys
import time
import timeit

import filelock

REPETITIONS = 10
BATCH = 500
LOCK_CLASSES = {"filelock": filelock.FileLock, "softfilelock": filelock.SoftFileLock}


def emit(name, samples):
    print(json.dumps({"name": name, "unit": "ns", "samples": samples}), flush=True)


def in_process(work_dir):
    for kind, lock_class in LOCK_CLASSES.items():
        lock = lock_class(os.path.join(work_dir, f"{kind}-604.lock"))

        def acquire_release():
            lock.acquire()
            lock.release()

        timer = timeit.Timer(acquire_release)
        timer.timeit(BATCH // 10)
        totals = timer.repeat(repeat=REPETITIONS, number=BATCH)
        emit(f"python/{kind}/acquire-release", [t / BATCH * 1e9 for t in totals])


def handoff(kind, rounds, work_dir):
    """Run the holder here and the waiter in a forked child. The waiter
    uses acquire() with filelock's default poll interval."""
    path = os.path.join(work_dir, f"{kind}-handoff.lock")
    go_read, go_write = os.pipe()
    done_read, done_write = os.pipe()
    # Fork before either side makes a lock object, so that no descriptor
    # (and no flock on it) is shared between them.
    child = os.fork()
    if child == 0:
        os.close(go_write)
        os.close(done_read)
        lock = LOCK_CLASSES[kind](path)
        for _ in range(rounds):
            os.read(go_read, 1)
            lock.acquire()
            taken_ns = time.monotonic_ns()
            lock.release()
            os.write(done_write, taken_ns.to_bytes(8, "little"))
        os._exit(0)

    os.close(go_read)
    os.close(done_write)
    lock = LOCK_CLASSES[kind](path)
    samples = []
    for _ in range(rounds):
        lock.acquire()
        os.write(go_write, b"g")
        time.sleep(random.uniform(0.020, 0.030))
        released_ns = time.monotonic_ns()
        lock.release()
        taken_ns = int.from_bytes(os.read(done_read, 8), "little")
        samples.append(taken_ns - released_ns)
    os.waitpid(child, 0)
    emit(f"handoff/python/{kind}", samples)


def main(argv):
    if len(argv) == 2 and argv[0] == "inproc":
        in_process(argv[1])
        return 0
    if len(argv) == 4 and argv[0] == "handoff" and argv[1] in LOCK_CLASSES:
        handoff(argv[1], int(argv[2]), argv[3])
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
