// sequantlock._native: a thin pybind11 layer over the libsequantlock C ABI.
// It converts arguments and results, releases the GIL around every library
// call that may touch files, and turns return codes into exceptions through
// call.h. The Pythonic API lives in the sequantlock package.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "call.h"
#include "convert.h"
#include "sequantlock.h"

namespace sequantlock_python {
namespace {

// The longest timeout passed to one call of
// sequantlock_manager_acquire_wait(). Python's signal handlers run between
// calls, so a wait reacts to Ctrl-C within this time plus one lock attempt.
constexpr int64_t kWaitSliceMs = 200;

struct OptionsDeleter {
  void operator()(sequantlock_options* o) const { sequantlock_options_free(o); }
};
using OptionsPtr = std::unique_ptr<sequantlock_options, OptionsDeleter>;

// Hands an exception raised by a Python callable to the library call that
// invoked it. Outside any call (which the C API never does) it is reported
// as unraisable instead of being lost silently.
void StoreCallbackError(py::error_already_set error) {
  CallFrame* frame = CallFrame::Current();
  if (frame == nullptr) {
    error.discard_as_unraisable("sequantlock callback outside a library call");
    return;
  }
  frame->StorePythonError(std::move(error));
}

// Runs `body` for a callback trampoline with the GIL held. Returns 0 when
// it succeeds and 1, the library's signal to abort the call, when it
// raises. Every exception is caught: none may unwind into C.
template <typename Body>
int RunCallback(Body&& body) {
  py::gil_scoped_acquire gil;
  try {
    body();
    return 0;
  } catch (py::error_already_set& error) {
    StoreCallbackError(std::move(error));
  } catch (py::builtin_exception& error) {
    error.set_error();
    StoreCallbackError(py::error_already_set());
  } catch (const std::exception& error) {
    PyErr_SetString(PyExc_RuntimeError, error.what());
    StoreCallbackError(py::error_already_set());
  } catch (...) {
    PyErr_SetString(PyExc_RuntimeError, "unknown C++ exception in callback");
    StoreCallbackError(py::error_already_set());
  }
  return 1;
}

// Converts the value returned by a `now` callable to epoch milliseconds.
int64_t ClockValueToMs(const py::object& value) {
  PyObject* object = value.ptr();
  if (PyBool_Check(object) || !(PyLong_Check(object) || PyFloat_Check(object))) {
    PyErr_Format(PyExc_TypeError,
                 "now() must return epoch milliseconds as int or float, "
                 "not %s",
                 Py_TYPE(object)->tp_name);
    throw py::error_already_set();
  }
  if (PyFloat_Check(object)) {
    double ms = std::floor(PyFloat_AsDouble(object));
    if (!std::isfinite(ms)) {
      PyErr_SetString(PyExc_ValueError,
                      "now() must return a finite number of milliseconds");
      throw py::error_already_set();
    }
    if (ms < -9.2e18 || ms > 9.2e18) {
      PyErr_SetString(PyExc_OverflowError,
                      "now() returned milliseconds out of range");
      throw py::error_already_set();
    }
    return static_cast<int64_t>(ms);
  }
  long long ms = PyLong_AsLongLong(object);
  if (ms == -1 && PyErr_Occurred() != nullptr) throw py::error_already_set();
  return static_cast<int64_t>(ms);
}

// The Python callables a manager was made with. The library keeps a
// pointer to this object as callback user data.
struct Callbacks {
  py::object is_pid_alive;
  py::object now;
};

int PidAliveTrampoline(void* user_data, int64_t pid, int* alive) {
  auto* callbacks = static_cast<Callbacks*>(user_data);
  return RunCallback([&] {
    py::object answer = callbacks->is_pid_alive(pid);
    int truth = PyObject_IsTrue(answer.ptr());
    if (truth < 0) throw py::error_already_set();
    *alive = truth;
  });
}

int ClockTrampoline(void* user_data, int64_t* now_ms) {
  auto* callbacks = static_cast<Callbacks*>(user_data);
  return RunCallback([&] { *now_ms = ClockValueToMs(callbacks->now()); });
}

std::string KeyText(const std::string& key) {
  RequireNoNul(key, "lock key", SEQUANTLOCK_ERR_INVALID_KEY);
  return key;
}

void SetOptionalText(sequantlock_options* options,
                     int (*setter)(sequantlock_options*, const char*),
                     const std::optional<std::string>& value,
                     const char* parameter) {
  if (!value) return;
  RequireNoNul(*value, parameter, SEQUANTLOCK_ERR_INVALID_ARGUMENT);
  Check(setter(options, value->c_str()));
}

void SetOptionalMs(sequantlock_options* options,
                   int (*setter)(sequantlock_options*, int64_t),
                   const std::optional<int64_t>& value) {
  if (value) Check(setter(options, *value));
}

const char* CommandOrNull(const std::optional<std::string>& command) {
  return command ? command->c_str() : nullptr;
}

class Manager {
 public:
  Manager(const std::optional<std::string>& locks_dir,
          const std::optional<int64_t>& stale_age_ms,
          const std::optional<int64_t>& skill_lock_ttl_ms,
          const std::optional<int64_t>& max_lock_age_ms,
          const std::optional<bool>& orchestrator_mode,
          const std::optional<std::string>& hostname,
          const std::optional<int64_t>& pid, py::object is_pid_alive,
          py::object now, const std::optional<std::string>& boot_id,
          const std::optional<std::string>& machine_id) {
    sequantlock_options* raw_options = nullptr;
    Check(sequantlock_options_new(&raw_options));
    OptionsPtr options(raw_options);

    SetOptionalText(options.get(), sequantlock_options_set_locks_dir,
                    locks_dir, "locks_dir");
    SetOptionalMs(options.get(), sequantlock_options_set_stale_age_ms,
                  stale_age_ms);
    SetOptionalMs(options.get(), sequantlock_options_set_skill_lock_ttl_ms,
                  skill_lock_ttl_ms);
    SetOptionalMs(options.get(), sequantlock_options_set_max_lock_age_ms,
                  max_lock_age_ms);
    if (orchestrator_mode) {
      Check(sequantlock_options_set_orchestrator_mode(
          options.get(), *orchestrator_mode ? SEQUANTLOCK_ORCHESTRATOR_ON
                                            : SEQUANTLOCK_ORCHESTRATOR_OFF));
    }
    SetOptionalText(options.get(), sequantlock_options_set_hostname, hostname,
                    "hostname");
    if (pid) Check(sequantlock_options_set_pid(options.get(), *pid));
    SetOptionalText(options.get(), sequantlock_options_set_boot_id, boot_id,
                    "boot_id");
    SetOptionalText(options.get(), sequantlock_options_set_machine_id,
                    machine_id, "machine_id");

    if (!is_pid_alive.is_none()) {
      callbacks_.is_pid_alive = std::move(is_pid_alive);
      Check(sequantlock_options_set_pid_alive_callback(
          options.get(), PidAliveTrampoline, &callbacks_));
    }
    if (!now.is_none()) {
      callbacks_.now = std::move(now);
      Check(sequantlock_options_set_clock_callback(options.get(),
                                                   ClockTrampoline,
                                                   &callbacks_));
    }

    sequantlock_manager* manager = nullptr;
    CallLibrary([&] { return sequantlock_manager_new(&manager, options.get()); });
    manager_ = manager;
    locks_dir_ = sequantlock_manager_locks_dir(manager_);
    is_noop_ = sequantlock_manager_is_noop(manager_) != 0;
  }

