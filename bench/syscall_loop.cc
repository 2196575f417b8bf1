// Runs N operations of one kind in DIR, for strace to count their system
// calls. Setup runs first, unmarked: creating the directory, loading the
// host's identity, planting the locks that the operations read or steal.
// The measured operations sit between two faccessat() calls on the paths
// /sequantlock-bench-begin and /sequantlock-bench-end, which mark them in a
// trace.
//
// Usage: sequantlock_bench_syscalls DIR N [MODE]
//   acquire-release  (default) N uncontended acquire+release pairs on 604
//   check            N checks of 604, held by this live process
//   steal            N acquires, each over a stale lock of a dead pid on
//                    its own key, each followed by its release
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "bench_util.h"

namespace {

void Acquire(sequantlock_manager *manager, const std::string &key) {
  sequantlock_acquire_result *result = nullptr;
  sequantlock_bench::CheckOk(
      sequantlock_manager_acquire(manager, key.c_str(), "bench", 0, &result),
      "sequantlock_manager_acquire");
  if (!sequantlock_acquire_result_acquired(result)) {
    std::fprintf(stderr, "sequantlock_bench_syscalls: %s is held\n",
                 key.c_str());
    std::exit(1);
  }
  sequantlock_acquire_result_free(result);
}

void Release(sequantlock_manager *manager, const std::string &key) {
  sequantlock_bench::CheckOk(
      sequantlock_manager_release(manager, key.c_str(), nullptr),
      "sequantlock_manager_release");
}

void Check(sequantlock_manager *manager) {
  sequantlock_lock_info *info = nullptr;
  sequantlock_bench::CheckOk(sequantlock_manager_check(manager, "604", &info),
                             "sequantlock_manager_check");
  sequantlock_lock_info_free(info);
}

void Mark(const char *path) { faccessat(AT_FDCWD, path, F_OK, 0); }

}  // namespace

int main(int argc, char **argv) {
  if (argc != 3 && argc != 4) {
    std::fprintf(stderr,
                 "usage: sequantlock_bench_syscalls DIR N "
                 "[acquire-release|check|steal]\n");
    return 2;
  }
  const std::string dir = argv[1];
  const int count = std::atoi(argv[2]);
  const std::string mode = argc == 4 ? argv[3] : "acquire-release";
  sequantlock_manager *manager = sequantlock_bench::NewManager(dir, 0);

  if (mode == "acquire-release") {
    Acquire(manager, "604");
    Release(manager, "604");
    Mark("/sequantlock-bench-begin");
    for (int i = 0; i < count; ++i) {
      Acquire(manager, "604");
      Release(manager, "604");
    }
    Mark("/sequantlock-bench-end");
  } else if (mode == "check") {
    Acquire(manager, "604");
    Check(manager);
    Mark("/sequantlock-bench-begin");
    for (int i = 0; i < count; ++i) Check(manager);
    Mark("/sequantlock-bench-end");
    Release(manager, "604");
  } else if (mode == "steal") {
    sequantlock_manager *planter =
        sequantlock_bench::NewManager(dir, sequantlock_bench::DeadPid());
    for (int i = 0; i <= count; ++i) Acquire(planter, std::to_string(i + 1));
    sequantlock_manager_free(planter);
    Acquire(manager, "1");
    Release(manager, "1");
    Mark("/sequantlock-bench-begin");
    for (int i = 0; i < count; ++i) {
      const std::string key = std::to_string(i + 2);
      Acquire(manager, key);
      Release(manager, key);
    }
    Mark("/sequantlock-bench-end");
  } else {
    std::fprintf(stderr, "sequantlock_bench_syscalls: unknown mode '%s'\n",
                 mode.c_str());
    return 2;
  }

  sequantlock_manager_free(manager);
  return 0;
}
