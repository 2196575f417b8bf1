// Hostile lock files, keys and locks directories, through the core manager
// and through the real sequantlock binary.
//
// Each case states its outcome for check, acquire, list, clear and release,
// and whether the file may be touched. A file that is not a readable record
// (empty, truncated, oversized, binary, wrong types, a bad pid, missing
// fields, a symlink, a directory, a FIFO, a socket) is corrupt: it occupies
// its key for the 2 s grace after its mtime, then is stale with reason
// "corrupt". Cases that need another user run the CLI under
// `setpriv --reuid=65534 --regid=65534 --clear-groups` and skip without it.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "key.h"
#include "manager.h"
#include "process_identity.h"
#include "record.h"
#include "test_util.h"
#include "time_format.h"

namespace sequantlock {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using sequantlock_test::AgeFile;
using sequantlock_test::Exists;
using sequantlock_test::ListDir;
using sequantlock_test::ReadFile;
using sequantlock_test::TempDir;
using sequantlock_test::WriteFile;

constexpr const char* kOtherHost = "elsewhere.invalid";
constexpr uid_t kNobody = 65534;
// A run of the CLI that has not ended after this many 10 ms polls counts as
// blocked. It bounds a hang, it does not measure speed.
constexpr int kMaxCliPolls = 3000;

struct CliResult {
  int exit_code = -1;  // -1: still running after kMaxCliPolls, then killed.
  std::string out;
  std::string err;
};

// Whether the CLI can be run as user 65534 here.
bool CanRunAsNobody() {
  return geteuid() == 0 && access("/usr/bin/setpriv", X_OK) == 0;
}

// Runs the sequantlock binary with `args`, as root or as user 65534, with
// SEQUANT_* variables cleared and stdin from /dev/null.
CliResult RunCli(const std::vector<std::string>& args, const std::string& work,
                 bool as_nobody = false) {
  const std::string out_path = work + "/cli.out";
  const std::string err_path = work + "/cli.err";
  std::vector<std::string> argv;
  if (as_nobody) {
    argv = {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534",
            "--clear-groups"};
  }
  argv.push_back(SEQUANTLOCK_CLI);
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> pointers;
  for (std::string& arg : argv) pointers.push_back(arg.data());
  pointers.push_back(nullptr);

  const pid_t pid = fork();
  if (pid == 0) {
    for (const char* name :
         {"SEQUANT_ORCHESTRATOR", "SEQUANT_LOCKS_DIR",
          "SEQUANT_MAX_LOCK_AGE_MS", "SEQUANT_SKILL_LOCK_TTL_MS"}) {
      unsetenv(name);
    }
    const int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int null = open("/dev/null", O_RDONLY);
    if (out < 0 || err < 0 || null < 0) _exit(125);
    dup2(null, STDIN_FILENO);
    dup2(out, STDOUT_FILENO);
    dup2(err, STDERR_FILENO);
    execv(pointers[0], pointers.data());
    _exit(124);
  }
  CliResult result;
  int status = 0;
  bool ended = false;
  for (int poll = 0; poll < kMaxCliPolls && !ended; ++poll) {
    if (waitpid(pid, &status, WNOHANG) == pid) {
      ended = true;
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  if (!ended) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
  } else if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  } else {
    result.exit_code = 128 + WTERMSIG(status);
  }
  result.out = ReadFile(out_path);
  result.err = ReadFile(err_path);
  return result;
}

int LineCount(const std::string& text) {
  int lines = 0;
  for (char c : text) lines += c == '\n' ? 1 : 0;
  return lines;
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A pid that names no process: a child that has exited and been reaped.
int64_t DeadPid() {
  const pid_t child = fork();
  if (child == 0) _exit(0);
  waitpid(child, nullptr, 0);
  return child;
}

// What a path is, to show that an operation did not touch it.
struct Snapshot {
  bool exists = false;
  mode_t mode = 0;
  ino_t inode = 0;
  int64_t mtime_ns = 0;
  std::string content;

  bool operator==(const Snapshot& other) const {
    return exists == other.exists && mode == other.mode &&
           inode == other.inode && mtime_ns == other.mtime_ns &&
           content == other.content;
  }
};

Snapshot Take(const std::string& path) {
  Snapshot snapshot;
  struct stat st;
  if (lstat(path.c_str(), &st) != 0) return snapshot;
  snapshot.exists = true;
  snapshot.mode = st.st_mode;
  snapshot.inode = st.st_ino;
  snapshot.mtime_ns =
      static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  if (S_ISREG(st.st_mode)) snapshot.content = ReadFile(path);
  if (S_ISLNK(st.st_mode)) {
    char target[4096];
    const ssize_t n = readlink(path.c_str(), target, sizeof target);
    if (n > 0) snapshot.content.assign(target, static_cast<size_t>(n));
  }
  if (S_ISDIR(st.st_mode)) {
    for (const std::string& name : ListDir(path)) snapshot.content += name + "/";
  }
  return snapshot;
}

std::string RecordJson(const json& fields) { return fields.dump(2); }

json BaseRecord(int64_t pid, const std::string& hostname,
                const std::string& started_at) {
  return json{{"pid", pid},
              {"hostname", hostname},
              {"startedAt", started_at},
              {"command", "npx sequant run 604"}};
}

// `epoch_ms` written in the zone `offset` east of UTC: "…+05:00" and the
// like, or with no zone at all when `zone` is empty.
std::string TimeInZone(int64_t epoch_ms, int offset_minutes,
                       const std::string& zone) {
  std::string text = FormatIsoTime(epoch_ms + offset_minutes * 60000LL);
  text.pop_back();  // The trailing 'Z'.
  return text + zone;
}

class HostileInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = temp_.Sub("locks");
    fs::create_directories(dir_);
    path_ = dir_ + "/604.lock";
  }

  std::unique_ptr<Manager> NewManager(const std::string& dir) {
    ManagerOptions options;
    options.locks_dir = dir;
    options.orchestrator_mode = false;
    auto manager = Manager::Create(options);
    EXPECT_TRUE(manager.ok()) << manager.status().message();
    return manager.ok() ? std::move(*manager) : nullptr;
  }
  std::unique_ptr<Manager> NewManager() { return NewManager(dir_); }

  CliResult Cli(std::vector<std::string> args, bool as_nobody = false) {
    args.insert(args.begin(), {"--locks-dir", dir_});
    return RunCli(args, temp_.path(), as_nobody);
  }

