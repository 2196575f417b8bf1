// Helpers shared by the benchmark programs: temporary directories, helper
// processes that stand in for lock holders, and managers over the C ABI.
// Every helper exits the program with a message on failure, because a
// benchmark that cannot set up has nothing to measure.
#ifndef SEQUANTLOCK_BENCH_BENCH_UTIL_H_
#define SEQUANTLOCK_BENCH_BENCH_UTIL_H_

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "sequantlock.h"

namespace sequantlock_bench {

// Exits with the library's last error when `rc` is a failure.
void CheckOk(int rc, const char *what);

// Exits with strerror(errno) when `ok` is false.
void CheckSys(bool ok, const char *what);

// Creates a fresh directory under $TMPDIR (or /tmp).
std::string MakeTempDir();

// Removes a directory tree made by MakeTempDir().
void RemoveTree(const std::string &dir);

// Starts a child process that sleeps until killed; it stands in for a live
// lock holder on this host.
pid_t StartSleeper();

// Kills and reaps a process started by StartSleeper().
void StopProcess(pid_t pid);

// Returns the pid of a child that has already exited and been reaped, so
// that the pid belongs to no process (until the kernel reuses it).
int64_t DeadPid();

// Makes a manager over `dir`. A nonzero `pid` is recorded as the holder of
// every lock it takes instead of this process.
sequantlock_manager *NewManager(const std::string &dir, int64_t pid);

// Writes issue locks `first` .. `first + count - 1` held by `holder_pid`.
void PlantLocks(const std::string &dir, int first, int count,
                int64_t holder_pid);

// CLOCK_MONOTONIC in nanoseconds.
int64_t MonotonicNs();

}  // namespace sequantlock_bench

#endif  // SEQUANTLOCK_BENCH_BENCH_UTIL_H_
