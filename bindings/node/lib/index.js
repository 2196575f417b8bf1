// sequantlock for Node: a drop-in for sequant's LockManager over the
// libsequantlock C library. Every method of the original is synchronous, as
// there; acquireWait, which the original lacks, returns a Promise.
import { createRequire } from 'node:module';
import os from 'node:os';
import { performance } from 'node:perf_hooks';

const require = createRequire(import.meta.url);
const native = loadAddon();

function loadAddon() {
  try {
    return require('../build/Release/sequantlock.node');
  } catch (error) {
    if (error.code !== 'MODULE_NOT_FOUND') throw error;
    const missing = new Error(
      "sequantlock: the native addon is not built; run 'npm run build' in this package",
      { cause: error },
    );
    missing.code = 'MODULE_NOT_FOUND';
    throw missing;
  }
}

export const DEFAULT_STALE_AGE_MS = native.constants.DEFAULT_STALE_AGE_MS;
export const DEFAULT_SKILL_LOCK_TTL_MS =
  native.constants.DEFAULT_SKILL_LOCK_TTL_MS;
export const DEFAULT_MAX_LOCK_AGE_MS = native.constants.DEFAULT_MAX_LOCK_AGE_MS;
export const DEFAULT_LOCKS_DIR = native.constants.DEFAULT_LOCKS_DIR;
/** Age of a corrupt lock file's mtime, in milliseconds, after which it is
 * stale. */
export const CORRUPT_GRACE_MS = native.constants.CORRUPT_GRACE_MS;
/** The libsequantlock version this addon is running on. */
export const version = native.version;

// Interval between acquire attempts of a manager with an isPidAlive or now
// seam, whose acquireWait polls on the main thread.
const POLL_INTERVAL_MS = 25;

// Longest single native wait. libuv joins its worker threads when the
// process exits, so process.exit() is delayed until the wait in progress
// returns; a bounded slice bounds that delay. Every slice starts with an
// acquire attempt, so a release between two slices is not missed.
const NATIVE_WAIT_SLICE_MS = 500;

// Full records of the holders this module returned, keyed by the holder
// object, so that signalOther can pass the process start time, boot id and
// owner token the library recorded even though callers see five fields.
const fullRecords = new WeakMap();

// Builds the TypeError or RangeError thrown for a bad argument, with the
// same `code` names the library uses for its own errors.
function argumentError(ErrorType, message, code = 'INVALID_ARGUMENT') {
  const error = new ErrorType(message);
  error.code = code;
  return error;
}

function describe(value) {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'function') return 'a function';
  if (value === null || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? 'an array' : 'an object';
}

// Converts an issue number or a named key to the key string the library
// takes. Numbers must be positive safe integers; strings are checked by the
// library's own key rules.
function toKey(issue) {
  if (typeof issue === 'number') {
    if (!Number.isSafeInteger(issue) || issue <= 0) {
      throw argumentError(
        RangeError,
        `issue must be a positive integer of at most ${Number.MAX_SAFE_INTEGER}, ` +
          `got ${describe(issue)}; pass a larger issue number as a string`,
        'INVALID_KEY',
      );
    }
    return String(issue);
  }
  if (typeof issue === 'string') {
    native.validateKey(issue);
    return issue;
  }
  throw argumentError(
    TypeError,
    `issue must be a number or a key string, got ${describe(issue)}`,
  );
}

function checkFunction(value, name) {
  if (typeof value !== 'function') {
    throw argumentError(TypeError, `${name} must be a function, got ${describe(value)}`);
  }
  return value;
}

function checkString(value, name) {
  if (typeof value !== 'string') {
    throw argumentError(TypeError, `${name} must be a string, got ${describe(value)}`);
  }
  return value;
}

// Converts a threshold in milliseconds to the whole number the library
// takes. Ages are whole milliseconds, so `age > x` and `age > floor(x)` agree;
// Infinity becomes the largest safe integer, which no age reaches.
function toMilliseconds(value, name) {
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw argumentError(TypeError, `${name} must be a number, got ${describe(value)}`);
  }
  if (value < 1) {
    throw argumentError(RangeError, `${name} must be at least 1 ms, got ${value}`);
  }
  return value === Infinity ? Number.MAX_SAFE_INTEGER : Math.floor(value);
}

function toPid(value, name) {
  if (typeof value !== 'number') {
    throw argumentError(TypeError, `${name} must be a number, got ${describe(value)}`);
  }
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw argumentError(RangeError, `${name} must be a positive integer, got ${value}`);
  }
  return value;
}

function checkOptionsObject(value, name) {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object') {
    throw argumentError(TypeError, `${name} must be an object, got ${describe(value)}`);
  }
  return value;
}

