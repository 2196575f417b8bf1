// Node measurements: the TypeScript original's algorithm (imported from
// tests/interop/original-lock.mjs), proper-lockfile, and the sequantlock
// addon, in one process. Each result is one JSON line
// {"name", "unit": "ns", "samples"}; a sample is the mean time of one
// operation over one batch, or one hand-off.
//
// Usage: node peers.mjs inproc LIST_DIR WORK_DIR
//        node peers.mjs handoff proper-lockfile|original-poll-10ms ROUNDS DIR
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { spawn } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";

import lockfile from "proper-lockfile";
import {
  listLocks,
  readLockSafe,
  writeLock,
} from "../tests/interop/original-lock.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const REPETITIONS = 10;

function emit(name, samples) {
  console.log(JSON.stringify({ name, unit: "ns", samples }));
}

// process.hrtime is CLOCK_MONOTONIC on Linux, the clock the C and Python
// sides stamp hand-offs with.
function nowNs() {
  return process.hrtime.bigint();
}

function measure(name, batch, operation) {
  for (let i = 0; i < Math.max(1, batch / 10); i++) operation();
  const samples = [];
  for (let rep = 0; rep < REPETITIONS; rep++) {
    const start = nowNs();
    for (let i = 0; i < batch; i++) operation();
    samples.push(Number(nowNs() - start) / batch);
  }
  emit(name, samples);
}

async function measureAsync(name, batch, operation) {
  for (let i = 0; i < Math.max(1, batch / 10); i++) await operation();
  const samples = [];
  for (let rep = 0; rep < REPETITIONS; rep++) {
    const start = nowNs();
    for (let i = 0; i < batch; i++) await operation();
    samples.push(Number(nowNs() - start) / batch);
  }
  emit(name, samples);
}

function originalRecord(command) {
  return {
    pid: process.pid,
    hostname: os.hostname(),
    startedAt: new Date().toISOString(),
    command,
  };
}

// The original takes a lock by exclusive create and releases it by reading
// the record back to check the owner, then unlinking.
function originalAcquire(lockPath) {
  writeLock(lockPath, originalRecord("bench"));
}

function originalRelease(lockPath) {
  const holder = readLockSafe(lockPath);
  if (holder && holder.pid === process.pid) fs.unlinkSync(lockPath);
}

function isPidAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === "EPERM";
  }
}

// The original's check: read the record and probe the holder's pid.
function originalCheck(lockPath) {
  const holder = readLockSafe(lockPath);
  return holder !== null && isPidAlive(holder.pid);
}

async function loadAddon() {
  const addon = "../bindings/node/lib/index.js";
  return import(new URL(addon, import.meta.url));
}

async function inProcess(listDir, workDir) {
  const { LockManager } = await loadAddon();
  const originalDir = path.join(workDir, "original");
  const addonDir = path.join(workDir, "addon");
  const properDir = path.join(workDir, "proper-lockfile");
  fs.mkdirSync(properDir, { recursive: true });
  const originalPath = path.join(originalDir, "604.lock");
  const properPath = path.join(properDir, "604");
  fs.writeFileSync(properPath, "");

  measure("node/original/acquire-release", 500, () => {
    originalAcquire(originalPath);
    originalRelease(originalPath);
  });
  const addon = new LockManager({ locksDir: addonDir });
  measure("node/addon/acquire-release", 500, () => {
    if (!addon.acquire(604, "bench").acquired) throw new Error("key 604 is already held");
    addon.release(604);
  });
  measure("node/proper-lockfile/lock-unlock-sync", 500, () => {
    lockfile.lockSync(properPath);
    lockfile.unlockSync(properPath);
  });
  await measureAsync("node/proper-lockfile/lock-unlock-async", 300,
    async () => {
      const release = await lockfile.lock(properPath);
      await release();
    });

  const listed = new LockManager({ locksDir: listDir });
  const checkPath = path.join(listDir, "604.lock");
  measure("node/original/check-held", 2000, () => {
    if (!originalCheck(checkPath)) throw new Error("604 not held");
  });
  measure("node/addon/check-held", 2000, () => {
    if (!listed.check(604)) throw new Error("604 not held");
  });

  const expected = fs.readdirSync(listDir).length;
  measure("node/original/list-10000", 1, () => {
    if (listLocks(listDir).length !== expected) throw new Error("list returned fewer locks than the directory has");
  });
  measure("node/addon/list-10000", 1, () => {
    if (listed.list().length !== expected) throw new Error("list returned fewer locks than the directory has");
  });
}

// One way of taking and releasing a lock in the hand-off, shared by the
// holder and the waiter.
function handoffLock(kind, dir) {
  if (kind === "proper-lockfile") {
    const file = path.join(dir, "604");
    fs.writeFileSync(file, "");
    let release = null;
    return {
      // proper-lockfile retries with the `retry` package's backoff; a
      // constant 10 ms interval matches the original's polling loop.
      async take(wait) {
        const retries = wait
          ? { retries: 100000, factor: 1, minTimeout: 10, maxTimeout: 10 }
          : 0;
        release = await lockfile.lock(file, { retries });
      },
      async give() {
        await release();
      },
    };
  }
  if (kind === "original-poll-10ms") {
    const lockPath = path.join(dir, "604.lock");
    return {
      async take(wait) {
        for (;;) {
          try {
            originalAcquire(lockPath);
            return;
          } catch (error) {
            if (error.code !== "EEXIST" || !wait) throw error;
          }
          await sleep(10);
        }
      },
      async give() {
        originalRelease(lockPath);
      },
    };
  }
  throw new Error(`unknown hand-off kind '${kind}'`);
}

async function handoff(kind, rounds, dir) {
  const lock = handoffLock(kind, dir);
  const child = spawn(process.execPath,
    [fileURLToPath(import.meta.url), "waiter", kind, String(rounds), dir],
    { stdio: ["pipe", "pipe", "inherit"] });
  const replies = readline.createInterface({ input: child.stdout });
  const iterator = replies[Symbol.asyncIterator]();
  await iterator.next();  // the waiter is ready

  const samples = [];
  for (let i = 0; i < rounds; i++) {
    await lock.take(false);
    child.stdin.write("go\n");
    await sleep(20 + Math.random() * 10);
    const releasedNs = nowNs();
    await lock.give();
    const { value } = await iterator.next();
    samples.push(Number(BigInt(value) - releasedNs));
  }
  child.stdin.end();
  emit(`handoff/node/${kind}`, samples);
}

async function waiter(kind, rounds, dir) {
  const lock = handoffLock(kind, dir);
  const requests = readline.createInterface({ input: process.stdin });
  console.log("ready");
  let served = 0;
  for await (const line of requests) {
    if (line !== "go") continue;
    await lock.take(true);
    const takenNs = nowNs();
    await lock.give();
    console.log(String(takenNs));
    if (++served === rounds) break;
  }
  requests.close();
}

const [mode, ...args] = process.argv.slice(2);
if (mode === "inproc") {
  await inProcess(args[0], args[1]);
} else if (mode === "handoff") {
  await handoff(args[0], Number(args[1]), args[2]);
} else if (mode === "waiter") {
  await waiter(args[0], Number(args[1]), args[2]);
} else {
  console.error("usage: node peers.mjs inproc|handoff ...");
  process.exitCode = 2;
}
