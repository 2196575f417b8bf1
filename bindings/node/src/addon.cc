// Node-API addon over the sequantlock C ABI.
//
// This layer converts values and errors and nothing else: argument checks,
// defaults and the shapes of sequant's LockManager results live in
// lib/index.js. Every library call except acquireWait's happens on the
// JavaScript thread that made the request, so the isPidAlive and now
// callbacks run synchronously inside that call. acquireWait blocks in the
// library on a libuv worker thread, and lib/index.js uses it only for
// managers without callbacks.

#include <napi.h>
#include <sequantlock.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>

namespace {

template <typename T, void (*Free)(T *)>
struct Deleter {
  void operator()(T *object) const { Free(object); }
};

using StringPtr = std::unique_ptr<char, Deleter<char, sequantlock_string_free>>;
using HolderPtr = std::unique_ptr<sequantlock_holder,
                                  Deleter<sequantlock_holder,
                                          sequantlock_holder_free>>;
using OptionsPtr = std::unique_ptr<sequantlock_options,
                                   Deleter<sequantlock_options,
                                           sequantlock_options_free>>;
using ManagerPtr = std::unique_ptr<sequantlock_manager,
                                   Deleter<sequantlock_manager,
                                           sequantlock_manager_free>>;
using AcquirePtr = std::unique_ptr<sequantlock_acquire_result,
                                   Deleter<sequantlock_acquire_result,
                                           sequantlock_acquire_result_free>>;
using InfoPtr = std::unique_ptr<sequantlock_lock_info,
                                Deleter<sequantlock_lock_info,
                                        sequantlock_lock_info_free>>;
using ListPtr = std::unique_ptr<sequantlock_lock_list,
                                Deleter<sequantlock_lock_list,
                                        sequantlock_lock_list_free>>;
using ClearPtr = std::unique_ptr<sequantlock_clear_result,
                                 Deleter<sequantlock_clear_result,
                                         sequantlock_clear_result_free>>;

// The last-error state of a failed library call. The library keeps it per
// thread, so a call made on a worker thread captures it there and the main
// thread builds the JavaScript error from the copy.
struct ErrorDetails {
  static ErrorDetails Capture(int rc) {
    ErrorDetails details;
    details.code = rc;
    details.message = sequantlock_last_error_message();
    if (details.message.empty()) details.message = sequantlock_error_string(rc);
    details.os_errno = sequantlock_last_error_os_errno();
    details.path = sequantlock_last_error_path();
    return details;
  }

