// Runs N uncontended acquire+release pairs on key 604 in DIR, for strace to
// count their system calls. One pair runs first, unmarked, so that creating
// the directory and loading the host's identity are not counted. The
// measured pairs sit between two faccessat() calls on the paths
// /sequantlock-bench-begin and /sequantlock-bench-end, which mark them in a
// trace.
// Usage: sequantlock_bench_syscalls DIR N
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "bench_util.h"

namespace {

void AcquireRelease(sequantlock_manager *manager) {
  sequantlock_acquire_result *result = nullptr;
  sequantlock_bench::CheckOk(
      sequantlock_manager_acquire(manager, "604", "bench", 0, &result),
      "sequantlock_manager_acquire");
  if (!sequantlock_acquire_result_acquired(result)) {
    std::fprintf(stderr, "sequantlock_bench_syscalls: 604 is held\n");
    std::exit(1);
  }
  sequantlock_acquire_result_free(result);
  sequantlock_bench::CheckOk(
      sequantlock_manager_release(manager, "604", nullptr),
      "sequantlock_manager_release");
}

}  // namespace

int main(int argc, char **argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: sequantlock_bench_syscalls DIR N\n");
    return 2;
  }
  int count = std::atoi(argv[2]);
  sequantlock_manager *manager = sequantlock_bench::NewManager(argv[1], 0);
  AcquireRelease(manager);

  faccessat(AT_FDCWD, "/sequantlock-bench-begin", F_OK, 0);
  for (int i = 0; i < count; ++i) AcquireRelease(manager);
  faccessat(AT_FDCWD, "/sequantlock-bench-end", F_OK, 0);

  sequantlock_manager_free(manager);
  return 0;
}
