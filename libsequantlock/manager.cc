#include "manager.h"

#include <signal.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>

#include "key.h"
#include "locks_dir.h"
#include "log.h"
#include "process_identity.h"
#include "time_format.h"
#include "waiter.h"

namespace sequantlock {
namespace {

constexpr int kMaxAcquireAttempts = 16;

int64_t SystemNowMs() {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

Status PositiveOption(const std::optional<int64_t>& value, const char* name) {
  if (value && *value <= 0) {
    return Status::Error(ErrorCode::kInvalidArgument,
                         std::string("invalid ") + name + " " +
                             std::to_string(*value) +
                             ": must be a positive number of milliseconds");
  }
  return Status();
}

void LogDecision(const std::string& message) {
  if (LogEnabled()) Log(LogLevel::kInfo, message);
}

}  // namespace

std::optional<int64_t> PositiveMsFromEnv(const char* name) {
  const char* raw = std::getenv(name);
  if (raw == nullptr || raw[0] == '\0') return std::nullopt;
  int64_t value = 0;
  for (const char* c = raw; *c != '\0'; ++c) {
    if (*c < '0' || *c > '9') return std::nullopt;
    if (value > (INT64_MAX - (*c - '0')) / 10) return std::nullopt;
    value = value * 10 + (*c - '0');
  }
  if (value <= 0) return std::nullopt;
  return value;
}

bool OrchestratorModeFromEnv() {
  const char* raw = std::getenv("SEQUANT_ORCHESTRATOR");
  return raw != nullptr && raw[0] != '\0';
}

StatusOr<std::unique_ptr<Manager>> Manager::Create(ManagerOptions options) {
  StatusOr<std::string> dir = ResolveLocksDir(options.locks_dir);
  if (!dir.ok()) return dir.status();
  auto store = std::make_unique<FileStore>(*dir, options.store);
  return Create(std::move(options), std::move(store));
}

StatusOr<std::unique_ptr<Manager>> Manager::Create(
    ManagerOptions options, std::unique_ptr<LockStore> store) {
  for (Status status :
       {PositiveOption(options.stale_age_ms, "stale age"),
        PositiveOption(options.skill_lock_ttl_ms, "skip-PID-check TTL"),
        PositiveOption(options.max_lock_age_ms, "maximum lock age")}) {
    if (!status.ok()) return status;
  }
  if (options.pid && *options.pid <= 0) {
    return Status::Error(ErrorCode::kInvalidArgument,
                         "invalid pid " + std::to_string(*options.pid) +
                             ": must be a positive process id");
  }
  std::string dir = store->location();
  return std::unique_ptr<Manager>(
      new Manager(std::move(options), std::move(dir), std::move(store)));
}

Manager::Manager(ManagerOptions options, std::string locks_dir,
                 std::unique_ptr<LockStore> store)
    : options_(std::move(options)),
      locks_dir_(std::move(locks_dir)),
      store_(std::move(store)) {
  policy_.stale_age_ms = options_.stale_age_ms.value_or(kDefaultStaleAgeMs);
  policy_.skill_lock_ttl_ms = options_.skill_lock_ttl_ms.value_or(
      PositiveMsFromEnv("SEQUANT_SKILL_LOCK_TTL_MS")
          .value_or(kDefaultSkillLockTtlMs));
  policy_.max_lock_age_ms = options_.max_lock_age_ms.value_or(
      PositiveMsFromEnv("SEQUANT_MAX_LOCK_AGE_MS")
          .value_or(kDefaultMaxLockAgeMs));
  noop_ = options_.orchestrator_mode.value_or(OrchestratorModeFromEnv());
  // Records store names as valid UTF-8, so compare in the same form.
  hostname_ =
      SanitizeUtf8(options_.hostname ? *options_.hostname : ReadHostName());
}

StatusOr<int64_t> Manager::Now() const {
  if (!options_.now) return SystemNowMs();
  int64_t now_ms = 0;
  Status status = options_.now(&now_ms);
  if (!status.ok()) return status;
  return now_ms;
}

int64_t Manager::RecordedPid() const {
  return options_.pid ? *options_.pid : CurrentPid();
}

const Observer& Manager::observer() {
  std::call_once(observer_once_, [this] {
    observer_.hostname = hostname_;
    observer_.boot_id = options_.boot_id ? *options_.boot_id : ReadBootId();
    observer_.machine_id =
        options_.machine_id ? *options_.machine_id : ReadMachineId();
    observer_.pid_namespace = ReadPidNamespace();
  });
  return observer_;
}

Status Manager::Probe(int64_t pid, ProcessState* state) const {
  if (options_.is_pid_alive) {
    bool alive = false;
    Status status = options_.is_pid_alive(pid, &alive);
    if (!status.ok()) return status;
    state->alive = alive;
    return Status();
  }
  state->alive = IsPidAlive(pid);
  if (state->alive) {
    const ProcessStat stat = ReadProcessStat(pid);
    // A zombie has exited; only its parent's wait() keeps the PID taken.
    if (stat.exited) {
      state->alive = false;
      return Status();
    }
    state->start_time = stat.start_time;
    state->start_wall_ms = StartTimeToWallMs(state->start_time);
    state->identity_known = state->start_time >= 0;
  }
  return Status();
}

StatusOr<StalenessDecision> Manager::Decide(
    const StoredLock& lock,
    std::unordered_map<int64_t, ProcessState>* probe_cache) {
  StatusOr<int64_t> now = Now();
  if (!now.ok()) return now.status();
  LockObservation observation;
  observation.record =
      lock.kind == StoredLock::Kind::kRecord ? &lock.record : nullptr;
  observation.mtime_ms = lock.mtime_ms;
  // A caller's is_pid_alive callback runs for every decision, because the
  // caller may count its calls or return different results.
  if (probe_cache == nullptr || options_.is_pid_alive) {
    return DecideStaleness(
        observation, *now, policy_, observer(),
        [this](int64_t pid, ProcessState* state) { return Probe(pid, state); });
  }
  return DecideStaleness(
      observation, *now, policy_, observer(),
      [this, probe_cache](int64_t pid, ProcessState* state) {
        auto cached = probe_cache->find(pid);
        if (cached != probe_cache->end()) {
          *state = cached->second;
          return Status();
        }
        Status status = Probe(pid, state);
        if (status.ok()) probe_cache->emplace(pid, *state);
        return status;
      });
}

StatusOr<Record> Manager::NewRecord(const std::string& command,
                                    bool skip_pid_check) {
  StatusOr<int64_t> now = Now();
  if (!now.ok()) return now.status();
  const Observer& me = observer();
  Record record;
  record.pid = RecordedPid();
  record.hostname = hostname_;
  record.started_at = FormatIsoTime(*now);
  record.command = SanitizeUtf8(command);
  record.skip_pid_check = skip_pid_check;
  record.token = NewToken();
  // A pid given with a custom probe is usually made up, so its start time
  // would belong to some unrelated process.
  if (!options_.pid) {
    record.process_start_time = OwnProcessStartTime();
  } else if (!options_.is_pid_alive) {
    record.process_start_time = ReadProcessStartTime(record.pid);
  }
  record.boot_id = me.boot_id;
  record.machine_id = me.machine_id;
  record.pid_namespace = me.pid_namespace;
  record.schema_version = kSchemaVersion;
  return record;
}

StatusOr<std::string> Manager::LockPath(const std::string& key) const {
  Status status = ValidateKey(key);
  if (!status.ok()) return status;
  return store_->PathFor(key);
}

bool Manager::WantHandle() {
  std::lock_guard<std::mutex> lock(mutex_);
  return handle_count_ < kMaxHeldHandles;
}

void Manager::Remember(const std::string& key, const Record& record,
                       std::unique_ptr<LockHandle> handle) {
  std::lock_guard<std::mutex> lock(mutex_);
  HeldLock& held = held_[key];
  if (held.handle) --handle_count_;
  held.token = record.token;
  held.handle = std::move(handle);
  held.owner_process = CurrentPid();
  if (held.handle) ++handle_count_;
}

std::optional<Manager::HeldLock> Manager::Forget(const std::string& key) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = held_.find(key);
  if (it == held_.end()) return std::nullopt;
  HeldLock held = std::move(it->second);
  held_.erase(it);
  if (held.handle) --handle_count_;
  // A child of fork() inherits the map but not the ownership.
  if (held.owner_process != CurrentPid()) return std::nullopt;
  return held;
}

StatusOr<AcquireOutcome> Manager::Acquire(const std::string& key,
                                          const std::string& command,
                                          bool skip_pid_check) {
  return AcquireLoop(key, command, skip_pid_check, /*force=*/false);
}

StatusOr<AcquireOutcome> Manager::AcquireWait(const std::string& key,
                                              const std::string& command,
                                              bool skip_pid_check,
                                              int64_t timeout_ms) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  const auto elapsed_ms = [&start] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() -
                                                                 start)
        .count();
  };
  for (;;) {
    // The watch starts before the attempt, so a release in between wakes
    // the wait below at once.
    std::unique_ptr<LockWaiter> waiter;
    if (timeout_ms != 0 && !noop_) {
      waiter = std::make_unique<LockWaiter>(watch_pool_, locks_dir_,
                                            key + ".lock");
    }
    StatusOr<AcquireOutcome> outcome = Acquire(key, command, skip_pid_check);
    if (!outcome.ok()) return outcome;
    outcome->waited_ms = elapsed_ms();
    if (outcome->acquired || waiter == nullptr) return outcome;
    const int64_t remaining =
        timeout_ms < 0 ? kRecheckIntervalMs : timeout_ms - elapsed_ms();
    if (remaining <= 0) return outcome;

    // A holder on this kernel whose PID is its own can be watched directly.
    std::optional<int64_t> holder_pid;
    if (outcome->holder && !outcome->holder->skip_pid_check &&
        !options_.is_pid_alive &&
        RelationTo(*outcome->holder, observer()) == Relation::kSameKernel) {
      holder_pid = outcome->holder->pid;
    }
    waiter->Wait(holder_pid, remaining);
  }
}

