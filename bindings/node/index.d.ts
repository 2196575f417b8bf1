// Types for sequantlock's Node binding, a drop-in for sequant's LockManager.

/** Age after which a lock held on another host is stale: 2 hours. */
export declare const DEFAULT_STALE_AGE_MS: number;
/** Age after which a skip-PID-check lock is stale: 6 hours. */
export declare const DEFAULT_SKILL_LOCK_TTL_MS: number;
/** Age after which any lock is stale unless its holder is proved alive:
 * 24 hours. */
export declare const DEFAULT_MAX_LOCK_AGE_MS: number;
/** Locks directory relative to the repository root: ".sequant/locks". */
export declare const DEFAULT_LOCKS_DIR: string;
/** Age of a corrupt lock file's mtime after which it is stale: 2 seconds. */
export declare const CORRUPT_GRACE_MS: number;
/** Version of the libsequantlock library the addon runs on. */
export declare const version: string;

/** An issue number, or a named key such as "checkout". */
export type LockKey = number | string;

/** The record in a lock file, with the five fields of sequant's LockFile. */
export interface LockFile {
  pid: number;
  hostname: string;
  /** ISO-8601 UTC with milliseconds, as written by `Date#toISOString`. */
  startedAt: string;
  command: string;
  /** Present, and true, only for locks taken with `skipPidCheck`. */
  skipPidCheck?: boolean;
}

/** Reason a lock is stale. The last three are sequantlock's own. */
export type StaleReason =
  | 'pid-dead'
  | 'age-exceeded'
  | 'max-age-exceeded'
  | 'corrupt'
  | 'pid-reused'
  | 'host-rebooted';

/** Outcome of `signalOther`. */
export type SignalReason =
  | 'sent'
  | 'orchestrator'
  | 'cross-host'
  | 'self-or-parent'
  | 'pid-dead'
  | 'stale-pid-untrusted'
  | 'kill-failed'
  | 'skip-pid-check'
  | 'invalid-pid'
  | 'other-namespace'
  | 'pid-reused';

/** Outcome of `clearLock`. */
export type ClearReason =
  | 'cleared'
  | 'no-lock'
  | 'fresh-same-host-alive'
  | 'orchestrator-mode';

export interface LockManagerOptions {
  /** Locks directory; relative paths resolve against the current directory.
   * Default: see `resolveLocksDir`. */
  locksDir?: string;
  /** Age in ms after which a lock held on another host is stale. */
  staleAgeMs?: number;
  /** Age in ms after which a skip-PID-check lock is stale. Default:
   * SEQUANT_SKILL_LOCK_TTL_MS when it is a positive integer, else 6 h. */
  skillLockTtlMs?: number;
  /** Age in ms after which any lock is stale unless its holder is proved
   * alive. Default: SEQUANT_MAX_LOCK_AGE_MS when it is a positive integer,
   * else 24 h. */
  maxLockAgeMs?: number;
  /** Makes every method a no-op. Default: SEQUANT_ORCHESTRATOR is set and
   * not empty. */
  orchestratorMode?: boolean;
  /** Host name recorded and compared (test seam). */
  hostname?: string;
  /** Process id recorded as the holder (test seam). */
  pid?: number;
  /** Liveness probe (test seam). Its result is final: no process start
   * time is compared. */
  isPidAlive?: (pid: number) => boolean;
  /** Clock in ms since the epoch (test seam). */
  now?: () => number;
}

export interface AcquireOptions {
  /** The holder cannot vouch for its PID, for example a shell that exits
   * right after acquiring: staleness is judged by age alone. */
  skipPidCheck?: boolean;
}

/** Outcome of `acquire`. */
export interface AcquireResult {
  acquired: boolean;
  /** Absolute lock file path; "" in orchestrator mode. */
  lockPath: string;
  /** The fresh holder that kept the lock, when not acquired. null when a
   * corrupt lock file occupies the key. */
  holder?: LockFile | null;
  /** When not acquired: always false. When acquired: true when a stale lock
   * was removed to take this one. */
  stale?: boolean;
  /** Reason the removed lock was stale; null when nothing was removed. */
  staleReason?: StaleReason | null;
  /** The stale lock removed to take this one; null when it was corrupt. */
  previous?: LockFile | null;
  /** Present, and true, when a corrupt lock file still inside its grace
   * period occupies the key. */
  corrupt?: boolean;
}