  // Checks that a corrupt lock at path_ within its grace occupies the key
  // for every operation and is left as it was.
  void ExpectFreshCorruptKeepsKey(const std::string& what) {
    SCOPED_TRACE(what);
    const Snapshot before = Take(path_);
    auto manager = NewManager();

    auto checked = manager->Check("604");
    ASSERT_TRUE(checked.ok()) << checked.status().message();
    ASSERT_TRUE(checked->has_value());
    EXPECT_FALSE((*checked)->holder.has_value());
    EXPECT_FALSE((*checked)->decision.stale);

    auto acquired = manager->Acquire("604", "hostile", false);
    ASSERT_TRUE(acquired.ok()) << acquired.status().message();
    EXPECT_FALSE(acquired->acquired);
    EXPECT_TRUE(acquired->corrupt);

    auto listed = manager->List();
    ASSERT_TRUE(listed.ok()) << listed.status().message();
    ASSERT_EQ(listed->size(), 1u);
    EXPECT_EQ((*listed)[0].key, "604");
    EXPECT_FALSE((*listed)[0].holder.has_value());
    EXPECT_FALSE((*listed)[0].decision.stale);

    auto cleared = manager->Clear("604", /*force=*/false);
    ASSERT_TRUE(cleared.ok()) << cleared.status().message();
    EXPECT_FALSE(cleared->cleared);
    EXPECT_EQ(cleared->reason, ClearReason::kFresh);

    auto released = manager->Release("604");
    ASSERT_TRUE(released.ok()) << released.status().message();
    EXPECT_EQ(*released, ReleaseReason::kCorrupt);
    auto external = manager->ReleaseExternal("604");
    ASSERT_TRUE(external.ok()) << external.status().message();
    EXPECT_EQ(*external, ReleaseReason::kCorrupt);

    EXPECT_TRUE(Take(path_) == before);
  }

  // Checks that a corrupt lock at path_ past its grace is stale, that
  // check leaves it alone and acquire replaces it.
  void ExpectAgedCorruptIsReplaced(const std::string& what) {
    SCOPED_TRACE(what);
    const Snapshot before = Take(path_);
    auto manager = NewManager();

    auto checked = manager->Check("604");
    ASSERT_TRUE(checked.ok()) << checked.status().message();
    ASSERT_TRUE(checked->has_value());
    EXPECT_TRUE((*checked)->decision.stale);
    EXPECT_EQ((*checked)->decision.reason, StaleReason::kCorrupt);
    auto listed = manager->List();
    ASSERT_TRUE(listed.ok()) << listed.status().message();
    ASSERT_EQ(listed->size(), 1u);
    EXPECT_TRUE((*listed)[0].decision.stale);
    EXPECT_TRUE(Take(path_) == before);

    auto acquired = manager->Acquire("604", "hostile", false);
    ASSERT_TRUE(acquired.ok()) << acquired.status().message();
    EXPECT_TRUE(acquired->acquired);
    EXPECT_TRUE(acquired->replaced);
    EXPECT_FALSE(acquired->previous.has_value());
    EXPECT_EQ(acquired->stale_reason, StaleReason::kCorrupt);
    StatusOr<Record> mine = ParseRecord(ReadFile(path_));
    ASSERT_TRUE(mine.ok());
    EXPECT_EQ(mine->pid, CurrentPid());

    auto released = manager->Release("604");
    ASSERT_TRUE(released.ok());
    EXPECT_EQ(*released, ReleaseReason::kReleased);
    EXPECT_FALSE(Exists(path_));
  }

  TempDir temp_;
  std::string dir_;
  std::string path_;
};

// Contents that are not a valid record, each corrupt.
std::vector<std::pair<std::string, std::string>> CorruptContents() {
  const std::string valid = RecordJson(
      BaseRecord(DeadPid(), ReadHostName(), "2026-01-01T00:00:00.000Z"));
  std::string binary;
  for (int i = 0; i < 512; ++i) binary += static_cast<char>(i * 37 % 256);
  json oversized = BaseRecord(1, ReadHostName(), "2026-01-01T00:00:00.000Z");
  oversized["command"] = std::string(70000, 'x');
  auto with = [](const char* field, json value) {
    json record = BaseRecord(1, "host", "2026-01-01T00:00:00.000Z");
    record[field] = std::move(value);
    return record.dump();
  };
  auto without = [](const char* field) {
    json record = BaseRecord(1, "host", "2026-01-01T00:00:00.000Z");
    record.erase(field);
    return record.dump();
  };
  return {
      {"empty", ""},
      {"one space", " "},
      {"truncated record", valid.substr(0, valid.size() / 2)},
      {"truncated after pid", "{\"pid\": 12"},
      {"oversized record", oversized.dump()},
      {"valid record padded past 64 KiB", valid + std::string(70000, ' ')},
      {"binary", binary},
      {"array", "[]"},
      {"string", "\"604\""},
      {"number", "604"},
      {"null", "null"},
      {"pid as string", with("pid", "123")},
      {"pid as boolean", with("pid", true)},
      {"pid as null", with("pid", nullptr)},
      {"pid as object", with("pid", json::object())},
      {"pid fractional", with("pid", 42.5)},
      {"pid zero", with("pid", 0)},
      {"pid negative", with("pid", -1)},
      {"pid most negative int32", with("pid", -2147483648LL)},
      {"pid 2^63", R"({"pid":9223372036854775808,"hostname":"h",)"
                   R"("startedAt":"2026-01-01","command":"c"})"},
      {"pid 2^64", R"({"pid":18446744073709551616,"hostname":"h",)"
                   R"("startedAt":"2026-01-01","command":"c"})"},
      {"pid 1e300", R"({"pid":1e300,"hostname":"h",)"
                    R"("startedAt":"2026-01-01","command":"c"})"},
      {"pid bare word", R"({"pid":abc,"hostname":"h",)"
                        R"("startedAt":"2026-01-01","command":"c"})"},
      {"pid NaN", R"({"pid":NaN,"hostname":"h",)"
                  R"("startedAt":"2026-01-01","command":"c"})"},
      {"hostname as number", with("hostname", 5)},
      {"startedAt as number", with("startedAt", 1767225600000LL)},
      {"command as null", with("command", nullptr)},
      {"command as array", with("command", json::array({"npx", "sequant"}))},
      {"skipPidCheck as string", with("skipPidCheck", "yes")},
      {"skipPidCheck as number", with("skipPidCheck", 1)},
      {"missing pid", without("pid")},
      {"missing hostname", without("hostname")},
      {"missing startedAt", without("startedAt")},
      {"missing command", without("command")},
  };
}