StatusOr<AcquireOutcome> Manager::ForceAcquire(const std::string& key,
                                               const std::string& command,
                                               bool skip_pid_check) {
  return AcquireLoop(key, command, skip_pid_check, /*force=*/true);
}

StatusOr<AcquireOutcome> Manager::AcquireLoop(const std::string& key,
                                              const std::string& command,
                                              bool skip_pid_check,
                                              bool force) {
  Status status = ValidateKey(key);
  if (!status.ok()) return status;
  AcquireOutcome outcome;
  outcome.forced = force;
  if (noop_) {
    outcome.acquired = true;
    return outcome;
  }
  StatusOr<Record> record = NewRecord(command, skip_pid_check);
  if (!record.ok()) return record.status();
  const std::string content = SerializeRecord(*record);
  outcome.lock_path = store_->PathFor(key);

  for (int attempt = 0; attempt < kMaxAcquireAttempts; ++attempt) {
    StatusOr<PublishOutcome> published =
        store_->Publish(key, content, WantHandle());
    if (!published.ok()) return published.status();
    if (published->created) {
      Remember(key, *record, std::move(published->handle));
      outcome.acquired = true;
      outcome.record = *record;
      return outcome;
    }

    // Someone holds the key. Unless forcing, decide without the guard
    // first, so a fresh holder costs only a read.
    if (!force) {
      StatusOr<StoredLock> existing = store_->Read(key);
      if (!existing.ok()) return existing.status();
      if (existing->kind == StoredLock::Kind::kMissing) continue;
      StatusOr<StalenessDecision> decision = Decide(*existing);
      if (!decision.ok()) return decision.status();
      if (!decision->stale) {
        if (existing->kind == StoredLock::Kind::kRecord) {
          outcome.holder = existing->record;
        } else {
          outcome.corrupt = true;
        }
        return outcome;
      }
    }

    StalenessDecision removed_decision;
    std::optional<StoredLock> kept;
    StatusOr<RemovalOutcome> removal = store_->RemoveIf(
        key, [&](const StoredLock& lock) -> StatusOr<bool> {
          StatusOr<StalenessDecision> decision = Decide(lock);
          if (!decision.ok()) return decision.status();
          removed_decision = *decision;
          return force || decision->stale;
        });
    if (!removal.ok()) return removal.status();
    const StoredLock& found = removal->lock;
    switch (removal->kind) {
      case RemovalOutcome::Kind::kMissing:
        break;
      case RemovalOutcome::Kind::kKept:
        if (found.kind == StoredLock::Kind::kRecord) {
          outcome.holder = found.record;
        } else {
          outcome.corrupt = true;
        }
        return outcome;
      case RemovalOutcome::Kind::kRemoved:
        outcome.replaced = true;
        outcome.previous.reset();
        if (found.kind == StoredLock::Kind::kRecord) {
          outcome.previous = found.record;
        }
        outcome.stale_reason =
            removed_decision.stale ? removed_decision.reason : StaleReason::kNone;
        LogDecision(
            force ? "forced lock " + key + " from pid " +
                        (outcome.previous ? std::to_string(outcome.previous->pid)
                                          : std::string("unknown"))
                  : "cleared stale lock " + key + ": " +
                        StaleReasonName(removed_decision.reason));
        break;
    }
  }
  return Status::Error(ErrorCode::kRaceLost,
                       "lock " + key +
                           " kept changing hands; another process took it "
                           "each time this one tried");
}