  int code = SEQUANTLOCK_OK;
  std::string message;
  int os_errno = 0;
  std::string path;
};

// Builds the JavaScript error for a failed library call: TypeError for
// INVALID_ARGUMENT, RangeError for INVALID_KEY, Error otherwise, each with a
// string `code` and, for system failures, `errno` and `path`.
Napi::Error ErrorValue(Napi::Env env, const ErrorDetails &details) {
  Napi::Error error;
  if (details.code == SEQUANTLOCK_ERR_INVALID_ARGUMENT) {
    error = Napi::TypeError::New(env, details.message);
  } else if (details.code == SEQUANTLOCK_ERR_INVALID_KEY) {
    error = Napi::RangeError::New(env, details.message);
  } else {
    error = Napi::Error::New(env, details.message);
  }
  Napi::Object object = error.Value();
  object.Set("code", sequantlock_error_name(details.code));
  if (details.os_errno != 0) object.Set("errno", details.os_errno);
  if (!details.path.empty()) object.Set("path", details.path);
  return error;
}

// Builds the error from the calling thread's last-error state.
Napi::Error LastError(Napi::Env env, int rc) {
  return ErrorValue(env, ErrorDetails::Capture(rc));
}

void Check(Napi::Env env, int rc) {
  if (rc != SEQUANTLOCK_OK) throw LastError(env, rc);
}

Napi::Error TypedError(Napi::Env env, const std::string &message) {
  Napi::Error error = Napi::TypeError::New(env, message);
  error.Value().Set("code", sequantlock_error_name(
                                SEQUANTLOCK_ERR_INVALID_ARGUMENT));
  return error;
}

std::string StringArgument(const Napi::CallbackInfo &info, size_t index,
                           const char *name) {
  if (!info[index].IsString()) {
    throw TypedError(info.Env(), std::string(name) + " must be a string");
  }
  return info[index].As<Napi::String>().Utf8Value();
}

// A holder as {json, full}: `json` carries only the five fields of the
// TypeScript original, `full` every field the record has, so a holder handed
// back to signalOther keeps its process start time and token.
Napi::Value HolderValue(Napi::Env env, const sequantlock_holder *holder) {
  if (holder == nullptr) return env.Null();
  char *original = nullptr;
  Check(env, sequantlock_holder_to_json(
                 holder,
                 SEQUANTLOCK_JSON_COMPACT | SEQUANTLOCK_JSON_ORIGINAL_FIELDS,
                 &original));
  StringPtr original_owner(original);
  char *full = nullptr;
  Check(env, sequantlock_holder_to_json(holder, SEQUANTLOCK_JSON_COMPACT,
                                        &full));
  StringPtr full_owner(full);
  Napi::Object value = Napi::Object::New(env);
  value.Set("json", original);
  value.Set("full", full);
  return value;
}

HolderPtr ParseHolder(Napi::Env env, const std::string &json) {
  sequantlock_holder *holder = nullptr;
  Check(env, sequantlock_holder_parse(&holder, json.data(), json.size()));
  return HolderPtr(holder);
}

Napi::Value StaleReasonValue(Napi::Env env, int reason) {
  return Napi::String::New(env, sequantlock_stale_reason_name(reason));
}

Napi::Value LockInfoValue(Napi::Env env, const sequantlock_lock_info *info) {
  if (info == nullptr) return env.Null();
  Napi::Object value = Napi::Object::New(env);
  value.Set("key", sequantlock_lock_info_key(info));
  value.Set("lockPath", sequantlock_lock_info_lock_path(info));
  value.Set("holder", HolderValue(env, sequantlock_lock_info_holder(info)));
  value.Set("corrupt", sequantlock_lock_info_corrupt(info) != 0);
  value.Set("ageMs", static_cast<double>(sequantlock_lock_info_age_ms(info)));
  value.Set("stale", sequantlock_lock_info_stale(info) != 0);
  value.Set("staleReason",
            StaleReasonValue(env, sequantlock_lock_info_stale_reason(info)));
  return value;
}

Napi::Value AcquireResultValue(Napi::Env env,
                               const sequantlock_acquire_result *result) {
  Napi::Object value = Napi::Object::New(env);
  value.Set("acquired", sequantlock_acquire_result_acquired(result) != 0);
  value.Set("lockPath", sequantlock_acquire_result_lock_path(result));
  value.Set("holder",
            HolderValue(env, sequantlock_acquire_result_holder(result)));
  value.Set("corrupt", sequantlock_acquire_result_corrupt(result) != 0);
  value.Set("replaced", sequantlock_acquire_result_replaced(result) != 0);
  value.Set("previous",
            HolderValue(env, sequantlock_acquire_result_previous(result)));
  value.Set("staleReason",
            StaleReasonValue(env,
                             sequantlock_acquire_result_stale_reason(result)));
  value.Set("forced", sequantlock_acquire_result_forced(result) != 0);
  value.Set("waitedMs", static_cast<double>(
                            sequantlock_acquire_result_waited_ms(result)));
  return value;
}

// The JavaScript seams of one manager. An exception thrown by a callback is
// kept in `pending` and the trampoline reports failure, so the library
// aborts with SEQUANTLOCK_ERR_CALLBACK and the method rethrows it unchanged.
// `pending` is only ever moved: copying a Napi::Error that wraps a thrown
// primitive (`throw "text"`) would lose the primitive.
struct Seams {
  explicit Seams(napi_env env_in) : env(env_in) {}