function fromNativeHolder(raw) {
  if (raw === null) return null;
  const holder = JSON.parse(raw.json);
  fullRecords.set(holder, { visible: raw.json, full: raw.full });
  return holder;
}

// Serialises a caller's holder object for the library's record parser. An
// unchanged holder that this module returned is sent with every field the
// library recorded; any other object is sent with the five original fields.
function toHolderJson(holder, name) {
  if (holder === null || typeof holder !== 'object' || Array.isArray(holder)) {
    throw argumentError(TypeError, `${name} must be a lock holder object, got ${describe(holder)}`);
  }
  const visible = {
    pid: holder.pid,
    hostname: holder.hostname,
    startedAt: holder.startedAt,
    command: holder.command,
  };
  if (holder.skipPidCheck !== undefined) visible.skipPidCheck = holder.skipPidCheck;
  const json = JSON.stringify(visible);
  const known = fullRecords.get(holder);
  return known !== undefined && known.visible === json ? known.full : json;
}

function toSignalNumber(signal) {
  if (typeof signal === 'number') {
    if (!Number.isInteger(signal) || signal < 1 || signal > 64) {
      throw argumentError(RangeError, `signal must be a signal number, got ${signal}`);
    }
    return signal;
  }
  if (typeof signal === 'string') {
    const number = os.constants.signals[signal];
    if (number === undefined) {
      throw argumentError(RangeError, `signal must be a signal name such as "SIGTERM", got ${describe(signal)}`);
    }
    return number;
  }
  throw argumentError(TypeError, `signal must be a string or a number, got ${describe(signal)}`);
}

function staleReasonOrNull(name) {
  return name === '' ? null : name;
}

/** Returns true when SEQUANT_ORCHESTRATOR is set to a non-empty value. */
export function isOrchestratorMode() {
  return native.orchestratorModeFromEnv();
}

/**
 * Resolves the locks directory: `explicit` when given and not empty, else
 * SEQUANT_LOCKS_DIR when not empty, else `.sequant/locks` under the root
 * shared by every worktree of the enclosing git repository, else
 * `.sequant/locks` under the current directory. Git is not spawned.
 */
export function resolveLocksDir(explicit) {
  if (explicit !== undefined && explicit !== null) checkString(explicit, 'explicit');
  return native.resolveLocksDir(explicit ?? undefined);
}

/** Probes `pid` with signal 0: true when it exists (EPERM counts as
 * existing), false when it does not or `pid` is not a positive integer. */
export function defaultIsPidAlive(pid) {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  return native.defaultIsPidAlive(pid);
}

/** Formats the one-line refusal that names the holder of `issue`. */
export function formatLockedMessage(issue, holder) {
  const key = toKey(issue);
  return native.formatLockedMessage(key, toHolderJson(holder, 'holder'));
}

/**
 * Classifies `holder` as the library's managers do, returning the reason it
 * is stale or null when it is fresh. An omitted `skillLockTtlMs` takes the
 * value of `staleAgeMs`, and an omitted `maxLockAgeMs` is 24 hours; neither
 * reads the environment.
 */
export function classifyStaleness(
  holder,
  myHostname,
  now,
  staleAgeMs,
  skillLockTtlMs,
  maxLockAgeMs,
  isPidAlive = defaultIsPidAlive,
) {
  const json = toHolderJson(holder, 'holder');
  checkString(myHostname, 'myHostname');
  if (typeof now !== 'number' || !Number.isFinite(now)) {
    throw argumentError(TypeError, `now must be a finite number, got ${describe(now)}`);
  }
  const stale = toMilliseconds(staleAgeMs, 'staleAgeMs');
  const skill = skillLockTtlMs === undefined
    ? stale
    : toMilliseconds(skillLockTtlMs, 'skillLockTtlMs');
  const max = maxLockAgeMs === undefined
    ? DEFAULT_MAX_LOCK_AGE_MS
    : toMilliseconds(maxLockAgeMs, 'maxLockAgeMs');
  checkFunction(isPidAlive, 'isPidAlive');
  // The directory is never read or written by classify.
  const seams = {
    locksDir: os.tmpdir(),
    staleAgeMs: stale,
    skillLockTtlMs: skill,
    maxLockAgeMs: max,
    orchestratorMode: false,
    hostname: myHostname,
    now: () => now,
  };
  if (isPidAlive !== defaultIsPidAlive) seams.isPidAlive = (pid) => isPidAlive(pid);
  const manager = new native.Manager(seams);
  return staleReasonOrNull(manager.classify(json));
}