StatusOr<ReleaseReason> Manager::RemoveMatching(
    const std::string& key,
    const std::function<bool(const Record& record)>& owns,
    ReleaseReason refused) {
  StatusOr<RemovalOutcome> removal = store_->RemoveIf(
      key, [&](const StoredLock& lock) -> StatusOr<bool> {
        return lock.kind == StoredLock::Kind::kRecord && owns(lock.record);
      });
  if (!removal.ok()) return removal.status();
  switch (removal->kind) {
    case RemovalOutcome::Kind::kMissing:
      return ReleaseReason::kNoLock;
    case RemovalOutcome::Kind::kRemoved:
      return ReleaseReason::kReleased;
    case RemovalOutcome::Kind::kKept:
      break;
  }
  const StoredLock& found = removal->lock;
  if (found.kind != StoredLock::Kind::kRecord) return ReleaseReason::kCorrupt;
  if (found.record.hostname != hostname_) return ReleaseReason::kCrossHost;
  return refused;
}

StatusOr<ReleaseReason> Manager::Release(const std::string& key) {
  Status status = ValidateKey(key);
  if (!status.ok()) return status;
  if (noop_) return ReleaseReason::kOrchestrator;

  std::optional<HeldLock> held = Forget(key);
  if (held && held->handle) {
    StatusOr<bool> removed =
        store_->RemoveHeld(key, std::move(held->handle));
    if (!removed.ok()) return removed.status();
    if (*removed) return ReleaseReason::kReleased;
    StatusOr<StoredLock> now = store_->Read(key);
    if (!now.ok()) return now.status();
    return now->kind == StoredLock::Kind::kMissing ? ReleaseReason::kNoLock
                                                   : ReleaseReason::kNotOwner;
  }
  if (held) {
    const std::string token = held->token;
    return RemoveMatching(
        key, [&](const Record& record) { return record.token == token; },
        ReleaseReason::kNotOwner);
  }
  // Not taken by this manager: only a record without a token, written by
  // this pid on this host (the TypeScript original's notion of owner).
  const int64_t pid = RecordedPid();
  return RemoveMatching(
      key,
      [&](const Record& record) {
        return record.token.empty() && record.pid == pid &&
               record.hostname == hostname_;
      },
      ReleaseReason::kNotOwner);
}