  napi_env env;
  Napi::FunctionReference is_pid_alive;
  Napi::FunctionReference now;
  std::optional<Napi::Error> pending;
};

int PidAliveTrampoline(void *user_data, int64_t pid, int *alive) {
  auto *seams = static_cast<Seams *>(user_data);
  if (seams->pending.has_value()) return -1;
  try {
    Napi::Env env(seams->env);
    Napi::HandleScope scope(env);
    Napi::Value answer = seams->is_pid_alive.Call(
        {Napi::Number::New(env, static_cast<double>(pid))});
    *alive = answer.ToBoolean().Value() ? 1 : 0;
    return 0;
  } catch (Napi::Error &error) {
    seams->pending.emplace(std::move(error));
  } catch (...) {
    seams->pending.emplace(Napi::Error::New(seams->env, "isPidAlive failed"));
  }
  return -1;
}

int ClockTrampoline(void *user_data, int64_t *now_ms) {
  auto *seams = static_cast<Seams *>(user_data);
  if (seams->pending.has_value()) return -1;
  try {
    Napi::Env env(seams->env);
    Napi::HandleScope scope(env);
    Napi::Value answer = seams->now.Call({});
    double ms = answer.IsNumber() ? answer.As<Napi::Number>().DoubleValue()
                                  : std::nan("");
    // Beyond 2^53 a double cannot represent every millisecond, and the cast
    // to int64_t would be undefined outside its range.
    if (!(ms >= -9007199254740991.0 && ms <= 9007199254740991.0)) {
      throw TypedError(env, "now() must return a finite number of "
                            "milliseconds since the epoch");
    }
    *now_ms = static_cast<int64_t>(ms);
    return 0;
  } catch (Napi::Error &error) {
    seams->pending.emplace(std::move(error));
  } catch (...) {
    seams->pending.emplace(Napi::Error::New(seams->env, "now failed"));
  }
  return -1;
}

int64_t Int64Option(const Napi::Object &options, const char *name) {
  return static_cast<int64_t>(
      options.Get(name).As<Napi::Number>().Int64Value());
}

bool HasOption(const Napi::Object &options, const char *name) {
  Napi::Value value = options.Get(name);
  return !value.IsUndefined() && !value.IsNull();
}

// Runs sequantlock_manager_acquire_wait() on a libuv worker thread and
// settles a promise with its outcome on the main thread. The reference to
// the Manager wrapper keeps it from being collected, and so keeps the C
// manager from being freed, until the worker is deleted on the main thread.
// Only managers without JavaScript callbacks may be passed here, because the
// library would run them on the worker thread.
class WaitWorker : public Napi::AsyncWorker {
 public:
  WaitWorker(Napi::Env env, Napi::Object owner, sequantlock_manager *manager,
             std::string key, std::optional<std::string> command,
             unsigned flags, int64_t timeout_ms)
      : Napi::AsyncWorker(env, "sequantlock.acquireWait"),
        deferred_(Napi::Promise::Deferred::New(env)),
        owner_(Napi::Persistent(owner)),
        manager_(manager),
        key_(std::move(key)),
        command_(std::move(command)),
        flags_(flags),
        timeout_ms_(timeout_ms) {}

  Napi::Promise Promise() const { return deferred_.Promise(); }

 protected:
  void Execute() override {
    sequantlock_acquire_result *result = nullptr;
    int rc = sequantlock_manager_acquire_wait(
        manager_, key_.c_str(), command_ ? command_->c_str() : nullptr,
        flags_, timeout_ms_, &result);
    if (rc != SEQUANTLOCK_OK) {
      error_ = ErrorDetails::Capture(rc);
      return;
    }
    result_.reset(result);
  }

  void OnOK() override {
    try {
      Settle();
    } catch (const Napi::Error &) {
      // Node-API fails every call while the environment shuts down, as when
      // a worker_threads Worker is terminated, and then no code is left to
      // observe the promise. An exception escaping here would abort.
    }
  }

 private:
  void Settle() {
    Napi::Env env = Env();
    if (error_) {
      deferred_.Reject(ErrorValue(env, *error_).Value());
      return;
    }
    Napi::Value value;
    try {
      value = AcquireResultValue(env, result_.get());
    } catch (Napi::Error &error) {
      deferred_.Reject(error.Value());
      return;
    }
    deferred_.Resolve(value);
  }


