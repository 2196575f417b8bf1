#include "bench_util.h"

#include <ftw.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <vector>

namespace sequantlock_bench {

void CheckOk(int rc, const char *what) {
  if (rc >= 0) return;
  std::fprintf(stderr, "bench: %s failed: %s (%s)\n", what,
               sequantlock_last_error_message(), sequantlock_error_name(rc));
  std::exit(1);
}

void CheckSys(bool ok, const char *what) {
  if (ok) return;
  std::fprintf(stderr, "bench: %s failed: %s\n", what, std::strerror(errno));
  std::exit(1);
}

std::string MakeTempDir() {
  const char *base = std::getenv("TMPDIR");
  std::string pattern = (base != nullptr && *base != '\0') ? base : "/tmp";
  pattern += "/sequantlock-bench-XXXXXX";
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  CheckSys(mkdtemp(buffer.data()) != nullptr, "mkdtemp");
  return std::string(buffer.data());
}

void RemoveTree(const std::string &dir) {
  auto remove_entry = [](const char *path, const struct stat *, int,
                         struct FTW *) { return std::remove(path); };
  nftw(dir.c_str(), remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

pid_t StartSleeper() {
  pid_t pid = fork();
  CheckSys(pid >= 0, "fork");
  if (pid == 0) {
    for (;;) pause();
  }
  return pid;
}

void StopProcess(pid_t pid) {
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
}

int64_t DeadPid() {
  pid_t pid = fork();
  CheckSys(pid >= 0, "fork");
  if (pid == 0) _exit(0);
  waitpid(pid, nullptr, 0);
  return pid;
}

sequantlock_manager *NewManager(const std::string &dir, int64_t pid) {
  sequantlock_options *options = nullptr;
  CheckOk(sequantlock_options_new(&options), "sequantlock_options_new");
  CheckOk(sequantlock_options_set_locks_dir(options, dir.c_str()),
          "sequantlock_options_set_locks_dir");
  CheckOk(sequantlock_options_set_orchestrator_mode(
              options, SEQUANTLOCK_ORCHESTRATOR_OFF),
          "sequantlock_options_set_orchestrator_mode");
  if (pid != 0) {
    CheckOk(sequantlock_options_set_pid(options, pid),
            "sequantlock_options_set_pid");
  }
  sequantlock_manager *manager = nullptr;
  CheckOk(sequantlock_manager_new(&manager, options),
          "sequantlock_manager_new");
  sequantlock_options_free(options);
  return manager;
}

void PlantLocks(const std::string &dir, int first, int count,
                int64_t holder_pid) {
  sequantlock_manager *manager = NewManager(dir, holder_pid);
  for (int key = first; key < first + count; ++key) {
    std::string name = std::to_string(key);
    sequantlock_acquire_result *result = nullptr;
    CheckOk(sequantlock_manager_acquire(manager, name.c_str(),
                                        "bench holder", 0, &result),
            "sequantlock_manager_acquire");
    if (!sequantlock_acquire_result_acquired(result)) {
      std::fprintf(stderr, "bench: key %s is already held in '%s'\n",
                   name.c_str(), dir.c_str());
      std::exit(1);
    }
    sequantlock_acquire_result_free(result);
  }
  sequantlock_manager_free(manager);
}

int64_t MonotonicNs() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<int64_t>(now.tv_sec) * 1000000000 + now.tv_nsec;
}

}  // namespace sequantlock_bench