StatusOr<ReleaseReason> Manager::ReleaseToken(const std::string& key,
                                              const std::string& token) {
  Status status = ValidateKey(key);
  if (!status.ok()) return status;
  if (noop_) return ReleaseReason::kOrchestrator;
  if (token.empty()) {
    return Status::Error(ErrorCode::kInvalidArgument,
                         "invalid token '': a token is the non-empty value "
                         "that acquire reported");
  }
  StatusOr<ReleaseReason> reason = RemoveMatching(
      key, [&](const Record& record) { return record.token == token; },
      ReleaseReason::kTokenMismatch);
  if (reason.ok() && *reason == ReleaseReason::kCrossHost) {
    reason = ReleaseReason::kTokenMismatch;
  }
  if (reason.ok() && *reason == ReleaseReason::kReleased) Forget(key);
  return reason;
}

StatusOr<ReleaseReason> Manager::ReleaseExternal(const std::string& key) {
  Status status = ValidateKey(key);
  if (!status.ok()) return status;
  if (noop_) return ReleaseReason::kOrchestrator;
  const int64_t pid = RecordedPid();
  StatusOr<ReleaseReason> reason = RemoveMatching(
      key,
      [&](const Record& record) {
        return record.hostname == hostname_ &&
               (record.skip_pid_check || record.pid == pid);
      },
      ReleaseReason::kNotOwner);
  if (reason.ok() && *reason == ReleaseReason::kReleased) Forget(key);
  return reason;
}

