// `sequantlock run`: locks held around real child processes, signals, and
// two real processes contending for one key.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "cli_harness.h"

namespace sequantlock_test {
namespace {

using nlohmann::json;

std::string Pid(int64_t pid) { return std::to_string(pid); }

// The pid a child wrote to `path` once it runs, or -1.
pid_t WaitForPidFile(const fs::path& path) {
  pid_t pid = -1;
  WaitUntil([&] {
    const std::string text = ReadText(path);
    if (text.empty() || text.back() != '\n') return false;
    pid = static_cast<pid_t>(std::stol(text));
    return true;
  });
  return pid;
}

// The direct children of `pid`, when the kernel lists them.
std::vector<pid_t> ChildrenOf(pid_t pid) {
  const std::string text = ReadText(fs::path("/proc") / Pid(pid) / "task" /
                                    Pid(pid) / "children");
  std::vector<pid_t> children;
  size_t start = 0;
  while (start < text.size()) {
    const size_t end = text.find(' ', start);
    const std::string word = text.substr(start, end - start);
    if (!word.empty()) children.push_back(static_cast<pid_t>(std::stol(word)));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return children;
}

class CliRunTest : public CliTest {
 protected:
  // A shell command that writes its pid to `file`, then sleeps.
  std::vector<std::string> SleeperCommand(const fs::path& file) {
    return {"sh", "-c", "echo $$ > '" + file.string() + "'; exec sleep 30"};
  }
};

TEST_F(CliRunTest, CommandSeesSequantIssue) {
  const CliResult result =
      Cli({"run", "604", "checkout", "--", "sh", "-c",
           "echo \"issue=$SEQUANT_ISSUE\""});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  const std::vector<std::string> lines = Lines(result.out);
  ASSERT_GE(lines.size(), 4u) << result.out;
  EXPECT_EQ(lines[0], "issue=604");
  EXPECT_EQ(lines[1], "issue=checkout");
  EXPECT_EQ(lines[2].rfind("#604: acquired, exited 0 after ", 0), 0u)
      << lines[2];
  EXPECT_EQ(lines[3].rfind("'checkout': acquired, exited 0 after ", 0), 0u)
      << lines[3];
}

TEST_F(CliRunTest, LockIsHeldWhileCommandRunsAndReleasedAfter) {
  const CliResult result =
      Cli({"run", "604", "--", "cat", LockPath("604").string()});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  // The record has no final newline, so the summary line follows it.
  const size_t end = result.out.find("#604: acquired");
  ASSERT_NE(end, std::string::npos) << result.out;
  const json record = json::parse(result.out.substr(0, end));
  EXPECT_EQ(record.at("command"),
            "sequantlock run 604 -- cat " + LockPath("604").string());
  EXPECT_EQ(record.at("hostname"), ThisHostname());
  EXPECT_FALSE(LockExists("604"));
}

TEST_F(CliRunTest, CommandOptionIsRecorded) {
  const CliResult result =
      Cli({"run", "604", "--command", "nightly", "--", "cat",
           LockPath("604").string()});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("\"command\": \"nightly\""), std::string::npos)
      << result.out;
}

TEST_F(CliRunTest, HeldKeyIsSkippedAndBatchContinues) {
  WriteRecord("604", getpid(), ThisHostname(), NowIso(), "other session");
  const json record = ReadRecord("604");
  const CliResult result =
      Cli({"run", "604", "605", "--", "sh", "-c", "echo ran $SEQUANT_ISSUE"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.err, CanonicalRefusal("604", record) + "\n");
  const std::vector<std::string> lines = Lines(result.out);
  ASSERT_EQ(lines.size(), 3u) << result.out;
  EXPECT_EQ(lines[0], "ran 605");
  EXPECT_EQ(lines[1], "#604: skipped, held by PID " + Pid(getpid()));
  EXPECT_EQ(lines[2].rfind("#605: acquired, exited 0 after ", 0), 0u);
  EXPECT_EQ(ReadRecord("604"), record);
  EXPECT_FALSE(LockExists("605"));
}

TEST_F(CliRunTest, EveryKeyHeldExitsOne) {
  WriteRecord("604", getpid(), ThisHostname(), NowIso(), "a");
  WriteRecord("605", getpid(), ThisHostname(), NowIso(), "b");
  const CliResult result = Cli({"run", "604", "605", "--", "true"});
  EXPECT_EQ(result.exit_code, 1);
}

TEST_F(CliRunTest, FirstFailingStatusIsReturned) {
  const CliResult result =
      Cli({"run", "1", "2", "3", "--", "sh", "-c",
           "case $SEQUANT_ISSUE in 2) exit 7;; 3) exit 9;; esac"});
  EXPECT_EQ(result.exit_code, 7);
  const std::vector<std::string> lines = Lines(result.out);
  ASSERT_EQ(lines.size(), 3u) << result.out;
  EXPECT_EQ(lines[1].rfind("#2: acquired, exited 7 after ", 0), 0u);
  EXPECT_EQ(lines[2].rfind("#3: acquired, exited 9 after ", 0), 0u);
  EXPECT_FALSE(fs::exists(LockPath("1")));
  EXPECT_FALSE(fs::exists(LockPath("2")));
  EXPECT_FALSE(fs::exists(LockPath("3")));
}

TEST_F(CliRunTest, HeldKeyDoesNotHideFailure) {
  WriteRecord("604", getpid(), ThisHostname(), NowIso(), "a");
  const CliResult result = Cli({"run", "604", "605", "--", "false"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.out.find("#605: acquired, exited 1"), std::string::npos);
}

TEST_F(CliRunTest, MissingProgramExits127) {
  const CliResult result =
      Cli({"run", "604", "--", "/nonexistent/program-for-test"});
  EXPECT_EQ(result.exit_code, 127);
  EXPECT_NE(result.err.find("/nonexistent/program-for-test"),
            std::string::npos);
  EXPECT_FALSE(LockExists("604"));
}

TEST_F(CliRunTest, RepeatedKeyExitsTwo) {
  const CliResult result = Cli({"run", "740", "741", "740", "--", "true"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("key '740' is given twice"), std::string::npos)
      << result.err;
  EXPECT_EQ(result.out, "");
  EXPECT_FALSE(fs::exists(locks_));
}

TEST_F(CliRunTest, MissingCommandExitsTwo) {
  EXPECT_EQ(Cli({"run", "604"}).exit_code, 2);
  EXPECT_EQ(Cli({"run", "604", "--"}).exit_code, 2);
  EXPECT_FALSE(fs::exists(locks_));
}

TEST_F(CliRunTest, OptionsAfterSeparatorBelongToCommand) {
  const CliResult result =
      Cli({"run", "604", "--", "sh", "-c", "echo \"$0 $1\"", "--json",
           "--force"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(Lines(result.out).at(0), "--json --force");
}

TEST_F(CliRunTest, JsonSummaryHasOneResultPerKey) {
  WriteRecord("605", getpid(), ThisHostname(), NowIso(), "a");
  const CliResult result =
      Cli({"--locks-dir", locks_.string(), "run", "604", "605", "--json",
           "--", "true"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  const json parsed = json::parse(result.out);
  ASSERT_EQ(parsed.at("results").size(), 2u);
  const json& ran = parsed.at("results").at(0);
  EXPECT_EQ(ran.at("issue"), 604);
  EXPECT_EQ(ran.at("status"), "ran");
  EXPECT_EQ(ran.at("acquired"), true);
  EXPECT_EQ(ran.at("exitCode"), 0);
  EXPECT_TRUE(ran.at("signal").is_null());
  const json& skipped = parsed.at("results").at(1);
  EXPECT_EQ(skipped.at("status"), "skipped");
  EXPECT_EQ(skipped.at("acquired"), false);
  EXPECT_EQ(skipped.at("holder").at("pid"), getpid());
  EXPECT_TRUE(parsed.at("interruptedBy").is_null());
}

TEST_F(CliRunTest, ForceTakesOverHeldKey) {
  WriteRecord("604", getpid(), ThisHostname(), NowIso(), "a");
  const CliResult result = Cli({"run", "604", "--force", "--", "true"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_FALSE(LockExists("604"));
}

TEST_F(CliRunTest, OrchestratorModeRunsWithoutLocks) {
  SetEnv("SEQUANT_ORCHESTRATOR", "1");
  const CliResult result =
      Cli({"run", "604", "--", "sh", "-c", "echo $SEQUANT_ISSUE"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(Lines(result.out).at(0), "604");
  EXPECT_FALSE(fs::exists(locks_));
}

TEST_F(CliRunTest, SigtermReleasesLocksAndEndsCommand) {
  const fs::path pid_file = root_ / "child.pid";
  std::vector<std::string> args = {"run", "604", "605", "--"};
  for (const std::string& word : SleeperCommand(pid_file)) {
    args.push_back(word);
  }
  const Background run = Start(args);
  const pid_t child = WaitForPidFile(pid_file);
  ASSERT_GT(child, 0);
  ASSERT_TRUE(LockExists("604"));

  ASSERT_EQ(kill(run.pid, SIGTERM), 0);
  const int status = Wait(run);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 128 + SIGTERM);
  EXPECT_TRUE(ProcessGone(child));
  EXPECT_FALSE(LockExists("604"));
  EXPECT_FALSE(LockExists("605"));
  const std::string out = ReadText(run.out);
  EXPECT_NE(out.find("#604: acquired, killed by SIGTERM"), std::string::npos)
      << out;
  EXPECT_NE(out.find("#605: not started, interrupted"), std::string::npos)
      << out;
}

TEST_F(CliRunTest, SigintExitsOneThirtyAndReleases) {
  const fs::path pid_file = root_ / "child.pid";
  std::vector<std::string> args = {"run", "604", "--"};
  for (const std::string& word : SleeperCommand(pid_file)) {
    args.push_back(word);
  }
  const Background run = Start(args);
  ASSERT_GT(WaitForPidFile(pid_file), 0);

  ASSERT_EQ(kill(run.pid, SIGINT), 0);
  const int status = Wait(run);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 128 + SIGINT);
  EXPECT_FALSE(LockExists("604"));
}

TEST_F(CliRunTest, CommandIgnoringSigtermIsKilledAfterGrace) {
  const fs::path pid_file = root_ / "child.pid";
  const Background run =
      Start({"run", "604", "--", "sh", "-c",
             "trap '' TERM; echo $$ > '" + pid_file.string() +
                 "'; while :; do sleep 1; done"});
  const pid_t child = WaitForPidFile(pid_file);
  ASSERT_GT(child, 0);

  ASSERT_EQ(kill(run.pid, SIGTERM), 0);
  const int status = Wait(run);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 128 + SIGTERM);
  EXPECT_TRUE(ProcessGone(child));
  EXPECT_FALSE(LockExists("604"));
}

TEST_F(CliRunTest, SigkillOfRunKillsCommandAndLockIsRecoverable) {
  const fs::path pid_file = root_ / "child.pid";
  std::vector<std::string> args = {"run", "604", "--"};
  for (const std::string& word : SleeperCommand(pid_file)) {
    args.push_back(word);
  }
  const Background run = Start(args);
  const pid_t child = WaitForPidFile(pid_file);
  ASSERT_GT(child, 0);

  ASSERT_EQ(kill(run.pid, SIGKILL), 0);
  Wait(run);
  EXPECT_TRUE(WaitUntil([&] { return ProcessGone(child); }))
      << "the death signal did not kill the command";
  ASSERT_TRUE(LockExists("604"));

  const CliResult check = Cli({"check", "604", "--json"});
  EXPECT_EQ(check.exit_code, 0) << check.out;
  EXPECT_EQ(json::parse(check.out).at("staleReason"), "pid-dead");
  const CliResult acquire = Cli({"acquire", "604"});
  EXPECT_EQ(acquire.exit_code, 0) << acquire.err;
}

// `run 604 -- sh -c ...` where the shell starts `sleep 30` in the
// background, writes the sleep's pid to `file`, then either waits for it or,
// with `leave`, exits.
std::vector<std::string> RunForkingCommand(const fs::path& file, bool leave) {
  return {"run", "604", "--", "sh", "-c",
          "sleep 30 & echo $! > '" + file.string() + "'" +
              (leave ? "" : "; wait")};
}

TEST_F(CliRunTest, SigkillOfRunKillsCommandsChildren) {
  const fs::path pid_file = root_ / "grandchild.pid";
  const std::vector<std::string> args = RunForkingCommand(pid_file, false);
  const Background run = Start(args);
  const pid_t grandchild = WaitForPidFile(pid_file);
  ASSERT_GT(grandchild, 0);

  ASSERT_EQ(kill(run.pid, SIGKILL), 0);
  Wait(run);
  EXPECT_TRUE(WaitUntil([&] { return ProcessGone(grandchild); }))
      << "sleep " << grandchild << " outlived its run";
}

TEST_F(CliRunTest, SigtermOfRunEndsCommandsChildren) {
  const fs::path pid_file = root_ / "grandchild.pid";
  const std::vector<std::string> args = RunForkingCommand(pid_file, false);
  const Background run = Start(args);
  const pid_t grandchild = WaitForPidFile(pid_file);
  ASSERT_GT(grandchild, 0);

  ASSERT_EQ(kill(run.pid, SIGTERM), 0);
  const int status = Wait(run);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 128 + SIGTERM);
  EXPECT_TRUE(ProcessGone(grandchild));
  EXPECT_FALSE(LockExists("604"));
}

TEST_F(CliRunTest, ChildrenLeftByCommandAreKilled) {
  const fs::path pid_file = root_ / "grandchild.pid";
  const std::vector<std::string> args = RunForkingCommand(pid_file, true);
  const CliResult run = Cli(args);
  EXPECT_EQ(run.exit_code, 0) << run.err;
  const pid_t grandchild = WaitForPidFile(pid_file);
  ASSERT_GT(grandchild, 0);
  EXPECT_TRUE(ProcessGone(grandchild));
  EXPECT_FALSE(LockExists("604"));
}

class CliContentionTest : public CliTest {};

TEST_F(CliContentionTest, SecondProcessIsRefusedUntilFirstDies) {
  const Background first = Start({"run", "604", "--", "sleep", "30"});
  ASSERT_TRUE(WaitUntil([&] { return LockExists("604"); }));
  std::vector<pid_t> children;
  WaitUntil([&] {
    children = ChildrenOf(first.pid);
    return !children.empty();
  });

  const CliResult second = Cli({"acquire", "604"});
  EXPECT_EQ(second.exit_code, 1);
  const json record = ReadRecord("604");
  EXPECT_EQ(record.at("pid"), first.pid);
  EXPECT_EQ(record.at("command"), "sequantlock run 604 -- sleep 30");
  EXPECT_EQ(second.err, CanonicalRefusal("604", record) + "\n");

  ASSERT_EQ(kill(first.pid, SIGKILL), 0);
  Wait(first);
  for (pid_t child : children) {
    EXPECT_TRUE(WaitUntil([&] { return ProcessGone(child); }))
        << "sleep " << child << " outlived its run";
  }

  const CliResult third = Cli({"acquire", "604", "--skip-pid-check"});
  EXPECT_EQ(third.exit_code, 0) << third.err;
  EXPECT_EQ(third.out, "✓ Acquired lock for #604\n");
  EXPECT_EQ(third.err, "sequantlock: warning: cleared stale lock for #604 "
                       "held by PID " +
                           Pid(first.pid) + " (pid-dead)\n");
}

}  // namespace
}  // namespace sequantlock_test
