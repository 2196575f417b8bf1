// The TypeScript original's lock file algorithm in plain JavaScript, as its
// reference notes describe it: a record written with JSON.stringify(record,
// null, 2) through an exclusive create ("wx"), and read back with its schema
// checks (zod strips unknown keys). Used to prove that each side reads the
// other's files, and as the baseline of the benchmarks.
//
// Usage: node original-lock.mjs write DIR ISSUE PID COMMAND [--skip-pid-check]
//        node original-lock.mjs read DIR ISSUE
//        node original-lock.mjs list DIR
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export function validateLock(value) {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return null;
  }
  const { pid, hostname, startedAt, command, skipPidCheck } = value;
  if (!Number.isInteger(pid) || pid <= 0) return null;
  if (typeof hostname !== "string") return null;
  if (typeof startedAt !== "string") return null;
  if (typeof command !== "string") return null;
  if (skipPidCheck !== undefined && typeof skipPidCheck !== "boolean") {
    return null;
  }
  const lock = { pid, hostname, startedAt, command };
  if (skipPidCheck !== undefined) lock.skipPidCheck = skipPidCheck;
  return lock;
}

export function readLockSafe(lockPath) {
  try {
    if (!fs.existsSync(lockPath)) return null;
    return validateLock(JSON.parse(fs.readFileSync(lockPath, "utf8")));
  } catch {
    return null;
  }
}

export function writeLock(lockPath, payload) {
  fs.mkdirSync(path.dirname(lockPath), { recursive: true });
  const body = {
    pid: payload.pid,
    hostname: payload.hostname,
    startedAt: payload.startedAt,
    command: payload.command,
  };
  if (payload.skipPidCheck) body.skipPidCheck = true;
  const fd = fs.openSync(lockPath, "wx", 0o644);
  try {
    fs.writeSync(fd, JSON.stringify(body, null, 2));
  } finally {
    fs.closeSync(fd);
  }
}

export function listLocks(locksDir) {
  if (!fs.existsSync(locksDir)) return [];
  const locks = [];
  for (const name of fs.readdirSync(locksDir)) {
    if (!name.endsWith(".lock")) continue;
    const issue = Number(name.slice(0, -".lock".length));
    if (!Number.isInteger(issue)) continue;
    const holder = readLockSafe(path.join(locksDir, name));
    if (holder) locks.push({ issue, holder });
  }
  return locks.sort((a, b) => a.issue - b.issue);
}

function main(argv) {
  const [command, dir, issue, pid, label, flag] = argv;
  if (command === "write") {
    writeLock(path.join(dir, `${issue}.lock`), {
      pid: Number(pid),
      hostname: os.hostname(),
      startedAt: new Date().toISOString(),
      command: label,
      skipPidCheck: flag === "--skip-pid-check",
    });
    return 0;
  }
  if (command === "read") {
    console.log(JSON.stringify(readLockSafe(path.join(dir, `${issue}.lock`))));
    return 0;
  }
  if (command === "list") {
    console.log(JSON.stringify(listLocks(dir)));
    return 0;
  }
  console.error("usage: original-lock.mjs write|read|list DIR ...");
  return 2;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = main(process.argv.slice(2));
}
