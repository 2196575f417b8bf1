// sequantlock.hpp - an optional header-only C++ layer over sequantlock.h.
//
// Owning wrappers for the manager and its results, and a scoped lock that
// releases on destruction. Every call goes through the C ABI; failures throw
// sequantlock::Error carrying the code and the library's message.
#ifndef SEQUANTLOCK_HPP
#define SEQUANTLOCK_HPP

#include <memory>
#include <stdexcept>
#include <string>
#include <utility>

#include "sequantlock.h"

namespace sequantlock {

// A failed call: the SEQUANTLOCK_ERR_* code and the library's message.
class Error : public std::runtime_error {
 public:
  Error(int code, int os_errno, const std::string& message)
      : std::runtime_error(message), code_(code), os_errno_(os_errno) {}
  int code() const noexcept { return code_; }
  int os_errno() const noexcept { return os_errno_; }

 private:
  int code_;
  int os_errno_;
};

// Throws the calling thread's last error when `rc` reports a failure.
inline void Check(int rc) {
  if (rc != SEQUANTLOCK_OK) {
    throw Error(rc, sequantlock_last_error_os_errno(),
                sequantlock_last_error_message());
  }
}

struct OptionsDeleter {
  void operator()(sequantlock_options* o) const { sequantlock_options_free(o); }
};
struct ManagerDeleter {
  void operator()(sequantlock_manager* m) const { sequantlock_manager_free(m); }
};
struct AcquireResultDeleter {
  void operator()(sequantlock_acquire_result* r) const {
    sequantlock_acquire_result_free(r);
  }
};

using OptionsPtr = std::unique_ptr<sequantlock_options, OptionsDeleter>;
using ManagerPtr = std::unique_ptr<sequantlock_manager, ManagerDeleter>;
using AcquireResultPtr =
    std::unique_ptr<sequantlock_acquire_result, AcquireResultDeleter>;

// Makes a manager for `locks_dir` (empty: resolved from the environment and
// the enclosing git repository).
inline ManagerPtr MakeManager(const std::string& locks_dir = std::string()) {
  sequantlock_options* raw_options = nullptr;
  Check(sequantlock_options_new(&raw_options));
  OptionsPtr options(raw_options);
  if (!locks_dir.empty()) {
    Check(sequantlock_options_set_locks_dir(options.get(), locks_dir.c_str()));
  }
  sequantlock_manager* manager = nullptr;
  Check(sequantlock_manager_new(&manager, options.get()));
  return ManagerPtr(manager);
}

// Holds the lock for one key for the life of the object, if it was free.
class ScopedLock {
 public:
  ScopedLock(sequantlock_manager* manager, std::string key,
             const std::string& command, unsigned flags = 0)
      : manager_(manager), key_(std::move(key)) {
    sequantlock_acquire_result* raw = nullptr;
    Check(sequantlock_manager_acquire(manager_, key_.c_str(), command.c_str(),
                                      flags, &raw));
    result_.reset(raw);
  }
  ~ScopedLock() {
    if (owns_lock()) sequantlock_manager_release(manager_, key_.c_str(), nullptr);
  }
  ScopedLock(const ScopedLock&) = delete;
  ScopedLock& operator=(const ScopedLock&) = delete;

  bool owns_lock() const {
    return result_ && sequantlock_acquire_result_acquired(result_.get()) != 0;
  }
  // The result of the acquire: the holder when the key was held.
  const sequantlock_acquire_result* result() const { return result_.get(); }

 private:
  sequantlock_manager* manager_;
  std::string key_;
  AcquireResultPtr result_;
};

}  // namespace sequantlock

#endif  // SEQUANTLOCK_HPP
