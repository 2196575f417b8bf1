// The lock manager: every operation on the locks of one directory, built
// from the staleness decision and a store.
//
// A manager remembers the locks it took (their owner tokens and, for up to
// kMaxHeldHandles of them, an open descriptor that makes release cheap).
// In orchestrator mode every operation is a no-op that touches no file.
// Thread safety: all methods may be called from several threads at once.
// After fork() the child does not own the parent's locks: it never
// releases them.
#ifndef SEQUANTLOCK_MANAGER_H_
#define SEQUANTLOCK_MANAGER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "error.h"
#include "file_store.h"
#include "record.h"
#include "staleness.h"
#include "store.h"
#include "waiter.h"

namespace sequantlock {

inline constexpr size_t kMaxHeldHandles = 64;

struct ManagerOptions {
  std::string locks_dir;  // Empty: resolve from the environment and git.
  std::optional<int64_t> stale_age_ms;
  std::optional<int64_t> skill_lock_ttl_ms;
  std::optional<int64_t> max_lock_age_ms;
  std::optional<bool> orchestrator_mode;
  std::optional<std::string> hostname;
  std::optional<int64_t> pid;
  // Replaces the kill(pid, 0) probe; its answer is final.
  std::function<Status(int64_t pid, bool* alive)> is_pid_alive;
  // Replaces the system clock; milliseconds since the epoch.
  std::function<Status(int64_t* now_ms)> now;
  std::optional<std::string> boot_id;
  std::optional<std::string> machine_id;
  FileStoreOptions store;
};

struct AcquireOutcome {
  bool acquired = false;
  std::string lock_path;
  std::optional<Record> holder;  // The holder that kept the lock.
  bool corrupt = false;          // Kept by a corrupt file in its grace time.
  std::optional<Record> record;  // What this call wrote.
  bool replaced = false;
  std::optional<Record> previous;
  StaleReason stale_reason = StaleReason::kNone;
  bool forced = false;
  int64_t waited_ms = 0;
};

struct LockInfo {
  std::string key;
  std::string lock_path;
  std::optional<Record> holder;  // Empty when the file is corrupt.
  StalenessDecision decision;
};

enum class ClearReason { kCleared = 0, kNoLock = 1, kFresh = 2,
                         kOrchestrator = 3 };

struct ClearOutcome {
  bool cleared = false;
  ClearReason reason = ClearReason::kNoLock;
  std::optional<LockInfo> info;
};

enum class ReleaseReason {
  kReleased = 0,
  kNoLock = 1,
  kNotOwner = 2,
  kCrossHost = 3,
  kTokenMismatch = 4,
  kCorrupt = 5,
  kOrchestrator = 6,
};

enum class SignalReason {
  kSent = 0,
  kOrchestrator = 1,
  kCrossHost = 2,
  kSelfOrParent = 3,
  kPidDead = 4,
  kStalePidUntrusted = 5,
  kKillFailed = 6,
  kSkipPidCheck = 7,
  kInvalidPid = 8,
  kOtherNamespace = 9,
  kPidReused = 10,
};

// Reads a positive integer of milliseconds from an environment variable;
// anything else (unset, empty, signs, units, zero, overflow) gives nothing.
std::optional<int64_t> PositiveMsFromEnv(const char* name);

// Whether SEQUANT_ORCHESTRATOR is set to a non-empty value.
bool OrchestratorModeFromEnv();

class Manager {
 public:
  static StatusOr<std::unique_ptr<Manager>> Create(ManagerOptions options);
  // For tests that substitute the store.
  static StatusOr<std::unique_ptr<Manager>> Create(
      ManagerOptions options, std::unique_ptr<LockStore> store);

  const std::string& locks_dir() const { return locks_dir_; }
  bool is_noop() const { return noop_; }
  const StalenessPolicy& policy() const { return policy_; }

  StatusOr<std::string> LockPath(const std::string& key) const;

  StatusOr<AcquireOutcome> Acquire(const std::string& key,
                                   const std::string& command,
                                   bool skip_pid_check);
  // Acquires, waiting up to `timeout_ms` (forever when negative) for a
  // held key to become free. Woken by the lock file's removal and by a
  // same-host holder's exit; `waited_ms` in the outcome says how long it
  // waited. A timeout is a refusal, not an error.
  StatusOr<AcquireOutcome> AcquireWait(const std::string& key,
                                       const std::string& command,
                                       bool skip_pid_check,
                                       int64_t timeout_ms);
  StatusOr<AcquireOutcome> ForceAcquire(const std::string& key,
                                        const std::string& command,
                                        bool skip_pid_check);
  StatusOr<SignalReason> SignalOther(const Record& holder, int signal);
  StatusOr<ReleaseReason> Release(const std::string& key);
  StatusOr<ReleaseReason> ReleaseToken(const std::string& key,
                                       const std::string& token);
  StatusOr<ReleaseReason> ReleaseExternal(const std::string& key);
  StatusOr<size_t> ReleaseAll();
  StatusOr<std::optional<LockInfo>> Check(const std::string& key);
  // Reads the lock file of `key` without judging it: no clock, no probe.
  StatusOr<std::optional<StoredLock>> Read(const std::string& key);
  StatusOr<std::vector<LockInfo>> List();
  StatusOr<ClearOutcome> Clear(const std::string& key, bool force);
  StatusOr<StalenessDecision> Classify(const Record& holder);

 private:
  struct HeldLock {
    std::string token;
    std::unique_ptr<LockHandle> handle;
    int64_t owner_process = 0;
  };

  Manager(ManagerOptions options, std::string locks_dir,
          std::unique_ptr<LockStore> store);

  StatusOr<int64_t> Now() const;
  int64_t RecordedPid() const;
  const Observer& observer();
  Status Probe(int64_t pid, ProcessState* state) const;
  // With `probe_cache`, the built-in probe runs once per PID and later
  // decisions reuse its result. Callers pass one only for a single pass
  // over many locks, such as List().
  StatusOr<StalenessDecision> Decide(
      const StoredLock& lock,
      std::unordered_map<int64_t, ProcessState>* probe_cache = nullptr);
  StatusOr<Record> NewRecord(const std::string& command, bool skip_pid_check);
  StatusOr<AcquireOutcome> AcquireLoop(const std::string& key,
                                       const std::string& command,
                                       bool skip_pid_check, bool force);
  void Remember(const std::string& key, const Record& record,
                std::unique_ptr<LockHandle> handle);
  std::optional<HeldLock> Forget(const std::string& key);
  bool WantHandle();
  StatusOr<ReleaseReason> RemoveMatching(
      const std::string& key,
      const std::function<bool(const Record& record)>& owns,
      ReleaseReason refused);

  ManagerOptions options_;
  std::string locks_dir_;
  std::unique_ptr<LockStore> store_;
  StalenessPolicy policy_;
  bool noop_ = false;
  std::string hostname_;

  std::once_flag observer_once_;
  Observer observer_;

  WatchPool watch_pool_;

  std::mutex mutex_;  // Guards held_ and handle_count_.
  std::map<std::string, HeldLock> held_;
  size_t handle_count_ = 0;
};

}  // namespace sequantlock

#endif  // SEQUANTLOCK_MANAGER_H_