TEST_F(HostileInputTest, CorruptContentOccupiesKeyWithinGrace) {
  for (const auto& [what, content] : CorruptContents()) {
    WriteFile(path_, content);
    ExpectFreshCorruptKeepsKey(what);
    fs::remove(path_);
  }
}

TEST_F(HostileInputTest, CorruptContentIsReplacedAfterGrace) {
  for (const auto& [what, content] : CorruptContents()) {
    WriteFile(path_, content);
    AgeFile(path_, 5);
    ExpectAgedCorruptIsReplaced(what);
  }
}

TEST_F(HostileInputTest, CorruptContentIsClearedAfterGrace) {
  for (const auto& [what, content] : CorruptContents()) {
    SCOPED_TRACE(what);
    WriteFile(path_, content);
    AgeFile(path_, 5);
    auto cleared = NewManager()->Clear("604", /*force=*/false);
    ASSERT_TRUE(cleared.ok()) << cleared.status().message();
    EXPECT_TRUE(cleared->cleared);
    EXPECT_EQ(cleared->info->decision.reason, StaleReason::kCorrupt);
    EXPECT_FALSE(Exists(path_));
  }
}

TEST_F(HostileInputTest, CliReportsCorruptFileAsHeldThenStale) {
  WriteFile(path_, "{\"pid\": 12");
  const Snapshot before = Take(path_);

  CliResult check = Cli({"check", "604", "--json"});
  EXPECT_EQ(check.exit_code, 1) << check.err;
  json output = json::parse(check.out);
  EXPECT_TRUE(output["locked"].get<bool>());
  EXPECT_TRUE(output["corrupt"].get<bool>());
  EXPECT_TRUE(output["holder"].is_null());
  CliResult acquire = Cli({"acquire", "604"});
  EXPECT_EQ(acquire.exit_code, 1) << acquire.err;
  CliResult clear = Cli({"clear", "604"});
  EXPECT_EQ(clear.exit_code, 1) << clear.err;
  CliResult release = Cli({"release", "604", "--pid", "12"});
  EXPECT_EQ(release.exit_code, 0) << release.err;
  CliResult list = Cli({"list", "--json"});
  EXPECT_EQ(list.exit_code, 0) << list.err;
  EXPECT_TRUE(json::parse(list.out)["locks"][0]["corrupt"].get<bool>());
  EXPECT_TRUE(Take(path_) == before);

  AgeFile(path_, 5);
  check = Cli({"check", "604", "--json"});
  EXPECT_EQ(check.exit_code, 0) << check.err;
  output = json::parse(check.out);
  EXPECT_FALSE(output["locked"].get<bool>());
  EXPECT_EQ(output["staleReason"], "corrupt");
  acquire = Cli({"acquire", "604"});
  EXPECT_EQ(acquire.exit_code, 0) << acquire.err;
  EXPECT_TRUE(ParseRecord(ReadFile(path_)).ok());
}

// JSON.parse, which the TypeScript original reads lock files with, rejects
// a NUL byte anywhere in the text. nlohmann::json alone stops at the NUL and
// accepts the object before it.
TEST_F(HostileInputTest, RecordWithNulByteIsCorrupt) {
  const std::string valid =
      RecordJson(BaseRecord(CurrentPid(), ReadHostName(), FormatIsoTime(NowMs())));
  for (const std::string& content :
       {valid + std::string(1, '\0'), valid + std::string(1, '\0') + "garbage",
        valid.substr(0, 1) + std::string(1, '\0') + valid.substr(1)}) {
    WriteFile(path_, content);
    ExpectFreshCorruptKeepsKey("record with a NUL byte");
  }
}

TEST_F(HostileInputTest, RecordOfExactlyMaxSizeIsRead) {
  json record = BaseRecord(1, kOtherHost, FormatIsoTime(NowMs()));
  record["command"] = "";
  const size_t base = record.dump().size();
  record["command"] = std::string(kMaxRecordBytes - base, 'x');
  const std::string content = record.dump();
  ASSERT_EQ(content.size(), kMaxRecordBytes);
  WriteFile(path_, content);
  auto read = NewManager()->Read("604");
  ASSERT_TRUE(read.ok());
  ASSERT_TRUE(read->has_value());
  EXPECT_EQ((*read)->kind, StoredLock::Kind::kRecord);

  WriteFile(path_, content + " ");
  read = NewManager()->Read("604");
  ASSERT_TRUE(read.ok());
  ASSERT_TRUE(read->has_value());
  EXPECT_EQ((*read)->kind, StoredLock::Kind::kCorrupt);
}

TEST_F(HostileInputTest, WrongTypedIdentityFieldsAreIgnored) {
  json record = BaseRecord(CurrentPid(), ReadHostName(), FormatIsoTime(NowMs()));
  record["token"] = 5;
  record["processStartTime"] = "early";
  record["bootId"] = json::array();
  record["machineId"] = nullptr;
  record["pidNamespace"] = -3;
  record["schemaVersion"] = "1";
  record["unknown"] = {{"nested", true}};
  WriteFile(path_, record.dump(2));
  auto manager = NewManager();
  auto checked = manager->Check("604");
  ASSERT_TRUE(checked.ok());
  ASSERT_TRUE((*checked)->holder.has_value());
  const Record& holder = *(*checked)->holder;
  EXPECT_EQ(holder.pid, CurrentPid());
  EXPECT_EQ(holder.token, "");
  EXPECT_EQ(holder.process_start_time, -1);
  EXPECT_EQ(holder.boot_id, "");
  EXPECT_EQ(holder.pid_namespace, 0u);
  EXPECT_EQ(holder.schema_version, 0);
  EXPECT_FALSE((*checked)->decision.stale);  // This live process holds it.
}

// As with JSON.parse, the last of duplicate fields wins.
TEST_F(HostileInputTest, DuplicateFieldLastOneWins) {
  WriteFile(path_, R"({"pid":1,"hostname":"elsewhere.invalid",)"
                   R"("startedAt":"2026-01-01T00:00:00.000Z","command":"c",)"
                   R"("pid":777})");
  auto read = NewManager()->Read("604");
  ASSERT_TRUE(read.ok());
  ASSERT_EQ((*read)->kind, StoredLock::Kind::kRecord);
  EXPECT_EQ((*read)->record.pid, 777);
}