 private:
  Napi::Promise::Deferred deferred_;
  Napi::ObjectReference owner_;
  sequantlock_manager *manager_;
  std::string key_;
  std::optional<std::string> command_;
  unsigned flags_;
  int64_t timeout_ms_;
  AcquirePtr result_;
  std::optional<ErrorDetails> error_;
};

// A sequantlock_manager with its seams. Constructed from an options object
// that lib/index.js has already checked:
// {locksDir, staleAgeMs, skillLockTtlMs, maxLockAgeMs, orchestratorMode,
//  hostname, pid, isPidAlive, now}.
class Manager : public Napi::ObjectWrap<Manager> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(
        env, "Manager",
        {
            InstanceMethod<&Manager::LocksDir>("locksDir"),
            InstanceMethod<&Manager::IsNoop>("isNoop"),
            InstanceMethod<&Manager::LockPath>("lockPath"),
            InstanceMethod<&Manager::Acquire>("acquire"),
            InstanceMethod<&Manager::ForceAcquire>("forceAcquire"),
            InstanceMethod<&Manager::AcquireWait>("acquireWait"),
            InstanceMethod<&Manager::SignalOther>("signalOther"),
            InstanceMethod<&Manager::Release>("release"),
            InstanceMethod<&Manager::ReleaseExternal>("releaseExternal"),
            InstanceMethod<&Manager::ReleaseAll>("releaseAll"),
            InstanceMethod<&Manager::CheckLock>("check"),
            InstanceMethod<&Manager::List>("list"),
            InstanceMethod<&Manager::Clear>("clear"),
            InstanceMethod<&Manager::Classify>("classify"),
        });
  }

  explicit Manager(const Napi::CallbackInfo &info)
      : Napi::ObjectWrap<Manager>(info),
        seams_(std::make_unique<Seams>(info.Env())) {
    Napi::Env env = info.Env();
    if (!info[0].IsObject()) throw TypedError(env, "options must be an object");
    Napi::Object options = info[0].As<Napi::Object>();

    sequantlock_options *raw_options = nullptr;
    Check(env, sequantlock_options_new(&raw_options));
    OptionsPtr owned(raw_options);

    if (HasOption(options, "locksDir")) {
      std::string dir = options.Get("locksDir").As<Napi::String>();
      Check(env, sequantlock_options_set_locks_dir(raw_options, dir.c_str()));
    }
    if (HasOption(options, "staleAgeMs")) {
      Check(env, sequantlock_options_set_stale_age_ms(
                     raw_options, Int64Option(options, "staleAgeMs")));
    }
    if (HasOption(options, "skillLockTtlMs")) {
      Check(env, sequantlock_options_set_skill_lock_ttl_ms(
                     raw_options, Int64Option(options, "skillLockTtlMs")));
    }
    if (HasOption(options, "maxLockAgeMs")) {
      Check(env, sequantlock_options_set_max_lock_age_ms(
                     raw_options, Int64Option(options, "maxLockAgeMs")));
    }
    if (HasOption(options, "orchestratorMode")) {
      bool on = options.Get("orchestratorMode").ToBoolean().Value();
      Check(env, sequantlock_options_set_orchestrator_mode(
                     raw_options, on ? SEQUANTLOCK_ORCHESTRATOR_ON
                                     : SEQUANTLOCK_ORCHESTRATOR_OFF));
    }
    if (HasOption(options, "hostname")) {
      std::string hostname = options.Get("hostname").As<Napi::String>();
      Check(env,
            sequantlock_options_set_hostname(raw_options, hostname.c_str()));
    }
    if (HasOption(options, "pid")) {
      Check(env, sequantlock_options_set_pid(raw_options,
                                             Int64Option(options, "pid")));
    }
    if (HasOption(options, "isPidAlive")) {
      seams_->is_pid_alive =
          Napi::Persistent(options.Get("isPidAlive").As<Napi::Function>());
      Check(env, sequantlock_options_set_pid_alive_callback(
                     raw_options, PidAliveTrampoline, seams_.get()));
    }
    if (HasOption(options, "now")) {
      seams_->now = Napi::Persistent(options.Get("now").As<Napi::Function>());
      Check(env, sequantlock_options_set_clock_callback(
                     raw_options, ClockTrampoline, seams_.get()));
    }

    sequantlock_manager *manager = nullptr;
    Check(env, sequantlock_manager_new(&manager, raw_options));
    manager_.reset(manager);
  }

 private:
  // Marks one library call in progress. A callback that calls back into the
  // same manager is rejected, because the library may be holding the locks
  // directory's guard while it waits for the callback.
  class CallScope {
   public:
    CallScope(Napi::Env env, Manager *manager) : manager_(manager) {
      if (manager_->busy_) {
        Napi::Error error = Napi::Error::New(
            env,
            "LockManager method called from inside its own isPidAlive or now "
            "callback");
        error.Value().Set("code", sequantlock_error_name(
                                      SEQUANTLOCK_ERR_INVALID_ARGUMENT));
        throw error;
      }
      manager_->busy_ = true;
      manager_->seams_->pending.reset();
    }
    ~CallScope() {
      manager_->busy_ = false;
      manager_->seams_->pending.reset();
    }

    // Rethrows a callback's exception, or throws the library's error.
    void Check(Napi::Env env, int rc) {
      if (rc == SEQUANTLOCK_OK) return;
      std::optional<Napi::Error> &pending = manager_->seams_->pending;
      if (pending.has_value()) {
        Napi::Error error(std::move(*pending));
        pending.reset();
        throw error;
      }
      throw LastError(env, rc);
    }

   private:
    Manager *manager_;
  };

  Napi::Value LocksDir(const Napi::CallbackInfo &info) {
    return Napi::String::New(info.Env(),
                             sequantlock_manager_locks_dir(manager_.get()));
  }

  Napi::Value IsNoop(const Napi::CallbackInfo &info) {
    return Napi::Boolean::New(info.Env(),
                              sequantlock_manager_is_noop(manager_.get()) != 0);
  }

  Napi::Value LockPath(const Napi::CallbackInfo &info) {
    Napi::Env env = info.Env();
    std::string key = StringArgument(info, 0, "key");
    char *path = nullptr;
    Check(env, sequantlock_manager_lock_path(manager_.get(), key.c_str(),
                                             &path));
    StringPtr owner(path);
    return Napi::String::New(env, path);
  }

  // acquire(key, command | null, skipPidCheck)
  Napi::Value Acquire(const Napi::CallbackInfo &info) {
    return DoAcquire(info, sequantlock_manager_acquire);
  }

  Napi::Value ForceAcquire(const Napi::CallbackInfo &info) {
    return DoAcquire(info, sequantlock_manager_force_acquire);
  }

  // acquireWait(key, command | null, skipPidCheck, timeoutMs) -> Promise.
  // A negative timeout waits until the lock is acquired.
  Napi::Value AcquireWait(const Napi::CallbackInfo &info) {
    Napi::Env env = info.Env();
    if (!seams_->is_pid_alive.IsEmpty() || !seams_->now.IsEmpty()) {
      throw TypedError(env,
                       "acquireWait cannot run on a worker thread for a "
                       "manager with isPidAlive or now callbacks");
    }
    std::string key = StringArgument(info, 0, "key");
    std::optional<std::string> command;
    if (info[1].IsString()) command = info[1].As<Napi::String>().Utf8Value();
    unsigned flags = 0;
    if (info[2].ToBoolean().Value()) {
      flags |= static_cast<unsigned>(SEQUANTLOCK_ACQUIRE_SKIP_PID_CHECK);
    }
    if (!info[3].IsNumber()) {
      throw TypedError(env, "timeoutMs must be a number");
    }
    auto timeout_ms = static_cast<int64_t>(
        info[3].As<Napi::Number>().Int64Value());

    auto *worker = new WaitWorker(env, info.This().As<Napi::Object>(),
                                  manager_.get(), std::move(key),
                                  std::move(command), flags, timeout_ms);
    Napi::Promise promise = worker->Promise();
    worker->Queue();
    return promise;
  }

  template <typename AcquireFn>
  Napi::Value DoAcquire(const Napi::CallbackInfo &info, AcquireFn acquire) {
    Napi::Env env = info.Env();
    std::string key = StringArgument(info, 0, "key");
    bool has_command = info[1].IsString();
    std::string command = has_command ? info[1].As<Napi::String>().Utf8Value()
                                      : std::string();
    unsigned flags = 0;
    if (info[2].ToBoolean().Value()) {
      flags |= static_cast<unsigned>(SEQUANTLOCK_ACQUIRE_SKIP_PID_CHECK);
    }
    CallScope scope(env, this);
    sequantlock_acquire_result *result = nullptr;
    scope.Check(env, acquire(manager_.get(), key.c_str(),
                             has_command ? command.c_str() : nullptr, flags,
                             &result));
    AcquirePtr owner(result);
    return AcquireResultValue(env, result);
  }

  // signalOther(holderJson, signalNumber) -> reason name
  Napi::Value SignalOther(const Napi::CallbackInfo &info) {
    Napi::Env env = info.Env();
    HolderPtr holder = ParseHolder(env, StringArgument(info, 0, "holder"));
    int signal = info[1].As<Napi::Number>().Int32Value();
    CallScope scope(env, this);
    int reason = 0;
    scope.Check(env, sequantlock_manager_signal_other(
                         manager_.get(), holder.get(), signal, &reason));
    return Napi::String::New(env, sequantlock_signal_reason_name(reason));
  }

  Napi::Value Release(const Napi::CallbackInfo &info) {
    return DoRelease(info, sequantlock_manager_release);
  }

  Napi::Value ReleaseExternal(const Napi::CallbackInfo &info) {
    return DoRelease(info, sequantlock_manager_release_external);
  }

  template <typename ReleaseFn>
  Napi::Value DoRelease(const Napi::CallbackInfo &info, ReleaseFn release) {
    Napi::Env env = info.Env();
    std::string key = StringArgument(info, 0, "key");
    CallScope scope(env, this);
    int reason = 0;
    scope.Check(env, release(manager_.get(), key.c_str(), &reason));
    return Napi::String::New(env, sequantlock_release_reason_name(reason));
  }

  Napi::Value ReleaseAll(const Napi::CallbackInfo &info) {
    Napi::Env env = info.Env();
    CallScope scope(env, this);
    size_t released = 0;
    scope.Check(env,
                sequantlock_manager_release_all(manager_.get(), &released));
    return Napi::Number::New(env, static_cast<double>(released));
  }

  Napi::Value CheckLock(const Napi::CallbackInfo &info) {
    Napi::Env env = info.Env();
    std::string key = StringArgument(info, 0, "key");
    CallScope scope(env, this);
    sequantlock_lock_info *lock = nullptr;
    scope.Check(env,
                sequantlock_manager_check(manager_.get(), key.c_str(), &lock));
    InfoPtr owner(lock);
    return LockInfoValue(env, lock);
  }

  Napi::Value List(const Napi::CallbackInfo &info) {
    Napi::Env env = info.Env();
    CallScope scope(env, this);
    sequantlock_lock_list *list = nullptr;
    scope.Check(env, sequantlock_manager_list(manager_.get(), &list));
    ListPtr owner(list);
    size_t count = sequantlock_lock_list_count(list);
    Napi::Array entries = Napi::Array::New(env, count);
    for (size_t i = 0; i < count; ++i) {
      entries.Set(static_cast<uint32_t>(i),
                  LockInfoValue(env, sequantlock_lock_list_at(list, i)));
    }
    return entries;
  }

  // clear(key, force) -> {cleared, reason, info}
  Napi::Value Clear(const Napi::CallbackInfo &info) {
    Napi::Env env = info.Env();
    std::string key = StringArgument(info, 0, "key");
    int force = info[1].ToBoolean().Value() ? 1 : 0;
    CallScope scope(env, this);
    sequantlock_clear_result *result = nullptr;
    scope.Check(env, sequantlock_manager_clear(manager_.get(), key.c_str(),
                                               force, &result));
    ClearPtr owner(result);
    Napi::Object value = Napi::Object::New(env);
    value.Set("cleared", sequantlock_clear_result_cleared(result) != 0);
    value.Set("reason", sequantlock_clear_reason_name(
                            sequantlock_clear_result_reason(result)));
    value.Set("info",
              LockInfoValue(env, sequantlock_clear_result_info(result)));
    return value;
  }

  // classify(holderJson) -> stale reason name, "" when fresh
  Napi::Value Classify(const Napi::CallbackInfo &info) {
    Napi::Env env = info.Env();
    HolderPtr holder = ParseHolder(env, StringArgument(info, 0, "holder"));
    CallScope scope(env, this);
    int reason = 0;
    scope.Check(env, sequantlock_manager_classify(manager_.get(), holder.get(),
                                                  &reason));
    return StaleReasonValue(env, reason);
  }

  // Declared before manager_ so that the manager, which points at the seams,
  // is freed first.
  std::unique_ptr<Seams> seams_;
  ManagerPtr manager_;
  bool busy_ = false;
};