  ~Manager() { sequantlock_manager_free(manager_); }

  Manager(const Manager&) = delete;
  Manager& operator=(const Manager&) = delete;

  // `wait_ms` is 0 for no wait and negative for no time limit; it is
  // ignored under `force`, which never waits.
  py::dict Acquire(const std::string& key,
                   const std::optional<std::string>& command,
                   bool skip_pid_check, bool force, int64_t wait_ms) {
    std::string key_text = KeyText(key);
    if (command) {
      RequireNoNul(*command, "command", SEQUANTLOCK_ERR_INVALID_ARGUMENT);
    }
    unsigned flags =
        skip_pid_check ? unsigned{SEQUANTLOCK_ACQUIRE_SKIP_PID_CHECK} : 0u;
    const char* command_text = CommandOrNull(command);
    if (!force && wait_ms != 0) {
      return AcquireWait(key_text, command_text, flags, wait_ms);
    }

    sequantlock_acquire_result* raw = nullptr;
    CallLibrary([&] {
      return force ? sequantlock_manager_force_acquire(
                         manager_, key_text.c_str(), command_text, flags, &raw)
                   : sequantlock_manager_acquire(manager_, key_text.c_str(),
                                                 command_text, flags, &raw);
    });
    AcquireResultPtr result(raw);
    return AcquireResultToDict(result.get());
  }

