// Shared fixtures for the test suites: temporary lock directories, records
// written the way the TypeScript original writes them, and child processes.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';

// The suites choose their directories and modes explicitly, so settings from
// the caller's environment must not leak in.
for (const name of [
  'SEQUANT_ORCHESTRATOR',
  'SEQUANT_LOCKS_DIR',
  'SEQUANT_SKILL_LOCK_TTL_MS',
  'SEQUANT_MAX_LOCK_AGE_MS',
]) {
  delete process.env[name];
}

export const HOUR_MS = 60 * 60 * 1000;

/** A fixed clock for the `now` seam, close to the real time so that file
 * mtimes written by the tests fall inside the corrupt-file grace period. */
export const NOW = Date.now();

export const MY_HOST = 'test-host.example';
export const OTHER_HOST = 'other-host.example';

/** A pid that the `isPidAlive` seams treat as this manager's own. */
export const MY_PID = 4000001;

/** Creates a fresh directory under the system temporary directory, with
 * symbolic links resolved, and removes it when the process exits. */
export function makeTempDir(prefix = 'sequantlock-node-') {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Returns a new locks directory path that does not exist yet. */
export function makeLocksDir() {
  return path.join(makeTempDir(), 'locks');
}

/** Writes `<dir>/<key>.lock` exactly as sequant's TypeScript LockManager
 * does: JSON.stringify with 2-space indentation and no trailing newline. */
export function writeOriginalLock(dir, key, holder) {
  fs.mkdirSync(dir, { recursive: true });
  const payload = {
    pid: holder.pid,
    hostname: holder.hostname,
    startedAt: holder.startedAt,
    command: holder.command,
  };
  if (holder.skipPidCheck) payload.skipPidCheck = true;
  const file = path.join(dir, `${key}.lock`);
  fs.writeFileSync(file, JSON.stringify(payload, null, 2));
  return file;
}

/** Returns an ISO-8601 start time `ageMs` before NOW. */
export function startedAgo(ageMs) {
  return new Date(NOW - ageMs).toISOString();
}

/** Returns a holder record `ageMs` old on `hostname`. */
export function holder({
  pid = 4100001,
  hostname = MY_HOST,
  ageMs = 1000,
  command = 'npx sequant run 1',
  skipPidCheck = false,
} = {}) {
  const record = { pid, hostname, startedAt: startedAgo(ageMs), command };
  if (skipPidCheck) record.skipPidCheck = true;
  return record;
}

/** Returns LockManager options with every seam fixed: this host, pid
 * MY_PID, the clock at NOW and the given live pids. */
export function seams(locksDir, { alive = [MY_PID], ...rest } = {}) {
  const alivePids = new Set(alive);
  return {
    locksDir,
    hostname: MY_HOST,
    pid: MY_PID,
    now: () => NOW,
    isPidAlive: (pid) => alivePids.has(pid),
    orchestratorMode: false,
    ...rest,
  };
}

/** Starts a long-sleeping child process, killed when the test process exits. */
export function spawnSleeper() {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 600000)'], {
    stdio: 'ignore',
  });
  process.on('exit', () => child.kill('SIGKILL'));
  return child;
}

/** Resolves with {code, signal} when `child` exits. */
export async function exitOf(child) {
  if (child.exitCode !== null || child.signalCode !== null) {
    return { code: child.exitCode, signal: child.signalCode };
  }
  const [code, signal] = await once(child, 'exit');
  return { code, signal };
}

/** Resolves with the first line `child` writes to stdout. */
export async function firstLine(child) {
  let buffered = '';
  for await (const chunk of child.stdout) {
    buffered += chunk;
    const newline = buffered.indexOf('\n');
    if (newline >= 0) return buffered.slice(0, newline);
  }
  throw new Error(`child exited before writing a line; stdout was '${buffered}'`);
}

/** Returns the sorted file names in `dir`, or [] when it does not exist. */
export function filesIn(dir) {
  return fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [];
}
