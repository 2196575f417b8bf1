#include "process_identity.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#include <pthread.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <random>
#include <string_view>

#if defined(__linux__)
#include <sys/random.h>
#endif

namespace sequantlock {
namespace {

// Reads a small file whole, or returns "" when it cannot be read.
std::string ReadSmallFile(const char* path) {
  const int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::string();
  char buffer[4096];
  std::string content;
  for (;;) {
    const ssize_t n = read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    content.append(buffer, static_cast<size_t>(n));
    if (content.size() > 65536) break;
  }
  close(fd);
  return content;
}

std::string Trim(std::string text) {
  const char* kSpace = " \t\r\n";
  const size_t begin = text.find_first_not_of(kSpace);
  if (begin == std::string::npos) return std::string();
  const size_t end = text.find_last_not_of(kSpace);
  return text.substr(begin, end - begin + 1);
}

bool FitsPid(int64_t pid) { return pid > 0 && pid <= INT_MAX; }

#if defined(__linux__)
// Parses /proc/<pid>/stat. The command name is in parentheses and may
// itself contain spaces and parentheses, so fields are counted after the
// last ')'. Field 3 is the state, 20 the thread count, 22 the start time.
ProcessStat ParseStat(const std::string& stat) {
  ProcessStat result;
  const size_t close_paren = stat.rfind(')');
  if (close_paren == std::string::npos) return result;
  const char* cursor = stat.c_str() + close_paren + 1;
  char state = '?';
  long long threads = 0;
  long long start = -1;
  for (int field = 3; field <= 22; ++field) {
    while (*cursor == ' ') ++cursor;
    if (*cursor == '\0') return result;
    if (field == 3) state = *cursor;
    if (field == 20) threads = std::strtoll(cursor, nullptr, 10);
    if (field == 22) {
      char* end = nullptr;
      errno = 0;
      start = std::strtoll(cursor, &end, 10);
      if (end == cursor || errno != 0 || start < 0) return result;
    }
    while (*cursor != ' ' && *cursor != '\0') ++cursor;
  }
  result.found = true;
  result.exited = (state == 'Z' || state == 'X') && threads <= 1;
  result.start_time = start;
  return result;
}

// The boot time in seconds since the epoch, from /proc/stat.
std::optional<int64_t> ReadBootTimeSeconds() {
  const std::string stat = ReadSmallFile("/proc/stat");
  const size_t pos = stat.find("\nbtime ");
  if (pos == std::string::npos) return std::nullopt;
  return std::strtoll(stat.c_str() + pos + 7, nullptr, 10);
}

int PidfdOpen(pid_t pid) {
#if defined(SYS_pidfd_open)
  return static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
#else
  errno = ENOSYS;
  return -1;
#endif
}

int PidfdSendSignal(int pidfd, int signal) {
#if defined(SYS_pidfd_send_signal)
  return static_cast<int>(
      syscall(SYS_pidfd_send_signal, pidfd, signal, nullptr, 0));
#else
  errno = ENOSYS;
  return -1;
#endif
}
#endif  // __linux__

}  // namespace

std::string ReadHostName() {
  char buffer[256];
  if (gethostname(buffer, sizeof buffer) != 0) return std::string();
  buffer[sizeof buffer - 1] = '\0';
  return buffer;
}

std::string ReadBootId() {
#if defined(__linux__)
  return Trim(ReadSmallFile("/proc/sys/kernel/random/boot_id"));
#else
  // NOTE: no boot id is read on this system, so a reboot is never detected
  // and same-host locks are judged by PID alone.
  return std::string();
#endif
}

std::string ReadMachineId() {
  std::string id = Trim(ReadSmallFile("/etc/machine-id"));
  if (id.empty()) id = Trim(ReadSmallFile("/var/lib/dbus/machine-id"));
  return id;
}

uint64_t ReadPidNamespace() {
#if defined(__linux__)
  struct stat st;
  if (stat("/proc/self/ns/pid", &st) != 0) return 0;
  return static_cast<uint64_t>(st.st_ino);
#else
  return 0;
#endif
}

bool IsPidAlive(int64_t pid) {
  if (!FitsPid(pid)) return false;
  if (kill(static_cast<pid_t>(pid), 0) == 0) return true;
  return errno == EPERM;
}

ProcessStat ReadProcessStat(int64_t pid) {
#if defined(__linux__)
  if (!FitsPid(pid)) return ProcessStat();
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%lld/stat",
                static_cast<long long>(pid));
  return ParseStat(ReadSmallFile(path));
#else
  // NOTE: no process table is read on this system (macOS would need
  // proc_pidinfo), so a recycled PID is recognised only by the 24 h
  // ceiling, as in the TypeScript original, and zombies count as alive.
  (void)pid;
  return ProcessStat();
#endif
}

int64_t ReadProcessStartTime(int64_t pid) {
  return ReadProcessStat(pid).start_time;
}

std::optional<int64_t> StartTimeToWallMs(int64_t ticks) {
#if defined(__linux__)
  if (ticks < 0) return std::nullopt;
  static const std::optional<int64_t> boot_seconds = ReadBootTimeSeconds();
  const long ticks_per_second = sysconf(_SC_CLK_TCK);
  if (!boot_seconds || ticks_per_second <= 0) return std::nullopt;
  return *boot_seconds * 1000 + ticks * 1000 / ticks_per_second;
#else
  (void)ticks;
  return std::nullopt;
#endif
}