  py::tuple SignalOther(const std::string& record, int signal) {
    HolderPtr holder = ParseHolder(record);
    int reason = SEQUANTLOCK_SIGNAL_KILL_FAILED;
    CallLibrary([&] {
      return sequantlock_manager_signal_other(manager_, holder.get(), signal,
                                              &reason);
    });
    return py::make_tuple(reason == SEQUANTLOCK_SIGNAL_SENT,
                          Text(sequantlock_signal_reason_name(reason)));
  }

  py::str Release(const std::string& key) {
    std::string key_text = KeyText(key);
    int reason = SEQUANTLOCK_RELEASE_NO_LOCK;
    CallLibrary([&] {
      return sequantlock_manager_release(manager_, key_text.c_str(), &reason);
    });
    return Text(sequantlock_release_reason_name(reason));
  }

  py::str ReleaseToken(const std::string& key, const std::string& token) {
    std::string key_text = KeyText(key);
    RequireNoNul(token, "token", SEQUANTLOCK_ERR_INVALID_ARGUMENT);
    int reason = SEQUANTLOCK_RELEASE_NO_LOCK;
    CallLibrary([&] {
      return sequantlock_manager_release_token(manager_, key_text.c_str(),
                                               token.c_str(), &reason);
    });
    return Text(sequantlock_release_reason_name(reason));
  }

  py::str ReleaseExternal(const std::string& key) {
    std::string key_text = KeyText(key);
    int reason = SEQUANTLOCK_RELEASE_NO_LOCK;
    CallLibrary([&] {
      return sequantlock_manager_release_external(manager_, key_text.c_str(),
                                                  &reason);
    });
    return Text(sequantlock_release_reason_name(reason));
  }

  size_t ReleaseAll() {
    size_t released = 0;
    CallLibrary(
        [&] { return sequantlock_manager_release_all(manager_, &released); });
    return released;
  }

  py::object CheckKey(const std::string& key) {
    std::string key_text = KeyText(key);
    sequantlock_lock_info* raw = nullptr;
    CallLibrary([&] {
      return sequantlock_manager_check(manager_, key_text.c_str(), &raw);
    });
    LockInfoPtr info(raw);
    return LockInfoToDict(info.get());
  }

  py::list List() {
    sequantlock_lock_list* raw = nullptr;
    CallLibrary([&] { return sequantlock_manager_list(manager_, &raw); });
    LockListPtr locks(raw);

    py::list entries;
    size_t count = sequantlock_lock_list_count(locks.get());
    for (size_t i = 0; i < count; ++i) {
      entries.append(LockInfoToDict(sequantlock_lock_list_at(locks.get(), i)));
    }
    return entries;
  }

  py::dict Clear(const std::string& key, bool force) {
    std::string key_text = KeyText(key);
    sequantlock_clear_result* raw = nullptr;
    CallLibrary([&] {
      return sequantlock_manager_clear(manager_, key_text.c_str(),
                                       force ? 1 : 0, &raw);
    });
    ClearResultPtr result(raw);
    return ClearResultToDict(result.get());
  }

