// Many real processes racing for one key: exactly one wins each round, a
// stale lock is replaced exactly once, and nothing is left behind.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "process_identity.h"
#include "record.h"
#include "test_util.h"
#include "time_format.h"

namespace sequantlock {
namespace {

using sequantlock_test::ListDir;
using sequantlock_test::ReadFile;
using sequantlock_test::TempDir;
using sequantlock_test::WriteFile;

constexpr int kWorkers = 12;
constexpr int kRounds = 40;

struct WorkerResult {
  long pid = 0;
  bool acquired = false;
  bool replaced = false;
};

// Starts kWorkers race_worker processes held at a barrier, releases them
// together, and collects what each printed.
std::vector<WorkerResult> RunRound(const std::string& dir,
                                   const std::string& key, bool tmpfile) {
  int go[2];
  int hold[2];
  EXPECT_EQ(pipe(go), 0);
  EXPECT_EQ(pipe(hold), 0);
  std::vector<std::pair<pid_t, int>> workers;
  for (int i = 0; i < kWorkers; ++i) {
    int out[2];
    EXPECT_EQ(pipe(out), 0);
    const pid_t pid = fork();
    if (pid == 0) {
      close(go[1]);
      close(hold[1]);
      dup2(out[1], STDOUT_FILENO);
      close(out[0]);
      const std::string go_fd = std::to_string(go[0]);
      const std::string hold_fd = std::to_string(hold[0]);
      execl(RACE_WORKER, RACE_WORKER, dir.c_str(), key.c_str(),
            tmpfile ? "1" : "0", go_fd.c_str(), hold_fd.c_str(),
            static_cast<char*>(nullptr));
      _exit(127);
    }
    close(out[1]);
    workers.emplace_back(pid, out[0]);
  }
  close(go[0]);
  close(hold[0]);
  close(go[1]);  // End of file on the barrier: every worker starts now.

  // Every worker reports before any is let go, so the winner is alive for
  // the whole race.
  std::vector<std::string> lines;
  for (auto& worker : workers) {
    std::string text;
    char c;
    while (read(worker.second, &c, 1) == 1 && c != '\n') text += c;
    lines.push_back(text);
  }
  close(hold[1]);

  std::vector<WorkerResult> results;
  for (size_t i = 0; i < workers.size(); ++i) {
    const auto& [pid, fd] = workers[i];
    const std::string& text = lines[i];
    close(fd);
    int status = 0;
    waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
        << "worker failed: " << text;
    WorkerResult result;
    int acquired = 0;
    int replaced = 0;
    if (std::sscanf(text.c_str(), "%ld %d %d", &result.pid, &acquired,
                    &replaced) == 3) {
      result.acquired = acquired != 0;
      result.replaced = replaced != 0;
    }
    results.push_back(result);
  }
  return results;
}

// A pid that names no process: a child that has exited and been reaped.
long DeadPid() {
  const pid_t child = fork();
  if (child == 0) _exit(0);
  waitpid(child, nullptr, 0);
  return child;
}

void WriteStaleLock(const std::string& path, int round) {
  Record record;
  record.hostname = ReadHostName();
  record.command = "stale";
  if (round % 3 == 0) {
    record.pid = DeadPid();  // Same host, dead: pid-dead.
    record.started_at = "2026-01-01T00:00:00.000Z";
  } else if (round % 3 == 1) {
    record.pid = 12345;  // Another host, three hours old: age-exceeded.
    record.hostname = "elsewhere.invalid";
    record.started_at = FormatIsoTime(
        std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::system_clock::now().time_since_epoch())
            .count() -
        3 * 3600 * 1000);
  } else {
    WriteFile(path, "{\"pid\": ");  // Corrupt and past its grace: corrupt.
    sequantlock_test::AgeFile(path, 5);
    return;
  }
  WriteFile(path, SerializeRecord(record, RecordFields::kOriginalOnly));
}

class MultiprocessTest : public ::testing::TestWithParam<bool> {
 protected:
  TempDir temp_;
};

INSTANTIATE_TEST_SUITE_P(PublishPaths, MultiprocessTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "Tmpfile" : "NamedFile";
                         });

TEST_P(MultiprocessTest, ExactlyOneOfManyAcquiresFreeKey) {
  for (int round = 0; round < kRounds; ++round) {
    const std::string dir = temp_.Sub("free-" + std::to_string(round));
    std::vector<WorkerResult> results = RunRound(dir, "604", GetParam());
    int winners = 0;
    long winner = 0;
    for (const WorkerResult& result : results) {
      if (result.acquired) {
        ++winners;
        winner = result.pid;
      }
    }
    ASSERT_EQ(winners, 1) << "round " << round;
    StatusOr<Record> on_disk = ParseRecord(ReadFile(dir + "/604.lock"));
    ASSERT_TRUE(on_disk.ok()) << "round " << round;
    EXPECT_EQ(on_disk->pid, winner) << "round " << round;
    EXPECT_EQ(ListDir(dir), std::vector<std::string>{"604.lock"})
        << "round " << round;
  }
}

TEST_P(MultiprocessTest, ExactlyOneOfManyStealsStaleKey) {
  for (int round = 0; round < kRounds; ++round) {
    const std::string dir = temp_.Sub("stale-" + std::to_string(round));
    std::filesystem::create_directories(dir);
    WriteStaleLock(dir + "/604.lock", round);
    std::vector<WorkerResult> results = RunRound(dir, "604", GetParam());
    int winners = 0;
    int replacers = 0;
    long winner = 0;
    for (const WorkerResult& result : results) {
      if (result.acquired) {
        ++winners;
        winner = result.pid;
      }
      if (result.replaced) ++replacers;
    }
    ASSERT_EQ(winners, 1) << "round " << round;
    // Only a winner replaces, and the stale lock is replaced once: no
    // stealer removed a lock that another one had just taken.
    EXPECT_EQ(replacers, 1) << "round " << round;
    StatusOr<Record> on_disk = ParseRecord(ReadFile(dir + "/604.lock"));
    ASSERT_TRUE(on_disk.ok()) << "round " << round;
    EXPECT_EQ(on_disk->pid, winner) << "round " << round;
    EXPECT_EQ(ListDir(dir), std::vector<std::string>{"604.lock"})
        << "round " << round;
  }
}

}  // namespace
}  // namespace sequantlock
