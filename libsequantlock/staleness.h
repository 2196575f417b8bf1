// The staleness decision: whether a lock's holder can still be holding it.
//
// One function decides for acquire, check, list, clear and signal, so they
// never disagree. Rules, first match wins:
//   0. A corrupt record is stale once its file is older than the grace.
//   1. A holder on the same machine after a reboot is stale.
//   2. A lock older than the ceiling is stale unless its holder is proved
//      to be the very process that took it (same boot, same PID namespace,
//      same process start time).
//   3. On the same host and PID namespace, without skipPidCheck: a dead PID
//      is stale, a PID now owned by another process is stale, and a live
//      holder is fresh whatever its age.
//   4. Otherwise (another host, another PID namespace, or skipPidCheck) the
//      lock is stale once older than the cross-host age or, with
//      skipPidCheck, the skip-PID-check TTL.
// Limits compare with '>'. Thread safety: pure given its inputs.
#ifndef SEQUANTLOCK_STALENESS_H_
#define SEQUANTLOCK_STALENESS_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "error.h"
#include "record.h"

namespace sequantlock {

inline constexpr int64_t kDefaultStaleAgeMs = 2 * 3600 * 1000;
inline constexpr int64_t kDefaultSkillLockTtlMs = 6 * 3600 * 1000;
inline constexpr int64_t kDefaultMaxLockAgeMs = 24 * 3600 * 1000;
inline constexpr int64_t kCorruptGraceMs = 2000;
// A startedAt further ahead of the reader's clock than this is not trusted.
inline constexpr int64_t kMaxFutureSkewMs = 5 * 60 * 1000;
// For records without a process start time, a live process that started
// more than this long after the lock's startedAt cannot be its holder. The
// slack covers the one-second resolution of the boot time and clock steps.
inline constexpr int64_t kLegacyStartSlackMs = 60 * 1000;

enum class StaleReason {
  kNone = 0,
  kPidDead = 1,
  kAgeExceeded = 2,
  kMaxAgeExceeded = 3,
  kCorrupt = 4,
  kPidReused = 5,
  kHostRebooted = 6,
};

const char* StaleReasonName(StaleReason reason);

struct StalenessPolicy {
  int64_t stale_age_ms = kDefaultStaleAgeMs;
  int64_t skill_lock_ttl_ms = kDefaultSkillLockTtlMs;
  int64_t max_lock_age_ms = kDefaultMaxLockAgeMs;
};

// The machine and process namespace doing the judging.
struct Observer {
  std::string hostname;
  std::string boot_id;
  std::string machine_id;
  uint64_t pid_namespace = 0;
};

// Where a holder runs, seen from the observer.
enum class Relation {
  kSameKernel,      // This host, this boot, this PID namespace.
  kOtherNamespace,  // This kernel, another PID namespace.
  kRebooted,        // Provably this machine, an earlier boot.
  kOtherHost,       // Another host name, machine or kernel.
};

Relation RelationTo(const Record& record, const Observer& observer);

// What the probe found at a PID in the observer's namespace.
struct ProcessState {
  bool alive = false;
  // True when the start times below come from the kernel, so they can prove
  // or disprove that the process is the holder.
  bool identity_known = false;
  int64_t start_time = -1;
  std::optional<int64_t> start_wall_ms;
};

using ProcessProbe = std::function<Status(int64_t pid, ProcessState* state)>;

// One lock as read from disk: a record, or nullptr when the file is corrupt.
struct LockObservation {
  const Record* record = nullptr;
  std::optional<int64_t> mtime_ms;
};

struct StalenessDecision {
  bool stale = false;
  StaleReason reason = StaleReason::kNone;
  int64_t age_ms = 0;
  bool age_known = false;
  bool age_from_mtime = false;
  // The holder is provably the process that took the lock.
  bool proven_alive = false;
  Relation relation = Relation::kOtherHost;
};

// Decides whether a lock is stale. The probe is called at most once, and
// only for a holder on the same kernel without skipPidCheck; its error is
// returned unchanged.
StatusOr<StalenessDecision> DecideStaleness(const LockObservation& lock,
                                            int64_t now_ms,
                                            const StalenessPolicy& policy,
                                            const Observer& observer,
                                            const ProcessProbe& probe);

// Whether a live process can be the record's holder: its kernel start time
// matches the recorded one, or, for records without one, it started before
// the lock was taken (within kLegacyStartSlackMs).
// NOTE: start times count clock ticks (10 ms at the usual USER_HZ of 100),
// so a PID handed to a new process within the same tick is not told apart.
bool ProcessMatchesRecord(const Record& record, const ProcessState& state);

}  // namespace sequantlock

#endif  // SEQUANTLOCK_STALENESS_H_
