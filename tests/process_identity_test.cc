#include "process_identity.h"

#include <gtest/gtest.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <set>

namespace sequantlock {
namespace {

TEST(ProcessIdentityTest, OwnStartTimeIsKnownAndStable) {
  const int64_t start = ReadProcessStartTime(getpid());
  ASSERT_GE(start, 0);
  EXPECT_EQ(ReadProcessStartTime(getpid()), start);
  EXPECT_EQ(OwnProcessStartTime(), start);
  ASSERT_TRUE(StartTimeToWallMs(start).has_value());
}

TEST(ProcessIdentityTest, StartTimeSurvivesOddCommandNames) {
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  const pid_t child = fork();
  if (child == 0) {
    prctl(PR_SET_NAME, ") 1 2 (x", 0, 0, 0);
    (void)!write(ready[1], "x", 1);
    pause();
    _exit(0);
  }
  char byte;
  ASSERT_EQ(read(ready[0], &byte, 1), 1);
  const ProcessStat stat = ReadProcessStat(child);
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  close(ready[0]);
  close(ready[1]);
  ASSERT_TRUE(stat.found);
  EXPECT_FALSE(stat.exited);
  EXPECT_GE(stat.start_time, ReadProcessStartTime(getpid()));
}

TEST(ProcessIdentityTest, ZombieCountsAsExited) {
  const pid_t child = fork();
  if (child == 0) _exit(0);
  // Until it is reaped the child is a zombie that kill(pid, 0) still finds.
  ProcessStat stat;
  for (int i = 0; i < 500 && !stat.exited; ++i) {
    stat = ReadProcessStat(child);
    if (!stat.exited) usleep(2000);
  }
  EXPECT_TRUE(IsPidAlive(child));
  EXPECT_TRUE(stat.exited);
  waitpid(child, nullptr, 0);
  EXPECT_FALSE(IsPidAlive(child));
  EXPECT_FALSE(ReadProcessStat(child).found);
}

TEST(ProcessIdentityTest, InvalidPidsAreNotAlive) {
  for (int64_t pid : {int64_t{0}, int64_t{-1}, int64_t{1} << 40}) {
    EXPECT_FALSE(IsPidAlive(pid)) << pid;
    EXPECT_EQ(ReadProcessStartTime(pid), -1) << pid;
  }
}

TEST(ProcessIdentityTest, TokensAreUniqueHex) {
  std::set<std::string> tokens;
  for (int i = 0; i < 10000; ++i) {
    const std::string token = NewToken();
    ASSERT_EQ(token.size(), 32u);
    ASSERT_EQ(token.find_first_not_of("0123456789abcdef"), std::string::npos);
    tokens.insert(token);
  }
  EXPECT_EQ(tokens.size(), 10000u);
}

TEST(ProcessIdentityTest, ForkedChildGetsItsOwnPidAndTokens) {
  const std::string parent_token = NewToken();
  int out[2];
  ASSERT_EQ(pipe(out), 0);
  const pid_t child = fork();
  if (child == 0) {
    const bool own_pid = CurrentPid() == getpid();
    // One write of at most PIPE_BUF bytes reaches the reader whole.
    const std::string message = (own_pid ? "1" : "0") + NewToken();
    (void)!write(out[1], message.data(), message.size());
    _exit(0);
  }
  close(out[1]);
  char buffer[33] = {};
  size_t received = 0;
  while (received < sizeof buffer) {
    const ssize_t n = read(out[0], buffer + received, sizeof buffer - received);
    if (n <= 0) break;
    received += static_cast<size_t>(n);
  }
  waitpid(child, nullptr, 0);
  close(out[0]);
  ASSERT_EQ(received, sizeof buffer);
  EXPECT_EQ(buffer[0], '1');
  EXPECT_NE(std::string(buffer + 1, 32), NewToken());
  EXPECT_EQ(CurrentPid(), getpid());
}

TEST(ProcessIdentityTest, SignalIsRefusedForOtherStartTime) {
  const pid_t child = fork();
  if (child == 0) {
    pause();
    _exit(0);
  }
  usleep(20 * 1000);
  const SignalOutcome refused = SignalVerifiedProcess(
      child, [](int64_t) { return false; }, SIGKILL);
  EXPECT_EQ(refused, SignalOutcome::kStartChanged);
  EXPECT_TRUE(IsPidAlive(child));
  const SignalOutcome sent = SignalVerifiedProcess(
      child, [](int64_t) { return true; }, SIGKILL);
  EXPECT_EQ(sent, SignalOutcome::kSent);
  int status = 0;
  waitpid(child, &status, 0);
  EXPECT_TRUE(WIFSIGNALED(status));
}

TEST(ProcessIdentityTest, MachineIdentityIsRead) {
  EXPECT_FALSE(ReadHostName().empty());
  EXPECT_FALSE(ReadBootId().empty());
  EXPECT_NE(ReadPidNamespace(), 0u);
}

}  // namespace
}  // namespace sequantlock
