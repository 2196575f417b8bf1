// Plants COUNT issue locks (keys 1 .. COUNT) in DIR held by HOLDER_PID, for
// the peers and the command-line runs to read the same files as the
// in-process benchmarks.
// Usage: sequantlock_bench_fixture DIR COUNT HOLDER_PID
#include <cstdio>
#include <cstdlib>

#include "bench_util.h"

int main(int argc, char **argv) {
  if (argc != 4) {
    std::fprintf(stderr,
                 "usage: sequantlock_bench_fixture DIR COUNT HOLDER_PID\n");
    return 2;
  }
  int count = std::atoi(argv[2]);
  long long holder = std::atoll(argv[3]);
  if (count <= 0 || holder <= 0) {
    std::fprintf(stderr, "sequantlock_bench_fixture: COUNT and HOLDER_PID "
                         "must be positive integers\n");
    return 2;
  }
  sequantlock_bench::PlantLocks(argv[1], 1, count, holder);
  return 0;
}