TEST_F(HostileInputTest, IntegralFloatPidIsRead) {
  WriteFile(path_, R"({"pid":42.0,"hostname":"elsewhere.invalid",)"
                   R"("startedAt":"2026-01-01T00:00:00.000Z","command":"c"})");
  auto read = NewManager()->Read("604");
  ASSERT_TRUE(read.ok());
  ASSERT_EQ((*read)->kind, StoredLock::Kind::kRecord);
  EXPECT_EQ((*read)->record.pid, 42);
}

// PIDs no process can have: read as records, and the holder is dead.
TEST_F(HostileInputTest, ImpossiblePidsOnThisHostAreDead) {
  std::string pid_max_text = ReadFile("/proc/sys/kernel/pid_max");
  const int64_t pid_max =
      pid_max_text.empty() ? 4194304 : std::atoll(pid_max_text.c_str());
  const std::vector<int64_t> pids = {pid_max + 1, int64_t{1} << 31,
                                     (int64_t{1} << 32) + 1,
                                     (int64_t{1} << 53) + 1, INT64_MAX};
  for (int64_t pid : pids) {
    SCOPED_TRACE(pid);
    WriteFile(path_, RecordJson(BaseRecord(pid, ReadHostName(),
                                           FormatIsoTime(NowMs()))));
    auto manager = NewManager();
    auto checked = manager->Check("604");
    ASSERT_TRUE(checked.ok());
    ASSERT_TRUE((*checked)->holder.has_value());
    EXPECT_EQ((*checked)->holder->pid, pid);
    EXPECT_TRUE((*checked)->decision.stale);
    EXPECT_EQ((*checked)->decision.reason, StaleReason::kPidDead);
    auto acquired = manager->Acquire("604", "hostile", false);
    ASSERT_TRUE(acquired.ok());
    EXPECT_TRUE(acquired->acquired);
    ASSERT_TRUE(acquired->previous.has_value());
    EXPECT_EQ(acquired->previous->pid, pid);
    EXPECT_EQ(*manager->Release("604"), ReleaseReason::kReleased);
  }
}

// A pid of 2^32 + N must not reach process N through a 32-bit cast: not by
// the probe, and not by --signal-other.
TEST_F(HostileInputTest, PidAboveInt32NeverSignalsTruncatedPid) {
  const pid_t child = fork();
  if (child == 0) {
    pause();
    _exit(0);
  }
  const int64_t pid = (int64_t{1} << 32) + child;
  WriteFile(path_,
            RecordJson(BaseRecord(pid, ReadHostName(), FormatIsoTime(NowMs()))));

  CliResult check = Cli({"check", "604", "--json"});
  EXPECT_EQ(check.exit_code, 0) << check.err;
  EXPECT_EQ(json::parse(check.out)["staleReason"], "pid-dead");
  CliResult acquire =
      Cli({"acquire", "604", "--force", "--signal-other", "--json"});
  EXPECT_EQ(acquire.exit_code, 0) << acquire.err;
  json output = json::parse(acquire.out);
  EXPECT_EQ(output["previousHolder"]["pid"].get<int64_t>(), pid);
  EXPECT_NE(output["signalReason"], "sent");

  int status = 0;
  EXPECT_EQ(waitpid(child, &status, WNOHANG), 0) << "the child was signalled";
  kill(child, SIGKILL);
  waitpid(child, &status, 0);
}

TEST_F(HostileInputTest, PidOneIsNeverSignalled) {
  WriteFile(path_,
            RecordJson(BaseRecord(1, ReadHostName(), FormatIsoTime(NowMs()))));
  CliResult acquire =
      Cli({"acquire", "604", "--force", "--signal-other", "--json"});
  EXPECT_EQ(acquire.exit_code, 0) << acquire.err;
  EXPECT_EQ(json::parse(acquire.out)["signalReason"], "invalid-pid");
}

struct TimeCase {
  std::string what;
  std::string started_at;
  int mtime_seconds_ago;
  bool stale;
  bool age_from_mtime;
  StaleReason reason = StaleReason::kAgeExceeded;
};

// Records from another host, judged by age (stale after 2 h).
TEST_F(HostileInputTest, TimeStampsAreReadWithTheirZones) {
  const int64_t now = NowMs();
  const int64_t hour = 3600 * 1000;
  const std::vector<TimeCase> cases = {
      {"no zone, 3 h ago", TimeInZone(now - 3 * hour, 0, ""), 0, true, false},
      {"no zone, 1 h ago", TimeInZone(now - hour, 0, ""), 0, false, false},
      // Read without their zones, these two would flip.
      {"+05:00, 3 h ago", TimeInZone(now - 3 * hour, 300, "+05:00"), 0, true,
       false},
      {"-05:00, 1 h ago", TimeInZone(now - hour, -300, "-05:00"), 0, false,
       false},
      {"+0530, 3 h ago", TimeInZone(now - 3 * hour, 330, "+0530"), 0, true,
       false},
      {"+05, 3 h ago", TimeInZone(now - 3 * hour, 300, "+05"), 0, true, false},
      {"lower-case z, 3 h ago", TimeInZone(now - 3 * hour, 0, "z"), 0, true,
       false},
      {"date only, long ago", "2020-01-01", 0, true, false,
       StaleReason::kMaxAgeExceeded},
      {"4 min ahead", FormatIsoTime(now + 4 * 60000), 10800, false, false},
      {"far future, fresh file", "9999-12-31T23:59:59.999Z", 0, false, true},
      {"far future, old file", "9999-12-31T23:59:59.999Z", 10800, true, true},
      {"10 min ahead, old file", FormatIsoTime(now + 10 * 60000), 10800, true,
       true},
      {"not a date, fresh file", "yesterday", 0, false, true},
      {"not a date, old file", "yesterday", 10800, true, true},
      {"empty, old file", "", 10800, true, true},
      {"30 February, old file", "2026-02-30T00:00:00.000Z", 10800, true, true},
      {"hour 25, old file", "2026-05-10T25:00:00.000Z", 10800, true, true},
      {"zone +24:00, old file", "2026-05-10T14:32:00+24:00", 10800, true,
       true},
      {"trailing text, old file", "2026-05-10T14:32:00.000Z junk", 10800, true,
       true},
      {"epoch digits, old file", "1767225600000", 10800, true, true},
  };
  auto manager = NewManager();
  for (const TimeCase& c : cases) {
    SCOPED_TRACE(c.what + ": " + c.started_at);
    WriteFile(path_, RecordJson(BaseRecord(12345, kOtherHost, c.started_at)));
    if (c.mtime_seconds_ago > 0) AgeFile(path_, c.mtime_seconds_ago);
    auto checked = manager->Check("604");
    ASSERT_TRUE(checked.ok());
    ASSERT_TRUE((*checked)->holder.has_value());
    EXPECT_EQ((*checked)->decision.stale, c.stale);
    EXPECT_EQ((*checked)->decision.age_from_mtime, c.age_from_mtime);
    if (c.stale) EXPECT_EQ((*checked)->decision.reason, c.reason);
  }
}