Napi::Value ResolveLocksDir(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  std::string explicit_dir;
  bool has_explicit = info[0].IsString();
  if (has_explicit) explicit_dir = info[0].As<Napi::String>().Utf8Value();
  char *dir = nullptr;
  Check(env, sequantlock_resolve_locks_dir(
                 has_explicit ? explicit_dir.c_str() : nullptr, &dir));
  StringPtr owner(dir);
  return Napi::String::New(env, dir);
}

Napi::Value OrchestratorModeFromEnv(const Napi::CallbackInfo &info) {
  return Napi::Boolean::New(info.Env(),
                            sequantlock_orchestrator_mode_from_env() != 0);
}

Napi::Value DefaultIsPidAlive(const Napi::CallbackInfo &info) {
  int64_t pid = info[0].As<Napi::Number>().Int64Value();
  return Napi::Boolean::New(info.Env(),
                            sequantlock_default_is_pid_alive(pid) != 0);
}

// formatLockedMessage(key, holderJson | null)
Napi::Value FormatLockedMessage(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  std::string key = StringArgument(info, 0, "key");
  HolderPtr holder;
  if (info[1].IsString()) {
    holder = ParseHolder(env, info[1].As<Napi::String>().Utf8Value());
  }
  char *message = nullptr;
  Check(env, sequantlock_format_locked_message(key.c_str(), holder.get(),
                                               &message));
  StringPtr owner(message);
  return Napi::String::New(env, message);
}

