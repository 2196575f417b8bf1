// A fixture that runs the real sequantlock binary in a temporary directory
// with a controlled environment, and helpers to write and read lock files.
#ifndef SEQUANTLOCK_TESTS_CLI_CLI_HARNESS_H_
#define SEQUANTLOCK_TESTS_CLI_CLI_HARNESS_H_

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace sequantlock_test {

namespace fs = std::filesystem;

struct CliResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// A process started in the background, with its output in files.
struct Background {
  pid_t pid = -1;
  fs::path out;
  fs::path err;
};

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Runs sequantlock with `args` in the temporary directory and waits.
  CliResult Cli(const std::vector<std::string>& args);
  // Runs sequantlock with `args` in `cwd` and waits.
  CliResult CliIn(const fs::path& cwd, const std::vector<std::string>& args);
  // Runs any program (searched in PATH) in `cwd` and waits.
  CliResult Program(const fs::path& cwd, const std::vector<std::string>& argv);

  // Starts sequantlock with `args` without waiting. TearDown kills it.
  Background Start(const std::vector<std::string>& args);
  // Starts any program without waiting. TearDown kills it.
  Background StartProgram(const std::vector<std::string>& argv);
  // Waits for a background process and returns its raw wait status.
  int Wait(const Background& process);

  // Sets (or with nullopt, removes) a variable of the child environment.
  void SetEnv(const std::string& name, std::optional<std::string> value);

  fs::path LockPath(const std::string& key) const;
  bool LockExists(const std::string& key) const;
  nlohmann::json ReadRecord(const std::string& key) const;
  // Writes a lock record by hand, as the TypeScript original would.
  void WriteRecord(const std::string& key, int64_t pid,
                   const std::string& hostname, const std::string& started_at,
                   const std::string& command, bool skip_pid_check = false);
  // The refusal every command prints for a key held by `record`.
  static std::string CanonicalRefusal(const std::string& key,
                                      const nlohmann::json& record);

  fs::path root_;
  fs::path locks_;
  std::map<std::string, std::string> env_;

 private:
  pid_t Spawn(const fs::path& cwd, const std::vector<std::string>& argv,
              const fs::path& out, const fs::path& err);
  fs::path NextOutputPath(const std::string& suffix);

  std::vector<pid_t> background_;
  int output_count_ = 0;
};

std::string ReadText(const fs::path& path);
void WriteText(const fs::path& path, const std::string& text);
std::string ThisHostname();
// The current time as the lock record writes it: ISO-8601 UTC, ms, "Z".
std::string NowIso();
// A process id that belonged to a process which has exited and been reaped.
int64_t DeadPid();
// True when `pid` no longer runs: gone, or a zombie nobody reaped yet.
bool ProcessGone(pid_t pid);
// Polls `condition` until it holds or a generous limit passes. Tests use
// the result as a precondition, never to measure time.
bool WaitUntil(const std::function<bool()>& condition,
               std::chrono::seconds limit = std::chrono::seconds(20));
std::vector<std::string> Lines(const std::string& text);

}  // namespace sequantlock_test

#endif  // SEQUANTLOCK_TESTS_CLI_CLI_HARNESS_H_