// A command with line breaks, quotes, controls and invalid UTF-8 keeps every
// human-readable line of the CLI on one line, and JSON output valid.
TEST_F(HostileInputTest, HostileCommandKeepsCliLinesWhole) {
  const std::string command =
      "line one\nline two\r\"quoted\" 'single' \\ \t\x1b[31mred "
      "\xc2\x85nel \xe2\x80\xa8sep \xff\xfe end";
  json record = BaseRecord(CurrentPid(), ReadHostName(), FormatIsoTime(NowMs()));
  // Raw invalid bytes go into the file; json::dump would refuse them.
  std::string text = record.dump(2);
  const std::string placeholder = "npx sequant run 604";
  std::string escaped = json(command.substr(0, command.find("\xff"))).dump();
  escaped.pop_back();
  escaped += "\xff\xfe end\"";
  text.replace(text.find("\"" + placeholder + "\""), placeholder.size() + 2,
               escaped);
  WriteFile(path_, text);
  ASSERT_TRUE(ParseRecord(ReadFile(path_)).ok());
  const Snapshot before = Take(path_);

  CliResult check = Cli({"check", "604"});
  EXPECT_EQ(check.exit_code, 1);
  EXPECT_EQ(LineCount(check.out), 1) << check.out;
  EXPECT_NE(check.out.find(std::to_string(CurrentPid())), std::string::npos);
  EXPECT_EQ(check.out.find('\x1b'), std::string::npos);
  CliResult acquire = Cli({"acquire", "604"});
  EXPECT_EQ(acquire.exit_code, 1);
  EXPECT_EQ(LineCount(acquire.err), 1) << acquire.err;
  CliResult batch = Cli({"check-batch", "604"});
  EXPECT_EQ(batch.exit_code, 0);
  EXPECT_EQ(LineCount(batch.out) + LineCount(batch.err), 1)
      << batch.out << batch.err;
  CliResult clear = Cli({"clear", "604"});
  EXPECT_EQ(clear.exit_code, 1);
  EXPECT_EQ(LineCount(clear.err), 1) << clear.err;
  CliResult list = Cli({"list"});
  EXPECT_EQ(list.exit_code, 0);
  EXPECT_EQ(list.out.find('\r'), std::string::npos);
  CliResult json_check = Cli({"check", "604", "--json"});
  EXPECT_EQ(LineCount(json_check.out), 1) << json_check.out;
  const std::string read_back =
      json::parse(json_check.out)["holder"]["command"].get<std::string>();
  EXPECT_EQ(read_back.substr(0, 9), "line one\n");
  EXPECT_NE(read_back.find("\xef\xbf\xbd\xef\xbf\xbd end"), std::string::npos);
  EXPECT_TRUE(Take(path_) == before);
}

TEST_F(HostileInputTest, HostileCommandArgumentIsStoredEscaped) {
  const std::string command = "fix\nit \"now\" \xff";
  CliResult acquire = Cli({"acquire", "604", "--command", command});
  EXPECT_EQ(acquire.exit_code, 0) << acquire.err;
  EXPECT_EQ(LineCount(acquire.out), 1) << acquire.out;
  const std::string text = ReadFile(path_);
  json stored = json::parse(text);  // Valid UTF-8 and valid JSON.
  EXPECT_EQ(stored["command"], "fix\nit \"now\" \xef\xbf\xbd");
  CliResult release =
      Cli({"release", "604", "--token", stored["token"].get<std::string>()});
  EXPECT_EQ(release.exit_code, 0) << release.err;
  EXPECT_FALSE(Exists(path_));
}

TEST_F(HostileInputTest, HostileHostNameKeepsCliLinesWhole) {
  json record = BaseRecord(12345, "evil\nhost\x1b[2J", FormatIsoTime(NowMs()));
  WriteFile(path_, record.dump(2));
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"check", "604"},
                                             {"check-batch", "604"},
                                             {"clear", "604"}}) {
    CliResult result = Cli(args);
    EXPECT_EQ(LineCount(result.out) + LineCount(result.err), 1)
        << args[0] << ": " << result.out << result.err;
    EXPECT_EQ((result.out + result.err).find('\x1b'), std::string::npos)
        << args[0];
  }
}

// The symlink's target holds a record of a dead pid on this host, which
// would be stale at once if the link were followed; its mtime is old, which
// would end the grace at once. The link itself is fresh.
class SymlinkLockTest : public HostileInputTest {
 protected:
  void SetUp() override {
    HostileInputTest::SetUp();
    fs::create_directories(temp_.Sub("outside"));
    target_ = temp_.Sub("outside/target.json");
    WriteFile(target_, RecordJson(BaseRecord(DeadPid(), ReadHostName(),
                                             FormatIsoTime(NowMs()))));
    AgeFile(target_, 3600);
    target_before_ = Take(target_);
  }

  void ExpectTargetUntouched() { EXPECT_TRUE(Take(target_) == target_before_); }

  std::string target_;
  Snapshot target_before_;
};

TEST_F(SymlinkLockTest, FreshSymlinkOccupiesKeyAndIsNotFollowed) {
  ASSERT_EQ(symlink(target_.c_str(), path_.c_str()), 0);
  ExpectFreshCorruptKeepsKey("symlink to a stale record outside");
  ExpectTargetUntouched();
  EXPECT_TRUE(fs::is_symlink(path_));
}

TEST_F(SymlinkLockTest, AgedSymlinkIsReplacedAndTargetKept) {
  ASSERT_EQ(symlink(target_.c_str(), path_.c_str()), 0);
  AgeFile(path_, 5);
  ExpectAgedCorruptIsReplaced("aged symlink");
  ExpectTargetUntouched();
}

