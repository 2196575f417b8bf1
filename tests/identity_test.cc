// Holder identity against real processes and real PID namespaces: a
// recycled PID, a holder in another PID namespace, a signal aimed at a
// recycled PID. Each case is decided wrongly by PID liveness alone.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "test_util.h"

namespace {

using sequantlock_test::ReadFile;
using sequantlock_test::TempDir;

struct Result {
  int status = -1;
  std::string output;
};

// Runs a shell script with the CLI's path in $CLI and the locks directory in
// $LOCKS, and captures its standard output and exit status.
Result RunScript(const std::string& locks, const std::string& script) {
  const std::string command = "CLI='" SEQUANTLOCK_CLI "' LOCKS='" + locks +
                              "' sh -c '" + script + "' 2>&1";
  Result result;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) {
    result.output.append(buffer, n);
  }
  const int status = pclose(pipe);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

bool CanUnshare() {
  return geteuid() == 0 &&
         std::system("unshare --pid --fork --mount-proc true >/dev/null 2>&1") ==
             0;
}

class IdentityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!CanUnshare()) {
      GTEST_SKIP() << "needs root and unshare(1) for PID namespaces";
    }
  }
  TempDir temp_;
};

// Inside a new PID namespace, ns_last_pid picks the next PID, so a lock's
// PID can be handed to a later process on purpose. The pause before the
// later process starts puts its start time in a later clock tick, since
// start times have the kernel's tick resolution.
TEST_F(IdentityTest, RecycledPidIsRecoveredAtOnce) {
  Result result = RunScript(temp_.path(), R"(
    unshare --pid --fork --mount-proc sh -e -c "
      echo 4999 > /proc/sys/kernel/ns_last_pid
      \$CLI --locks-dir \$LOCKS acquire 701 --command holder >/dev/null
      sleep 0.1
      echo 4999 > /proc/sys/kernel/ns_last_pid
      sleep 30 &
      test \$! -eq 5000
      \$CLI --locks-dir \$LOCKS check 701 --json
      kill \$!
    ")");
  ASSERT_EQ(result.status, 0) << result.output;
  EXPECT_NE(result.output.find("\"pid\":5000"), std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find("\"locked\":false"), std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find("\"staleReason\":\"pid-reused\""),
            std::string::npos)
      << result.output;
}

TEST_F(IdentityTest, OriginalsRecordWithRecycledPidIsRecovered) {
  // A record without a start time, as the TypeScript original writes it,
  // taken an hour before the process now at its PID started.
  Result result = RunScript(temp_.path(), R"(
    mkdir -p $LOCKS
    unshare --pid --fork --mount-proc sh -e -c "
      echo 4999 > /proc/sys/kernel/ns_last_pid
      sleep 30 &
      test \$! -eq 5000
      started=\$(date -u -d \"1 hour ago\" +%Y-%m-%dT%H:%M:%S.000Z)
      printf \"{\\n  \\\"pid\\\": 5000,\\n  \\\"hostname\\\": \\\"%s\\\",\\n  \\\"startedAt\\\": \\\"%s\\\",\\n  \\\"command\\\": \\\"npx sequant run 702\\\"\\n}\" \"\$(hostname)\" \"\$started\" > \$LOCKS/702.lock
      \$CLI --locks-dir \$LOCKS check 702 --json
      kill \$!
    ")");
  ASSERT_EQ(result.status, 0) << result.output;
  EXPECT_NE(result.output.find("\"staleReason\":\"pid-reused\""),
            std::string::npos)
      << result.output;
}

TEST_F(IdentityTest, HolderInAnotherNamespaceIsNotStolen) {
  // The holder's PID inside its namespace does not exist outside it, so a
  // probe from outside would call it dead.
  Result start = RunScript(temp_.path(), R"(
    mkfifo $LOCKS/started
    unshare --pid --fork --mount-proc --kill-child sh -c "
      echo 999990 > /proc/sys/kernel/ns_last_pid
      \$CLI --locks-dir \$LOCKS/locks run 703 -- sh -c \"echo go > \$LOCKS/started; sleep 30\"
    " >/dev/null 2>&1 &
    echo $! > $LOCKS/unshare.pid
    read line < $LOCKS/started
  )");
  ASSERT_EQ(start.status, 0) << start.output;
  const std::string locks = temp_.Sub("locks");
  const std::string record = ReadFile(locks + "/703.lock");
  EXPECT_NE(record.find("\"pid\": 999991"), std::string::npos) << record;

  // From outside: neither check, acquire nor a plain clear takes it.
  Result outside = RunScript(locks, R"(
    $CLI --locks-dir $LOCKS check 703 --json; echo " check=$?"
    $CLI --locks-dir $LOCKS acquire 703 >/dev/null 2>&1; echo "acquire=$?"
    $CLI --locks-dir $LOCKS clear 703 >/dev/null 2>&1; echo "clear=$?"
  )");
  EXPECT_NE(outside.output.find("\"locked\":true"), std::string::npos)
      << outside.output;
  EXPECT_NE(outside.output.find("check=1"), std::string::npos)
      << outside.output;
  EXPECT_NE(outside.output.find("acquire=1"), std::string::npos)
      << outside.output;
  EXPECT_NE(outside.output.find("clear=1"), std::string::npos)
      << outside.output;

  // From a third namespace: the same.
  Result other = RunScript(locks, R"(
    unshare --pid --fork --mount-proc sh -c "
      \$CLI --locks-dir \$LOCKS acquire 703 >/dev/null 2>&1; echo acquire=\$?
    ")");
  EXPECT_NE(other.output.find("acquire=1"), std::string::npos)
      << other.output;

  RunScript(temp_.path(), "kill -9 $(cat $LOCKS/unshare.pid)");
  EXPECT_EQ(ReadFile(locks + "/703.lock"), record);
}

TEST_F(IdentityTest, SignalToRecycledPidReachesNobody) {
  Result result = RunScript(temp_.path(), R"(
    unshare --pid --fork --mount-proc sh -e -c "
      echo 4999 > /proc/sys/kernel/ns_last_pid
      \$CLI --locks-dir \$LOCKS acquire 704 --command holder >/dev/null
      sleep 0.1
      echo 4999 > /proc/sys/kernel/ns_last_pid
      sleep 30 &
      test \$! -eq 5000
      \$CLI --locks-dir \$LOCKS acquire 704 --force --signal-other 2>&1 || true
      sleep 0.2
      kill -0 5000 && echo survivor-alive
      kill 5000
    ")");
  ASSERT_EQ(result.status, 0) << result.output;
  EXPECT_NE(result.output.find("survivor-alive"), std::string::npos)
      << result.output;
}

}  // namespace
