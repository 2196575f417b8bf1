// The C ABI over the core: handles, the thread-local last error, and the
// guard that keeps exceptions from crossing the C boundary.
#include "sequantlock.h"

#include <cstdlib>
#include <cstring>
#include <new>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "error.h"
#include "key.h"
#include "locks_dir.h"
#include "log.h"
#include "manager.h"
#include "message.h"
#include "process_identity.h"
#include "record.h"

using sequantlock::ErrorCode;
using sequantlock::Status;
using sequantlock::StatusOr;

#define SEQUANTLOCK_X_CHECK_ERROR(name, value, text) \
  static_assert(value < 0, "error codes are negative");
SEQUANTLOCK_ERROR_TABLE(SEQUANTLOCK_X_CHECK_ERROR)
#undef SEQUANTLOCK_X_CHECK_ERROR
static_assert(SEQUANTLOCK_ERR_IO == static_cast<int>(ErrorCode::kIo), "");
static_assert(SEQUANTLOCK_ERR_INTERNAL ==
                  static_cast<int>(ErrorCode::kInternal), "");
static_assert(SEQUANTLOCK_ERR_CALLBACK ==
                  static_cast<int>(ErrorCode::kCallback), "");
static_assert(SEQUANTLOCK_STALE_HOST_REBOOTED ==
                  static_cast<int>(sequantlock::StaleReason::kHostRebooted),
              "");
static_assert(SEQUANTLOCK_SIGNAL_PID_REUSED ==
                  static_cast<int>(sequantlock::SignalReason::kPidReused),
              "");
static_assert(SEQUANTLOCK_RELEASE_ORCHESTRATOR ==
                  static_cast<int>(sequantlock::ReleaseReason::kOrchestrator),
              "");
static_assert(SEQUANTLOCK_CLEAR_ORCHESTRATOR ==
                  static_cast<int>(sequantlock::ClearReason::kOrchestrator),
              "");

struct sequantlock_holder {
  sequantlock::Record record;
};

struct sequantlock_options {
  sequantlock::ManagerOptions options;
};

struct sequantlock_acquire_result {
  sequantlock::AcquireOutcome outcome;
  sequantlock_holder holder;
  sequantlock_holder record;
  sequantlock_holder previous;
};

struct sequantlock_lock_info {
  sequantlock::LockInfo info;
  sequantlock_holder holder;
};

struct sequantlock_lock_list {
  std::vector<sequantlock_lock_info> items;
};

struct sequantlock_clear_result {
  sequantlock::ClearOutcome outcome;
  sequantlock_lock_info info;
};

struct sequantlock_manager {
  std::unique_ptr<sequantlock::Manager> manager;
};

