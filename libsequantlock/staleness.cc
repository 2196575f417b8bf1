#include "staleness.h"

#include "time_format.h"

namespace sequantlock {
namespace {

bool BothSetAndDiffer(const std::string& a, const std::string& b) {
  return !a.empty() && !b.empty() && a != b;
}

// The lock's age from startedAt, or from the file's mtime when startedAt is
// not a date or lies too far ahead of the reader's clock.
void ComputeAge(const LockObservation& lock, int64_t now_ms,
                StalenessDecision* decision) {
  std::optional<int64_t> started;
  if (lock.record != nullptr) {
    started = ParseIsoTime(lock.record->started_at);
    if (started && *started - now_ms > kMaxFutureSkewMs) started.reset();
  }
  if (started) {
    decision->age_ms = now_ms > *started ? now_ms - *started : 0;
    decision->age_known = true;
  } else if (lock.mtime_ms) {
    decision->age_ms = now_ms > *lock.mtime_ms ? now_ms - *lock.mtime_ms : 0;
    decision->age_known = true;
    decision->age_from_mtime = true;
  }
}

void MarkStale(StalenessDecision* decision, StaleReason reason) {
  decision->stale = true;
  decision->reason = reason;
}

}  // namespace

const char* StaleReasonName(StaleReason reason) {
  switch (reason) {
    case StaleReason::kNone:
      return "";
    case StaleReason::kPidDead:
      return "pid-dead";
    case StaleReason::kAgeExceeded:
      return "age-exceeded";
    case StaleReason::kMaxAgeExceeded:
      return "max-age-exceeded";
    case StaleReason::kCorrupt:
      return "corrupt";
    case StaleReason::kPidReused:
      return "pid-reused";
    case StaleReason::kHostRebooted:
      return "host-rebooted";
  }
  return "unknown";
}

Relation RelationTo(const Record& record, const Observer& observer) {
  if (record.hostname != observer.hostname) return Relation::kOtherHost;
  if (BothSetAndDiffer(record.machine_id, observer.machine_id)) {
    return Relation::kOtherHost;
  }
  if (BothSetAndDiffer(record.boot_id, observer.boot_id)) {
    // A different boot id alone cannot tell a reboot from another kernel
    // that shares the host name; only a matching machine id proves it.
    const bool same_machine = !record.machine_id.empty() &&
                              record.machine_id == observer.machine_id;
    return same_machine ? Relation::kRebooted : Relation::kOtherHost;
  }
  if (record.pid_namespace != 0 && observer.pid_namespace != 0 &&
      record.pid_namespace != observer.pid_namespace) {
    return Relation::kOtherNamespace;
  }
  return Relation::kSameKernel;
}

bool ProcessMatchesRecord(const Record& record, const ProcessState& state) {
  if (!state.identity_known) return true;
  if (record.process_start_time >= 0) {
    return state.start_time < 0 || state.start_time == record.process_start_time;
  }
  const std::optional<int64_t> started = ParseIsoTime(record.started_at);
  if (!started || !state.start_wall_ms) return true;
  return *state.start_wall_ms <= *started + kLegacyStartSlackMs;
}

StatusOr<StalenessDecision> DecideStaleness(const LockObservation& lock,
                                            int64_t now_ms,
                                            const StalenessPolicy& policy,
                                            const Observer& observer,
                                            const ProcessProbe& probe) {
  StalenessDecision decision;
  ComputeAge(lock, now_ms, &decision);

  if (lock.record == nullptr) {
    if (decision.age_known && decision.age_ms > kCorruptGraceMs) {
      MarkStale(&decision, StaleReason::kCorrupt);
    }
    return decision;
  }
  const Record& record = *lock.record;
  decision.relation = RelationTo(record, observer);

  if (decision.relation == Relation::kRebooted) {
    MarkStale(&decision, StaleReason::kHostRebooted);
    return decision;
  }

  const bool probe_pid =
      decision.relation == Relation::kSameKernel && !record.skip_pid_check;
  ProcessState state;
  if (probe_pid) {
    Status status = probe(record.pid, &state);
    if (!status.ok()) return status;
    decision.proven_alive = state.alive && state.identity_known &&
                            record.process_start_time >= 0 &&
                            state.start_time == record.process_start_time &&
                            !record.boot_id.empty() &&
                            record.boot_id == observer.boot_id;
  }

  if (decision.age_known && decision.age_ms > policy.max_lock_age_ms &&
      !decision.proven_alive) {
    MarkStale(&decision, StaleReason::kMaxAgeExceeded);
    return decision;
  }

  if (probe_pid) {
    if (!state.alive) {
      MarkStale(&decision, StaleReason::kPidDead);
    } else if (!ProcessMatchesRecord(record, state)) {
      MarkStale(&decision, StaleReason::kPidReused);
    }
    return decision;
  }

  const int64_t ttl = record.skip_pid_check ? policy.skill_lock_ttl_ms
                                            : policy.stale_age_ms;
  if (decision.age_known && decision.age_ms > ttl) {
    MarkStale(&decision, StaleReason::kAgeExceeded);
  }
  return decision;
}

}  // namespace sequantlock
