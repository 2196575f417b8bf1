// In-process costs of the C ABI, beside flock(2) as the kernel's own lock
// that records nothing. Every benchmark works in a fresh directory under
// $TMPDIR. SEQUANTLOCK_BENCH_LIST_DIR names a directory of planted locks to
// list instead of planting 10,000 here.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "bench_util.h"
#include "sequantlock.h"

namespace {

using sequantlock_bench::CheckOk;
using sequantlock_bench::CheckSys;

constexpr int kListCount = 10000;

// A live process on this host that holds the planted locks.
pid_t g_holder = 0;
std::string g_root;
std::string g_list_dir;

std::string FreshDir(const char *name) {
  std::string dir = g_root + "/" + name;
  sequantlock_bench::RemoveTree(dir);
  return dir;
}

void AbortIfNotAcquired(const sequantlock_acquire_result *result,
                        benchmark::State &state) {
  if (!sequantlock_acquire_result_acquired(result)) {
    state.SkipWithError("acquire reported the key as held");
  }
}

void BM_AcquireRelease(benchmark::State &state) {
  std::string dir = FreshDir("acquire");
  sequantlock_manager *manager = sequantlock_bench::NewManager(dir, 0);
  for (auto _ : state) {
    sequantlock_acquire_result *result = nullptr;
    CheckOk(sequantlock_manager_acquire(manager, "604", "bench", 0, &result),
            "sequantlock_manager_acquire");
    AbortIfNotAcquired(result, state);
    sequantlock_acquire_result_free(result);
    int reason = 0;
    CheckOk(sequantlock_manager_release(manager, "604", &reason),
            "sequantlock_manager_release");
  }
  sequantlock_manager_free(manager);
}
BENCHMARK(BM_AcquireRelease)->UseRealTime();

// open, lock, unlock and close one file per operation: the least a process
// does to take a kernel lock on a path it does not keep open.
void BM_FlockOpenAcquireRelease(benchmark::State &state) {
  std::string dir = FreshDir("flock-open");
  CheckSys(mkdir(dir.c_str(), 0755) == 0, "mkdir");
  std::string path = dir + "/604.lock";
  for (auto _ : state) {
    int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    CheckSys(fd >= 0, "open");
    CheckSys(flock(fd, LOCK_EX) == 0, "flock");
    CheckSys(flock(fd, LOCK_UN) == 0, "flock");
    close(fd);
  }
}
BENCHMARK(BM_FlockOpenAcquireRelease)->UseRealTime();

// Lock and unlock a descriptor kept open: two system calls.
void BM_FlockKeptFdAcquireRelease(benchmark::State &state) {
  std::string dir = FreshDir("flock-fd");
  CheckSys(mkdir(dir.c_str(), 0755) == 0, "mkdir");
  std::string path = dir + "/604.lock";
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  CheckSys(fd >= 0, "open");
  for (auto _ : state) {
    CheckSys(flock(fd, LOCK_EX) == 0, "flock");
    CheckSys(flock(fd, LOCK_UN) == 0, "flock");
  }
  close(fd);
}
BENCHMARK(BM_FlockKeptFdAcquireRelease)->UseRealTime();

void BM_CheckHeldByLiveProcess(benchmark::State &state) {
  std::string dir = FreshDir("check");
  sequantlock_bench::PlantLocks(dir, 604, 1, g_holder);
  sequantlock_manager *manager = sequantlock_bench::NewManager(dir, 0);
  for (auto _ : state) {
    sequantlock_lock_info *info = nullptr;
    CheckOk(sequantlock_manager_check(manager, "604", &info),
            "sequantlock_manager_check");
    if (info == nullptr || sequantlock_lock_info_stale(info)) {
      state.SkipWithError("the planted lock is not seen as held");
    }
    sequantlock_lock_info_free(info);
  }
  sequantlock_manager_free(manager);
}
BENCHMARK(BM_CheckHeldByLiveProcess)->UseRealTime();

void BM_ListTenThousand(benchmark::State &state) {
  sequantlock_manager *manager = sequantlock_bench::NewManager(g_list_dir, 0);
  for (auto _ : state) {
    sequantlock_lock_list *list = nullptr;
    CheckOk(sequantlock_manager_list(manager, &list),
            "sequantlock_manager_list");
    if (sequantlock_lock_list_count(list) != kListCount) {
      state.SkipWithError("the list does not hold 10,000 locks");
    }
    sequantlock_lock_list_free(list);
  }
  state.SetItemsProcessed(state.iterations() * kListCount);
  sequantlock_manager_free(manager);
}
BENCHMARK(BM_ListTenThousand)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// Acquire over a lock whose holder pid is dead on this host. Planting the
// stale lock and releasing the new one are outside the timed region.
void BM_StaleSteal(benchmark::State &state) {
  std::string dir = FreshDir("steal");
  int64_t dead_pid = sequantlock_bench::DeadPid();
  sequantlock_manager *planter = sequantlock_bench::NewManager(dir, dead_pid);
  sequantlock_manager *manager = sequantlock_bench::NewManager(dir, 0);
  for (auto _ : state) {
    state.PauseTiming();
    sequantlock_acquire_result *planted = nullptr;
    CheckOk(sequantlock_manager_acquire(planter, "604", "dead", 0, &planted),
            "sequantlock_manager_acquire");
    AbortIfNotAcquired(planted, state);
    sequantlock_acquire_result_free(planted);
    state.ResumeTiming();

    sequantlock_acquire_result *result = nullptr;
    CheckOk(sequantlock_manager_acquire(manager, "604", "bench", 0, &result),
            "sequantlock_manager_acquire");
    if (!sequantlock_acquire_result_replaced(result)) {
      state.SkipWithError("acquire did not replace the stale lock");
    }
    sequantlock_acquire_result_free(result);

    state.PauseTiming();
    CheckOk(sequantlock_manager_release(manager, "604", nullptr),
            "sequantlock_manager_release");
    state.ResumeTiming();
  }
  sequantlock_manager_free(manager);
  sequantlock_manager_free(planter);
}
BENCHMARK(BM_StaleSteal)->UseRealTime();

// The kernel's price of one inotify instance with one watch, made and
// closed: what a wait pays each time it sets up and tears down its watch.
// Closing the last descriptor of an instance waits for the marks to be
// destroyed, which is why this costs far more than the two calls below.
void BM_InotifyInitWatchClose(benchmark::State &state) {
  for (auto _ : state) {
    int fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    CheckSys(fd >= 0, "inotify_init1");
    CheckSys(inotify_add_watch(fd, g_root.c_str(), IN_DELETE) >= 0,
             "inotify_add_watch");
    close(fd);
  }
}
BENCHMARK(BM_InotifyInitWatchClose)
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

// Adding and removing a watch on an instance kept open.
void BM_InotifyAddRemoveWatch(benchmark::State &state) {
  int fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  CheckSys(fd >= 0, "inotify_init1");
  for (auto _ : state) {
    int watch = inotify_add_watch(fd, g_root.c_str(), IN_DELETE);
    CheckSys(watch >= 0, "inotify_add_watch");
    inotify_rm_watch(fd, watch);
  }
  close(fd);
}
BENCHMARK(BM_InotifyAddRemoveWatch)
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

}  // namespace

int main(int argc, char **argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;

  g_root = sequantlock_bench::MakeTempDir();
  g_holder = sequantlock_bench::StartSleeper();
  const char *list_dir = std::getenv("SEQUANTLOCK_BENCH_LIST_DIR");
  if (list_dir != nullptr && *list_dir != '\0') {
    g_list_dir = list_dir;
  } else {
    g_list_dir = g_root + "/list";
    sequantlock_bench::PlantLocks(g_list_dir, 1, kListCount, g_holder);
  }

  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();

  sequantlock_bench::StopProcess(g_holder);
  sequantlock_bench::RemoveTree(g_root);
  return 0;
}
