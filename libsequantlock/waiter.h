// Waiting for a held lock to become free without busy polling.
//
// A waiter watches the locks directory with inotify, so the removal of the
// lock file wakes it, and, for a holder on this kernel, the holder process
// with a pidfd, so its exit wakes it even when it leaves its lock behind.
// A periodic re-check notices locks that expire by age. On network
// filesystems, whose remote changes inotify does not see, and where inotify
// or pidfds are unavailable, it falls back to polling.
// Thread safety: one waiter is used by one thread.
#ifndef SEQUANTLOCK_WAITER_H_
#define SEQUANTLOCK_WAITER_H_

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace sequantlock {

// Longest sleep between re-checks when events are available, so a lock
// that goes stale by age is noticed within about this long.
inline constexpr int64_t kRecheckIntervalMs = 1000;
// Sleep between re-checks when events are not available.
inline constexpr int64_t kPollIntervalMs = 50;

// inotify instances kept open for reuse. Closing an instance that has had
// a watch waits for an RCU grace period in the kernel (milliseconds), so a
// waiter borrows one and only adds and removes its watch.
class WatchPool {
 public:
  WatchPool() = default;
  ~WatchPool();
  WatchPool(const WatchPool&) = delete;
  WatchPool& operator=(const WatchPool&) = delete;

  // An inotify descriptor with no watches, or -1 when inotify is
  // unavailable.
  int Borrow();
  // Takes back a descriptor whose watches have been removed.
  void Return(int fd);

 private:
  std::mutex mutex_;
  std::vector<int> idle_;
};

class LockWaiter {
 public:
  // Starts watching `dir` for changes to `file_name`. Must be made before
  // the acquire attempt whose refusal it waits out, so a removal between
  // the attempt and the wait is not missed.
  LockWaiter(WatchPool& pool, const std::string& dir,
             const std::string& file_name);
  ~LockWaiter();

  LockWaiter(const LockWaiter&) = delete;
  LockWaiter& operator=(const LockWaiter&) = delete;

  // Sleeps until the lock file is removed or replaced, `holder_pid` (when
  // given) exits, the re-check interval passes, or `max_wait_ms` passes.
  void Wait(std::optional<int64_t> holder_pid, int64_t max_wait_ms);

  // Whether file events are seen, or the waiter is polling.
  bool has_events() const { return inotify_fd_ >= 0; }

 private:
  WatchPool& pool_;
  std::string file_name_;
  int inotify_fd_ = -1;
  int watch_ = -1;
};

}  // namespace sequantlock

#endif  // SEQUANTLOCK_WAITER_H_