function nativeOptions(options) {
  const result = {};
  if (options.locksDir !== undefined) {
    result.locksDir = checkString(options.locksDir, 'options.locksDir');
  }
  for (const name of ['staleAgeMs', 'skillLockTtlMs', 'maxLockAgeMs']) {
    if (options[name] !== undefined) {
      result[name] = toMilliseconds(options[name], `options.${name}`);
    }
  }
  if (options.orchestratorMode !== undefined) {
    result.orchestratorMode = Boolean(options.orchestratorMode);
  }
  if (options.hostname !== undefined) {
    result.hostname = checkString(options.hostname, 'options.hostname');
  }
  if (options.pid !== undefined) result.pid = toPid(options.pid, 'options.pid');
  if (options.isPidAlive !== undefined) {
    const isPidAlive = checkFunction(options.isPidAlive, 'options.isPidAlive');
    result.isPidAlive = (pid) => isPidAlive(pid);
  }
  if (options.now !== undefined) {
    const now = checkFunction(options.now, 'options.now');
    result.now = () => now();
  }
  return result;
}

// Converts acquireWait's timeout to whole milliseconds; Infinity, the
// default, waits until the lock is acquired.
function toTimeout(value, name) {
  if (value === undefined || value === null) return Infinity;
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw argumentError(TypeError, `${name} must be a number, got ${describe(value)}`);
  }
  if (value < 0) {
    throw argumentError(RangeError, `${name} must be 0 or more, got ${value}`);
  }
  return value === Infinity ? Infinity : Math.floor(value);
}

function checkCommand(command) {
  if (command === undefined || command === null) return null;
  return checkString(command, 'command');
}

/**
 * Takes and releases per-issue locks in one directory, and remembers which
 * locks it took so that releaseAll can drop them.
 */
export class LockManager {
  #native;
  // True when an isPidAlive or now seam is set: the library must then be
  // called only from the main thread.
  #hasSeams;

  constructor(options = {}) {
    const checked = nativeOptions(checkOptionsObject(options, 'options'));
    this.#native = new native.Manager(checked);
    this.#hasSeams = checked.isPidAlive !== undefined || checked.now !== undefined;
  }

  /** Returns the absolute locks directory. */
  getLocksDir() {
    return this.#native.locksDir();
  }

  /** Returns true in orchestrator mode, where every method is a no-op. */
  isNoop() {
    return this.#native.isNoop();
  }

  /** Returns the lock file path for `issue`. */
  lockPathFor(issue) {
    return this.#native.lockPath(toKey(issue));
  }

  /**
   * Takes the lock for `issue`. A stale lock in the way is removed and named
   * in `previous` and `staleReason`; a fresh one is returned as `holder`.
   */
  acquire(issue, command, options = {}) {
    const key = toKey(issue);
    const { skipPidCheck } = checkOptionsObject(options, 'options');
    const raw = this.#native.acquire(key, checkCommand(command), Boolean(skipPidCheck));
    return this.#acquireResult(raw);
  }

  /**
   * Takes the lock for `issue`, waiting while a fresh holder keeps it, for
   * up to `timeoutMs` milliseconds (default: until acquired; 0 tries once).
   * Resolves with the result of `acquire` plus `waitedMs`; a timeout
   * resolves with `acquired: false` and the holder. Library errors reject.
   * Invalid arguments throw before anything starts.
   *
   * Without seams the wait runs in the library on a libuv worker thread and
   * is woken by the lock file's removal and the holder's exit. A manager
   * with an isPidAlive or now seam instead retries `acquire` on the main
   * thread every 25 ms, so that the seams run only there.
   */
  acquireWait(issue, command, options = {}) {
    const key = toKey(issue);
    const { timeoutMs, skipPidCheck } = checkOptionsObject(options, 'options');
    const label = checkCommand(command);
    const timeout = toTimeout(timeoutMs, 'options.timeoutMs');
    const skip = Boolean(skipPidCheck);
    if (this.#hasSeams) return this.#pollAcquire(key, label, skip, timeout);
    return this.#waitAcquire(key, label, skip, timeout);
  }

  // Waits in the library, one slice of at most NATIVE_WAIT_SLICE_MS at a
  // time. `waitedMs` adds up the time the library reports for each slice.
  async #waitAcquire(key, command, skipPidCheck, timeout) {
    const deadline = performance.now() + timeout;
    let waitedMs = 0;
    for (;;) {
      const remaining = Math.max(0, Math.floor(deadline - performance.now()));
      const slice = Math.min(remaining, NATIVE_WAIT_SLICE_MS);
      const raw = await this.#native.acquireWait(key, command, skipPidCheck, slice);
      waitedMs += raw.waitedMs;
      if (raw.acquired || slice === remaining) {
        return { ...this.#acquireResult(raw), waitedMs };
      }
    }
  }

  // Retries a non-blocking acquire on the main thread until it succeeds or
  // `timeout` milliseconds of real time have passed; the `now` seam does not
  // measure the wait.
  #pollAcquire(key, command, skipPidCheck, timeout) {
    const start = performance.now();
    return new Promise((resolve, reject) => {
      const attempt = () => {
        const waitedMs = Math.floor(performance.now() - start);
        let result;
        try {
          result = this.#acquireResult(this.#native.acquire(key, command, skipPidCheck));
        } catch (error) {
          reject(error);
          return;
        }
        const remaining = timeout - (performance.now() - start);
        if (result.acquired || remaining <= 0) {
          resolve({ ...result, waitedMs });
          return;
        }
        setTimeout(attempt, Math.min(POLL_INTERVAL_MS, remaining));
      };
      attempt();
    });
  }