StatusOr<size_t> Manager::ReleaseAll() {
  if (noop_) return size_t{0};
  std::vector<std::string> keys;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& entry : held_) keys.push_back(entry.first);
  }
  size_t released = 0;
  Status first_error;
  for (const std::string& key : keys) {
    StatusOr<ReleaseReason> reason = Release(key);
    if (!reason.ok()) {
      if (first_error.ok()) first_error = reason.status();
      continue;
    }
    if (*reason == ReleaseReason::kReleased) ++released;
  }
  if (!first_error.ok()) return first_error;
  return released;
}

StatusOr<std::optional<LockInfo>> Manager::Check(const std::string& key) {
  Status status = ValidateKey(key);
  if (!status.ok()) return status;
  if (noop_) return std::optional<LockInfo>();
  StatusOr<StoredLock> lock = store_->Read(key);
  if (!lock.ok()) return lock.status();
  if (lock->kind == StoredLock::Kind::kMissing) {
    return std::optional<LockInfo>();
  }
  StatusOr<StalenessDecision> decision = Decide(*lock);
  if (!decision.ok()) return decision.status();
  LockInfo info;
  info.key = key;
  info.lock_path = lock->path;
  if (lock->kind == StoredLock::Kind::kRecord) info.holder = lock->record;
  info.decision = *decision;
  return std::optional<LockInfo>(std::move(info));
}

StatusOr<std::optional<StoredLock>> Manager::Read(const std::string& key) {
  Status status = ValidateKey(key);
  if (!status.ok()) return status;
  if (noop_) return std::optional<StoredLock>();
  StatusOr<StoredLock> lock = store_->Read(key);
  if (!lock.ok()) return lock.status();
  if (lock->kind == StoredLock::Kind::kMissing) {
    return std::optional<StoredLock>();
  }
  return std::optional<StoredLock>(std::move(*lock));
}

StatusOr<std::vector<LockInfo>> Manager::List() {
  std::vector<LockInfo> infos;
  if (noop_) return infos;
  StatusOr<std::vector<StoredLock>> locks = store_->ReadAll();
  if (!locks.ok()) return locks.status();
  infos.reserve(locks->size());
  // Many locks often name one holder, so each PID is probed once a list.
  std::unordered_map<int64_t, ProcessState> probe_cache;
  for (StoredLock& lock : *locks) {
    StatusOr<StalenessDecision> decision = Decide(lock, &probe_cache);
    if (!decision.ok()) return decision.status();
    LockInfo info;
    info.key = std::move(lock.key);
    info.lock_path = std::move(lock.path);
    if (lock.kind == StoredLock::Kind::kRecord) {
      info.holder = std::move(lock.record);
    }
    info.decision = *decision;
    infos.push_back(std::move(info));
  }
  std::sort(infos.begin(), infos.end(),
            [](const LockInfo& a, const LockInfo& b) {
              return KeyLess(a.key, b.key);
            });
  return infos;
}