TEST_F(SymlinkLockTest, ClearRemovesOnlyTheLink) {
  ASSERT_EQ(symlink(target_.c_str(), path_.c_str()), 0);
  auto cleared = NewManager()->Clear("604", /*force=*/true);
  ASSERT_TRUE(cleared.ok()) << cleared.status().message();
  EXPECT_TRUE(cleared->cleared);
  EXPECT_FALSE(Exists(path_));
  ExpectTargetUntouched();

  ASSERT_EQ(symlink(target_.c_str(), path_.c_str()), 0);
  AgeFile(path_, 5);
  CliResult clear = Cli({"clear", "604"});
  EXPECT_EQ(clear.exit_code, 0) << clear.err;
  EXPECT_FALSE(Exists(path_));
  ExpectTargetUntouched();
}

TEST_F(SymlinkLockTest, CliNeverFollowsTheLink) {
  ASSERT_EQ(symlink(target_.c_str(), path_.c_str()), 0);
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"check", "604"},
                                             {"acquire", "604"},
                                             {"clear", "604"},
                                             {"release", "604", "--pid", "1"},
                                             {"list"}}) {
    CliResult result = Cli(args);
    EXPECT_NE(result.exit_code, -1) << args[0] << " blocked";
    EXPECT_NE(result.exit_code, 3) << args[0] << ": " << result.err;
    if (args[0] == "check" || args[0] == "acquire" || args[0] == "clear") {
      EXPECT_EQ(result.exit_code, 1) << args[0] << ": " << result.err;
    }
  }
  EXPECT_TRUE(fs::is_symlink(path_));
  ExpectTargetUntouched();
  CliResult force = Cli({"acquire", "604", "--force"});
  EXPECT_EQ(force.exit_code, 0) << force.err;
  EXPECT_FALSE(fs::is_symlink(path_));
  ExpectTargetUntouched();
}

TEST_F(SymlinkLockTest, OddSymlinkTargetsAreCorrupt) {
  ASSERT_EQ(mkfifo(temp_.Sub("outside/fifo").c_str(), 0644), 0);
  for (const std::string& target :
       {std::string("/dev/zero"), temp_.Sub("outside/fifo"),
        temp_.Sub("outside"), temp_.Sub("outside/missing"),
        std::string("604.lock")}) {
    SCOPED_TRACE(target);
    ASSERT_EQ(symlink(target.c_str(), path_.c_str()), 0);
    ExpectFreshCorruptKeepsKey("symlink to " + target);
    AgeFile(path_, 5);
    ExpectAgedCorruptIsReplaced("aged symlink to " + target);
  }
  EXPECT_TRUE(fs::is_directory(temp_.Sub("outside")));
  ExpectTargetUntouched();
}

TEST_F(HostileInputTest, EmptyDirectoryAsLockIsCorruptThenRemoved) {
  fs::create_directory(path_);
  ExpectFreshCorruptKeepsKey("empty directory");
  AgeFile(path_, 5);
  ExpectAgedCorruptIsReplaced("aged empty directory");
}

// A directory with entries is never removed recursively: acquire, clear
// and --force fail with an I/O error that names the path.
TEST_F(HostileInputTest, NonEmptyDirectoryAsLockIsNeverEmptied) {
  fs::create_directory(path_);
  WriteFile(path_ + "/inner.txt", "keep me");
  ExpectFreshCorruptKeepsKey("non-empty directory");
  AgeFile(path_, 5);
  const Snapshot before = Take(path_);
  auto manager = NewManager();

  auto checked = manager->Check("604");
  ASSERT_TRUE(checked.ok());
  EXPECT_TRUE((*checked)->decision.stale);
  auto acquired = manager->Acquire("604", "hostile", false);
  ASSERT_FALSE(acquired.ok());
  EXPECT_EQ(acquired.status().code(), ErrorCode::kIo);
  EXPECT_EQ(acquired.status().path(), path_);
  auto forced = manager->ForceAcquire("604", "hostile", false);
  ASSERT_FALSE(forced.ok());
  EXPECT_EQ(forced.status().code(), ErrorCode::kIo);
  auto cleared = manager->Clear("604", /*force=*/true);
  ASSERT_FALSE(cleared.ok());
  EXPECT_EQ(cleared.status().code(), ErrorCode::kIo);

  CliResult acquire = Cli({"acquire", "604"});
  EXPECT_EQ(acquire.exit_code, 3) << acquire.err;
  EXPECT_NE(acquire.err.find(path_), std::string::npos) << acquire.err;
  CliResult clear = Cli({"clear", "604", "--force"});
  EXPECT_EQ(clear.exit_code, 3) << clear.err;
  EXPECT_NE(clear.err.find(path_), std::string::npos) << clear.err;
  EXPECT_TRUE(Take(path_) == before);
  EXPECT_EQ(ReadFile(path_ + "/inner.txt"), "keep me");
}

TEST_F(HostileInputTest, FifoAsLockNeverBlocks) {
  ASSERT_EQ(mkfifo(path_.c_str(), 0644), 0);
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"check", "604"},
                                             {"acquire", "604"},
                                             {"clear", "604"},
                                             {"release", "604", "--pid", "1"},
                                             {"list"}}) {
    CliResult result = Cli(args);
    EXPECT_NE(result.exit_code, -1) << args[0] << " blocked on the FIFO";
    EXPECT_NE(result.exit_code, 3) << args[0] << ": " << result.err;
  }
  ExpectFreshCorruptKeepsKey("FIFO");
  AgeFile(path_, 5);
  CliResult acquire = Cli({"acquire", "604"});
  EXPECT_EQ(acquire.exit_code, 0) << acquire.err;
  EXPECT_TRUE(fs::is_regular_file(path_));
}

TEST_F(HostileInputTest, FifoWithWriterIsReplacedAfterGrace) {
  ASSERT_EQ(mkfifo(path_.c_str(), 0644), 0);
  const int reader = open(path_.c_str(), O_RDONLY | O_NONBLOCK);
  const int writer = open(path_.c_str(), O_WRONLY | O_NONBLOCK);
  ASSERT_GE(writer, 0);
  ASSERT_EQ(write(writer, "{\"pid\":", 7), 7);
  ExpectFreshCorruptKeepsKey("FIFO with a writer");
  AgeFile(path_, 5);
  ExpectAgedCorruptIsReplaced("aged FIFO with a writer");
  close(writer);
  close(reader);
}