namespace {

std::atomic<int64_t> g_cached_pid{0};

void ForgetCachedPid() { g_cached_pid.store(0); }

}  // namespace

int64_t CurrentPid() {
  int64_t pid = g_cached_pid.load(std::memory_order_relaxed);
  if (pid != 0) return pid;
  static const int registered = pthread_atfork(nullptr, nullptr,
                                               ForgetCachedPid);
  (void)registered;
  pid = static_cast<int64_t>(getpid());
  g_cached_pid.store(pid, std::memory_order_relaxed);
  return pid;
}

int64_t ParentPid() { return static_cast<int64_t>(getppid()); }

namespace {

// SplitMix64's output function: a bijection on 64-bit values, so distinct
// counters give distinct outputs.
uint64_t Mix(uint64_t value) {
  value += 0x9e3779b97f4a7c15ULL;
  value = (value ^ (value >> 30)) * 0xbf58476d1ce4e5b9ULL;
  value = (value ^ (value >> 27)) * 0x94d049bb133111ebULL;
  return value ^ (value >> 31);
}

void FillRandom(unsigned char* bytes, size_t size) {
  size_t filled = 0;
#if defined(__linux__)
  while (filled < size) {
    const ssize_t n = getrandom(bytes + filled, size - filled, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    filled += static_cast<size_t>(n);
  }
#endif
  if (filled < size) {
    std::random_device device;
    for (size_t i = filled; i < size; ++i) {
      bytes[i] = static_cast<unsigned char>(device());
    }
  }
}

struct TokenSource {
  std::mutex mutex;
  int64_t seeded_for = 0;  // The pid the seed was drawn for.
  uint64_t seed[2] = {0, 0};
  uint64_t counter = 0;
};

}  // namespace

std::string NewToken() {
  // One draw from the kernel per process, then a counter mixed with it:
  // unique within the process, unpredictable across processes, and no
  // system call per lock.
  static TokenSource source;
  uint64_t words[2];
  {
    std::lock_guard<std::mutex> lock(source.mutex);
    const int64_t pid = CurrentPid();
    if (source.seeded_for != pid) {
      unsigned char bytes[16];
      FillRandom(bytes, sizeof bytes);
      std::memcpy(source.seed, bytes, sizeof bytes);
      source.seeded_for = pid;
      source.counter = 0;
    }
    ++source.counter;
    words[0] = Mix(source.seed[0] ^ source.counter);
    words[1] = Mix(source.seed[1] + source.counter);
  }
  static const char kHex[] = "0123456789abcdef";
  std::string token;
  token.reserve(32);
  for (uint64_t word : words) {
    for (int shift = 60; shift >= 0; shift -= 4) {
      token += kHex[(word >> shift) & 15];
    }
  }
  return token;
}

int64_t OwnProcessStartTime() {
  static std::atomic<int64_t> cached_for{0};
  static std::atomic<int64_t> cached{-1};
  const int64_t pid = CurrentPid();
  if (cached_for.load(std::memory_order_acquire) == pid) {
    return cached.load(std::memory_order_relaxed);
  }
  const int64_t start = ReadProcessStartTime(pid);
  cached.store(start, std::memory_order_relaxed);
  cached_for.store(pid, std::memory_order_release);
  return start;
}

SignalOutcome SignalVerifiedProcess(
    int64_t pid, const std::function<bool(int64_t start_time)>& is_holder,
    int signal) {
  if (!FitsPid(pid)) return SignalOutcome::kNoProcess;
  const pid_t target = static_cast<pid_t>(pid);
#if defined(__linux__)
  const int pidfd = PidfdOpen(target);
  if (pidfd >= 0) {
    // The pidfd names one process for good. Whatever /proc/<pid> shows now
    // started before the pidfd was opened unless the pinned process has
    // already died, so a matching start time proves the pin is the holder.
    const int64_t start = ReadProcessStartTime(pid);
    SignalOutcome outcome = SignalOutcome::kSent;
    if (start < 0) {
      outcome = SignalOutcome::kNoProcess;
    } else if (!is_holder(start)) {
      outcome = SignalOutcome::kStartChanged;
    } else if (PidfdSendSignal(pidfd, signal) != 0) {
      outcome = errno == ESRCH ? SignalOutcome::kNoProcess
                               : SignalOutcome::kFailed;
    }
    close(pidfd);
    return outcome;
  }
  if (errno == ESRCH) return SignalOutcome::kNoProcess;
  // Without pidfds (kernels before 5.3) the check and the kill are two
  // steps, which leaves the same small window the kill() path below has.
  if (!is_holder(ReadProcessStartTime(pid))) {
    return SignalOutcome::kStartChanged;
  }
#else
  if (!is_holder(-1)) return SignalOutcome::kStartChanged;
#endif
  if (kill(target, signal) == 0) return SignalOutcome::kSent;
  return errno == ESRCH ? SignalOutcome::kNoProcess : SignalOutcome::kFailed;
}

}  // namespace sequantlock
