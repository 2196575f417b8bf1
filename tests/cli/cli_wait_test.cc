// `acquire --wait`: waiting out a holder instead of failing at once.
#include <gtest/gtest.h>
#include <signal.h>

#include "cli_harness.h"

namespace sequantlock_test {
namespace {

using json = nlohmann::json;

class CliWaitTest : public CliTest {};

TEST_F(CliWaitTest, WaiterTakesLockWhenHolderFinishes) {
  const Background run = Start({"run", "604", "--", "sleep", "0.5"});
  ASSERT_TRUE(WaitUntil([&] { return LockExists("604"); }, std::chrono::seconds(5)));
  const CliResult result =
      Cli({"acquire", "604", "--wait", "30", "--skip-pid-check", "--json"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  const json output = json::parse(result.out);
  EXPECT_TRUE(output.at("acquired").get<bool>());
  EXPECT_TRUE(output.contains("waitedMs"));
  Wait(run);
}

TEST_F(CliWaitTest, WaiterTakesLockWhenHolderIsKilled) {
  const Background run = Start({"run", "604", "--", "sleep", "30"});
  ASSERT_TRUE(WaitUntil([&] { return LockExists("604"); }, std::chrono::seconds(5)));
  const Background waiter =
      Start({"acquire", "604", "--wait", "30", "--skip-pid-check"});
  kill(run.pid, SIGKILL);
  Wait(run);
  const int status = Wait(waiter);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_TRUE(ReadRecord("604").at("skipPidCheck").get<bool>());
}

TEST_F(CliWaitTest, TimeoutExitsOneWithHolder) {
  const Background run = Start({"run", "604", "--", "sleep", "30"});
  ASSERT_TRUE(WaitUntil([&] { return LockExists("604"); }, std::chrono::seconds(5)));
  const CliResult result = Cli({"acquire", "604", "--wait", "0.2", "--json"});
  EXPECT_EQ(result.exit_code, 1) << result.err;
  const json output = json::parse(result.out);
  EXPECT_FALSE(output.at("acquired").get<bool>());
  EXPECT_EQ(output.at("holder").at("pid").get<int64_t>(), run.pid);
  kill(run.pid, SIGTERM);
  Wait(run);
}

TEST_F(CliWaitTest, WaitWithForceIsInvalid) {
  const CliResult result = Cli({"acquire", "604", "--wait", "1", "--force"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_FALSE(LockExists("604"));
}

TEST_F(CliWaitTest, NegativeWaitIsInvalid) {
  const CliResult result = Cli({"acquire", "604", "--wait", "-1"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_FALSE(LockExists("604"));
}

TEST_F(CliWaitTest, InvalidWaitNamesValue) {
  for (const std::string& value : {"-1", "abc", "1e400", "nan", "2s"}) {
    const CliResult result = Cli({"acquire", "604", "--wait", value});
    EXPECT_EQ(result.exit_code, 2) << value;
    EXPECT_NE(result.err.find("invalid number of seconds '" + value + "'"),
              std::string::npos)
        << result.err;
    EXPECT_NE(result.err.find("'inf'"), std::string::npos) << result.err;
    EXPECT_FALSE(LockExists("604")) << value;
  }
}

TEST_F(CliWaitTest, InfiniteWaitTakesLockWhenHolderFinishes) {
  const Background run = Start({"run", "604", "--", "sleep", "0.5"});
  ASSERT_TRUE(
      WaitUntil([&] { return LockExists("604"); }, std::chrono::seconds(5)));
  const CliResult result =
      Cli({"acquire", "604", "--wait", "inf", "--skip-pid-check", "--json"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(json::parse(result.out).at("acquired").get<bool>());
  Wait(run);
}

TEST_F(CliWaitTest, InvalidPidNamesValueAndRange) {
  for (const std::string& command : {"acquire", "release"}) {
    for (const std::string& value : {"0", "-5", "abc", "2147483648",
                                     "99999999999"}) {
      const CliResult result = Cli({command, "604", "--pid", value});
      EXPECT_EQ(result.exit_code, 2) << command << " " << value;
      EXPECT_NE(result.err.find("invalid process id '" + value +
                                "': expected an integer from 1 to "
                                "2147483647"),
                std::string::npos)
          << result.err;
      EXPECT_FALSE(LockExists("604")) << command << " " << value;
    }
  }
}

}  // namespace
}  // namespace sequantlock_test