Napi::Value ValidateKey(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  std::string key = StringArgument(info, 0, "key");
  Check(env, sequantlock_key_validate(key.c_str()));
  return Napi::Boolean::New(env, sequantlock_key_is_issue(key.c_str()) != 0);
}

// parseHolder(json) -> {json, full}: the record as the library reads it.
Napi::Value ParseHolderValue(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  HolderPtr holder = ParseHolder(env, StringArgument(info, 0, "holder"));
  return HolderValue(env, holder.get());
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("Manager", Manager::Define(env));
  exports.Set("resolveLocksDir", Napi::Function::New<ResolveLocksDir>(env));
  exports.Set("orchestratorModeFromEnv",
              Napi::Function::New<OrchestratorModeFromEnv>(env));
  exports.Set("defaultIsPidAlive", Napi::Function::New<DefaultIsPidAlive>(env));
  exports.Set("formatLockedMessage",
              Napi::Function::New<FormatLockedMessage>(env));
  exports.Set("validateKey", Napi::Function::New<ValidateKey>(env));
  exports.Set("parseHolder", Napi::Function::New<ParseHolderValue>(env));
  exports.Set("version", Napi::String::New(env, sequantlock_version()));

  Napi::Object constants = Napi::Object::New(env);
  constants.Set("DEFAULT_STALE_AGE_MS", SEQUANTLOCK_DEFAULT_STALE_AGE_MS);
  constants.Set("DEFAULT_SKILL_LOCK_TTL_MS",
                SEQUANTLOCK_DEFAULT_SKILL_LOCK_TTL_MS);
  constants.Set("DEFAULT_MAX_LOCK_AGE_MS", SEQUANTLOCK_DEFAULT_MAX_LOCK_AGE_MS);
  constants.Set("DEFAULT_LOCKS_DIR", SEQUANTLOCK_DEFAULT_LOCKS_DIR);
  constants.Set("CORRUPT_GRACE_MS", SEQUANTLOCK_CORRUPT_GRACE_MS);
  exports.Set("constants", constants);
  return exports;
}

}  // namespace

NODE_API_MODULE(sequantlock, Init)