  py::object Classify(const std::string& record) {
    HolderPtr holder = ParseHolder(record);
    int reason = SEQUANTLOCK_STALE_NONE;
    CallLibrary([&] {
      return sequantlock_manager_classify(manager_, holder.get(), &reason);
    });
    if (reason == SEQUANTLOCK_STALE_NONE) return py::none();
    return Text(sequantlock_stale_reason_name(reason));
  }

  py::str LockPath(const std::string& key) {
    std::string key_text = KeyText(key);
    char* path = nullptr;
    CallLibrary([&] {
      return sequantlock_manager_lock_path(manager_, key_text.c_str(), &path);
    });
    py::str text = Text(path);
    sequantlock_string_free(path);
    return text;
  }

  const std::string& locks_dir() const { return locks_dir_; }
  bool is_noop() const { return is_noop_; }

 private:
  // Waits for the lock in slices of at most kWaitSliceMs, each one call of
  // sequantlock_manager_acquire_wait() with the GIL released. The C call
  // cannot be interrupted, so between slices the GIL is taken back to run
  // Python's signal handlers, and the exception one raises (normally
  // KeyboardInterrupt) propagates from here. The check runs only after a
  // slice that did not acquire, so that exception leaves no lock behind.
  // waited_ms covers every slice.
  py::dict AcquireWait(const std::string& key_text, const char* command_text,
                       unsigned flags, int64_t wait_ms) {
    using Clock = std::chrono::steady_clock;
    const Clock::time_point start = Clock::now();
    const auto elapsed_ms = [start] {
      return static_cast<int64_t>(
          std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() -
                                                                start)
              .count());
    };

    for (;;) {
      int64_t slice_ms = kWaitSliceMs;
      if (wait_ms > 0) {
        slice_ms = std::max<int64_t>(
            1, std::min<int64_t>(slice_ms, wait_ms - elapsed_ms()));
      }

      sequantlock_acquire_result* raw = nullptr;
      CallLibrary([&] {
        return sequantlock_manager_acquire_wait(manager_, key_text.c_str(),
                                                command_text, flags, slice_ms,
                                                &raw);
      });
      AcquireResultPtr result(raw);

      const int64_t waited_ms = elapsed_ms();
      const bool done = sequantlock_acquire_result_acquired(result.get()) != 0 ||
                        (wait_ms > 0 && waited_ms >= wait_ms);
      if (done) {
        py::dict data = AcquireResultToDict(result.get());
        data["waited_ms"] = waited_ms;
        return data;
      }
      if (PyErr_CheckSignals() != 0) throw py::error_already_set();
    }
  }

  Callbacks callbacks_;
  sequantlock_manager* manager_ = nullptr;
  std::string locks_dir_;
  bool is_noop_ = false;
};

// The Python callable that receives log records, or None. It is read and
// replaced only with the GIL held. Never released, so that no Python object
// is destroyed during static destruction.
py::object& LogHandler() {
  static py::object* handler = new py::object(py::none());
  return *handler;
}

bool InterpreterFinalizing() {
#if PY_VERSION_HEX >= 0x030D0000
  return Py_IsFinalizing() != 0;
#else
  return _Py_IsFinalizing() != 0;
#endif
}

void LogTrampoline(void*, int level, const char* message) {
  if (!Py_IsInitialized() || InterpreterFinalizing()) return;
  py::gil_scoped_acquire gil;
  try {
    py::object handler = LogHandler();
    if (handler.is_none()) return;
    handler(level, Text(message));
  } catch (py::error_already_set& error) {
    error.discard_as_unraisable("sequantlock log handler");
  } catch (const std::exception& error) {
    PyErr_SetString(PyExc_RuntimeError, error.what());
    py::error_already_set().discard_as_unraisable("sequantlock log handler");
  }
}

void SetLogHandler(py::object handler) {
  LogHandler() = std::move(handler);
  if (LogHandler().is_none()) {
    sequantlock_set_log_callback(nullptr, nullptr);
  } else {
    sequantlock_set_log_callback(LogTrampoline, nullptr);
  }
}

py::dict ErrorCodes() {
  py::dict codes;
#define SEQUANTLOCK_PY_ERROR_ENTRY(name, value, text) codes[#name] = value;
  SEQUANTLOCK_ERROR_TABLE(SEQUANTLOCK_PY_ERROR_ENTRY)
#undef SEQUANTLOCK_PY_ERROR_ENTRY
  return codes;
}

py::tuple ReasonNames(const char* (*name_of)(int), int count) {
  py::tuple names(count);
  for (int i = 0; i < count; ++i) names[i] = Text(name_of(i));
  return names;
}

}  // namespace
}  // namespace sequantlock_python