StatusOr<ClearOutcome> Manager::Clear(const std::string& key, bool force) {
  ClearOutcome outcome;
  Status status = ValidateKey(key);
  if (!status.ok()) return status;
  if (noop_) {
    outcome.reason = ClearReason::kOrchestrator;
    return outcome;
  }
  StalenessDecision decision;
  StatusOr<RemovalOutcome> removal = store_->RemoveIf(
      key, [&](const StoredLock& lock) -> StatusOr<bool> {
        StatusOr<StalenessDecision> decided = Decide(lock);
        if (!decided.ok()) return decided.status();
        decision = *decided;
        return force || decision.stale;
      });
  if (!removal.ok()) return removal.status();
  if (removal->kind == RemovalOutcome::Kind::kMissing) {
    outcome.reason = ClearReason::kNoLock;
    return outcome;
  }
  LockInfo info;
  info.key = key;
  info.lock_path = removal->lock.path;
  if (removal->lock.kind == StoredLock::Kind::kRecord) {
    info.holder = removal->lock.record;
  }
  info.decision = decision;
  outcome.info = std::move(info);
  outcome.cleared = removal->kind == RemovalOutcome::Kind::kRemoved;
  outcome.reason = outcome.cleared ? ClearReason::kCleared : ClearReason::kFresh;
  if (outcome.cleared) {
    LogDecision(decision.stale
                    ? "cleared stale lock " + key + ": " +
                          StaleReasonName(decision.reason)
                    : "cleared fresh lock " + key + " by force");
  }
  return outcome;
}

StatusOr<StalenessDecision> Manager::Classify(const Record& holder) {
  StoredLock lock;
  lock.kind = StoredLock::Kind::kRecord;
  lock.record = holder;
  return Decide(lock);
}

StatusOr<SignalReason> Manager::SignalOther(const Record& holder, int signal) {
  if (noop_) return SignalReason::kOrchestrator;
  if (holder.pid <= 1) return SignalReason::kInvalidPid;
  switch (RelationTo(holder, observer())) {
    case Relation::kOtherHost:
    case Relation::kRebooted:
      return SignalReason::kCrossHost;
    case Relation::kOtherNamespace:
      return SignalReason::kOtherNamespace;
    case Relation::kSameKernel:
      break;
  }
  if (holder.pid == RecordedPid() || holder.pid == CurrentPid() ||
      holder.pid == ParentPid()) {
    return SignalReason::kSelfOrParent;
  }
  // The PID of a skip-PID-check lock belonged to a shell that has exited;
  // whatever runs under it now is someone else.
  if (holder.skip_pid_check) return SignalReason::kSkipPidCheck;

  // Past the ceiling only a proof of identity makes the PID trustworthy,
  // and a custom probe can give none, so it is not asked.
  StatusOr<int64_t> now = Now();
  if (!now.ok()) return now.status();
  const std::optional<int64_t> started = ParseIsoTime(holder.started_at);
  const bool past_ceiling =
      started && *now - *started > policy_.max_lock_age_ms;
  if (past_ceiling && options_.is_pid_alive) {
    return SignalReason::kStalePidUntrusted;
  }
  ProcessState state;
  Status status = Probe(holder.pid, &state);
  if (!status.ok()) return status;
  const bool proven = state.alive && state.identity_known &&
                      holder.process_start_time >= 0 &&
                      state.start_time == holder.process_start_time &&
                      !holder.boot_id.empty() &&
                      holder.boot_id == observer().boot_id;
  if (past_ceiling && !proven) return SignalReason::kStalePidUntrusted;
  if (!state.alive) return SignalReason::kPidDead;
  if (!ProcessMatchesRecord(holder, state)) return SignalReason::kPidReused;

  const SignalOutcome sent = SignalVerifiedProcess(
      holder.pid,
      [&](int64_t start_time) {
        ProcessState pinned;
        pinned.alive = true;
        pinned.identity_known = start_time >= 0;
        pinned.start_time = start_time;
        pinned.start_wall_ms = StartTimeToWallMs(start_time);
        return ProcessMatchesRecord(holder, pinned);
      },
      signal);
  switch (sent) {
    case SignalOutcome::kSent:
      LogDecision("sent signal " + std::to_string(signal) + " to pid " +
                  std::to_string(holder.pid));
      return SignalReason::kSent;
    case SignalOutcome::kNoProcess:
      return SignalReason::kPidDead;
    case SignalOutcome::kStartChanged:
      return SignalReason::kPidReused;
    case SignalOutcome::kFailed:
      break;
  }
  return SignalReason::kKillFailed;
}

}  // namespace sequantlock