namespace {

struct LastError {
  int code = SEQUANTLOCK_OK;
  std::string message;
  int os_errno = 0;
  std::string path;
};

thread_local LastError g_last_error;

void ClearError() {
  g_last_error.code = SEQUANTLOCK_OK;
  g_last_error.message.clear();
  g_last_error.os_errno = 0;
  g_last_error.path.clear();
}

int SetError(const Status& status) {
  g_last_error.code = static_cast<int>(status.code());
  g_last_error.message = status.message();
  g_last_error.os_errno = status.os_errno();
  g_last_error.path = status.path();
  return g_last_error.code;
}

int SetError(ErrorCode code, const char* message) {
  return SetError(Status::Error(code, message));
}

// Runs `body`, which returns a Status, and turns its result or any
// exception into a return code and the thread's last error.
template <typename Body>
int Guard(Body&& body) noexcept {
  try {
    ClearError();
    Status status = body();
    if (!status.ok()) return SetError(status);
    return SEQUANTLOCK_OK;
  } catch (const std::bad_alloc&) {
    return SetError(ErrorCode::kNoMemory, "out of memory");
  } catch (const std::exception& e) {
    return SetError(ErrorCode::kInternal, e.what());
  } catch (...) {
    return SetError(ErrorCode::kInternal, "unknown internal error");
  }
}

Status NullArgument(const char* name) {
  return Status::Error(ErrorCode::kInvalidArgument,
                       std::string("invalid argument: '") + name +
                           "' must not be NULL");
}

char* CopyString(const std::string& text) {
  char* copy = static_cast<char*>(std::malloc(text.size() + 1));
  if (copy == nullptr) throw std::bad_alloc();
  std::memcpy(copy, text.c_str(), text.size() + 1);
  return copy;
}

Status PositiveMs(int64_t ms, const char* name) {
  if (ms > 0) return Status();
  return Status::Error(ErrorCode::kInvalidArgument,
                       std::string("invalid ") + name + " " +
                           std::to_string(ms) +
                           ": must be a positive number of milliseconds");
}

void FillLockInfo(sequantlock_lock_info* target, sequantlock::LockInfo info) {
  target->info = std::move(info);
  if (target->info.holder) target->holder.record = *target->info.holder;
}

int AcquireImpl(sequantlock_manager* manager, const char* key,
                       const char* command, unsigned flags, bool force,
                       std::optional<int64_t> timeout_ms,
                       sequantlock_acquire_result** out) {
  if (out != nullptr) *out = nullptr;
  return Guard([&] {
    if (manager == nullptr) return NullArgument("manager");
    if (key == nullptr) return NullArgument("key");
    if (out == nullptr) return NullArgument("out");
    if ((flags & ~static_cast<unsigned>(SEQUANTLOCK_ACQUIRE_SKIP_PID_CHECK)) !=
        0) {
      return Status::Error(ErrorCode::kInvalidArgument,
                           "invalid acquire flags " + std::to_string(flags) +
                               ": only SEQUANTLOCK_ACQUIRE_SKIP_PID_CHECK is "
                               "defined");
    }
    const bool skip = (flags & SEQUANTLOCK_ACQUIRE_SKIP_PID_CHECK) != 0;
    const std::string label = command != nullptr ? command : "unknown";
    StatusOr<sequantlock::AcquireOutcome> outcome =
        force ? manager->manager->ForceAcquire(key, label, skip)
        : timeout_ms
            ? manager->manager->AcquireWait(key, label, skip, *timeout_ms)
            : manager->manager->Acquire(key, label, skip);
    if (!outcome.ok()) return outcome.status();
    auto result = std::make_unique<sequantlock_acquire_result>();
    result->outcome = std::move(*outcome);
    if (result->outcome.holder) result->holder.record = *result->outcome.holder;
    if (result->outcome.record) result->record.record = *result->outcome.record;
    if (result->outcome.previous) {
      result->previous.record = *result->outcome.previous;
    }
    *out = result.release();
    return Status();
  });
}

template <typename Call>
int ReleaseImpl(sequantlock_manager* manager, const char* key,
                       int* reason, Call&& call) {
  return Guard([&] {
    if (manager == nullptr) return NullArgument("manager");
    if (key == nullptr) return NullArgument("key");
    StatusOr<sequantlock::ReleaseReason> outcome = call();
    if (!outcome.ok()) return outcome.status();
    if (reason != nullptr) *reason = static_cast<int>(*outcome);
    return Status();
  });
}

}  // namespace