PYBIND11_MODULE(_native, m) {
  namespace py = pybind11;
  using namespace sequantlock_python;

  m.doc() = "Thin binding of the libsequantlock C ABI; use the sequantlock "
            "package instead.";

  m.attr("HEADER_VERSION") =
      py::str(std::to_string(SEQUANTLOCK_VERSION_MAJOR) + "." +
              std::to_string(SEQUANTLOCK_VERSION_MINOR) + "." +
              std::to_string(SEQUANTLOCK_VERSION_PATCH));
  m.attr("DEFAULT_STALE_AGE_MS") = SEQUANTLOCK_DEFAULT_STALE_AGE_MS;
  m.attr("DEFAULT_SKILL_LOCK_TTL_MS") = SEQUANTLOCK_DEFAULT_SKILL_LOCK_TTL_MS;
  m.attr("DEFAULT_MAX_LOCK_AGE_MS") = SEQUANTLOCK_DEFAULT_MAX_LOCK_AGE_MS;
  m.attr("CORRUPT_GRACE_MS") = SEQUANTLOCK_CORRUPT_GRACE_MS;
  m.attr("MAX_RECORD_BYTES") = SEQUANTLOCK_MAX_RECORD_BYTES;
  m.attr("DEFAULT_LOCKS_DIR") = SEQUANTLOCK_DEFAULT_LOCKS_DIR;
  m.attr("SCHEMA_VERSION") = SEQUANTLOCK_SCHEMA_VERSION;
  m.attr("ERROR_CODES") = ErrorCodes();
  m.attr("STALE_REASONS") = ReasonNames(sequantlock_stale_reason_name,
                                        SEQUANTLOCK_STALE_LAST_);
  m.attr("SIGNAL_REASONS") = ReasonNames(sequantlock_signal_reason_name,
                                         SEQUANTLOCK_SIGNAL_LAST_);
  m.attr("CLEAR_REASONS") = ReasonNames(sequantlock_clear_reason_name,
                                        SEQUANTLOCK_CLEAR_LAST_);
  m.attr("RELEASE_REASONS") = ReasonNames(sequantlock_release_reason_name,
                                          SEQUANTLOCK_RELEASE_LAST_);

  m.def("version", [] { return std::string(sequantlock_version()); });
  m.def("version_number", [] { return sequantlock_version_number(); });
  m.def("error_name", [](int code) { return Text(sequantlock_error_name(code)); },
        py::arg("code"));
  m.def("error_string",
        [](int code) { return Text(sequantlock_error_string(code)); },
        py::arg("code"));

  m.def(
      "validate_key",
      [](const std::string& key) {
        std::string key_text = KeyText(key);
        Check(sequantlock_key_validate(key_text.c_str()));
      },
      py::arg("key"));
  m.def(
      "key_is_issue",
      [](const std::string& key) {
        return key.find('\0') == std::string::npos &&
               sequantlock_key_is_issue(key.c_str()) != 0;
      },
      py::arg("key"));
  m.def(
      "resolve_locks_dir",
      [](const std::optional<std::string>& explicit_dir) {
        if (explicit_dir) {
          RequireNoNul(*explicit_dir, "locks_dir",
                       SEQUANTLOCK_ERR_INVALID_ARGUMENT);
        }
        const char* dir = explicit_dir ? explicit_dir->c_str() : nullptr;
        char* out = nullptr;
        CallLibrary([&] { return sequantlock_resolve_locks_dir(dir, &out); });
        py::str text = Text(out);
        sequantlock_string_free(out);
        return text;
      },
      py::arg("explicit_dir") = py::none());
  m.def("orchestrator_mode_from_env",
        [] { return sequantlock_orchestrator_mode_from_env() != 0; });
  m.def(
      "default_is_pid_alive",
      [](int64_t pid) {
        py::gil_scoped_release release;
        return sequantlock_default_is_pid_alive(pid) != 0;
      },
      py::arg("pid"));

  m.def(
      "parse_holder",
      [](const std::string& json) {
        HolderPtr holder = ParseHolder(json);
        return HolderToDict(holder.get());
      },
      py::arg("json"));
  m.def(
      "holder_to_json",
      [](const std::string& record, bool compact, bool original_fields) {
        HolderPtr holder = ParseHolder(record);
        unsigned flags = 0;
        if (compact) flags |= SEQUANTLOCK_JSON_COMPACT;
        if (original_fields) flags |= SEQUANTLOCK_JSON_ORIGINAL_FIELDS;
        return Text(HolderJson(holder.get(), flags).c_str());
      },
      py::arg("record"), py::arg("compact") = false,
      py::arg("original_fields") = false);
  m.def(
      "format_locked_message",
      [](const std::string& key, const std::optional<std::string>& record) {
        std::string key_text = KeyText(key);
        HolderPtr holder;
        if (record) holder = ParseHolder(*record);
        char* out = nullptr;
        Check(sequantlock_format_locked_message(key_text.c_str(), holder.get(),
                                                &out));
        py::str text = Text(out);
        sequantlock_string_free(out);
        return text;
      },
      py::arg("key"), py::arg("record") = py::none());
  m.def("set_log_handler", &SetLogHandler, py::arg("handler"));

  py::class_<Manager>(m, "Manager")
      .def(py::init<const std::optional<std::string>&,
                    const std::optional<int64_t>&,
                    const std::optional<int64_t>&,
                    const std::optional<int64_t>&, const std::optional<bool>&,
                    const std::optional<std::string>&,
                    const std::optional<int64_t>&, py::object, py::object,
                    const std::optional<std::string>&,
                    const std::optional<std::string>&>(),
           py::arg("locks_dir") = py::none(),
           py::arg("stale_age_ms") = py::none(),
           py::arg("skill_lock_ttl_ms") = py::none(),
           py::arg("max_lock_age_ms") = py::none(),
           py::arg("orchestrator_mode") = py::none(),
           py::arg("hostname") = py::none(), py::arg("pid") = py::none(),
           py::arg("is_pid_alive") = py::none(), py::arg("now") = py::none(),
           py::arg("boot_id") = py::none(), py::arg("machine_id") = py::none())
      .def("acquire", &Manager::Acquire, py::arg("key"),
           py::arg("command") = py::none(), py::arg("skip_pid_check") = false,
           py::arg("force") = false, py::arg("wait_ms") = 0)
      .def("signal_other", &Manager::SignalOther, py::arg("record"),
           py::arg("signal"))
      .def("release", &Manager::Release, py::arg("key"))
      .def("release_token", &Manager::ReleaseToken, py::arg("key"),
           py::arg("token"))
      .def("release_external", &Manager::ReleaseExternal, py::arg("key"))
      .def("release_all", &Manager::ReleaseAll)
      .def("check", &Manager::CheckKey, py::arg("key"))
      .def("list", &Manager::List)
      .def("clear", &Manager::Clear, py::arg("key"), py::arg("force") = false)
      .def("classify", &Manager::Classify, py::arg("record"))
      .def("lock_path", &Manager::LockPath, py::arg("key"))
      .def_property_readonly("locks_dir", &Manager::locks_dir)
      .def_property_readonly("is_noop", &Manager::is_noop);
}