/** Options of `acquireWait`, an addition to sequant's LockManager. */
export interface AcquireWaitOptions extends AcquireOptions {
  /** Longest wait in milliseconds, rounded down; 0 tries once. Default:
   * wait until acquired. */
  timeoutMs?: number;
}

/** Outcome of `acquireWait`: `acquired: false` with the holder after a
 * timeout. */
export interface AcquireWaitResult extends AcquireResult {
  /** Milliseconds spent waiting; 0 when the first attempt decided. */
  waitedMs: number;
}

/** Outcome of `forceAcquire`. */
export interface ForceAcquireResult {
  lockPath: string;
  /** The holder that was replaced, or null when there was none or it was
   * corrupt. */
  previous: LockFile | null;
}

/** Outcome of `signalOther`. */
export interface SignalResult {
  sent: boolean;
  reason: SignalReason;
}

/** One entry of `list`. */
export interface LockListing {
  issue: number;
  /** null only for corrupt files, which `list` includes only with
   * `includeCorrupt`. */
  holder: LockFile | null;
  ageMs: number;
  stale: boolean;
  staleReason: StaleReason | null;
  lockPath: string;
  /** Present, and true, for an unreadable lock file. */
  corrupt?: boolean;
}

export interface ListOptions {
  /** Also list unreadable lock files, with a null holder. */
  includeCorrupt?: boolean;
}

export interface ClearOptions {
  /** Refuse to clear a fresh lock. Default true. */
  safetyCheck?: boolean;
}

/** Outcome of `clearLock`. */
export interface ClearResult {
  cleared: boolean;
  reason: ClearReason;
}

/** Error thrown by every function here. Argument errors are TypeError or
 * RangeError with the same properties. */
export interface SequantlockError extends Error {
  /** "INVALID_ARGUMENT", "INVALID_KEY", "IO", "NO_MEMORY", "RACE_LOST",
   * "UNSUPPORTED", "TIMEOUT" or "INTERNAL". */
  code: string;
  /** OS errno (positive, as in C) for system failures. */
  errno?: number;
  /** The path a system failure concerns. */
  path?: string;
}

export declare class LockManager {
  constructor(options?: LockManagerOptions);
  getLocksDir(): string;
  isNoop(): boolean;
  lockPathFor(issue: LockKey): string;
  acquire(issue: LockKey, command: string, options?: AcquireOptions): AcquireResult;
  /** Takes the lock, waiting while it is held. Invalid arguments throw
   * synchronously and library errors reject. Without seams the wait runs on
   * a libuv worker thread; with `isPidAlive` or `now` it polls `acquire` on
   * the main thread every 25 ms. Not in sequant's LockManager. */
  acquireWait(
    issue: LockKey,
    command: string,
    options?: AcquireWaitOptions,
  ): Promise<AcquireWaitResult>;
  forceAcquire(issue: LockKey, command: string, options?: AcquireOptions): ForceAcquireResult;
  signalOther(holder: LockFile, signal?: string | number): SignalResult;
  release(issue: LockKey): void;
  releaseExternal(issue: LockKey): boolean;
  releaseAll(): void;
  check(issue: LockKey): LockFile | null;
  list(options?: ListOptions): LockListing[];
  clearLock(issue: LockKey, options?: ClearOptions): ClearResult;
}

export declare function classifyStaleness(
  holder: LockFile,
  myHostname: string,
  now: number,
  staleAgeMs: number,
  skillLockTtlMs: number | undefined,
  maxLockAgeMs: number | undefined,
  isPidAlive?: (pid: number) => boolean,
): StaleReason | null;

export declare function formatLockedMessage(issue: LockKey, holder: LockFile): string;
export declare function resolveLocksDir(explicit?: string): string;
export declare function defaultIsPidAlive(pid: number): boolean;
export declare function isOrchestratorMode(): boolean;
