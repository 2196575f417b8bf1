#include "waiter.h"

#include <poll.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#if defined(__linux__)
#include <sys/inotify.h>
#endif

namespace sequantlock {
namespace {

// Filesystems whose changes on other hosts never reach local inotify.
bool IsNetworkFilesystem(const std::string& dir) {
#if defined(__linux__)
  struct statfs st;
  if (statfs(dir.c_str(), &st) != 0) return false;
  switch (static_cast<unsigned long>(st.f_type)) {
    case 0x6969UL:      // NFS
    case 0xFF534D42UL:  // CIFS
    case 0xFE534D42UL:  // SMB2
    case 0x517BUL:      // SMB
    case 0x65735546UL:  // FUSE
    case 0x01021997UL:  // 9P (v9fs)
    case 0x5346414FUL:  // AFS
    case 0x47504653UL:  // GPFS
    case 0x00C36400UL:  // Ceph
      return true;
    default:
      return false;
  }
#else
  (void)dir;
  return true;
#endif
}

int OpenPidfd(int64_t pid) {
#if defined(SYS_pidfd_open)
  if (pid <= 0 || pid > 0x7fffffff) return -1;
  return static_cast<int>(syscall(SYS_pidfd_open, static_cast<pid_t>(pid), 0));
#else
  (void)pid;
  return -1;
#endif
}

// Reads and drops every queued event.
void Drain(int fd) {
  alignas(8) char buffer[4096];
  while (read(fd, buffer, sizeof buffer) > 0) {
  }
}

}  // namespace

WatchPool::~WatchPool() {
  for (int fd : idle_) close(fd);
}

int WatchPool::Borrow() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!idle_.empty()) {
      const int fd = idle_.back();
      idle_.pop_back();
      return fd;
    }
  }
#if defined(__linux__)
  return inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
#else
  return -1;
#endif
}

void WatchPool::Return(int fd) {
  if (fd < 0) return;
  Drain(fd);
  std::lock_guard<std::mutex> lock(mutex_);
  idle_.push_back(fd);
}

LockWaiter::LockWaiter(WatchPool& pool, const std::string& dir,
                       const std::string& file_name)
    : pool_(pool), file_name_(file_name) {
#if defined(__linux__)
  if (IsNetworkFilesystem(dir)) return;
  inotify_fd_ = pool_.Borrow();
  if (inotify_fd_ < 0) return;
  Drain(inotify_fd_);
  const uint32_t mask = IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_CREATE |
                        IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;
  watch_ = inotify_add_watch(inotify_fd_, dir.c_str(), mask);
  if (watch_ < 0) {
    pool_.Return(inotify_fd_);
    inotify_fd_ = -1;
  }
#else
  (void)dir;
#endif
}

LockWaiter::~LockWaiter() {
  if (inotify_fd_ < 0) return;
#if defined(__linux__)
  inotify_rm_watch(inotify_fd_, watch_);
#endif
  pool_.Return(inotify_fd_);
}

void LockWaiter::Wait(std::optional<int64_t> holder_pid, int64_t max_wait_ms) {
  const int64_t interval = has_events() ? kRecheckIntervalMs : kPollIntervalMs;
  const int64_t sleep_ms = std::max<int64_t>(0, std::min(max_wait_ms, interval));
  const int pidfd = holder_pid ? OpenPidfd(*holder_pid) : -1;

  struct pollfd fds[2];
  nfds_t count = 0;
  if (inotify_fd_ >= 0) fds[count++] = {inotify_fd_, POLLIN, 0};
  if (pidfd >= 0) fds[count++] = {pidfd, POLLIN, 0};

  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(sleep_ms);
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    if (left <= 0) break;
    const int ready = poll(fds, count, static_cast<int>(left));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) break;
#if defined(__linux__)
    if (inotify_fd_ >= 0 && (fds[0].revents & POLLIN) != 0) {
      // Wake only for events about the lock file (or the directory
      // itself); a busy directory of other keys keeps the waiter asleep.
      alignas(struct inotify_event) char buffer[4096];
      bool relevant = false;
      ssize_t n;
      while ((n = read(inotify_fd_, buffer, sizeof buffer)) > 0) {
        for (char* p = buffer; p < buffer + n;) {
          auto* event = reinterpret_cast<struct inotify_event*>(p);
          if (event->len == 0 || file_name_ == event->name ||
              (event->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED))) {
            relevant = true;
          }
          p += sizeof(struct inotify_event) + event->len;
        }
      }
      if (relevant) break;
      fds[0].revents = 0;
      if (count == 1 || (fds[1].revents & POLLIN) == 0) continue;
    }
#endif
    break;  // The holder exited.
  }
  if (pidfd >= 0) close(pidfd);
}

}  // namespace sequantlock
