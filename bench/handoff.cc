// Hand-off latency: a holder process releases a lock while a waiter process
// is blocked on it, and the sample is the time from just before the release
// (taken by the holder) to the waiter's return (taken by the waiter), both
// on CLOCK_MONOTONIC. The holder sleeps 20 to 30 ms, chosen at random, before
// each release, so that a polling waiter is caught at a random point of its
// interval. Prints one JSON line: {"name":..., "unit":"ns", "samples":[...]}.
//
// Usage: sequantlock_bench_handoff MODE ROUNDS
//   flock        flock(2) LOCK_EX blocking in the kernel: the floor
//   wait         sequantlock_manager_acquire_wait (when the library has it)
//   poll-10ms    sequantlock_manager_acquire retried every 10 ms
#include <fcntl.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <random>
#include <string>
#include <vector>

#include "bench_util.h"

namespace {

using sequantlock_bench::CheckOk;
using sequantlock_bench::CheckSys;
using sequantlock_bench::MonotonicNs;

constexpr const char *kKey = "604";

void SleepNs(int64_t ns) {
  timespec delay{static_cast<time_t>(ns / 1000000000),
                 static_cast<long>(ns % 1000000000)};
  while (nanosleep(&delay, &delay) != 0) {
  }
}

void ReadFull(int fd, void *data, size_t size) {
  char *bytes = static_cast<char *>(data);
  while (size > 0) {
    ssize_t n = read(fd, bytes, size);
    CheckSys(n > 0, "read from the other process");
    bytes += n;
    size -= static_cast<size_t>(n);
  }
}

void WriteFull(int fd, const void *data, size_t size) {
  CheckSys(write(fd, data, size) == static_cast<ssize_t>(size),
           "write to the other process");
}

// One way of taking and releasing the lock, used by both processes.
class Lock {
 public:
  virtual ~Lock() = default;
  // Blocks until the lock is taken.
  virtual void Take() = 0;
  virtual void Give() = 0;
};

class FlockLock : public Lock {
 public:
  explicit FlockLock(const std::string &path) {
    fd_ = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    CheckSys(fd_ >= 0, "open");
  }
  ~FlockLock() override { close(fd_); }
  void Take() override { CheckSys(flock(fd_, LOCK_EX) == 0, "flock"); }
  void Give() override { CheckSys(flock(fd_, LOCK_UN) == 0, "flock"); }

 private:
  int fd_ = -1;
};

class SequantLock : public Lock {
 public:
  SequantLock(const std::string &dir, bool event_driven)
      : manager_(sequantlock_bench::NewManager(dir, 0)),
        event_driven_(event_driven) {}
  ~SequantLock() override { sequantlock_manager_free(manager_); }

  void Take() override {
    for (;;) {
      sequantlock_acquire_result *result = nullptr;
#ifdef SEQUANTLOCK_BENCH_HAVE_ACQUIRE_WAIT
      if (event_driven_) {
        CheckOk(sequantlock_manager_acquire_wait(manager_, kKey, "bench", 0,
                                                 10000, &result),
                "sequantlock_manager_acquire_wait");
      } else {
        CheckOk(sequantlock_manager_acquire(manager_, kKey, "bench", 0,
                                            &result),
                "sequantlock_manager_acquire");
      }
#else
      CheckOk(sequantlock_manager_acquire(manager_, kKey, "bench", 0, &result),
              "sequantlock_manager_acquire");
#endif
      bool acquired = sequantlock_acquire_result_acquired(result) != 0;
      sequantlock_acquire_result_free(result);
      if (acquired) return;
      if (event_driven_) {
        std::fprintf(stderr, "sequantlock_bench_handoff: acquire_wait "
                             "returned without the lock\n");
        std::exit(1);
      }
      SleepNs(10 * 1000 * 1000);
    }
  }

  void Give() override {
    CheckOk(sequantlock_manager_release(manager_, kKey, nullptr),
            "sequantlock_manager_release");
  }

 private:
  sequantlock_manager *manager_;
  bool event_driven_;
};

Lock *MakeLock(const std::string &mode, const std::string &dir) {
  if (mode == "flock") return new FlockLock(dir + "/604.flock");
  if (mode == "poll-10ms") return new SequantLock(dir, false);
#ifdef SEQUANTLOCK_BENCH_HAVE_ACQUIRE_WAIT
  if (mode == "wait") return new SequantLock(dir, true);
#endif
  return nullptr;
}

// The waiter: on each byte from `go`, takes the lock, stamps the time,
// releases, and sends the stamp back on `done`.
[[noreturn]] void RunWaiter(const std::string &mode, const std::string &dir,
                            int rounds, int go, int done) {
  Lock *lock = MakeLock(mode, dir);
  for (int i = 0; i < rounds; ++i) {
    char byte = 0;
    ReadFull(go, &byte, 1);
    lock->Take();
    int64_t taken_ns = MonotonicNs();
    lock->Give();
    WriteFull(done, &taken_ns, sizeof(taken_ns));
  }
  delete lock;
  _exit(0);
}

}  // namespace

int main(int argc, char **argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: sequantlock_bench_handoff "
                         "flock|wait|poll-10ms ROUNDS\n");
    return 2;
  }
  std::string mode = argv[1];
  int rounds = std::atoi(argv[2]);
  std::string dir = sequantlock_bench::MakeTempDir();
  Lock *lock = MakeLock(mode, dir);
  if (lock == nullptr) {
    std::fprintf(stderr, "sequantlock_bench_handoff: mode '%s' is not "
                         "available in this build\n", mode.c_str());
    sequantlock_bench::RemoveTree(dir);
    return 2;
  }

  int go[2];
  int done[2];
  CheckSys(pipe(go) == 0 && pipe(done) == 0, "pipe");
  pid_t waiter = fork();
  CheckSys(waiter >= 0, "fork");
  if (waiter == 0) {
    close(go[1]);
    close(done[0]);
    RunWaiter(mode, dir, rounds, go[0], done[1]);
  }
  close(go[0]);
  close(done[1]);

  std::mt19937_64 random(static_cast<uint64_t>(MonotonicNs()));
  std::uniform_int_distribution<int64_t> hold_ns(20000000, 30000000);
  std::vector<int64_t> samples;
  for (int i = 0; i < rounds; ++i) {
    lock->Take();
    char byte = 1;
    WriteFull(go[1], &byte, 1);
    SleepNs(hold_ns(random));
    int64_t released_ns = MonotonicNs();
    lock->Give();
    int64_t taken_ns = 0;
    ReadFull(done[0], &taken_ns, sizeof(taken_ns));
    samples.push_back(taken_ns - released_ns);
  }
  waitpid(waiter, nullptr, 0);
  delete lock;
  sequantlock_bench::RemoveTree(dir);

  std::printf("{\"name\":\"handoff/c/%s\",\"unit\":\"ns\",\"samples\":[",
              mode.c_str());
  for (size_t i = 0; i < samples.size(); ++i) {
    std::printf("%s%lld", i == 0 ? "" : ",",
                static_cast<long long>(samples[i]));
  }
  std::printf("]}\n");
  return 0;
}