  // Shapes a native acquire result as sequant's AcquireResult.
  #acquireResult(raw) {
    if (this.#native.isNoop()) return { acquired: true, lockPath: '' };
    if (raw.acquired) {
      const result = { acquired: true, lockPath: raw.lockPath };
      if (raw.replaced) {
        result.stale = true;
        result.staleReason = staleReasonOrNull(raw.staleReason);
        result.previous = fromNativeHolder(raw.previous);
      }
      return result;
    }
    const result = {
      acquired: false,
      holder: fromNativeHolder(raw.holder),
      lockPath: raw.lockPath,
      stale: false,
      staleReason: null,
    };
    if (raw.corrupt) result.corrupt = true;
    return result;
  }

  /** Takes the lock for `issue` whatever holds it; never signals anyone. */
  forceAcquire(issue, command, options = {}) {
    const key = toKey(issue);
    const { skipPidCheck } = checkOptionsObject(options, 'options');
    const raw = this.#native.forceAcquire(key, checkCommand(command), Boolean(skipPidCheck));
    if (this.#native.isNoop()) return { lockPath: '', previous: null };
    return { lockPath: raw.lockPath, previous: fromNativeHolder(raw.previous) };
  }

  /**
   * Sends `signal` to a previous holder when it is on this host, alive, not
   * this process or its parent, not a skip-PID-check holder, and provably
   * the process that took the lock.
   */
  signalOther(holder, signal = 'SIGTERM') {
    const json = toHolderJson(holder, 'holder');
    const signalNumber = toSignalNumber(signal);
    if (this.#native.isNoop()) return { sent: false, reason: 'orchestrator' };
    const reason = this.#native.signalOther(json, signalNumber);
    return { sent: reason === 'sent', reason };
  }

  /** Removes the lock for `issue` when this manager holds it. Idempotent. */
  release(issue) {
    this.#native.release(toKey(issue));
  }

  /**
   * Removes a lock held on this host when it is a skip-PID-check lock or its
   * pid is this manager's. Returns true when a file was removed.
   */
  releaseExternal(issue) {
    return this.#native.releaseExternal(toKey(issue)) === 'released';
  }

  /** Releases every lock this manager took and still holds. */
  releaseAll() {
    this.#native.releaseAll();
  }

  /** Reads the holder of `issue` without judging staleness; null when there
   * is no readable lock. */
  check(issue) {
    const info = this.#native.check(toKey(issue));
    if (info === null || info.holder === null) return null;
    return fromNativeHolder(info.holder);
  }

  /**
   * Lists the per-issue locks, sorted by issue number. Named keys are left
   * out, and so are issue numbers above Number.MAX_SAFE_INTEGER, which a
   * number cannot hold exactly. With `includeCorrupt`, unreadable lock files
   * are listed with a null holder and `corrupt: true`.
   */
  list(options = {}) {
    const { includeCorrupt = false } = checkOptionsObject(options, 'options');
    const listings = [];
    for (const info of this.#native.list()) {
      if (!/^[1-9][0-9]*$/.test(info.key)) continue;
      if (!Number.isSafeInteger(Number(info.key))) continue;
      if (info.holder === null && !includeCorrupt) continue;
      const listing = {
        issue: Number(info.key),
        holder: fromNativeHolder(info.holder),
        ageMs: info.ageMs,
        stale: info.stale,
        staleReason: info.stale ? staleReasonOrNull(info.staleReason) : null,
        lockPath: info.lockPath,
      };
      if (info.corrupt) listing.corrupt = true;
      listings.push(listing);
    }
    return listings;
  }

  /** Removes the lock for `issue`; with `safetyCheck` (the default) a fresh
   * lock is refused. */
  clearLock(issue, options = {}) {
    const key = toKey(issue);
    const { safetyCheck = true } = checkOptionsObject(options, 'options');
    const raw = this.#native.clear(key, !safetyCheck);
    return { cleared: raw.cleared, reason: raw.reason };
  }
}