TEST_F(HostileInputTest, SocketAsLockIsCorruptThenRemoved) {
  const int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  struct sockaddr_un address;
  std::memset(&address, 0, sizeof address);
  address.sun_family = AF_UNIX;
  ASSERT_LT(path_.size(), sizeof address.sun_path);
  std::strcpy(address.sun_path, path_.c_str());
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ExpectFreshCorruptKeepsKey("socket");
  AgeFile(path_, 5);
  ExpectAgedCorruptIsReplaced("aged socket");
  close(fd);
}

TEST_F(HostileInputTest, LocksDirThatIsAFileFailsNamingIt) {
  const std::string file = temp_.Sub("not-a-dir");
  WriteFile(file, "x");
  const Snapshot before = Take(file);
  auto manager = NewManager(file);
  auto acquired = manager->Acquire("604", "hostile", false);
  ASSERT_FALSE(acquired.ok());
  EXPECT_EQ(acquired.status().code(), ErrorCode::kIo);
  EXPECT_NE(acquired.status().message().find(file), std::string::npos);
  auto checked = manager->Check("604");
  ASSERT_FALSE(checked.ok());
  EXPECT_EQ(checked.status().code(), ErrorCode::kIo);
  auto listed = manager->List();
  ASSERT_FALSE(listed.ok());
  EXPECT_EQ(listed.status().code(), ErrorCode::kIo);
  auto cleared = manager->Clear("604", true);
  ASSERT_FALSE(cleared.ok());
  EXPECT_EQ(cleared.status().code(), ErrorCode::kIo);
  auto released = manager->Release("604");
  ASSERT_FALSE(released.ok());
  EXPECT_EQ(released.status().code(), ErrorCode::kIo);
  EXPECT_TRUE(Take(file) == before);
}

// Directories owned by root, used by user 65534 through the CLI.
class OtherUserTest : public HostileInputTest {
 protected:
  void SetUp() override {
    if (!CanRunAsNobody()) {
      GTEST_SKIP() << "needs root and /usr/bin/setpriv to run as user 65534";
    }
    HostileInputTest::SetUp();
    // mkdtemp makes the temporary root 0700; the other user must reach in
    // and write its output files there.
    chmod(temp_.path().c_str(), 0777);
  }

  // Writes a record of `pid` on this host, owned by root.
  void WriteRootLock(int64_t pid) {
    WriteFile(path_, RecordJson(BaseRecord(pid, ReadHostName(),
                                           FormatIsoTime(NowMs()))));
    chmod(path_.c_str(), 0644);
  }

  // Checks that the CLI run by user 65534 fails with exit 3 and an error
  // naming `named`, and leaves the lock as it was.
  void ExpectIoErrorNaming(const std::vector<std::string>& args,
                           const std::string& named) {
    SCOPED_TRACE(args[0]);
    const Snapshot before = Take(path_);
    CliResult result = Cli(args, /*as_nobody=*/true);
    EXPECT_EQ(result.exit_code, 3) << result.out << result.err;
    EXPECT_NE(result.err.find(named), std::string::npos) << result.err;
    EXPECT_EQ(result.out.find("Acquired"), std::string::npos) << result.out;
    EXPECT_TRUE(Take(path_) == before);
  }
};

TEST_F(OtherUserTest, UnwritableDirRejectsAcquireNamingIt) {
  chmod(dir_.c_str(), 0755);
  CliResult acquire = Cli({"acquire", "604"}, true);
  EXPECT_EQ(acquire.exit_code, 3) << acquire.err;
  EXPECT_NE(acquire.err.find(dir_), std::string::npos) << acquire.err;
  EXPECT_EQ(ListDir(dir_), std::vector<std::string>{});
  CliResult check = Cli({"check", "604"}, true);
  EXPECT_EQ(check.exit_code, 0) << check.err;
  CliResult list = Cli({"list"}, true);
  EXPECT_EQ(list.exit_code, 0) << list.err;
}

// Acquire publishes before it reads, so in a directory it cannot write it
// fails with the directory's path even when a live holder has the key.
TEST_F(OtherUserTest, UnwritableDirKeepsLiveHolder) {
  chmod(dir_.c_str(), 0755);
  WriteRootLock(CurrentPid());
  const Snapshot before = Take(path_);
  CliResult acquire = Cli({"acquire", "604"}, true);
  EXPECT_EQ(acquire.exit_code, 3) << acquire.err;
  EXPECT_NE(acquire.err.find(dir_), std::string::npos) << acquire.err;
  CliResult check = Cli({"check", "604"}, true);
  EXPECT_EQ(check.exit_code, 1) << check.err;
  EXPECT_NE(check.out.find(std::to_string(CurrentPid())), std::string::npos);
  CliResult clear = Cli({"clear", "604"}, true);
  EXPECT_EQ(clear.exit_code, 1) << clear.err;
  EXPECT_TRUE(Take(path_) == before);
}

TEST_F(OtherUserTest, UnwritableDirStaleLockIsAnErrorNotAcquired) {
  chmod(dir_.c_str(), 0755);
  WriteRootLock(DeadPid());
  // Publishing fails first, so acquire names the directory.
  ExpectIoErrorNaming({"acquire", "604"}, dir_);
  ExpectIoErrorNaming({"acquire", "604", "--force"}, dir_);
  ExpectIoErrorNaming({"clear", "604"}, path_);
  ExpectIoErrorNaming({"clear", "604", "--force"}, path_);
  CliResult check = Cli({"check", "604", "--json"}, true);
  EXPECT_EQ(check.exit_code, 0) << check.err;
  EXPECT_EQ(json::parse(check.out)["staleReason"], "pid-dead");
}

TEST_F(OtherUserTest, UnreadableLockIsAnErrorNamingIt) {
  WriteRootLock(CurrentPid());
  chmod(path_.c_str(), 0600);
  chmod(dir_.c_str(), 0777);
  ExpectIoErrorNaming({"check", "604"}, path_);
  ExpectIoErrorNaming({"acquire", "604"}, path_);
  ExpectIoErrorNaming({"clear", "604", "--force"}, path_);
}

