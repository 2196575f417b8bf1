// One contender in a multi-process race, started by multiprocess_test.
//
// Usage: race_worker DIR KEY TMPFILE(0|1) GO_FD HOLD_FD
// Waits until GO_FD reports end of file, so every worker starts at the same
// moment, then acquires KEY in DIR and prints "<pid> <acquired 0|1>
// <replaced 0|1>". It stays alive until HOLD_FD reports end of file, so a
// winner is a live holder while the others race, and leaves the lock in
// place when it exits.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "manager.h"

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: race_worker DIR KEY TMPFILE GO_FD HOLD_FD\n");
    return 2;
  }
  sequantlock::ManagerOptions options;
  options.locks_dir = argv[1];
  options.orchestrator_mode = false;
  options.store.use_tmpfile = std::atoi(argv[3]) != 0;
  auto manager = sequantlock::Manager::Create(options);
  if (!manager.ok()) {
    std::fprintf(stderr, "%s\n", manager.status().message().c_str());
    return 3;
  }

  const int go_fd = std::atoi(argv[4]);
  char byte;
  while (read(go_fd, &byte, 1) > 0) {
  }

  auto outcome = (*manager)->Acquire(argv[2], "race", false);
  if (!outcome.ok()) {
    std::fprintf(stderr, "%s\n", outcome.status().message().c_str());
    return 3;
  }
  std::printf("%ld %d %d\n", static_cast<long>(getpid()),
              outcome->acquired ? 1 : 0, outcome->replaced ? 1 : 0);
  std::fflush(stdout);
  const int hold_fd = std::atoi(argv[5]);
  while (read(hold_fd, &byte, 1) > 0) {
  }
  return 0;
}
