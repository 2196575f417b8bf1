// Compiled by types.test.js with `tsc --noEmit`: calls written the way
// sequant calls its own LockManager must type-check against index.d.ts.
import {
  DEFAULT_LOCKS_DIR,
  DEFAULT_MAX_LOCK_AGE_MS,
  DEFAULT_SKILL_LOCK_TTL_MS,
  DEFAULT_STALE_AGE_MS,
  LockManager,
  classifyStaleness,
  defaultIsPidAlive,
  formatLockedMessage,
  isOrchestratorMode,
  resolveLocksDir,
} from 'sequantlock';
import type {
  AcquireResult,
  AcquireWaitResult,
  ClearResult,
  LockFile,
  LockListing,
  LockManagerOptions,
  SignalResult,
  StaleReason,
} from 'sequantlock';

const options: LockManagerOptions = {
  locksDir: resolveLocksDir(),
  staleAgeMs: DEFAULT_STALE_AGE_MS,
  skillLockTtlMs: DEFAULT_SKILL_LOCK_TTL_MS,
  maxLockAgeMs: DEFAULT_MAX_LOCK_AGE_MS,
  orchestratorMode: isOrchestratorMode(),
  hostname: 'host',
  pid: 1234,
  isPidAlive: defaultIsPidAlive,
  now: () => Date.now(),
};
const manager = new LockManager(options);

const result: AcquireResult = manager.acquire(604, 'npx sequant run 604', { skipPidCheck: true });
if (!result.acquired && result.holder) {
  const message: string = formatLockedMessage(604, result.holder);
  void message;
}
const forced = manager.forceAcquire(604, 'takeover');
if (forced.previous !== null) {
  const signal: SignalResult = manager.signalOther(forced.previous);
  const withName: SignalResult = manager.signalOther(forced.previous, 'SIGINT');
  void signal;
  void withName;
}
manager.release(604);
const waited: Promise<AcquireWaitResult> = manager.acquireWait(604, 'npx sequant run 604', {
  timeoutMs: 30_000,
  skipPidCheck: false,
});
void waited.then((outcome) => {
  const ms: number = outcome.waitedMs;
  const holderWhileWaiting: LockFile | null | undefined = outcome.holder;
  void [ms, holderWhileWaiting];
});
const external: boolean = manager.releaseExternal(604);
manager.releaseAll();
const holder: LockFile | null = manager.check(604);
const listings: LockListing[] = manager.list();
const cleared: ClearResult = manager.clearLock(604, { safetyCheck: false });
const path: string = manager.lockPathFor(604);
const dir: string = manager.getLocksDir();
const noop: boolean = manager.isNoop();
const reason: StaleReason | null = holder
  ? classifyStaleness(holder, 'host', Date.now(), DEFAULT_STALE_AGE_MS, undefined, undefined, () => true)
  : null;
void [external, listings, cleared, path, dir, noop, reason, DEFAULT_LOCKS_DIR];