TEST_F(OtherUserTest, WorldWritableDirLetsAnyUserStealStaleLock) {
  chmod(dir_.c_str(), 0777);
  WriteRootLock(CurrentPid());
  CliResult held = Cli({"acquire", "604"}, true);
  EXPECT_EQ(held.exit_code, 1) << held.err;

  WriteRootLock(DeadPid());
  CliResult acquire = Cli({"acquire", "604", "--json"}, true);
  EXPECT_EQ(acquire.exit_code, 0) << acquire.err;
  EXPECT_EQ(json::parse(acquire.out)["staleReason"], "pid-dead");
  struct stat st;
  ASSERT_EQ(lstat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, kNobody);
  const std::string token =
      json::parse(acquire.out)["token"].get<std::string>();
  CliResult release = Cli({"release", "604", "--token", token}, true);
  EXPECT_EQ(release.exit_code, 0) << release.err;
  EXPECT_FALSE(Exists(path_));
}

// In a sticky world-writable directory another user's stale lock cannot be
// unlinked: every removal fails with exit 3 and the lock's path, never a
// false "acquired" and never a silent "held".
TEST_F(OtherUserTest, StickyDirStaleLockOfOtherUserFailsNamingIt) {
  chmod(dir_.c_str(), 01777);
  WriteRootLock(DeadPid());
  ExpectIoErrorNaming({"acquire", "604"}, path_);
  ExpectIoErrorNaming({"acquire", "604", "--force"}, path_);
  ExpectIoErrorNaming({"clear", "604"}, path_);
  ExpectIoErrorNaming({"clear", "604", "--force"}, path_);
  ExpectIoErrorNaming({"run", "604", "--", "true"}, path_);

  CliResult other = Cli({"acquire", "605"}, true);
  EXPECT_EQ(other.exit_code, 0) << other.err;
}

TEST_F(OtherUserTest, StickyDirOwnStaleLockIsStolen) {
  chmod(dir_.c_str(), 01777);
  CliResult mine = Cli({"acquire", "604", "--pid", std::to_string(DeadPid())},
                       true);
  ASSERT_EQ(mine.exit_code, 0) << mine.err;
  CliResult again = Cli({"acquire", "604", "--json"}, true);
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(json::parse(again.out)["staleReason"], "pid-dead");
  // Root may remove anyone's stale lock, sticky or not.
  struct stat st;
  ASSERT_EQ(lstat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, kNobody);
  CliResult root = Cli({"clear", "604", "--force"});
  EXPECT_EQ(root.exit_code, 0) << root.err;
  EXPECT_FALSE(Exists(path_));
}

TEST_F(HostileInputTest, LongestNamedKeyWorks) {
  const std::string key(kMaxNamedKeyLength, 'k');
  auto manager = NewManager();
  auto acquired = manager->Acquire(key, "long", false);
  ASSERT_TRUE(acquired.ok()) << acquired.status().message();
  EXPECT_TRUE(acquired->acquired);
  EXPECT_TRUE(Exists(dir_ + "/" + key + ".lock"));
  auto listed = manager->List();
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].key, key);
  EXPECT_EQ(*manager->Release(key), ReleaseReason::kReleased);

  const std::string self = std::to_string(CurrentPid());
  CliResult acquire = Cli({"acquire", key, "--pid", self});
  EXPECT_EQ(acquire.exit_code, 0) << acquire.err;
  CliResult check = Cli({"check", key});
  EXPECT_EQ(check.exit_code, 1) << check.err;
  CliResult clear = Cli({"clear", key, "--force"});
  EXPECT_EQ(clear.exit_code, 0) << clear.err;
  EXPECT_EQ(ListDir(dir_), std::vector<std::string>{});
}

TEST_F(HostileInputTest, LargestIssueKeysWork) {
  for (const std::string& key :
       {std::string("9223372036854775807"), std::string("9999999999999999999")}) {
    CliResult acquire = Cli({"acquire", key, "--json"});
    EXPECT_EQ(acquire.exit_code, 0) << key << ": " << acquire.err;
    CliResult clear = Cli({"clear", key, "--force"});
    EXPECT_EQ(clear.exit_code, 0) << key << ": " << clear.err;
  }
  EXPECT_EQ(ListDir(dir_), std::vector<std::string>{});
}

// Keys that are too long or try to leave the directory are rejected before
// any file is touched; the locks directory is not even created.
TEST_F(HostileInputTest, EscapingAndOverlongKeysAreRejected) {
  const std::vector<std::string> keys = {
      std::string(kMaxNamedKeyLength + 1, 'k'),
      std::string(251, 'k'),
      std::string(300, 'k'),
      "../x",
      "../../etc/passwd",
      "a/b",
      "x/../y",
      "/etc/passwd",
      "/tmp/x",
      "..",
      ".",
      ".hidden",
      "-rf",
      "_x",
      "a\\b",
      "a b",
      "a\nb",
      "caf\xc3\xa9",
      "x.lock",
      "604.lock",
      "0604",
      "0",
      "-1",
      "+1",
      "1.5",
      "18446744073709551616",
      "",
  };
  const std::string fresh = temp_.Sub("never-created");
  auto manager = NewManager(fresh);
  const std::vector<std::string> root_before = ListDir(temp_.path());
  for (const std::string& key : keys) {
    SCOPED_TRACE(key);
    auto acquired = manager->Acquire(key, "escape", false);
    ASSERT_FALSE(acquired.ok());
    EXPECT_EQ(acquired.status().code(), ErrorCode::kInvalidKey);
    EXPECT_EQ(manager->Check(key).status().code(), ErrorCode::kInvalidKey);
    EXPECT_EQ(manager->Clear(key, true).status().code(), ErrorCode::kInvalidKey);
    EXPECT_EQ(manager->Release(key).status().code(), ErrorCode::kInvalidKey);
    EXPECT_EQ(manager->LockPath(key).status().code(), ErrorCode::kInvalidKey);

    // After "--" a key such as "-rf" reaches the key check, not the parser.
    const std::vector<std::string> args = {"--locks-dir", fresh, "acquire",
                                           "--", key};
    CliResult acquire = RunCli(args, temp_.path());
    EXPECT_EQ(acquire.exit_code, 2) << acquire.err;
    EXPECT_EQ(LineCount(acquire.err), 1) << acquire.err;
    if (key.find('\n') == std::string::npos && !key.empty()) {
      EXPECT_NE(acquire.err.find(key), std::string::npos) << acquire.err;
    }
  }
  EXPECT_FALSE(Exists(fresh));
  std::vector<std::string> root_after = ListDir(temp_.path());
  root_after.erase(std::remove_if(root_after.begin(), root_after.end(),
                                  [](const std::string& name) {
                                    return name.rfind("cli.", 0) == 0;
                                  }),
                   root_after.end());
  EXPECT_EQ(root_after, root_before);
}

}  // namespace
}  // namespace sequantlock