extern "C" {

const char* sequantlock_version(void) {
#define SEQUANTLOCK_STRINGIFY2(x) #x
#define SEQUANTLOCK_STRINGIFY(x) SEQUANTLOCK_STRINGIFY2(x)
  return SEQUANTLOCK_STRINGIFY(SEQUANTLOCK_VERSION_MAJOR) "." SEQUANTLOCK_STRINGIFY(
      SEQUANTLOCK_VERSION_MINOR) "." SEQUANTLOCK_STRINGIFY(SEQUANTLOCK_VERSION_PATCH);
#undef SEQUANTLOCK_STRINGIFY
#undef SEQUANTLOCK_STRINGIFY2
}

int sequantlock_version_number(void) { return SEQUANTLOCK_VERSION_NUMBER; }

const char* sequantlock_error_name(int code) {
  if (code == SEQUANTLOCK_OK) return "OK";
#define SEQUANTLOCK_X_NAME(name, value, text) \
  if (code == value) return #name;
  SEQUANTLOCK_ERROR_TABLE(SEQUANTLOCK_X_NAME)
#undef SEQUANTLOCK_X_NAME
  return "UNKNOWN";
}

const char* sequantlock_error_string(int code) {
  if (code == SEQUANTLOCK_OK) return "success";
#define SEQUANTLOCK_X_TEXT(name, value, text) \
  if (code == value) return text;
  SEQUANTLOCK_ERROR_TABLE(SEQUANTLOCK_X_TEXT)
#undef SEQUANTLOCK_X_TEXT
  return "unknown error";
}

int sequantlock_last_error_code(void) { return g_last_error.code; }
const char* sequantlock_last_error_message(void) {
  return g_last_error.message.c_str();
}
int sequantlock_last_error_os_errno(void) { return g_last_error.os_errno; }
const char* sequantlock_last_error_path(void) {
  return g_last_error.path.c_str();
}

void sequantlock_string_free(char* string) { std::free(string); }

void sequantlock_set_log_callback(sequantlock_log_fn callback,
                                  void* user_data) {
  sequantlock::SetLogSink(callback, user_data);
}

#define SEQUANTLOCK_X_REASON_NAME(name, value, text) \
  case value:                                        \
    return text;

const char* sequantlock_stale_reason_name(int reason) {
  switch (reason) {
    SEQUANTLOCK_STALE_REASON_TABLE(SEQUANTLOCK_X_REASON_NAME)
    default:
      return "unknown";
  }
}

const char* sequantlock_signal_reason_name(int reason) {
  switch (reason) {
    SEQUANTLOCK_SIGNAL_REASON_TABLE(SEQUANTLOCK_X_REASON_NAME)
    default:
      return "unknown";
  }
}

const char* sequantlock_clear_reason_name(int reason) {
  switch (reason) {
    SEQUANTLOCK_CLEAR_REASON_TABLE(SEQUANTLOCK_X_REASON_NAME)
    default:
      return "unknown";
  }
}

const char* sequantlock_release_reason_name(int reason) {
  switch (reason) {
    SEQUANTLOCK_RELEASE_REASON_TABLE(SEQUANTLOCK_X_REASON_NAME)
    default:
      return "unknown";
  }
}

#undef SEQUANTLOCK_X_REASON_NAME

int sequantlock_key_validate(const char* key) {
  return Guard([&] {
    if (key == nullptr) return NullArgument("key");
    return sequantlock::ValidateKey(key);
  });
}

int sequantlock_key_is_issue(const char* key) {
  return key != nullptr && sequantlock::IsIssueKey(key) ? 1 : 0;
}

int sequantlock_resolve_locks_dir(const char* explicit_dir, char** out) {
  if (out != nullptr) *out = nullptr;
  return Guard([&] {
    if (out == nullptr) return NullArgument("out");
    StatusOr<std::string> dir = sequantlock::ResolveLocksDir(
        explicit_dir != nullptr ? explicit_dir : "");
    if (!dir.ok()) return dir.status();
    *out = CopyString(*dir);
    return Status();
  });
}

int sequantlock_orchestrator_mode_from_env(void) {
  return sequantlock::OrchestratorModeFromEnv() ? 1 : 0;
}

int sequantlock_default_is_pid_alive(int64_t pid) {
  return sequantlock::IsPidAlive(pid) ? 1 : 0;
}

/* Holder --------------------------------------------------------------- */

int64_t sequantlock_holder_pid(const sequantlock_holder* h) {
  return h != nullptr ? h->record.pid : 0;
}
const char* sequantlock_holder_hostname(const sequantlock_holder* h) {
  return h != nullptr ? h->record.hostname.c_str() : "";
}
const char* sequantlock_holder_started_at(const sequantlock_holder* h) {
  return h != nullptr ? h->record.started_at.c_str() : "";
}
const char* sequantlock_holder_command(const sequantlock_holder* h) {
  return h != nullptr ? h->record.command.c_str() : "";
}
int sequantlock_holder_skip_pid_check(const sequantlock_holder* h) {
  return h != nullptr && h->record.skip_pid_check ? 1 : 0;
}
const char* sequantlock_holder_token(const sequantlock_holder* h) {
  return h != nullptr ? h->record.token.c_str() : "";
}
int64_t sequantlock_holder_process_start_time(const sequantlock_holder* h) {
  return h != nullptr ? h->record.process_start_time : -1;
}
const char* sequantlock_holder_boot_id(const sequantlock_holder* h) {
  return h != nullptr ? h->record.boot_id.c_str() : "";
}
const char* sequantlock_holder_machine_id(const sequantlock_holder* h) {
  return h != nullptr ? h->record.machine_id.c_str() : "";
}
uint64_t sequantlock_holder_pid_namespace(const sequantlock_holder* h) {
  return h != nullptr ? h->record.pid_namespace : 0;
}
int sequantlock_holder_schema_version(const sequantlock_holder* h) {
  return h != nullptr ? h->record.schema_version : 0;
}

int sequantlock_holder_to_json(const sequantlock_holder* h, unsigned flags,
                               char** out) {
  if (out != nullptr) *out = nullptr;
  return Guard([&] {
    if (h == nullptr) return NullArgument("holder");
    if (out == nullptr) return NullArgument("out");
    const auto fields = (flags & SEQUANTLOCK_JSON_ORIGINAL_FIELDS) != 0
                            ? sequantlock::RecordFields::kOriginalOnly
                            : sequantlock::RecordFields::kAll;
    const auto layout = (flags & SEQUANTLOCK_JSON_COMPACT) != 0
                            ? sequantlock::RecordLayout::kCompact
                            : sequantlock::RecordLayout::kIndented;
    *out = CopyString(sequantlock::SerializeRecord(h->record, fields, layout));
    return Status();
  });
}

int sequantlock_holder_parse(sequantlock_holder** out, const char* json,
                             size_t length) {
  if (out != nullptr) *out = nullptr;
  return Guard([&] {
    if (out == nullptr) return NullArgument("out");
    if (json == nullptr) return NullArgument("json");
    StatusOr<sequantlock::Record> record =
        sequantlock::ParseRecord(std::string_view(json, length));
    if (!record.ok()) return record.status();
    *out = new sequantlock_holder{std::move(*record)};
    return Status();
  });
}

int sequantlock_holder_copy(sequantlock_holder** out,
                            const sequantlock_holder* h) {
  if (out != nullptr) *out = nullptr;
  return Guard([&] {
    if (out == nullptr) return NullArgument("out");
    if (h == nullptr) return NullArgument("holder");
    *out = new sequantlock_holder{h->record};
    return Status();
  });
}

void sequantlock_holder_free(sequantlock_holder* h) { delete h; }

int sequantlock_format_locked_message(const char* key,
                                      const sequantlock_holder* h,
                                      char** out) {
  if (out != nullptr) *out = nullptr;
  return Guard([&] {
    if (key == nullptr) return NullArgument("key");
    if (out == nullptr) return NullArgument("out");
    *out = CopyString(sequantlock::FormatLockedMessage(
        key, h != nullptr ? &h->record : nullptr));
    return Status();
  });
}

/* Options -------------------------------------------------------------- */

int sequantlock_options_new(sequantlock_options** out) {
  if (out != nullptr) *out = nullptr;
  return Guard([&] {
    if (out == nullptr) return NullArgument("out");
    *out = new sequantlock_options();
    return Status();
  });
}

void sequantlock_options_free(sequantlock_options* options) { delete options; }

int sequantlock_options_set_locks_dir(sequantlock_options* options,
                                      const char* dir) {
  return Guard([&] {
    if (options == nullptr) return NullArgument("options");
    options->options.locks_dir = dir != nullptr ? dir : "";
    return Status();
  });
}

int sequantlock_options_set_stale_age_ms(sequantlock_options* options,
                                         int64_t ms) {
  return Guard([&] {
    if (options == nullptr) return NullArgument("options");
    Status status = PositiveMs(ms, "stale age");
    if (status.ok()) options->options.stale_age_ms = ms;
    return status;
  });
}

int sequantlock_options_set_skill_lock_ttl_ms(sequantlock_options* options,
                                              int64_t ms) {
  return Guard([&] {
    if (options == nullptr) return NullArgument("options");
    Status status = PositiveMs(ms, "skip-PID-check TTL");
    if (status.ok()) options->options.skill_lock_ttl_ms = ms;
    return status;
  });
}

int sequantlock_options_set_max_lock_age_ms(sequantlock_options* options,
                                            int64_t ms) {
  return Guard([&] {
    if (options == nullptr) return NullArgument("options");
    Status status = PositiveMs(ms, "maximum lock age");
    if (status.ok()) options->options.max_lock_age_ms = ms;
    return status;
  });
}

int sequantlock_options_set_orchestrator_mode(sequantlock_options* options,
                                              int mode) {
  return Guard([&] {
    if (options == nullptr) return NullArgument("options");
    switch (mode) {
      case SEQUANTLOCK_ORCHESTRATOR_FROM_ENV:
        options->options.orchestrator_mode.reset();
        return Status();
      case SEQUANTLOCK_ORCHESTRATOR_OFF:
      case SEQUANTLOCK_ORCHESTRATOR_ON:
        options->options.orchestrator_mode = mode == SEQUANTLOCK_ORCHESTRATOR_ON;
        return Status();
      default:
        return Status::Error(ErrorCode::kInvalidArgument,
                             "invalid orchestrator mode " +
                                 std::to_string(mode) +
                                 ": use SEQUANTLOCK_ORCHESTRATOR_FROM_ENV, "
                                 "_OFF or _ON");
    }
  });
}

int sequantlock_options_set_hostname(sequantlock_options* options,
                                     const char* hostname) {
  return Guard([&] {
    if (options == nullptr) return NullArgument("options");
    if (hostname == nullptr) {
      options->options.hostname.reset();
    } else {
      options->options.hostname = hostname;
    }
    return Status();
  });
}

int sequantlock_options_set_pid(sequantlock_options* options, int64_t pid) {
  return Guard([&] {
    if (options == nullptr) return NullArgument("options");
    if (pid < 0) {
      return Status::Error(ErrorCode::kInvalidArgument,
                           "invalid pid " + std::to_string(pid) +
                               ": must be a positive process id, or 0 for "
                               "this process");
    }
    if (pid == 0) {
      options->options.pid.reset();
    } else {
      options->options.pid = pid;
    }
    return Status();
  });
}

int sequantlock_options_set_pid_alive_callback(
    sequantlock_options* options, sequantlock_pid_alive_fn callback,
    void* user_data) {
  return Guard([&] {
    if (options == nullptr) return NullArgument("options");
    if (callback == nullptr) {
      options->options.is_pid_alive = nullptr;
      return Status();
    }
    options->options.is_pid_alive = [callback, user_data](
                                        int64_t pid, bool* alive) -> Status {
      int answer = 0;
      if (callback(user_data, pid, &answer) != 0) {
        return Status::Error(ErrorCode::kCallback,
                             "the PID liveness callback failed for pid " +
                                 std::to_string(pid));
      }
      *alive = answer != 0;
      return Status();
    };
    return Status();
  });
}

int sequantlock_options_set_clock_callback(sequantlock_options* options,
                                           sequantlock_clock_fn callback,
                                           void* user_data) {
  return Guard([&] {
    if (options == nullptr) return NullArgument("options");
    if (callback == nullptr) {
      options->options.now = nullptr;
      return Status();
    }
    options->options.now = [callback, user_data](int64_t* now_ms) -> Status {
      if (callback(user_data, now_ms) != 0) {
        return Status::Error(ErrorCode::kCallback, "the clock callback failed");
      }
      return Status();
    };
    return Status();
  });
}

int sequantlock_options_set_boot_id(sequantlock_options* options,
                                    const char* boot_id) {
  return Guard([&] {
    if (options == nullptr) return NullArgument("options");
    if (boot_id == nullptr) {
      options->options.boot_id.reset();
    } else {
      options->options.boot_id = boot_id;
    }
    return Status();
  });
}

int sequantlock_options_set_machine_id(sequantlock_options* options,
                                       const char* machine_id) {
  return Guard([&] {
    if (options == nullptr) return NullArgument("options");
    if (machine_id == nullptr) {
      options->options.machine_id.reset();
    } else {
      options->options.machine_id = machine_id;
    }
    return Status();
  });
}

/* Results -------------------------------------------------------------- */

int sequantlock_acquire_result_acquired(const sequantlock_acquire_result* r) {
  return r != nullptr && r->outcome.acquired ? 1 : 0;
}
const char* sequantlock_acquire_result_lock_path(
    const sequantlock_acquire_result* r) {
  return r != nullptr ? r->outcome.lock_path.c_str() : "";
}
const sequantlock_holder* sequantlock_acquire_result_holder(
    const sequantlock_acquire_result* r) {
  return r != nullptr && r->outcome.holder ? &r->holder : nullptr;
}
int sequantlock_acquire_result_corrupt(const sequantlock_acquire_result* r) {
  return r != nullptr && r->outcome.corrupt ? 1 : 0;
}
const sequantlock_holder* sequantlock_acquire_result_record(
    const sequantlock_acquire_result* r) {
  return r != nullptr && r->outcome.record ? &r->record : nullptr;
}
const char* sequantlock_acquire_result_token(
    const sequantlock_acquire_result* r) {
  return r != nullptr && r->outcome.record ? r->record.record.token.c_str()
                                           : "";
}
int sequantlock_acquire_result_replaced(const sequantlock_acquire_result* r) {
  return r != nullptr && r->outcome.replaced ? 1 : 0;
}
const sequantlock_holder* sequantlock_acquire_result_previous(
    const sequantlock_acquire_result* r) {
  return r != nullptr && r->outcome.previous ? &r->previous : nullptr;
}
int sequantlock_acquire_result_stale_reason(
    const sequantlock_acquire_result* r) {
  return r != nullptr ? static_cast<int>(r->outcome.stale_reason) : 0;
}
int64_t sequantlock_acquire_result_waited_ms(
    const sequantlock_acquire_result* r) {
  return r != nullptr ? r->outcome.waited_ms : 0;
}
int sequantlock_acquire_result_forced(const sequantlock_acquire_result* r) {
  return r != nullptr && r->outcome.forced ? 1 : 0;
}
void sequantlock_acquire_result_free(sequantlock_acquire_result* r) {
  delete r;
}

const char* sequantlock_lock_info_key(const sequantlock_lock_info* i) {
  return i != nullptr ? i->info.key.c_str() : "";
}
const char* sequantlock_lock_info_lock_path(const sequantlock_lock_info* i) {
  return i != nullptr ? i->info.lock_path.c_str() : "";
}
const sequantlock_holder* sequantlock_lock_info_holder(
    const sequantlock_lock_info* i) {
  return i != nullptr && i->info.holder ? &i->holder : nullptr;
}
int sequantlock_lock_info_corrupt(const sequantlock_lock_info* i) {
  return i != nullptr && !i->info.holder ? 1 : 0;
}
int64_t sequantlock_lock_info_age_ms(const sequantlock_lock_info* i) {
  return i != nullptr ? i->info.decision.age_ms : 0;
}
int sequantlock_lock_info_stale(const sequantlock_lock_info* i) {
  return i != nullptr && i->info.decision.stale ? 1 : 0;
}
int sequantlock_lock_info_stale_reason(const sequantlock_lock_info* i) {
  return i != nullptr ? static_cast<int>(i->info.decision.reason) : 0;
}
void sequantlock_lock_info_free(sequantlock_lock_info* i) { delete i; }

size_t sequantlock_lock_list_count(const sequantlock_lock_list* list) {
  return list != nullptr ? list->items.size() : 0;
}
const sequantlock_lock_info* sequantlock_lock_list_at(
    const sequantlock_lock_list* list, size_t index) {
  if (list == nullptr || index >= list->items.size()) return nullptr;
  return &list->items[index];
}
void sequantlock_lock_list_free(sequantlock_lock_list* list) { delete list; }

int sequantlock_clear_result_cleared(const sequantlock_clear_result* r) {
  return r != nullptr && r->outcome.cleared ? 1 : 0;
}
int sequantlock_clear_result_reason(const sequantlock_clear_result* r) {
  return r != nullptr ? static_cast<int>(r->outcome.reason) : 0;
}
const sequantlock_lock_info* sequantlock_clear_result_info(
    const sequantlock_clear_result* r) {
  return r != nullptr && r->outcome.info ? &r->info : nullptr;
}
void sequantlock_clear_result_free(sequantlock_clear_result* r) { delete r; }

/* Manager -------------------------------------------------------------- */

int sequantlock_manager_new(sequantlock_manager** out,
                            const sequantlock_options* options) {
  if (out != nullptr) *out = nullptr;
  return Guard([&] {
    if (out == nullptr) return NullArgument("out");
    sequantlock::ManagerOptions copy;
    if (options != nullptr) copy = options->options;
    StatusOr<std::unique_ptr<sequantlock::Manager>> manager =
        sequantlock::Manager::Create(std::move(copy));
    if (!manager.ok()) return manager.status();
    *out = new sequantlock_manager{std::move(*manager)};
    return Status();
  });
}

void sequantlock_manager_free(sequantlock_manager* manager) { delete manager; }

const char* sequantlock_manager_locks_dir(const sequantlock_manager* manager) {
  return manager != nullptr ? manager->manager->locks_dir().c_str() : "";
}

int sequantlock_manager_is_noop(const sequantlock_manager* manager) {
  return manager != nullptr && manager->manager->is_noop() ? 1 : 0;
}

int sequantlock_manager_lock_path(const sequantlock_manager* manager,
                                  const char* key, char** out) {
  if (out != nullptr) *out = nullptr;
  return Guard([&] {
    if (manager == nullptr) return NullArgument("manager");
    if (key == nullptr) return NullArgument("key");
    if (out == nullptr) return NullArgument("out");
    StatusOr<std::string> path = manager->manager->LockPath(key);
    if (!path.ok()) return path.status();
    *out = CopyString(*path);
    return Status();
  });
}

int sequantlock_manager_acquire(sequantlock_manager* manager, const char* key,
                                const char* command, unsigned flags,
                                sequantlock_acquire_result** out) {
  return AcquireImpl(manager, key, command, flags, false, std::nullopt, out);
}

int sequantlock_manager_acquire_wait(sequantlock_manager* manager,
                                     const char* key, const char* command,
                                     unsigned flags, int64_t timeout_ms,
                                     sequantlock_acquire_result** out) {
  return AcquireImpl(manager, key, command, flags, false, timeout_ms, out);
}

int sequantlock_manager_force_acquire(sequantlock_manager* manager,
                                      const char* key, const char* command,
                                      unsigned flags,
                                      sequantlock_acquire_result** out) {
  return AcquireImpl(manager, key, command, flags, true, std::nullopt, out);
}

int sequantlock_manager_signal_other(sequantlock_manager* manager,
                                     const sequantlock_holder* holder,
                                     int signal, int* reason) {
  return Guard([&] {
    if (manager == nullptr) return NullArgument("manager");
    if (holder == nullptr) return NullArgument("holder");
    if (reason == nullptr) return NullArgument("reason");
    if (signal <= 0 || signal >= 65) {
      return Status::Error(ErrorCode::kInvalidArgument,
                           "invalid signal " + std::to_string(signal) +
                               ": use a signal number such as SIGTERM");
    }
    StatusOr<sequantlock::SignalReason> outcome =
        manager->manager->SignalOther(holder->record, signal);
    if (!outcome.ok()) return outcome.status();
    *reason = static_cast<int>(*outcome);
    return Status();
  });
}

int sequantlock_manager_release(sequantlock_manager* manager, const char* key,
                                int* reason) {
  return ReleaseImpl(manager, key, reason,
                     [&] { return manager->manager->Release(key); });
}

int sequantlock_manager_release_token(sequantlock_manager* manager,
                                      const char* key, const char* token,
                                      int* reason) {
  if (token == nullptr) {
    return Guard([] { return NullArgument("token"); });
  }
  return ReleaseImpl(manager, key, reason, [&] {
    return manager->manager->ReleaseToken(key, token);
  });
}

int sequantlock_manager_release_external(sequantlock_manager* manager,
                                         const char* key, int* reason) {
  return ReleaseImpl(manager, key, reason,
                     [&] { return manager->manager->ReleaseExternal(key); });
}

int sequantlock_manager_release_all(sequantlock_manager* manager,
                                    size_t* released) {
  if (released != nullptr) *released = 0;
  return Guard([&] {
    if (manager == nullptr) return NullArgument("manager");
    StatusOr<size_t> count = manager->manager->ReleaseAll();
    if (!count.ok()) return count.status();
    if (released != nullptr) *released = *count;
    return Status();
  });
}

int sequantlock_manager_check(sequantlock_manager* manager, const char* key,
                              sequantlock_lock_info** out) {
  if (out != nullptr) *out = nullptr;
  return Guard([&] {
    if (manager == nullptr) return NullArgument("manager");
    if (key == nullptr) return NullArgument("key");
    if (out == nullptr) return NullArgument("out");
    StatusOr<std::optional<sequantlock::LockInfo>> info =
        manager->manager->Check(key);
    if (!info.ok()) return info.status();
    if (*info) {
      auto result = std::make_unique<sequantlock_lock_info>();
      FillLockInfo(result.get(), std::move(**info));
      *out = result.release();
    }
    return Status();
  });
}

int sequantlock_manager_read(sequantlock_manager* manager, const char* key,
                             sequantlock_lock_info** out) {
  if (out != nullptr) *out = nullptr;
  return Guard([&] {
    if (manager == nullptr) return NullArgument("manager");
    if (key == nullptr) return NullArgument("key");
    if (out == nullptr) return NullArgument("out");
    StatusOr<std::optional<sequantlock::StoredLock>> lock =
        manager->manager->Read(key);
    if (!lock.ok()) return lock.status();
    if (*lock) {
      sequantlock::LockInfo info;
      info.key = (*lock)->key;
      info.lock_path = (*lock)->path;
      if ((*lock)->kind == sequantlock::StoredLock::Kind::kRecord) {
        info.holder = (*lock)->record;
      }
      auto result = std::make_unique<sequantlock_lock_info>();
      FillLockInfo(result.get(), std::move(info));
      *out = result.release();
    }
    return Status();
  });
}

int sequantlock_manager_list(sequantlock_manager* manager,
                             sequantlock_lock_list** out) {
  if (out != nullptr) *out = nullptr;
  return Guard([&] {
    if (manager == nullptr) return NullArgument("manager");
    if (out == nullptr) return NullArgument("out");
    StatusOr<std::vector<sequantlock::LockInfo>> infos =
        manager->manager->List();
    if (!infos.ok()) return infos.status();
    auto list = std::make_unique<sequantlock_lock_list>();
    list->items.resize(infos->size());
    for (size_t i = 0; i < infos->size(); ++i) {
      FillLockInfo(&list->items[i], std::move((*infos)[i]));
    }
    *out = list.release();
    return Status();
  });
}

int sequantlock_manager_clear(sequantlock_manager* manager, const char* key,
                              int force, sequantlock_clear_result** out) {
  if (out != nullptr) *out = nullptr;
  return Guard([&] {
    if (manager == nullptr) return NullArgument("manager");
    if (key == nullptr) return NullArgument("key");
    if (out == nullptr) return NullArgument("out");
    StatusOr<sequantlock::ClearOutcome> outcome =
        manager->manager->Clear(key, force != 0);
    if (!outcome.ok()) return outcome.status();
    auto result = std::make_unique<sequantlock_clear_result>();
    result->outcome = std::move(*outcome);
    if (result->outcome.info) {
      FillLockInfo(&result->info, *result->outcome.info);
    }
    *out = result.release();
    return Status();
  });
}

int sequantlock_manager_classify(sequantlock_manager* manager,
                                 const sequantlock_holder* holder,
                                 int* reason) {
  return Guard([&] {
    if (manager == nullptr) return NullArgument("manager");
    if (holder == nullptr) return NullArgument("holder");
    if (reason == nullptr) return NullArgument("reason");
    StatusOr<sequantlock::StalenessDecision> decision =
        manager->manager->Classify(holder->record);
    if (!decision.ok()) return decision.status();
    *reason = static_cast<int>(decision->reason);
    return Status();
  });
}

}  // extern "C"
