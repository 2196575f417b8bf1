// The one-shot commands: list, acquire, release, check, check-batch, clear,
// their text and JSON output, exit codes and argument checks.
#include <pty.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <utime.h>

#include <string>
#include <vector>

#include "cli_harness.h"

namespace sequantlock_test {
namespace {

using nlohmann::json;

const std::vector<std::string> kCommands = {
    "list", "acquire", "release", "check", "check-batch", "clear", "run"};

const std::vector<std::string> kBadKeys = {"0",      "-3",     "042", "1.5",
                                           "abc/..", "x.lock", ""};

std::string Pid(int64_t pid) { return std::to_string(pid); }

std::string SelfPid() { return Pid(getpid()); }

// Moves the mtime of `path` back an hour, past the corrupt-file grace time.
void AgeFile(const fs::path& path) {
  struct utimbuf times;
  times.actime = time(nullptr) - 3600;
  times.modtime = times.actime;
  ASSERT_EQ(utime(path.c_str(), &times), 0);
}

class CliHelpTest : public CliTest {};

TEST_F(CliHelpTest, HelpOfEveryCommandExitsZero) {
  for (const std::string& command : kCommands) {
    const CliResult result = Cli({command, "--help"});
    EXPECT_EQ(result.exit_code, 0) << command;
    EXPECT_NE(result.out.find("--json"), std::string::npos) << command;
    EXPECT_NE(result.out.find("Exit status:"), std::string::npos) << command;
    EXPECT_EQ(result.err, "") << command;
  }
  const CliResult top = Cli({"--help"});
  EXPECT_EQ(top.exit_code, 0);
  EXPECT_NE(top.out.find("--locks-dir"), std::string::npos);
  EXPECT_FALSE(fs::exists(locks_));
}

TEST_F(CliHelpTest, HelpListsEveryExitCode) {
  const CliResult result = Cli({"--help"});
  EXPECT_NE(result.out.find("  0  success"), std::string::npos);
  EXPECT_NE(result.out.find("  1  "), std::string::npos);
  EXPECT_NE(result.out.find("  2  invalid arguments"), std::string::npos);
  EXPECT_NE(result.out.find("  3  I/O failure"), std::string::npos);
}

TEST_F(CliHelpTest, VersionPrintsNameAndNumber) {
  const CliResult result = Cli({"--version"});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.out.rfind("sequantlock ", 0), 0u) << result.out;
}

TEST_F(CliHelpTest, UnknownFlagExitsTwo) {
  for (const std::string& command : kCommands) {
    const CliResult result = Cli({command, "604", "--bogus"});
    EXPECT_EQ(result.exit_code, 2) << command;
    EXPECT_NE(result.err.find("--bogus"), std::string::npos) << result.err;
    EXPECT_EQ(result.out, "") << command;
  }
  EXPECT_FALSE(fs::exists(locks_));
}

TEST_F(CliHelpTest, EmptyLocksDirExitsTwo) {
  const CliResult result = Cli({"--locks-dir", "", "acquire", "604"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("invalid locks directory ''"), std::string::npos)
      << result.err;
  EXPECT_EQ(result.out, "");
  EXPECT_FALSE(fs::exists(locks_));
}

TEST_F(CliHelpTest, MissingSubcommandExitsTwo) {
  EXPECT_EQ(Cli({}).exit_code, 2);
  EXPECT_EQ(Cli({"frobnicate"}).exit_code, 2);
}

TEST_F(CliHelpTest, MissingKeyExitsTwo) {
  for (const char* command :
       {"acquire", "release", "check", "check-batch", "clear"}) {
    EXPECT_EQ(Cli({command}).exit_code, 2) << command;
  }
}

class CliKeyTest : public CliTest {};

TEST_F(CliKeyTest, BadKeysExitTwoAndCreateNothing) {
  for (const std::string& key : kBadKeys) {
    const std::vector<std::vector<std::string>> invocations = {
        {"acquire", "--", key},      {"release", "--", key},
        {"check", "--", key},        {"check-batch", "604", key},
        {"clear", "--force", "--", key}};
    for (const auto& args : invocations) {
      const CliResult result = Cli(args);
      EXPECT_EQ(result.exit_code, 2) << args[0] << " '" << key << "'";
      EXPECT_NE(result.err.find("'" + key + "'"), std::string::npos)
          << result.err;
      EXPECT_EQ(result.out, "") << args[0] << " '" << key << "'";
    }
    const CliResult run = Cli({"run", key, "--", "true"});
    EXPECT_EQ(run.exit_code, 2) << "run '" << key << "'";
  }
  EXPECT_FALSE(fs::exists(locks_));
}

TEST_F(CliKeyTest, BadKeyAsPlainArgumentExitsTwo) {
  for (const std::string& key : kBadKeys) {
    const CliResult result = Cli({"acquire", key});
    EXPECT_EQ(result.exit_code, 2) << "'" << key << "'";
    EXPECT_NE(result.err.find(key), std::string::npos) << result.err;
  }
  EXPECT_FALSE(fs::exists(locks_));
}

TEST_F(CliKeyTest, BadPidExitsTwo) {
  EXPECT_EQ(Cli({"acquire", "604", "--pid", "0"}).exit_code, 2);
  EXPECT_EQ(Cli({"acquire", "604", "--pid", "abc"}).exit_code, 2);
  EXPECT_EQ(Cli({"release", "604", "--pid", "-4"}).exit_code, 2);
  EXPECT_FALSE(fs::exists(locks_));
}

TEST_F(CliKeyTest, NamedKeysAreAccepted) {
  const CliResult result = Cli({"acquire", "checkout", "--command", "merge"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "✓ Acquired lock for 'checkout'\n");
  EXPECT_TRUE(LockExists("checkout"));
}

class CliIoTest : public CliTest {};

TEST_F(CliIoTest, LocksDirThatIsAFileExitsThree) {
  const fs::path file = root_ / "not-a-dir";
  WriteText(file, "x");
  const std::vector<std::vector<std::string>> invocations = {
      {"acquire", "604"},     {"list"},           {"check", "604"},
      {"check-batch", "604"}, {"release", "604"}, {"clear", "604"},
      {"run", "604", "--", "true"}};
  for (const std::vector<std::string>& args : invocations) {
    std::vector<std::string> full = {"--locks-dir", file.string()};
    full.insert(full.end(), args.begin(), args.end());
    const CliResult result = Cli(full);
    EXPECT_EQ(result.exit_code, 3) << args[0] << ": " << result.err;
    EXPECT_NE(result.err.find(file.string()), std::string::npos)
        << result.err;
    EXPECT_EQ(result.err.rfind("sequantlock: error: ", 0), 0u) << result.err;
  }
  EXPECT_EQ(ReadText(file), "x");
}

TEST_F(CliIoTest, LocksDirBelowAFileExitsThree) {
  const fs::path file = root_ / "not-a-dir";
  WriteText(file, "x");
  const fs::path below = file / "locks";
  const CliResult result = Cli({"--locks-dir", below.string(), "acquire", "1"});
  EXPECT_EQ(result.exit_code, 3) << result.err;
  EXPECT_NE(result.err.find(file.string()), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("Not a directory"), std::string::npos)
      << result.err;
}

TEST_F(CliIoTest, UnwritableLocksDirExitsThree) {
  if (geteuid() == 0) GTEST_SKIP() << "root may write anywhere";
  fs::create_directories(locks_);
  fs::permissions(locks_, fs::perms::owner_read | fs::perms::owner_exec);
  const CliResult result = Cli({"acquire", "604"});
  fs::permissions(locks_, fs::perms::owner_all);
  EXPECT_EQ(result.exit_code, 3) << result.err;
  EXPECT_NE(result.err.find(locks_.string()), std::string::npos) << result.err;
}

class CliAcquireTest : public CliTest {};

TEST_F(CliAcquireTest, AcquirePrintsTickAndWritesRecord) {
  const CliResult result = Cli({"acquire", "604", "--command", "fullsolve",
                                "--pid", SelfPid()});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "✓ Acquired lock for #604\n");
  EXPECT_EQ(result.err, "");
  const json record = ReadRecord("604");
  EXPECT_EQ(record.at("hostname"), ThisHostname());
  EXPECT_EQ(record.at("command"), "fullsolve");
  EXPECT_EQ(record.at("pid").get<int64_t>(), getpid());
}

TEST_F(CliAcquireTest, AcquireWithoutPidWarnsOfShortLivedHolder) {
  const CliResult result = Cli({"acquire", "604"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "✓ Acquired lock for #604\n");
  const std::string pid = std::to_string(ReadRecord("604").at("pid").get<int64_t>());
  EXPECT_EQ(result.err,
            "sequantlock: warning: the lock names this sequantlock process "
            "(PID " + pid + ") as its holder, so it is stale once sequantlock "
            "exits. Pass --pid $$ to name the calling shell, --skip-pid-check "
            "to judge it by age, or use 'sequantlock run'\n");

  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{
           {"acquire", "605", "--skip-pid-check"},
           {"acquire", "606", "--pid", SelfPid()},
           {"acquire", "607", "--json"}}) {
    const CliResult quiet = Cli(args);
    EXPECT_EQ(quiet.exit_code, 0) << quiet.err;
    EXPECT_EQ(quiet.err, "") << args[1];
  }
}

TEST_F(CliAcquireTest, CommandDefaultsToUnknown) {
  ASSERT_EQ(Cli({"acquire", "604"}).exit_code, 0);
  EXPECT_EQ(ReadRecord("604").at("command"), "unknown");
}

TEST_F(CliAcquireTest, AcquireJsonHasPathAndToken) {
  const CliResult result = Cli({"acquire", "604", "--json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const json output = json::parse(result.out);
  EXPECT_EQ(output.at("acquired"), true);
  EXPECT_EQ(output.at("issue"), 604);
  EXPECT_EQ(output.at("key"), "604");
  EXPECT_EQ(output.at("lockPath"), LockPath("604").string());
  EXPECT_FALSE(output.at("token").get<std::string>().empty());
  EXPECT_EQ(output.at("forced"), false);
  EXPECT_TRUE(output.at("previousHolder").is_null());
}

TEST_F(CliAcquireTest, PidOptionRecordsThatProcess) {
  ASSERT_EQ(Cli({"acquire", "604", "--pid", SelfPid()}).exit_code, 0);
  EXPECT_EQ(ReadRecord("604").at("pid"), getpid());
}

TEST_F(CliAcquireTest, SkipPidCheckIsRecorded) {
  ASSERT_EQ(Cli({"acquire", "604", "--skip-pid-check"}).exit_code, 0);
  EXPECT_EQ(ReadRecord("604").at("skipPidCheck"), true);
}

TEST_F(CliAcquireTest, HeldKeyPrintsCanonicalRefusal) {
  ASSERT_EQ(Cli({"acquire", "604", "--pid", SelfPid(), "--command",
                 "npx sequant fullsolve 604"})
                .exit_code,
            0);
  const json record = ReadRecord("604");

  const CliResult result = Cli({"acquire", "604"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(result.err, CanonicalRefusal("604", record) + "\n");
  EXPECT_EQ(ReadRecord("604"), record);
}

TEST_F(CliAcquireTest, CanonicalRefusalMatchesOriginalWording) {
  const std::string started_at = NowIso();
  WriteRecord("604", getpid(), ThisHostname(), started_at,
              "npx sequant fullsolve 604");
  const CliResult result = Cli({"acquire", "604"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.err,
            "Issue #604 is being worked on by PID " + SelfPid() + " since " +
                started_at +
                " (npx sequant fullsolve 604). Use --force to take over, or "
                "wait for the other session.\n");
}

TEST_F(CliAcquireTest, HeldNamedKeyRefusalQuotesKey) {
  ASSERT_EQ(Cli({"acquire", "checkout", "--pid", SelfPid()}).exit_code, 0);
  const CliResult result = Cli({"acquire", "checkout"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.err,
            CanonicalRefusal("checkout", ReadRecord("checkout")) + "\n");
}

TEST_F(CliAcquireTest, HeldKeyJsonCarriesHolder) {
  ASSERT_EQ(Cli({"acquire", "604", "--pid", SelfPid()}).exit_code, 0);
  const CliResult result = Cli({"acquire", "604", "--json"});
  EXPECT_EQ(result.exit_code, 1);
  const json output = json::parse(result.out);
  EXPECT_EQ(output.at("acquired"), false);
  EXPECT_EQ(output.at("holder").at("pid"), getpid());
  EXPECT_EQ(output.at("lockPath"), LockPath("604").string());
  EXPECT_EQ(result.err, "");
}

TEST_F(CliAcquireTest, DeadHolderIsReplacedWithWarning) {
  const int64_t dead = DeadPid();
  WriteRecord("604", dead, ThisHostname(), NowIso(), "crashed");
  const CliResult result = Cli({"acquire", "604", "--json"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  const json output = json::parse(result.out);
  EXPECT_EQ(output.at("stale"), true);
  EXPECT_EQ(output.at("staleReason"), "pid-dead");
  EXPECT_EQ(output.at("previousHolder").at("pid"), dead);
  EXPECT_NE(ReadRecord("604").at("pid"), dead);

  WriteRecord("605", dead, ThisHostname(), NowIso(), "crashed");
  const CliResult text = Cli({"acquire", "605", "--pid", SelfPid()});
  EXPECT_EQ(text.exit_code, 0);
  EXPECT_EQ(text.out, "✓ Acquired lock for #605\n");
  EXPECT_EQ(text.err, "sequantlock: warning: cleared stale lock for #605 "
                      "held by PID " +
                          Pid(dead) + " (pid-dead)\n");
}

TEST_F(CliAcquireTest, ForceTakesOverLiveHolder) {
  ASSERT_EQ(Cli({"acquire", "604", "--pid", SelfPid()}).exit_code, 0);
  const CliResult result = Cli({"acquire", "604", "--force"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "✓ Acquired lock for #604 (forced)\n");
  EXPECT_NE(ReadRecord("604").at("pid"), getpid());
}

TEST_F(CliAcquireTest, ForceJsonNamesPreviousHolder) {
  ASSERT_EQ(Cli({"acquire", "604", "--pid", SelfPid()}).exit_code, 0);
  const CliResult result = Cli({"acquire", "604", "--force", "--json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const json output = json::parse(result.out);
  EXPECT_EQ(output.at("acquired"), true);
  EXPECT_EQ(output.at("forced"), true);
  EXPECT_EQ(output.at("previousHolder").at("pid"), getpid());
}

TEST_F(CliAcquireTest, ForceSignalOtherTerminatesHolder) {
  const Background sleeper = StartProgram({"sleep", "30"});
  ASSERT_EQ(Cli({"acquire", "604", "--pid", Pid(sleeper.pid)}).exit_code, 0);

  const CliResult result =
      Cli({"acquire", "604", "--force", "--signal-other"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "Signaled PID " + Pid(sleeper.pid) +
                            " (SIGTERM) for #604\n✓ Acquired lock for #604 "
                            "(forced)\n");
  const int status = Wait(sleeper);
  EXPECT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(WTERMSIG(status), SIGTERM);
}

TEST_F(CliAcquireTest, SignalOtherSkipsCrossHostHolder) {
  WriteRecord("604", getpid(), "some-other-host", NowIso(), "remote");
  const CliResult result =
      Cli({"acquire", "604", "--force", "--signal-other"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(Lines(result.out).at(0), "Could not signal PID " + SelfPid() +
                                         " for #604 (cross-host holder)");
}

TEST_F(CliAcquireTest, SignalOtherWithoutForceExitsTwo) {
  const CliResult result = Cli({"acquire", "604", "--signal-other"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_FALSE(fs::exists(locks_));
}

class CliReleaseTest : public CliTest {};

TEST_F(CliReleaseTest, ReleaseWithRecordedPidRemovesLock) {
  ASSERT_EQ(Cli({"acquire", "604", "--pid", SelfPid()}).exit_code, 0);
  const CliResult result = Cli({"release", "604", "--pid", SelfPid()});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.out, "✓ Released lock for #604\n");
  EXPECT_FALSE(LockExists("604"));
}

TEST_F(CliReleaseTest, SkipPidCheckLockReleasedByAnyone) {
  ASSERT_EQ(Cli({"acquire", "604", "--skip-pid-check"}).exit_code, 0);
  const CliResult result = Cli({"release", "604"});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.out, "✓ Released lock for #604\n");
  EXPECT_FALSE(LockExists("604"));
}

TEST_F(CliReleaseTest, ForeignLockReleaseSaysWhy) {
  ASSERT_EQ(Cli({"acquire", "604", "--pid", SelfPid()}).exit_code, 0);
  const CliResult result = Cli({"release", "604"});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.out.rfind("No releasable lock for #604: it is held by PID " +
                                 SelfPid(),
                             0),
            0u)
      << result.out;
  EXPECT_NE(result.out.find(", not by this sequantlock process (PID "),
            std::string::npos)
      << result.out;
  EXPECT_TRUE(LockExists("604"));

  const CliResult other = Cli({"release", "604", "--pid", "1"});
  EXPECT_EQ(other.exit_code, 0);
  EXPECT_NE(other.out.find(", not by PID 1, "), std::string::npos) << other.out;
  EXPECT_TRUE(LockExists("604"));

  const CliResult output = Cli({"release", "604", "--json"});
  EXPECT_EQ(output.exit_code, 0);
  const json parsed = json::parse(output.out);
  EXPECT_EQ(parsed.at("released"), false);
  EXPECT_EQ(parsed.at("reason"), "not-owner");
}

TEST_F(CliReleaseTest, ReleaseOfMissingLockSaysNoLock) {
  const CliResult result = Cli({"release", "604"});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.out, "No releasable lock for #604: no lock is held.\n");
  const CliResult output = Cli({"release", "604", "--json"});
  EXPECT_EQ(json::parse(output.out),
            json::parse(R"({"key":"604","issue":604,"released":false,)"
                        R"("reason":"no-lock"})"));
  EXPECT_FALSE(fs::exists(locks_));
}

TEST_F(CliReleaseTest, TokenReleasesOnlyItsOwnLock) {
  const CliResult acquired =
      Cli({"acquire", "604", "--pid", SelfPid(), "--json"});
  ASSERT_EQ(acquired.exit_code, 0);
  const std::string token = json::parse(acquired.out).at("token");

  const CliResult wrong = Cli({"release", "604", "--token", "not-it", "--json"});
  EXPECT_EQ(wrong.exit_code, 0);
  EXPECT_EQ(json::parse(wrong.out).at("reason"), "token-mismatch");
  EXPECT_TRUE(LockExists("604"));

  const CliResult right = Cli({"release", "604", "--token", token});
  EXPECT_EQ(right.exit_code, 0);
  EXPECT_EQ(right.out, "✓ Released lock for #604\n");
  EXPECT_FALSE(LockExists("604"));
}

class CliCheckTest : public CliTest {};

TEST_F(CliCheckTest, FreeKeyExitsZero) {
  const CliResult result = Cli({"check", "604"});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.out, "#604 is not locked\n");
  const CliResult output = Cli({"check", "604", "--json"});
  EXPECT_EQ(output.exit_code, 0);
  EXPECT_EQ(json::parse(output.out),
            json::parse(R"({"key":"604","issue":604,"locked":false})"));
  EXPECT_FALSE(fs::exists(locks_));
}

TEST_F(CliCheckTest, HeldKeyPrintsRefusalOnStdout) {
  ASSERT_EQ(Cli({"acquire", "604", "--pid", SelfPid()}).exit_code, 0);
  const json record = ReadRecord("604");
  const CliResult result = Cli({"check", "604"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.out, CanonicalRefusal("604", record) + "\n");

  const CliResult output = Cli({"check", "604", "--json"});
  EXPECT_EQ(output.exit_code, 1);
  const json parsed = json::parse(output.out);
  EXPECT_EQ(parsed.at("locked"), true);
  EXPECT_EQ(parsed.at("holder").at("pid"), getpid());
  EXPECT_EQ(parsed.at("holder").at("startedAt"), record.at("startedAt"));
}

TEST_F(CliCheckTest, CheckOfStaleLeftoverExitsZero) {
  const int64_t dead = DeadPid();
  WriteRecord("604", dead, ThisHostname(), NowIso(), "crashed");
  const CliResult output = Cli({"check", "604", "--json"});
  EXPECT_EQ(output.exit_code, 0);
  const json parsed = json::parse(output.out);
  EXPECT_EQ(parsed.at("locked"), false);
  EXPECT_EQ(parsed.at("stale"), true);
  EXPECT_EQ(parsed.at("staleReason"), "pid-dead");
  EXPECT_EQ(parsed.at("holder").at("pid"), dead);

  const CliResult text = Cli({"check", "604"});
  EXPECT_EQ(text.exit_code, 0);
  EXPECT_EQ(text.out.rfind("#604 is not locked (stale lock left by PID " +
                               Pid(dead) + ": pid-dead",
                           0),
            0u)
      << text.out;
  EXPECT_TRUE(LockExists("604"));
}

TEST_F(CliCheckTest, CorruptFileOccupiesKeyUntilGraceEnds) {
  fs::create_directories(locks_);
  WriteText(LockPath("604"), "{not json");

  const CliResult held = Cli({"check", "604", "--json"});
  EXPECT_EQ(held.exit_code, 1) << held.out;
  const json parsed = json::parse(held.out);
  EXPECT_EQ(parsed.at("locked"), true);
  EXPECT_EQ(parsed.at("corrupt"), true);
  EXPECT_TRUE(parsed.at("holder").is_null());
  EXPECT_EQ(Cli({"acquire", "604"}).exit_code, 1);

  AgeFile(LockPath("604"));
  const CliResult stale = Cli({"check", "604", "--json"});
  EXPECT_EQ(stale.exit_code, 0);
  EXPECT_EQ(json::parse(stale.out).at("staleReason"), "corrupt");
  EXPECT_EQ(Cli({"acquire", "604"}).exit_code, 0);
  EXPECT_GT(ReadRecord("604").at("pid").get<int64_t>(), 0);
}

class CliCheckBatchTest : public CliTest {};

TEST_F(CliCheckBatchTest, PrintsOneLinePerHeldKey) {
  const std::string started_at = NowIso();
  WriteRecord("604", getpid(), ThisHostname(), started_at, "/fullsolve 604");
  WriteRecord("606", DeadPid(), ThisHostname(), started_at, "crashed");
  WriteRecord("checkout", getpid(), ThisHostname(), started_at, "/merger");

  const CliResult result =
      Cli({"check-batch", "604", "605", "606", "checkout", "604"});
  EXPECT_EQ(result.exit_code, 0);
  const std::string host = ThisHostname();
  EXPECT_EQ(result.out,
            "⚠ #604 held by PID " + SelfPid() + " on " + host + " since " +
                started_at + " (/fullsolve 604)\n" +
                "⚠ 'checkout' held by PID " + SelfPid() + " on " + host +
                " since " + started_at + " (/merger)\n" +
                "⚠ #604 held by PID " + SelfPid() + " on " + host + " since " +
                started_at + " (/fullsolve 604)\n");
  EXPECT_EQ(result.err, "");
}

TEST_F(CliCheckBatchTest, NothingHeldPrintsNothing) {
  const CliResult result = Cli({"check-batch", "604", "605"});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.out, "");
}

TEST_F(CliCheckBatchTest, JsonCountsCheckedKeys) {
  WriteRecord("605", getpid(), ThisHostname(), NowIso(), "work");
  const CliResult result = Cli({"check-batch", "604", "605", "--json"});
  EXPECT_EQ(result.exit_code, 0);
  const json parsed = json::parse(result.out);
  EXPECT_EQ(parsed.at("checked"), 2);
  ASSERT_EQ(parsed.at("warnings").size(), 1u);
  EXPECT_EQ(parsed.at("warnings").at(0).at("issue"), 605);
  EXPECT_EQ(parsed.at("warnings").at(0).at("holder").at("command"), "work");
  EXPECT_NE(result.out.find("\n  \"warnings\""), std::string::npos)
      << "pretty-printed with two spaces";
}

TEST_F(CliCheckBatchTest, InvalidKeyPrintsNothingOnStdout) {
  WriteRecord("604", getpid(), ThisHostname(), NowIso(), "work");
  const CliResult result = Cli({"check-batch", "604", "042", "abc/.."});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.out, "");
  EXPECT_NE(result.err.find("'042'"), std::string::npos);
}

TEST_F(CliCheckBatchTest, ControlCharactersStayOnOneLine) {
  WriteRecord("604", getpid(), ThisHostname(), NowIso(),
              "evil\ncommand\x1b[2J");
  const CliResult result = Cli({"check-batch", "604"});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(Lines(result.out).size(), 1u) << result.out;
  EXPECT_EQ(result.out.find('\x1b'), std::string::npos);
}

class CliClearTest : public CliTest {};

TEST_F(CliClearTest, NoLockExitsZero) {
  const CliResult result = Cli({"clear", "604"});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.out, "No lock found for #604\n");
  const CliResult output = Cli({"clear", "604", "--json"});
  EXPECT_EQ(output.exit_code, 0);
  EXPECT_EQ(json::parse(output.out),
            json::parse(R"({"key":"604","issue":604,"cleared":false,)"
                        R"("reason":"no-lock"})"));
}

TEST_F(CliClearTest, FreshLockIsRefusedWithExitOne) {
  ASSERT_EQ(Cli({"acquire", "604", "--pid", SelfPid()}).exit_code, 0);
  const CliResult result = Cli({"clear", "604"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(result.err, "Refusing to clear fresh lock on #604 (PID " +
                            SelfPid() +
                            " appears alive on this host). Re-run with "
                            "--force if you really want to clear it.\n");
  EXPECT_TRUE(LockExists("604"));
}

TEST_F(CliClearTest, RefusedClearExitsOneWithJson) {
  ASSERT_EQ(Cli({"acquire", "604", "--pid", SelfPid()}).exit_code, 0);
  const CliResult result = Cli({"clear", "604", "--json"});
  EXPECT_EQ(result.exit_code, 1);
  const json parsed = json::parse(result.out);
  EXPECT_EQ(parsed.at("cleared"), false);
  EXPECT_EQ(parsed.at("reason"), "fresh-same-host-alive");
  EXPECT_TRUE(LockExists("604"));
}

TEST_F(CliClearTest, SkipPidCheckRefusalNamesRule) {
  ASSERT_EQ(Cli({"acquire", "604", "--skip-pid-check"}).exit_code, 0);
  const CliResult result = Cli({"clear", "604"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("--skip-pid-check"), std::string::npos)
      << result.err;
  EXPECT_EQ(result.err.find("appears alive"), std::string::npos);
}

TEST_F(CliClearTest, ForceClearsFreshLock) {
  ASSERT_EQ(Cli({"acquire", "604", "--pid", SelfPid()}).exit_code, 0);
  const CliResult result = Cli({"clear", "604", "--force"});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.out, "✓ Cleared lock for #604\n");
  EXPECT_FALSE(LockExists("604"));
}

TEST_F(CliClearTest, StaleLockIsClearedWithoutForce) {
  WriteRecord("604", DeadPid(), ThisHostname(), NowIso(), "crashed");
  const CliResult result = Cli({"clear", "604", "--json"});
  EXPECT_EQ(result.exit_code, 0);
  const json parsed = json::parse(result.out);
  EXPECT_EQ(parsed.at("cleared"), true);
  EXPECT_EQ(parsed.at("reason"), "cleared");
  EXPECT_FALSE(LockExists("604"));
}

class CliListTest : public CliTest {};

TEST_F(CliListTest, EmptyDirectoryPrintsNoActiveLocks) {
  const CliResult result = Cli({"list"});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.out, "No active locks.\n");
  const CliResult output = Cli({"list", "--json"});
  EXPECT_EQ(json::parse(output.out), json::parse(R"({"locks":[]})"));
  EXPECT_FALSE(fs::exists(locks_));
}

TEST_F(CliListTest, ListsIssueAndNamedKeysInOrder) {
  const std::string started_at = NowIso();
  WriteRecord("checkout", getpid(), ThisHostname(), started_at, "/merger");
  WriteRecord("1000", getpid(), ThisHostname(), started_at, "big");
  WriteRecord("99", DeadPid(), ThisHostname(), started_at, "crashed");
  WriteText(locks_ / "session-abc.issue", "99");

  const CliResult result = Cli({"list"});
  EXPECT_EQ(result.exit_code, 0);
  const std::vector<std::string> lines = Lines(result.out);
  ASSERT_EQ(lines.size(), 8u) << result.out;
  EXPECT_EQ(lines[0], "Active locks (3):");
  EXPECT_EQ(lines[1], "");
  EXPECT_EQ(lines[2].rfind("  #99  pid=", 0), 0u) << lines[2];
  EXPECT_NE(lines[2].find("(stale: pid-dead)"), std::string::npos);
  EXPECT_EQ(lines[3], "    command: crashed");
  EXPECT_EQ(lines[4].rfind("  #1000  pid=" + SelfPid() + "  host=" +
                               ThisHostname() + "  age=",
                           0),
            0u)
      << lines[4];
  EXPECT_NE(lines[4].find("  started=" + started_at), std::string::npos);
  EXPECT_EQ(lines[4].find("stale"), std::string::npos);
  EXPECT_EQ(lines[6].rfind("  'checkout'  pid=", 0), 0u) << lines[6];
  EXPECT_EQ(lines[7], "    command: /merger");
}

TEST_F(CliListTest, JsonCarriesEveryField) {
  WriteRecord("604", getpid(), ThisHostname(), NowIso(), "work");
  const CliResult result = Cli({"list", "--json"});
  EXPECT_EQ(result.exit_code, 0);
  const json parsed = json::parse(result.out);
  ASSERT_EQ(parsed.at("locks").size(), 1u);
  const json& entry = parsed.at("locks").at(0);
  EXPECT_EQ(entry.at("issue"), 604);
  EXPECT_EQ(entry.at("key"), "604");
  EXPECT_EQ(entry.at("holder").at("command"), "work");
  EXPECT_EQ(entry.at("stale"), false);
  EXPECT_TRUE(entry.at("staleReason").is_null());
  EXPECT_TRUE(entry.at("ageMs").is_number_integer());
  EXPECT_EQ(entry.at("lockPath"), LockPath("604").string());
}

class CliOrchestratorTest : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    SetEnv("SEQUANT_ORCHESTRATOR", "1");
  }
};

TEST_F(CliOrchestratorTest, EveryCommandIsANoOp) {
  const std::string disabled =
      "Lock operations are disabled (SEQUANT_ORCHESTRATOR set).\n";
  for (const std::string command :
       {"list", "acquire", "release", "check", "clear"}) {
    std::vector<std::string> args = {command};
    if (command != "list") args.push_back("604");
    const CliResult result = Cli(args);
    EXPECT_EQ(result.exit_code, 0) << command;
    EXPECT_EQ(result.out, disabled) << command;
  }
  const CliResult batch = Cli({"check-batch", "604", "605"});
  EXPECT_EQ(batch.exit_code, 0);
  EXPECT_EQ(batch.out, "");
  EXPECT_FALSE(fs::exists(locks_));
}

TEST_F(CliOrchestratorTest, JsonOutputsMatchOriginal) {
  EXPECT_EQ(json::parse(Cli({"acquire", "604", "--json"}).out),
            json::parse(R"({"acquired":true,"orchestratorMode":true})"));
  EXPECT_EQ(json::parse(Cli({"check", "604", "--json"}).out),
            json::parse(R"({"locked":false,"orchestratorMode":true})"));
  EXPECT_EQ(json::parse(Cli({"list", "--json"}).out),
            json::parse(R"({"locks":[],"orchestratorMode":true})"));
  EXPECT_EQ(json::parse(Cli({"check-batch", "604", "--json"}).out),
            json::parse(R"({"warnings":[],"orchestratorMode":true,)"
                        R"("checked":0})"));
  EXPECT_EQ(json::parse(Cli({"release", "604", "--json"}).out),
            json::parse(R"({"key":"604","issue":604,"released":false,)"
                        R"("orchestratorMode":true})"));
  const CliResult clear = Cli({"clear", "604", "--json"});
  EXPECT_EQ(clear.exit_code, 0);
  EXPECT_EQ(json::parse(clear.out).at("reason"), "orchestrator-mode");
  EXPECT_FALSE(fs::exists(locks_));
}

TEST_F(CliOrchestratorTest, InvalidArgumentsStillExitTwo) {
  EXPECT_EQ(Cli({"acquire", "042"}).exit_code, 2);
  EXPECT_EQ(Cli({"check-batch", "1", "1.5"}).exit_code, 2);
  EXPECT_EQ(Cli({"clear", "--bogus", "604"}).exit_code, 2);
  EXPECT_EQ(Cli({"run", "x.lock", "--", "true"}).exit_code, 2);
}

TEST_F(CliOrchestratorTest, EmptyValueDoesNotEnableIt) {
  SetEnv("SEQUANT_ORCHESTRATOR", "");
  EXPECT_EQ(Cli({"acquire", "604"}).exit_code, 0);
  EXPECT_TRUE(LockExists("604"));
}

class CliColourTest : public CliTest {
 protected:
  // Runs sequantlock with stdout and stderr on a pseudo-terminal and
  // returns what the terminal received.
  std::string RunOnTerminal(const std::vector<std::string>& args) {
    int master = -1;
    const pid_t pid = forkpty(&master, nullptr, nullptr, nullptr);
    if (pid == 0) {
      std::vector<std::string> environment;
      for (const auto& [name, value] : env_) {
        environment.push_back(name + "=" + value);
      }
      std::vector<char*> env_pointers;
      for (std::string& entry : environment) {
        env_pointers.push_back(entry.data());
      }
      env_pointers.push_back(nullptr);
      std::vector<std::string> argv = {SEQUANTLOCK_CLI_PATH};
      argv.insert(argv.end(), args.begin(), args.end());
      std::vector<char*> arg_pointers;
      for (std::string& arg : argv) arg_pointers.push_back(arg.data());
      arg_pointers.push_back(nullptr);
      if (chdir(root_.c_str()) != 0) _exit(125);
      execve(arg_pointers[0], arg_pointers.data(), env_pointers.data());
      _exit(124);
    }
    std::string received;
    char buffer[4096];
    for (;;) {
      const ssize_t count = read(master, buffer, sizeof buffer);
      if (count <= 0) break;
      received.append(buffer, static_cast<size_t>(count));
    }
    waitpid(pid, nullptr, 0);
    close(master);
    return received;
  }
};

TEST_F(CliColourTest, TerminalGetsColour) {
  const std::string received = RunOnTerminal({"acquire", "604"});
  EXPECT_NE(received.find("\x1b[32m"), std::string::npos) << received;
}

TEST_F(CliColourTest, NoColorDisablesColour) {
  SetEnv("NO_COLOR", "1");
  const std::string received = RunOnTerminal({"acquire", "604"});
  EXPECT_NE(received.find("Acquired lock for #604"), std::string::npos);
  EXPECT_EQ(received.find('\x1b'), std::string::npos) << received;
}

TEST_F(CliColourTest, FileOutputHasNoColour) {
  const CliResult result = Cli({"acquire", "604"});
  EXPECT_EQ(result.out.find('\x1b'), std::string::npos);
}

}  // namespace
}  // namespace sequantlock_test
