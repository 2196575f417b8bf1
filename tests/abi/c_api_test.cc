// Tests of the C ABI as a caller sees it: only sequantlock.h and the shared
// library, no core headers.
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "sequantlock.h"

namespace {

namespace fs = std::filesystem;

// 2026-05-10T14:32:00.000Z in milliseconds since the Unix epoch.
constexpr int64_t kT0 = 1778423520000;
constexpr const char* kT0Text = "2026-05-10T14:32:00.000Z";

constexpr int64_t kHour = 60 * 60 * 1000;

// Owning pointers for the library's handles.
struct Deleter {
  void operator()(sequantlock_options* p) const { sequantlock_options_free(p); }
  void operator()(sequantlock_manager* p) const { sequantlock_manager_free(p); }
  void operator()(sequantlock_acquire_result* p) const {
    sequantlock_acquire_result_free(p);
  }
  void operator()(sequantlock_lock_info* p) const {
    sequantlock_lock_info_free(p);
  }
  void operator()(sequantlock_lock_list* p) const {
    sequantlock_lock_list_free(p);
  }
  void operator()(sequantlock_clear_result* p) const {
    sequantlock_clear_result_free(p);
  }
  void operator()(sequantlock_holder* p) const { sequantlock_holder_free(p); }
  void operator()(char* p) const { sequantlock_string_free(p); }
};

template <typename T>
using Owned = std::unique_ptr<T, Deleter>;

using OptionsPtr = Owned<sequantlock_options>;
using ManagerPtr = Owned<sequantlock_manager>;
using AcquirePtr = Owned<sequantlock_acquire_result>;
using InfoPtr = Owned<sequantlock_lock_info>;
using ListPtr = Owned<sequantlock_lock_list>;
using ClearPtr = Owned<sequantlock_clear_result>;
using HolderPtr = Owned<sequantlock_holder>;
using StringPtr = Owned<char>;

// A fresh directory under /tmp, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/sequantlock-abi-XXXXXX";
    const char* made = mkdtemp(pattern);
    if (made == nullptr) throw std::runtime_error("mkdtemp failed");
    // The library normalises paths lexically, so compare against the real
    // path in case /tmp is a symbolic link.
    char resolved[PATH_MAX];
    path_ = realpath(made, resolved) != nullptr ? resolved : made;
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const {
    return path_ + "/" + name;
  }

 private:
  std::string path_;
};

// Sets or unsets an environment variable for one scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    const char* old = getenv(name);
    if (old != nullptr) old_ = std::string(old);
    if (value != nullptr) {
      setenv(name, value, 1);
    } else {
      unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      setenv(name_.c_str(), old_->c_str(), 1);
    } else {
      unsetenv(name_.c_str());
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_;
  std::optional<std::string> old_;
};

// Changes the current directory for one scope.
class ScopedCwd {
 public:
  explicit ScopedCwd(const std::string& dir) {
    char buffer[PATH_MAX];
    if (getcwd(buffer, sizeof buffer) != nullptr) old_ = buffer;
    if (chdir(dir.c_str()) != 0) throw std::runtime_error("chdir failed");
  }
  ~ScopedCwd() {
    if (!old_.empty() && chdir(old_.c_str()) != 0) std::abort();
  }
  ScopedCwd(const ScopedCwd&) = delete;
  ScopedCwd& operator=(const ScopedCwd&) = delete;

 private:
  std::string old_;
};

// The processes and the clock that the callbacks report.
struct World {
  std::set<int64_t> alive;
  int64_t now_ms = kT0;
  bool fail_pid_alive = false;
  bool fail_clock = false;
  std::vector<int64_t> probed;
};

int PidAliveCallback(void* user_data, int64_t pid, int* alive) {
  World* world = static_cast<World*>(user_data);
  world->probed.push_back(pid);
  if (world->fail_pid_alive) return 1;
  *alive = world->alive.count(pid) != 0 ? 1 : 0;
  return 0;
}

int ClockCallback(void* user_data, int64_t* now_ms) {
  World* world = static_cast<World*>(user_data);
  if (world->fail_clock) return -1;
  *now_ms = world->now_ms;
  return 0;
}

// Who a test manager claims to be. The boot and machine ids are fixed so
// that two managers with the same host name count as the same kernel.
struct Identity {
  std::string hostname = "host-a";
  int64_t pid = 0;
  std::string boot_id = "boot-1";
  std::string machine_id = "machine-1";
};

OptionsPtr MakeOptions(const std::string& dir, const Identity& identity,
                       World* world) {
  sequantlock_options* raw = nullptr;
  EXPECT_EQ(sequantlock_options_new(&raw), SEQUANTLOCK_OK);
  OptionsPtr options(raw);
  EXPECT_EQ(sequantlock_options_set_locks_dir(options.get(), dir.c_str()),
            SEQUANTLOCK_OK);
  EXPECT_EQ(sequantlock_options_set_hostname(options.get(),
                                             identity.hostname.c_str()),
            SEQUANTLOCK_OK);
  EXPECT_EQ(sequantlock_options_set_boot_id(options.get(),
                                            identity.boot_id.c_str()),
            SEQUANTLOCK_OK);
  EXPECT_EQ(sequantlock_options_set_machine_id(options.get(),
                                               identity.machine_id.c_str()),
            SEQUANTLOCK_OK);
  EXPECT_EQ(sequantlock_options_set_orchestrator_mode(
                options.get(), SEQUANTLOCK_ORCHESTRATOR_OFF),
            SEQUANTLOCK_OK);
  if (identity.pid != 0) {
    EXPECT_EQ(sequantlock_options_set_pid(options.get(), identity.pid),
              SEQUANTLOCK_OK);
  }
  if (world != nullptr) {
    EXPECT_EQ(sequantlock_options_set_pid_alive_callback(
                  options.get(), PidAliveCallback, world),
              SEQUANTLOCK_OK);
    EXPECT_EQ(sequantlock_options_set_clock_callback(options.get(),
                                                     ClockCallback, world),
              SEQUANTLOCK_OK);
  }
  return options;
}

ManagerPtr MakeManager(const std::string& dir, const Identity& identity = {},
                       World* world = nullptr) {
  OptionsPtr options = MakeOptions(dir, identity, world);
  sequantlock_manager* raw = nullptr;
  EXPECT_EQ(sequantlock_manager_new(&raw, options.get()), SEQUANTLOCK_OK)
      << sequantlock_last_error_message();
  return ManagerPtr(raw);
}

AcquirePtr Acquire(sequantlock_manager* manager, const char* key,
                   unsigned flags = 0, const char* command = "test") {
  sequantlock_acquire_result* raw = nullptr;
  EXPECT_EQ(sequantlock_manager_acquire(manager, key, command, flags, &raw),
            SEQUANTLOCK_OK)
      << sequantlock_last_error_message();
  return AcquirePtr(raw);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in),
                     std::istreambuf_iterator<char>());
}

void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
}

bool Exists(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0;
}

ino_t Inode(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

HolderPtr Parse(const std::string& json) {
  sequantlock_holder* raw = nullptr;
  EXPECT_EQ(sequantlock_holder_parse(&raw, json.data(), json.size()),
            SEQUANTLOCK_OK)
      << sequantlock_last_error_message();
  return HolderPtr(raw);
}

std::string ToJson(const sequantlock_holder* holder, unsigned flags) {
  char* raw = nullptr;
  EXPECT_EQ(sequantlock_holder_to_json(holder, flags, &raw), SEQUANTLOCK_OK);
  StringPtr text(raw);
  return text ? std::string(text.get()) : std::string();
}

bool MessageNames(const std::string& value) {
  return std::string(sequantlock_last_error_message()).find(value) !=
         std::string::npos;
}

// A record written on host-b at kT0, with only the five fields that the
// TypeScript original writes.
std::string OtherHostRecord(bool skip_pid_check = false) {
  std::string json = std::string("{\"pid\": 777, \"hostname\": \"host-b\", ") +
                     "\"startedAt\": \"" + kT0Text +
                     "\", \"command\": \"remote\"";
  if (skip_pid_check) json += ", \"skipPidCheck\": true";
  return json + "}";
}

// A record written on host-a (the test managers' host) at kT0 for pid 4242,
// with only the TypeScript original's five fields.
std::string SameHostRecord(bool skip_pid_check = false) {
  std::string json = std::string("{\"pid\": 4242, \"hostname\": \"host-a\", ") +
                     "\"startedAt\": \"" + kT0Text +
                     "\", \"command\": \"local\"";
  if (skip_pid_check) json += ", \"skipPidCheck\": true";
  return json + "}";
}

/* Version and tables ------------------------------------------------- */

TEST(VersionTest, RuntimeVersionMatchesHeader) {
  const std::string expected = std::to_string(SEQUANTLOCK_VERSION_MAJOR) +
                               "." + std::to_string(SEQUANTLOCK_VERSION_MINOR) +
                               "." + std::to_string(SEQUANTLOCK_VERSION_PATCH);
  EXPECT_EQ(std::string(sequantlock_version()), expected);
  EXPECT_EQ(sequantlock_version_number(), SEQUANTLOCK_VERSION_NUMBER);
}

TEST(ErrorTableTest, EveryCodeHasItsName) {
  EXPECT_STREQ(sequantlock_error_name(SEQUANTLOCK_OK), "OK");
#define CHECK_ERROR_ROW(name, value, text)                 \
  EXPECT_EQ(SEQUANTLOCK_ERR_##name, value);                \
  EXPECT_STREQ(sequantlock_error_name(value), #name);      \
  EXPECT_STREQ(sequantlock_error_string(value), text);     \
  EXPECT_LT(value, 0);
  SEQUANTLOCK_ERROR_TABLE(CHECK_ERROR_ROW)
#undef CHECK_ERROR_ROW
}

TEST(ErrorTableTest, UnknownCodeIsUnknown) {
  const int last = SEQUANTLOCK_ERR_LAST_;
  for (int code : {1, 42, last, -100, INT_MIN, INT_MAX}) {
    EXPECT_STREQ(sequantlock_error_name(code), "UNKNOWN") << code;
    ASSERT_NE(sequantlock_error_string(code), nullptr);
    EXPECT_STRNE(sequantlock_error_string(code), "") << code;
  }
}

TEST(ReasonTableTest, EveryReasonHasItsName) {
#define CHECK_STALE_ROW(name, value, text)                    \
  EXPECT_EQ(SEQUANTLOCK_STALE_##name, value);                 \
  EXPECT_STREQ(sequantlock_stale_reason_name(value), text);
  SEQUANTLOCK_STALE_REASON_TABLE(CHECK_STALE_ROW)
#undef CHECK_STALE_ROW
#define CHECK_SIGNAL_ROW(name, value, text)                   \
  EXPECT_EQ(SEQUANTLOCK_SIGNAL_##name, value);                \
  EXPECT_STREQ(sequantlock_signal_reason_name(value), text);  \
  EXPECT_STRNE(text, "");
  SEQUANTLOCK_SIGNAL_REASON_TABLE(CHECK_SIGNAL_ROW)
#undef CHECK_SIGNAL_ROW
#define CHECK_CLEAR_ROW(name, value, text)                    \
  EXPECT_EQ(SEQUANTLOCK_CLEAR_##name, value);                 \
  EXPECT_STREQ(sequantlock_clear_reason_name(value), text);   \
  EXPECT_STRNE(text, "");
  SEQUANTLOCK_CLEAR_REASON_TABLE(CHECK_CLEAR_ROW)
#undef CHECK_CLEAR_ROW
#define CHECK_RELEASE_ROW(name, value, text)                  \
  EXPECT_EQ(SEQUANTLOCK_RELEASE_##name, value);               \
  EXPECT_STREQ(sequantlock_release_reason_name(value), text); \
  EXPECT_STRNE(text, "");
  SEQUANTLOCK_RELEASE_REASON_TABLE(CHECK_RELEASE_ROW)
#undef CHECK_RELEASE_ROW
}

TEST(ReasonTableTest, StaleReasonsOtherThanNoneHaveNames) {
  for (int reason = SEQUANTLOCK_STALE_NONE + 1;
       reason < SEQUANTLOCK_STALE_LAST_; ++reason) {
    EXPECT_STRNE(sequantlock_stale_reason_name(reason), "") << reason;
    EXPECT_STRNE(sequantlock_stale_reason_name(reason), "unknown") << reason;
  }
}

TEST(ReasonTableTest, UnknownReasonsAreUnknown) {
  for (int reason : {-1, 1000, INT_MIN, INT_MAX}) {
    EXPECT_STREQ(sequantlock_stale_reason_name(reason), "unknown");
    EXPECT_STREQ(sequantlock_signal_reason_name(reason), "unknown");
    EXPECT_STREQ(sequantlock_clear_reason_name(reason), "unknown");
    EXPECT_STREQ(sequantlock_release_reason_name(reason), "unknown");
  }
  EXPECT_STREQ(sequantlock_stale_reason_name(SEQUANTLOCK_STALE_LAST_),
               "unknown");
  EXPECT_STREQ(sequantlock_signal_reason_name(SEQUANTLOCK_SIGNAL_LAST_),
               "unknown");
  EXPECT_STREQ(sequantlock_clear_reason_name(SEQUANTLOCK_CLEAR_LAST_),
               "unknown");
  EXPECT_STREQ(sequantlock_release_reason_name(SEQUANTLOCK_RELEASE_LAST_),
               "unknown");
}

/* Last error --------------------------------------------------------- */

TEST(LastErrorTest, FailureSetsCodeAndMessage) {
  EXPECT_EQ(sequantlock_key_validate("bad key"), SEQUANTLOCK_ERR_INVALID_KEY);
  EXPECT_EQ(sequantlock_last_error_code(), SEQUANTLOCK_ERR_INVALID_KEY);
  EXPECT_TRUE(MessageNames("bad key")) << sequantlock_last_error_message();
  EXPECT_EQ(sequantlock_last_error_os_errno(), 0);
}

TEST(LastErrorTest, SuccessClearsLastError) {
  ASSERT_EQ(sequantlock_key_validate("-1"), SEQUANTLOCK_ERR_INVALID_KEY);
  ASSERT_EQ(sequantlock_key_validate("604"), SEQUANTLOCK_OK);
  EXPECT_EQ(sequantlock_last_error_code(), SEQUANTLOCK_OK);
  EXPECT_STREQ(sequantlock_last_error_message(), "");
  EXPECT_EQ(sequantlock_last_error_os_errno(), 0);
  EXPECT_STREQ(sequantlock_last_error_path(), "");
}

TEST(LastErrorTest, AccessorsNeverReturnNull) {
  ASSERT_EQ(sequantlock_key_validate("604"), SEQUANTLOCK_OK);
  EXPECT_NE(sequantlock_last_error_message(), nullptr);
  EXPECT_NE(sequantlock_last_error_path(), nullptr);
}

TEST(LastErrorTest, LastErrorIsThreadLocal) {
  ASSERT_EQ(sequantlock_key_validate("main thread key!"),
            SEQUANTLOCK_ERR_INVALID_KEY);

  int other_code_before = -100;
  int other_code_after = -100;
  std::string other_message;
  std::thread other([&] {
    other_code_before = sequantlock_last_error_code();
    sequantlock_options_set_stale_age_ms(nullptr, 1);
    other_code_after = sequantlock_last_error_code();
    other_message = sequantlock_last_error_message();
  });
  other.join();

  EXPECT_EQ(other_code_before, SEQUANTLOCK_OK);
  EXPECT_EQ(other_code_after, SEQUANTLOCK_ERR_INVALID_ARGUMENT);
  EXPECT_NE(other_message.find("options"), std::string::npos);
  EXPECT_EQ(sequantlock_last_error_code(), SEQUANTLOCK_ERR_INVALID_KEY);
  EXPECT_TRUE(MessageNames("main thread key!"));
}

TEST(LastErrorTest, IoFailureCarriesPathAndErrno) {
  TempDir tmp;
  const std::string file = tmp / "not-a-dir";
  WriteFile(file, "x");
  ManagerPtr manager = MakeManager(file);
  sequantlock_acquire_result* result = nullptr;

  EXPECT_EQ(sequantlock_manager_acquire(manager.get(), "604", "c", 0, &result),
            SEQUANTLOCK_ERR_IO);

  EXPECT_EQ(result, nullptr);
  EXPECT_EQ(sequantlock_last_error_code(), SEQUANTLOCK_ERR_IO);
  EXPECT_NE(sequantlock_last_error_os_errno(), 0);
  EXPECT_NE(std::string(sequantlock_last_error_path()).find(file),
            std::string::npos);
  EXPECT_TRUE(MessageNames(file)) << sequantlock_last_error_message();
  EXPECT_EQ(ReadFile(file), "x");
}

TEST(LastErrorTest, StringFreeAcceptsNull) { sequantlock_string_free(nullptr); }

/* Keys and process probe --------------------------------------------- */

TEST(KeyTest, ValidKeysAreAccepted) {
  for (const char* key : {"1", "604", "9007199254740993", "checkout", "a",
                          "A.b_c-d", "0abc", "x.lockfile"}) {
    EXPECT_EQ(sequantlock_key_validate(key), SEQUANTLOCK_OK) << key;
  }
  EXPECT_EQ(sequantlock_key_validate(std::string(128, 'k').c_str()),
            SEQUANTLOCK_OK);
}

TEST(KeyTest, InvalidKeysAreRejectedByName) {
  const std::string too_long(129, 'k');
  for (const std::string& key :
       {std::string(""), std::string("0"), std::string("0604"),
        std::string("-1"), std::string("+5"), std::string(" 5"),
        std::string("5 "), std::string(".hidden"), std::string("a/b"),
        std::string("../x"), std::string("name.lock"), std::string("a b"),
        std::string("k\xC3\xA9y"), too_long}) {
    EXPECT_EQ(sequantlock_key_validate(key.c_str()),
              SEQUANTLOCK_ERR_INVALID_KEY)
        << key;
    if (!key.empty() && key.size() < 20) {
      EXPECT_TRUE(MessageNames(key)) << sequantlock_last_error_message();
    }
  }
}

TEST(KeyTest, NullKeyIsInvalidArgument) {
  EXPECT_EQ(sequantlock_key_validate(nullptr),
            SEQUANTLOCK_ERR_INVALID_ARGUMENT);
  EXPECT_TRUE(MessageNames("key"));
}

TEST(KeyTest, IssueKeysAreRecognised) {
  EXPECT_EQ(sequantlock_key_is_issue("604"), 1);
  EXPECT_EQ(sequantlock_key_is_issue("1"), 1);
  EXPECT_EQ(sequantlock_key_is_issue("0"), 0);
  EXPECT_EQ(sequantlock_key_is_issue("0604"), 0);
  EXPECT_EQ(sequantlock_key_is_issue("checkout"), 0);
  EXPECT_EQ(sequantlock_key_is_issue("12a"), 0);
  EXPECT_EQ(sequantlock_key_is_issue(""), 0);
  EXPECT_EQ(sequantlock_key_is_issue(nullptr), 0);
}

TEST(PidAliveTest, OwnProcessIsAlive) {
  EXPECT_EQ(sequantlock_default_is_pid_alive(getpid()), 1);
}

TEST(PidAliveTest, NonPositivePidIsNotAlive) {
  EXPECT_EQ(sequantlock_default_is_pid_alive(0), 0);
  EXPECT_EQ(sequantlock_default_is_pid_alive(-1), 0);
  EXPECT_EQ(sequantlock_default_is_pid_alive(INT64_MIN), 0);
}

TEST(PidAliveTest, ReapedChildIsNotAlive) {
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) _exit(0);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_EQ(sequantlock_default_is_pid_alive(child), 0);
}

/* Options ------------------------------------------------------------ */

TEST(OptionsTest, NewRejectsNullOut) {
  EXPECT_EQ(sequantlock_options_new(nullptr),
            SEQUANTLOCK_ERR_INVALID_ARGUMENT);
  EXPECT_TRUE(MessageNames("out"));
}

TEST(OptionsTest, SettersRejectNullOptions) {
  const std::vector<std::pair<const char*, std::function<int()>>> setters = {
      {"locks_dir",
       [] { return sequantlock_options_set_locks_dir(nullptr, "x"); }},
      {"stale_age_ms",
       [] { return sequantlock_options_set_stale_age_ms(nullptr, 1); }},
      {"skill_lock_ttl_ms",
       [] { return sequantlock_options_set_skill_lock_ttl_ms(nullptr, 1); }},
      {"max_lock_age_ms",
       [] { return sequantlock_options_set_max_lock_age_ms(nullptr, 1); }},
      {"orchestrator_mode",
       [] {
         return sequantlock_options_set_orchestrator_mode(
             nullptr, SEQUANTLOCK_ORCHESTRATOR_ON);
       }},
      {"hostname",
       [] { return sequantlock_options_set_hostname(nullptr, "h"); }},
      {"pid", [] { return sequantlock_options_set_pid(nullptr, 1); }},
      {"pid_alive_callback",
       [] {
         return sequantlock_options_set_pid_alive_callback(
             nullptr, PidAliveCallback, nullptr);
       }},
      {"clock_callback",
       [] {
         return sequantlock_options_set_clock_callback(nullptr, ClockCallback,
                                                       nullptr);
       }},
      {"boot_id", [] { return sequantlock_options_set_boot_id(nullptr, "b"); }},
      {"machine_id",
       [] { return sequantlock_options_set_machine_id(nullptr, "m"); }},
  };
  for (const auto& setter : setters) {
    EXPECT_EQ(setter.second(), SEQUANTLOCK_ERR_INVALID_ARGUMENT)
        << setter.first;
    EXPECT_TRUE(MessageNames("options")) << setter.first;
  }
}

TEST(OptionsTest, NonPositiveAgesAreRejectedByValue) {
  sequantlock_options* raw = nullptr;
  ASSERT_EQ(sequantlock_options_new(&raw), SEQUANTLOCK_OK);
  OptionsPtr options(raw);
  using Setter = int (*)(sequantlock_options*, int64_t);
  const Setter setters[] = {sequantlock_options_set_stale_age_ms,
                            sequantlock_options_set_skill_lock_ttl_ms,
                            sequantlock_options_set_max_lock_age_ms};
  for (Setter setter : setters) {
    for (int64_t value : {int64_t{0}, int64_t{-5}, int64_t{-86400000},
                          INT64_MIN}) {
      EXPECT_EQ(setter(options.get(), value), SEQUANTLOCK_ERR_INVALID_ARGUMENT)
          << value;
      EXPECT_EQ(sequantlock_last_error_code(),
                SEQUANTLOCK_ERR_INVALID_ARGUMENT);
      EXPECT_TRUE(MessageNames(std::to_string(value)))
          << sequantlock_last_error_message();
    }
  }
}

TEST(OptionsTest, PositiveAgesAreAccepted) {
  sequantlock_options* raw = nullptr;
  ASSERT_EQ(sequantlock_options_new(&raw), SEQUANTLOCK_OK);
  OptionsPtr options(raw);
  EXPECT_EQ(sequantlock_options_set_stale_age_ms(options.get(), 1),
            SEQUANTLOCK_OK);
  EXPECT_EQ(sequantlock_options_set_skill_lock_ttl_ms(options.get(),
                                                      INT64_MAX),
            SEQUANTLOCK_OK);
  EXPECT_EQ(sequantlock_options_set_max_lock_age_ms(
                options.get(), SEQUANTLOCK_DEFAULT_MAX_LOCK_AGE_MS),
            SEQUANTLOCK_OK);
  EXPECT_EQ(sequantlock_last_error_code(), SEQUANTLOCK_OK);
}

TEST(OptionsTest, RejectedAgeKeepsPreviousValue) {
  TempDir tmp;
  World world;
  OptionsPtr options = MakeOptions(tmp.path(), {}, &world);
  ASSERT_EQ(sequantlock_options_set_stale_age_ms(options.get(), 1000),
            SEQUANTLOCK_OK);
  ASSERT_EQ(sequantlock_options_set_stale_age_ms(options.get(), -1),
            SEQUANTLOCK_ERR_INVALID_ARGUMENT);
  sequantlock_manager* raw = nullptr;
  ASSERT_EQ(sequantlock_manager_new(&raw, options.get()), SEQUANTLOCK_OK);
  ManagerPtr manager(raw);
  HolderPtr holder = Parse(OtherHostRecord());
  world.now_ms = kT0 + 1001;
  int reason = -1;

  ASSERT_EQ(sequantlock_manager_classify(manager.get(), holder.get(), &reason),
            SEQUANTLOCK_OK);

  EXPECT_EQ(reason, SEQUANTLOCK_STALE_AGE_EXCEEDED);
}

TEST(OptionsTest, OrchestratorModeRejectsUnknownValue) {
  sequantlock_options* raw = nullptr;
  ASSERT_EQ(sequantlock_options_new(&raw), SEQUANTLOCK_OK);
  OptionsPtr options(raw);
  for (int mode : {SEQUANTLOCK_ORCHESTRATOR_FROM_ENV,
                   SEQUANTLOCK_ORCHESTRATOR_OFF, SEQUANTLOCK_ORCHESTRATOR_ON}) {
    EXPECT_EQ(sequantlock_options_set_orchestrator_mode(options.get(), mode),
              SEQUANTLOCK_OK);
  }
  for (int mode : {17, -2, 2}) {
    EXPECT_EQ(sequantlock_options_set_orchestrator_mode(options.get(), mode),
              SEQUANTLOCK_ERR_INVALID_ARGUMENT);
    EXPECT_TRUE(MessageNames(std::to_string(mode)));
  }
}

TEST(OptionsTest, NegativePidIsRejectedByValue) {
  sequantlock_options* raw = nullptr;
  ASSERT_EQ(sequantlock_options_new(&raw), SEQUANTLOCK_OK);
  OptionsPtr options(raw);
  EXPECT_EQ(sequantlock_options_set_pid(options.get(), -37),
            SEQUANTLOCK_ERR_INVALID_ARGUMENT);
  EXPECT_TRUE(MessageNames("-37"));
  EXPECT_EQ(sequantlock_options_set_pid(options.get(), 12345), SEQUANTLOCK_OK);
  EXPECT_EQ(sequantlock_options_set_pid(options.get(), 0), SEQUANTLOCK_OK);
}

TEST(OptionsTest, PidIsRecordedAndZeroRestoresOwnPid) {
  TempDir tmp;
  Identity identity;
  identity.pid = 31337;
  ManagerPtr shell = MakeManager(tmp.path(), identity);
  AcquirePtr taken = Acquire(shell.get(), "1");
  ASSERT_TRUE(taken);
  EXPECT_EQ(
      sequantlock_holder_pid(sequantlock_acquire_result_record(taken.get())),
      31337);

  OptionsPtr options = MakeOptions(tmp.path(), identity, nullptr);
  ASSERT_EQ(sequantlock_options_set_pid(options.get(), 0), SEQUANTLOCK_OK);
  sequantlock_manager* raw = nullptr;
  ASSERT_EQ(sequantlock_manager_new(&raw, options.get()), SEQUANTLOCK_OK);
  ManagerPtr own(raw);
  AcquirePtr mine = Acquire(own.get(), "2");
  ASSERT_TRUE(mine);
  EXPECT_EQ(
      sequantlock_holder_pid(sequantlock_acquire_result_record(mine.get())),
      getpid());
}

TEST(OptionsTest, NullHostnameRestoresRealHostname) {
  TempDir tmp;
  OptionsPtr options = MakeOptions(tmp.path(), {}, nullptr);
  ASSERT_EQ(sequantlock_options_set_hostname(options.get(), nullptr),
            SEQUANTLOCK_OK);
  sequantlock_manager* raw = nullptr;
  ASSERT_EQ(sequantlock_manager_new(&raw, options.get()), SEQUANTLOCK_OK);
  ManagerPtr manager(raw);
  char hostname[256] = {0};
  ASSERT_EQ(gethostname(hostname, sizeof hostname - 1), 0);

  AcquirePtr result = Acquire(manager.get(), "1");

  ASSERT_TRUE(result);
  const sequantlock_holder* record =
      sequantlock_acquire_result_record(result.get());
  EXPECT_STREQ(sequantlock_holder_hostname(record), hostname);
}

TEST(OptionsTest, NullCallbacksAndIdsAreAccepted) {
  sequantlock_options* raw = nullptr;
  ASSERT_EQ(sequantlock_options_new(&raw), SEQUANTLOCK_OK);
  OptionsPtr options(raw);
  EXPECT_EQ(sequantlock_options_set_pid_alive_callback(options.get(), nullptr,
                                                       nullptr),
            SEQUANTLOCK_OK);
  EXPECT_EQ(sequantlock_options_set_clock_callback(options.get(), nullptr,
                                                   nullptr),
            SEQUANTLOCK_OK);
  EXPECT_EQ(sequantlock_options_set_boot_id(options.get(), nullptr),
            SEQUANTLOCK_OK);
  EXPECT_EQ(sequantlock_options_set_machine_id(options.get(), nullptr),
            SEQUANTLOCK_OK);
  EXPECT_EQ(sequantlock_options_set_locks_dir(options.get(), nullptr),
            SEQUANTLOCK_OK);
  EXPECT_EQ(sequantlock_options_set_locks_dir(options.get(), ""),
            SEQUANTLOCK_OK);
}

TEST(OptionsTest, NullCallbackRestoresSystemClock) {
  TempDir tmp;
  World world;
  world.fail_clock = true;
  world.fail_pid_alive = true;
  OptionsPtr options = MakeOptions(tmp.path(), {}, &world);
  ASSERT_EQ(sequantlock_options_set_clock_callback(options.get(), nullptr,
                                                   nullptr),
            SEQUANTLOCK_OK);
  ASSERT_EQ(sequantlock_options_set_pid_alive_callback(options.get(), nullptr,
                                                       nullptr),
            SEQUANTLOCK_OK);
  sequantlock_manager* raw = nullptr;
  ASSERT_EQ(sequantlock_manager_new(&raw, options.get()), SEQUANTLOCK_OK);
  ManagerPtr manager(raw);

  AcquirePtr first = Acquire(manager.get(), "1");
  AcquirePtr second = Acquire(manager.get(), "1");

  ASSERT_TRUE(first);
  ASSERT_TRUE(second);
  EXPECT_EQ(sequantlock_acquire_result_acquired(first.get()), 1);
  EXPECT_EQ(sequantlock_acquire_result_acquired(second.get()), 0);
}

TEST(OptionsTest, ManagerKeepsCopyOfOptions) {
  TempDir tmp;
  OptionsPtr options = MakeOptions(tmp.path(), {}, nullptr);
  sequantlock_manager* raw = nullptr;
  ASSERT_EQ(sequantlock_manager_new(&raw, options.get()), SEQUANTLOCK_OK);
  ManagerPtr manager(raw);
  ASSERT_EQ(sequantlock_options_set_locks_dir(options.get(), "/nonexistent"),
            SEQUANTLOCK_OK);
  options.reset();

  AcquirePtr result = Acquire(manager.get(), "604");

  ASSERT_TRUE(result);
  EXPECT_EQ(sequantlock_acquire_result_acquired(result.get()), 1);
  EXPECT_STREQ(sequantlock_manager_locks_dir(manager.get()),
               tmp.path().c_str());
  EXPECT_TRUE(Exists(tmp / "604.lock"));
}

/* Manager ------------------------------------------------------------ */

TEST(ManagerTest, NewRejectsNullOut) {
  EXPECT_EQ(sequantlock_manager_new(nullptr, nullptr),
            SEQUANTLOCK_ERR_INVALID_ARGUMENT);
  EXPECT_TRUE(MessageNames("out"));
}

TEST(ManagerTest, NewWithNullOptionsResolvesDefaults) {
  TempDir tmp;
  ScopedEnv locks_dir("SEQUANT_LOCKS_DIR", nullptr);
  ScopedEnv orchestrator("SEQUANT_ORCHESTRATOR", nullptr);
  ScopedCwd cwd(tmp.path());
  sequantlock_manager* raw = nullptr;

  ASSERT_EQ(sequantlock_manager_new(&raw, nullptr), SEQUANTLOCK_OK);

  ManagerPtr manager(raw);
  EXPECT_EQ(std::string(sequantlock_manager_locks_dir(manager.get())),
            tmp / ".sequant/locks");
  EXPECT_EQ(sequantlock_manager_is_noop(manager.get()), 0);
  EXPECT_FALSE(Exists(tmp / ".sequant"));
}

TEST(ManagerTest, RelativeLocksDirIsMadeAbsolute) {
  TempDir tmp;
  ScopedCwd cwd(tmp.path());

  ManagerPtr manager = MakeManager("rel/./locks/../locks");

  ASSERT_TRUE(manager);
  EXPECT_EQ(std::string(sequantlock_manager_locks_dir(manager.get())),
            tmp / "rel/locks");
}

TEST(ManagerTest, NewCreatesNoDirectory) {
  TempDir tmp;
  ManagerPtr manager = MakeManager(tmp / "locks");
  EXPECT_FALSE(Exists(tmp / "locks"));
}

TEST(ManagerTest, LockPathJoinsDirectoryAndKey) {
  TempDir tmp;
  ManagerPtr manager = MakeManager(tmp.path());
  char* raw = nullptr;

  ASSERT_EQ(sequantlock_manager_lock_path(manager.get(), "604", &raw),
            SEQUANTLOCK_OK);
  StringPtr issue(raw);
  ASSERT_EQ(sequantlock_manager_lock_path(manager.get(), "checkout", &raw),
            SEQUANTLOCK_OK);
  StringPtr named(raw);

  EXPECT_EQ(std::string(issue.get()), tmp / "604.lock");
  EXPECT_EQ(std::string(named.get()), tmp / "checkout.lock");
  EXPECT_FALSE(Exists(tmp / "604.lock"));
}

TEST(ManagerTest, LockPathRejectsInvalidKey) {
  TempDir tmp;
  ManagerPtr manager = MakeManager(tmp.path());
  char* raw = reinterpret_cast<char*>(0x1);

  EXPECT_EQ(sequantlock_manager_lock_path(manager.get(), "../evil", &raw),
            SEQUANTLOCK_ERR_INVALID_KEY);

  EXPECT_EQ(raw, nullptr);
  EXPECT_TRUE(MessageNames("../evil"));
}

TEST(ManagerTest, NullArgumentsAreRejected) {
  TempDir tmp;
  ManagerPtr manager = MakeManager(tmp.path());
  char* path = nullptr;
  sequantlock_acquire_result* acquired = nullptr;
  sequantlock_lock_info* info = nullptr;
  sequantlock_lock_list* list = nullptr;
  sequantlock_clear_result* cleared = nullptr;
  int reason = 0;
  const int kInvalid = SEQUANTLOCK_ERR_INVALID_ARGUMENT;

  EXPECT_EQ(sequantlock_manager_lock_path(nullptr, "1", &path), kInvalid);
  EXPECT_EQ(sequantlock_manager_lock_path(manager.get(), nullptr, &path),
            kInvalid);
  EXPECT_EQ(sequantlock_manager_lock_path(manager.get(), "1", nullptr),
            kInvalid);
  EXPECT_EQ(sequantlock_manager_acquire(nullptr, "1", "c", 0, &acquired),
            kInvalid);
  EXPECT_EQ(sequantlock_manager_acquire(manager.get(), nullptr, "c", 0,
                                        &acquired),
            kInvalid);
  EXPECT_EQ(sequantlock_manager_acquire(manager.get(), "1", "c", 0, nullptr),
            kInvalid);
  EXPECT_EQ(sequantlock_manager_force_acquire(nullptr, "1", "c", 0, &acquired),
            kInvalid);
  EXPECT_EQ(sequantlock_manager_force_acquire(manager.get(), "1", "c", 0,
                                              nullptr),
            kInvalid);
  EXPECT_EQ(sequantlock_manager_release(nullptr, "1", &reason), kInvalid);
  EXPECT_EQ(sequantlock_manager_release(manager.get(), nullptr, &reason),
            kInvalid);
  EXPECT_EQ(sequantlock_manager_release_token(nullptr, "1", "t", &reason),
            kInvalid);
  EXPECT_EQ(sequantlock_manager_release_token(manager.get(), nullptr, "t",
                                              &reason),
            kInvalid);
  EXPECT_EQ(sequantlock_manager_release_external(nullptr, "1", &reason),
            kInvalid);
  EXPECT_EQ(sequantlock_manager_release_external(manager.get(), nullptr,
                                                 &reason),
            kInvalid);
  EXPECT_EQ(sequantlock_manager_release_all(nullptr, nullptr), kInvalid);
  EXPECT_EQ(sequantlock_manager_check(nullptr, "1", &info), kInvalid);
  EXPECT_EQ(sequantlock_manager_check(manager.get(), nullptr, &info), kInvalid);
  EXPECT_EQ(sequantlock_manager_check(manager.get(), "1", nullptr), kInvalid);
  EXPECT_EQ(sequantlock_manager_list(nullptr, &list), kInvalid);
  EXPECT_EQ(sequantlock_manager_list(manager.get(), nullptr), kInvalid);
  EXPECT_EQ(sequantlock_manager_clear(nullptr, "1", 0, &cleared), kInvalid);
  EXPECT_EQ(sequantlock_manager_clear(manager.get(), nullptr, 0, &cleared),
            kInvalid);
  EXPECT_EQ(sequantlock_manager_clear(manager.get(), "1", 0, nullptr),
            kInvalid);
  HolderPtr holder = Parse(OtherHostRecord());
  EXPECT_EQ(sequantlock_manager_classify(nullptr, holder.get(), &reason),
            kInvalid);
  EXPECT_EQ(sequantlock_manager_classify(manager.get(), nullptr, &reason),
            kInvalid);
  EXPECT_EQ(sequantlock_manager_classify(manager.get(), holder.get(), nullptr),
            kInvalid);
  EXPECT_EQ(sequantlock_manager_signal_other(nullptr, holder.get(), SIGTERM,
                                             &reason),
            kInvalid);
  EXPECT_EQ(sequantlock_manager_signal_other(manager.get(), nullptr, SIGTERM,
                                             &reason),
            kInvalid);
  EXPECT_EQ(sequantlock_manager_signal_other(manager.get(), holder.get(),
                                             SIGTERM, nullptr),
            kInvalid);
  EXPECT_EQ(path, nullptr);
  EXPECT_EQ(acquired, nullptr);
  EXPECT_EQ(info, nullptr);
  EXPECT_EQ(list, nullptr);
  EXPECT_EQ(cleared, nullptr);
  EXPECT_FALSE(Exists(tmp / "1.lock"));
}

TEST(ManagerTest, InvalidKeyIsRejectedBeforeAnyFileIsTouched) {
  TempDir tmp;
  const std::string dir = tmp / "locks";
  ManagerPtr manager = MakeManager(dir);
  sequantlock_acquire_result* acquired = nullptr;
  sequantlock_lock_info* info = nullptr;
  sequantlock_clear_result* cleared = nullptr;
  int reason = -1;

  EXPECT_EQ(sequantlock_manager_acquire(manager.get(), "x/y", "c", 0,
                                        &acquired),
            SEQUANTLOCK_ERR_INVALID_KEY);
  EXPECT_EQ(sequantlock_manager_force_acquire(manager.get(), "x/y", "c", 0,
                                              &acquired),
            SEQUANTLOCK_ERR_INVALID_KEY);
  EXPECT_EQ(sequantlock_manager_release(manager.get(), "x/y", &reason),
            SEQUANTLOCK_ERR_INVALID_KEY);
  EXPECT_EQ(sequantlock_manager_release_token(manager.get(), "x/y", "t",
                                              &reason),
            SEQUANTLOCK_ERR_INVALID_KEY);
  EXPECT_EQ(sequantlock_manager_release_external(manager.get(), "x/y",
                                                 &reason),
            SEQUANTLOCK_ERR_INVALID_KEY);
  EXPECT_EQ(sequantlock_manager_check(manager.get(), "x/y", &info),
            SEQUANTLOCK_ERR_INVALID_KEY);
  EXPECT_EQ(sequantlock_manager_clear(manager.get(), "x/y", 1, &cleared),
            SEQUANTLOCK_ERR_INVALID_KEY);
  EXPECT_TRUE(MessageNames("x/y"));
  EXPECT_EQ(reason, -1);
  EXPECT_FALSE(Exists(dir));
}

TEST(ManagerTest, AccessorsAreNullSafe) {
  EXPECT_STREQ(sequantlock_manager_locks_dir(nullptr), "");
  EXPECT_EQ(sequantlock_manager_is_noop(nullptr), 0);
  sequantlock_manager_free(nullptr);
}

/* Acquire ------------------------------------------------------------ */

TEST(AcquireTest, FreeKeyIsAcquired) {
  TempDir tmp;
  const std::string dir = tmp / "nested/locks";
  World world;
  ManagerPtr manager = MakeManager(dir, {}, &world);

  AcquirePtr result = Acquire(manager.get(), "604", 0, "npx sequant run 604");

  ASSERT_TRUE(result);
  EXPECT_EQ(sequantlock_last_error_code(), SEQUANTLOCK_OK);
  EXPECT_EQ(sequantlock_acquire_result_acquired(result.get()), 1);
  EXPECT_EQ(std::string(sequantlock_acquire_result_lock_path(result.get())),
            dir + "/604.lock");
  EXPECT_EQ(sequantlock_acquire_result_holder(result.get()), nullptr);
  EXPECT_EQ(sequantlock_acquire_result_corrupt(result.get()), 0);
  EXPECT_EQ(sequantlock_acquire_result_replaced(result.get()), 0);
  EXPECT_EQ(sequantlock_acquire_result_previous(result.get()), nullptr);
  EXPECT_EQ(sequantlock_acquire_result_stale_reason(result.get()),
            SEQUANTLOCK_STALE_NONE);
  EXPECT_EQ(sequantlock_acquire_result_forced(result.get()), 0);
  const sequantlock_holder* record =
      sequantlock_acquire_result_record(result.get());
  ASSERT_NE(record, nullptr);
  EXPECT_EQ(sequantlock_holder_pid(record), getpid());
  EXPECT_STREQ(sequantlock_holder_hostname(record), "host-a");
  EXPECT_STREQ(sequantlock_holder_started_at(record), kT0Text);
  EXPECT_STREQ(sequantlock_holder_command(record), "npx sequant run 604");
  EXPECT_EQ(sequantlock_holder_skip_pid_check(record), 0);
  EXPECT_STREQ(sequantlock_holder_boot_id(record), "boot-1");
  EXPECT_STREQ(sequantlock_holder_machine_id(record), "machine-1");
  EXPECT_EQ(sequantlock_holder_schema_version(record),
            SEQUANTLOCK_SCHEMA_VERSION);
  EXPECT_STRNE(sequantlock_acquire_result_token(result.get()), "");
  EXPECT_STREQ(sequantlock_acquire_result_token(result.get()),
               sequantlock_holder_token(record));
  EXPECT_TRUE(Exists(dir + "/604.lock"));
}

TEST(AcquireTest, LockFileHoldsRecordJson) {
  TempDir tmp;
  World world;
  ManagerPtr manager = MakeManager(tmp.path(), {}, &world);

  AcquirePtr result = Acquire(manager.get(), "checkout", 0, "git checkout");

  ASSERT_TRUE(result);
  const std::string json =
      ToJson(sequantlock_acquire_result_record(result.get()), 0);
  EXPECT_EQ(ReadFile(tmp / "checkout.lock"), json);
  HolderPtr reparsed = Parse(json);
  EXPECT_EQ(ToJson(reparsed.get(), 0), json);
}

TEST(AcquireTest, HeldKeyIsRefusedWithHolder) {
  TempDir tmp;
  World world;
  world.alive.insert(4242);
  Identity first;
  first.pid = 4242;
  ManagerPtr holder = MakeManager(tmp.path(), first, &world);
  ManagerPtr other = MakeManager(tmp.path(), {}, &world);
  AcquirePtr taken = Acquire(holder.get(), "604", 0, "first");
  const std::string before = ReadFile(tmp / "604.lock");

  AcquirePtr refused = Acquire(other.get(), "604", 0, "second");

  ASSERT_TRUE(refused);
  EXPECT_EQ(sequantlock_last_error_code(), SEQUANTLOCK_OK);
  EXPECT_EQ(sequantlock_acquire_result_acquired(refused.get()), 0);
  EXPECT_EQ(sequantlock_acquire_result_record(refused.get()), nullptr);
  EXPECT_STREQ(sequantlock_acquire_result_token(refused.get()), "");
  EXPECT_EQ(sequantlock_acquire_result_replaced(refused.get()), 0);
  EXPECT_EQ(sequantlock_acquire_result_corrupt(refused.get()), 0);
  const sequantlock_holder* found =
      sequantlock_acquire_result_holder(refused.get());
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(sequantlock_holder_pid(found), 4242);
  EXPECT_STREQ(sequantlock_holder_command(found), "first");
  EXPECT_EQ(ReadFile(tmp / "604.lock"), before);
}

TEST(AcquireTest, SecondAcquireInSameManagerIsRefused) {
  TempDir tmp;
  ManagerPtr manager = MakeManager(tmp.path());
  AcquirePtr first = Acquire(manager.get(), "7");

  AcquirePtr second = Acquire(manager.get(), "7");

  ASSERT_TRUE(second);
  EXPECT_EQ(sequantlock_acquire_result_acquired(second.get()), 0);
  const sequantlock_holder* found =
      sequantlock_acquire_result_holder(second.get());
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(sequantlock_holder_pid(found), getpid());
}

TEST(AcquireTest, NullCommandRecordsUnknown) {
  TempDir tmp;
  ManagerPtr manager = MakeManager(tmp.path());

  AcquirePtr result = Acquire(manager.get(), "1", 0, nullptr);

  ASSERT_TRUE(result);
  const sequantlock_holder* record =
      sequantlock_acquire_result_record(result.get());
  EXPECT_STREQ(sequantlock_holder_command(record), "unknown");
}

TEST(AcquireTest, SkipPidCheckFlagIsRecorded) {
  TempDir tmp;
  ManagerPtr manager = MakeManager(tmp.path());

  AcquirePtr result =
      Acquire(manager.get(), "1", SEQUANTLOCK_ACQUIRE_SKIP_PID_CHECK);

  ASSERT_TRUE(result);
  EXPECT_EQ(sequantlock_holder_skip_pid_check(
                sequantlock_acquire_result_record(result.get())),
            1);
  EXPECT_NE(ReadFile(tmp / "1.lock").find("\"skipPidCheck\": true"),
            std::string::npos);
}

TEST(AcquireTest, UnknownFlagIsRejectedByValue) {
  TempDir tmp;
  ManagerPtr manager = MakeManager(tmp.path());
  sequantlock_acquire_result* result = nullptr;

  EXPECT_EQ(sequantlock_manager_acquire(manager.get(), "1", "c", 1u << 5,
                                        &result),
            SEQUANTLOCK_ERR_INVALID_ARGUMENT);

  EXPECT_EQ(result, nullptr);
  EXPECT_TRUE(MessageNames("32"));
  EXPECT_FALSE(Exists(tmp / "1.lock"));
}

TEST(AcquireTest, OutIsNullAfterFailure) {
  TempDir tmp;
  ManagerPtr manager = MakeManager(tmp.path());
  auto* result = reinterpret_cast<sequantlock_acquire_result*>(0x1);

  EXPECT_EQ(sequantlock_manager_acquire(manager.get(), "", "c", 0, &result),
            SEQUANTLOCK_ERR_INVALID_KEY);

  EXPECT_EQ(result, nullptr);
}

TEST(AcquireTest, FreshCorruptFileOccupiesKey) {
  TempDir tmp;
  World world;
  ManagerPtr manager = MakeManager(tmp.path(), {}, &world);
  WriteFile(tmp / "5.lock", "{not json");
  // The injected clock stands still at the file's mtime, inside the grace.
  struct stat st;
  ASSERT_EQ(stat((tmp / "5.lock").c_str(), &st), 0);
  world.now_ms = static_cast<int64_t>(st.st_mtime) * 1000;

  AcquirePtr result = Acquire(manager.get(), "5");

  ASSERT_TRUE(result);
  EXPECT_EQ(sequantlock_acquire_result_acquired(result.get()), 0);
  EXPECT_EQ(sequantlock_acquire_result_corrupt(result.get()), 1);
  EXPECT_EQ(sequantlock_acquire_result_holder(result.get()), nullptr);
  EXPECT_EQ(ReadFile(tmp / "5.lock"), "{not json");
}

TEST(AcquireTest, OldCorruptFileIsReplaced) {
  TempDir tmp;
  World world;
  ManagerPtr manager = MakeManager(tmp.path(), {}, &world);
  WriteFile(tmp / "5.lock", "");
  struct stat st;
  ASSERT_EQ(stat((tmp / "5.lock").c_str(), &st), 0);
  world.now_ms = static_cast<int64_t>(st.st_mtime) * 1000 +
                 SEQUANTLOCK_CORRUPT_GRACE_MS + 1000;

  AcquirePtr result = Acquire(manager.get(), "5");

  ASSERT_TRUE(result);
  EXPECT_EQ(sequantlock_acquire_result_acquired(result.get()), 1);
  EXPECT_EQ(sequantlock_acquire_result_replaced(result.get()), 1);
  EXPECT_EQ(sequantlock_acquire_result_previous(result.get()), nullptr);
  EXPECT_EQ(sequantlock_acquire_result_stale_reason(result.get()),
            SEQUANTLOCK_STALE_CORRUPT);
}

TEST(ForceAcquireTest, ForceTakesFreshLockAndReportsPrevious) {
  TempDir tmp;
  World world;
  world.alive.insert(4242);
  Identity first;
  first.pid = 4242;
  ManagerPtr holder = MakeManager(tmp.path(), first, &world);
  ManagerPtr taker = MakeManager(tmp.path(), {}, &world);
  AcquirePtr taken = Acquire(holder.get(), "604", 0, "first");
  sequantlock_acquire_result* raw = nullptr;

  ASSERT_EQ(sequantlock_manager_force_acquire(taker.get(), "604", "second", 0,
                                              &raw),
            SEQUANTLOCK_OK);

  AcquirePtr forced(raw);
  EXPECT_EQ(sequantlock_acquire_result_acquired(forced.get()), 1);
  EXPECT_EQ(sequantlock_acquire_result_forced(forced.get()), 1);
  EXPECT_EQ(sequantlock_acquire_result_replaced(forced.get()), 1);
  EXPECT_EQ(sequantlock_acquire_result_stale_reason(forced.get()),
            SEQUANTLOCK_STALE_NONE);
  const sequantlock_holder* previous =
      sequantlock_acquire_result_previous(forced.get());
  ASSERT_NE(previous, nullptr);
  EXPECT_EQ(sequantlock_holder_pid(previous), 4242);
  EXPECT_STREQ(sequantlock_holder_command(previous), "first");
  EXPECT_EQ(ReadFile(tmp / "604.lock"),
            ToJson(sequantlock_acquire_result_record(forced.get()), 0));
  EXPECT_TRUE(world.alive.count(4242));
}

TEST(ForceAcquireTest, ForceOnFreeKeyReplacesNothing) {
  TempDir tmp;
  ManagerPtr manager = MakeManager(tmp.path());
  sequantlock_acquire_result* raw = nullptr;

  ASSERT_EQ(sequantlock_manager_force_acquire(manager.get(), "9", nullptr, 0,
                                              &raw),
            SEQUANTLOCK_OK);

  AcquirePtr result(raw);
  EXPECT_EQ(sequantlock_acquire_result_acquired(result.get()), 1);
  EXPECT_EQ(sequantlock_acquire_result_forced(result.get()), 1);
  EXPECT_EQ(sequantlock_acquire_result_replaced(result.get()), 0);
  EXPECT_EQ(sequantlock_acquire_result_previous(result.get()), nullptr);
}

/* Staleness through callbacks ---------------------------------------- */

TEST(StalenessTest, DeadPidOnSameHostIsStale) {
  TempDir tmp;
  World world;
  world.alive.insert(4242);
  Identity first;
  first.pid = 4242;
  ManagerPtr holder = MakeManager(tmp.path(), first, &world);
  ManagerPtr next = MakeManager(tmp.path(), {}, &world);
  AcquirePtr taken = Acquire(holder.get(), "604");
  world.alive.erase(4242);

  AcquirePtr result = Acquire(next.get(), "604");

  ASSERT_TRUE(result);
  EXPECT_EQ(sequantlock_acquire_result_acquired(result.get()), 1);
  EXPECT_EQ(sequantlock_acquire_result_replaced(result.get()), 1);
  EXPECT_EQ(sequantlock_acquire_result_stale_reason(result.get()),
            SEQUANTLOCK_STALE_PID_DEAD);
  ASSERT_NE(sequantlock_acquire_result_previous(result.get()), nullptr);
  EXPECT_EQ(
      sequantlock_holder_pid(sequantlock_acquire_result_previous(result.get())),
      4242);
  EXPECT_NE(std::find(world.probed.begin(), world.probed.end(), 4242),
            world.probed.end());
}

TEST(StalenessTest, AlivePidOnSameHostIsFreshPastCrossHostAge) {
  TempDir tmp;
  World world;
  world.alive.insert(4242);
  Identity first;
  first.pid = 4242;
  ManagerPtr holder = MakeManager(tmp.path(), first, &world);
  ManagerPtr next = MakeManager(tmp.path(), {}, &world);
  AcquirePtr taken = Acquire(holder.get(), "604");
  world.now_ms = kT0 + SEQUANTLOCK_DEFAULT_SKILL_LOCK_TTL_MS + kHour;

  AcquirePtr result = Acquire(next.get(), "604");

  ASSERT_TRUE(result);
  EXPECT_EQ(sequantlock_acquire_result_acquired(result.get()), 0);
}

TEST(StalenessTest, OtherHostLockAgesOut) {
  TempDir tmp;
  World world;
  Identity remote;
  remote.hostname = "host-b";
  remote.machine_id = "machine-2";
  ManagerPtr holder = MakeManager(tmp.path(), remote, &world);
  ManagerPtr next = MakeManager(tmp.path(), {}, &world);
  AcquirePtr taken = Acquire(holder.get(), "604");
  world.now_ms = kT0 + SEQUANTLOCK_DEFAULT_STALE_AGE_MS;

  AcquirePtr at_limit = Acquire(next.get(), "604");
  world.now_ms = kT0 + SEQUANTLOCK_DEFAULT_STALE_AGE_MS + 1;
  AcquirePtr past_limit = Acquire(next.get(), "604");

  ASSERT_TRUE(at_limit);
  EXPECT_EQ(sequantlock_acquire_result_acquired(at_limit.get()), 0);
  ASSERT_TRUE(past_limit);
  EXPECT_EQ(sequantlock_acquire_result_acquired(past_limit.get()), 1);
  EXPECT_EQ(sequantlock_acquire_result_stale_reason(past_limit.get()),
            SEQUANTLOCK_STALE_AGE_EXCEEDED);
  EXPECT_TRUE(world.probed.empty());
}

TEST(StalenessTest, MaxAgeExceededStealsAliveHolder) {
  TempDir tmp;
  World world;
  world.alive.insert(4242);
  Identity first;
  first.pid = 4242;
  ManagerPtr holder = MakeManager(tmp.path(), first, &world);
  ManagerPtr next = MakeManager(tmp.path(), {}, &world);
  AcquirePtr taken = Acquire(holder.get(), "604");
  world.now_ms = kT0 + SEQUANTLOCK_DEFAULT_MAX_LOCK_AGE_MS + 1;

  AcquirePtr result = Acquire(next.get(), "604");

  ASSERT_TRUE(result);
  EXPECT_EQ(sequantlock_acquire_result_acquired(result.get()), 1);
  EXPECT_EQ(sequantlock_acquire_result_stale_reason(result.get()),
            SEQUANTLOCK_STALE_MAX_AGE_EXCEEDED);
}

TEST(StalenessTest, MaxAgeOptionLowersCeiling) {
  TempDir tmp;
  World world;
  world.alive.insert(4242);
  OptionsPtr options = MakeOptions(tmp.path(), {}, &world);
  ASSERT_EQ(sequantlock_options_set_max_lock_age_ms(options.get(), 5000),
            SEQUANTLOCK_OK);
  sequantlock_manager* raw = nullptr;
  ASSERT_EQ(sequantlock_manager_new(&raw, options.get()), SEQUANTLOCK_OK);
  ManagerPtr manager(raw);
  HolderPtr holder = Parse(SameHostRecord());
  int reason = -1;

  world.now_ms = kT0 + 5000;
  ASSERT_EQ(sequantlock_manager_classify(manager.get(), holder.get(), &reason),
            SEQUANTLOCK_OK);
  EXPECT_EQ(reason, SEQUANTLOCK_STALE_NONE);
  world.now_ms = kT0 + 5001;
  ASSERT_EQ(sequantlock_manager_classify(manager.get(), holder.get(), &reason),
            SEQUANTLOCK_OK);
  EXPECT_EQ(reason, SEQUANTLOCK_STALE_MAX_AGE_EXCEEDED);
}

TEST(StalenessTest, SkipPidCheckLockUsesTtl) {
  TempDir tmp;
  World world;
  world.alive.insert(4242);
  ManagerPtr manager = MakeManager(tmp.path(), {}, &world);
  HolderPtr holder = Parse(SameHostRecord(/*skip_pid_check=*/true));
  int reason = -1;

  world.now_ms = kT0 + SEQUANTLOCK_DEFAULT_SKILL_LOCK_TTL_MS;
  ASSERT_EQ(sequantlock_manager_classify(manager.get(), holder.get(), &reason),
            SEQUANTLOCK_OK);
  EXPECT_EQ(reason, SEQUANTLOCK_STALE_NONE);
  world.now_ms = kT0 + SEQUANTLOCK_DEFAULT_SKILL_LOCK_TTL_MS + 1;
  ASSERT_EQ(sequantlock_manager_classify(manager.get(), holder.get(), &reason),
            SEQUANTLOCK_OK);
  EXPECT_EQ(reason, SEQUANTLOCK_STALE_AGE_EXCEEDED);
  EXPECT_TRUE(world.probed.empty());
}

TEST(StalenessTest, EnvironmentOverridesTtlAndMaxAge) {
  TempDir tmp;
  ScopedEnv ttl("SEQUANT_SKILL_LOCK_TTL_MS", "1000");
  ScopedEnv max_age("SEQUANT_MAX_LOCK_AGE_MS", "3000");
  World world;
  world.alive.insert(4242);
  ManagerPtr manager = MakeManager(tmp.path(), {}, &world);
  HolderPtr skip = Parse(SameHostRecord(/*skip_pid_check=*/true));
  HolderPtr alive = Parse(SameHostRecord());
  int reason = -1;

  world.now_ms = kT0 + 1001;
  ASSERT_EQ(sequantlock_manager_classify(manager.get(), skip.get(), &reason),
            SEQUANTLOCK_OK);
  EXPECT_EQ(reason, SEQUANTLOCK_STALE_AGE_EXCEEDED);
  world.now_ms = kT0 + 3001;
  ASSERT_EQ(sequantlock_manager_classify(manager.get(), alive.get(), &reason),
            SEQUANTLOCK_OK);
  EXPECT_EQ(reason, SEQUANTLOCK_STALE_MAX_AGE_EXCEEDED);
}

TEST(StalenessTest, ExplicitOptionsOverrideEnvironment) {
  TempDir tmp;
  ScopedEnv ttl("SEQUANT_SKILL_LOCK_TTL_MS", "1000");
  World world;
  OptionsPtr options = MakeOptions(tmp.path(), {}, &world);
  ASSERT_EQ(sequantlock_options_set_skill_lock_ttl_ms(options.get(), 50000),
            SEQUANTLOCK_OK);
  sequantlock_manager* raw = nullptr;
  ASSERT_EQ(sequantlock_manager_new(&raw, options.get()), SEQUANTLOCK_OK);
  ManagerPtr manager(raw);
  HolderPtr skip = Parse(SameHostRecord(/*skip_pid_check=*/true));
  int reason = -1;
  world.now_ms = kT0 + 1001;

  ASSERT_EQ(sequantlock_manager_classify(manager.get(), skip.get(), &reason),
            SEQUANTLOCK_OK);

  EXPECT_EQ(reason, SEQUANTLOCK_STALE_NONE);
}

TEST(StalenessTest, InvalidEnvironmentValuesKeepDefaults) {
  TempDir tmp;
  World world;
  HolderPtr skip = Parse(SameHostRecord(/*skip_pid_check=*/true));
  world.now_ms = kT0 + 1001;
  for (const char* value : {"", "abc", "-5", "0", "10ms", "1e3", " 1000"}) {
    ScopedEnv ttl("SEQUANT_SKILL_LOCK_TTL_MS", value);
    ManagerPtr manager = MakeManager(tmp.path(), {}, &world);
    int reason = -1;
    ASSERT_EQ(sequantlock_manager_classify(manager.get(), skip.get(), &reason),
              SEQUANTLOCK_OK);
    EXPECT_EQ(reason, SEQUANTLOCK_STALE_NONE) << "'" << value << "'";
  }
}

TEST(StalenessTest, SmallFutureSkewCountsAsAgeZero) {
  TempDir tmp;
  World world;
  Identity remote;
  remote.hostname = "host-b";
  ManagerPtr holder = MakeManager(tmp.path(), remote, &world);
  ManagerPtr reader = MakeManager(tmp.path(), {}, &world);
  world.now_ms = kT0 + 60 * 1000;
  AcquirePtr taken = Acquire(holder.get(), "604");
  world.now_ms = kT0;
  sequantlock_lock_info* raw = nullptr;

  ASSERT_EQ(sequantlock_manager_check(reader.get(), "604", &raw),
            SEQUANTLOCK_OK);

  InfoPtr info(raw);
  ASSERT_TRUE(info);
  EXPECT_EQ(sequantlock_lock_info_age_ms(info.get()), 0);
  EXPECT_EQ(sequantlock_lock_info_stale(info.get()), 0);
}

TEST(StalenessTest, UnparseableStartedAtAgesByMtime) {
  TempDir tmp;
  World world;
  ManagerPtr manager = MakeManager(tmp.path(), {}, &world);
  WriteFile(tmp / "604.lock",
            "{\"pid\": 777, \"hostname\": \"host-b\", \"startedAt\": "
            "\"yesterday\", \"command\": \"x\"}");
  struct stat st;
  ASSERT_EQ(stat((tmp / "604.lock").c_str(), &st), 0);
  world.now_ms = static_cast<int64_t>(st.st_mtime) * 1000 +
                 SEQUANTLOCK_DEFAULT_STALE_AGE_MS + 1000;
  sequantlock_lock_info* raw = nullptr;

  ASSERT_EQ(sequantlock_manager_check(manager.get(), "604", &raw),
            SEQUANTLOCK_OK);

  InfoPtr info(raw);
  ASSERT_TRUE(info);
  EXPECT_EQ(sequantlock_lock_info_stale(info.get()), 1);
  EXPECT_EQ(sequantlock_lock_info_stale_reason(info.get()),
            SEQUANTLOCK_STALE_AGE_EXCEEDED);
}

TEST(ClassifyTest, UnknownAgeWithoutFileIsNeverStaleByAge) {
  TempDir tmp;
  World world;
  world.now_ms = kT0 + 10 * SEQUANTLOCK_DEFAULT_MAX_LOCK_AGE_MS;
  ManagerPtr manager = MakeManager(tmp.path(), {}, &world);
  HolderPtr holder = Parse(
      "{\"pid\": 777, \"hostname\": \"host-b\", \"startedAt\": \"soon\", "
      "\"command\": \"x\"}");
  int reason = -1;

  ASSERT_EQ(sequantlock_manager_classify(manager.get(), holder.get(), &reason),
            SEQUANTLOCK_OK);

  EXPECT_EQ(reason, SEQUANTLOCK_STALE_NONE);
}

TEST(ClassifyTest, DeadSameHostPidIsPidDead) {
  TempDir tmp;
  World world;
  ManagerPtr manager = MakeManager(tmp.path(), {}, &world);
  HolderPtr holder = Parse(SameHostRecord());
  int reason = -1;

  ASSERT_EQ(sequantlock_manager_classify(manager.get(), holder.get(), &reason),
            SEQUANTLOCK_OK);

  EXPECT_EQ(reason, SEQUANTLOCK_STALE_PID_DEAD);
  EXPECT_FALSE(Exists(tmp / "604.lock"));
}

/* Callbacks ---------------------------------------------------------- */

// A lock on key 604 held by pid 4242 on this host, and a second manager
// whose callbacks the test controls.
class CallbackTest : public ::testing::Test {
 protected:
  void SetUp() override {
    holder_world_.alive.insert(4242);
    Identity first;
    first.pid = 4242;
    holder_ = MakeManager(tmp_.path(), first, &holder_world_);
    AcquirePtr taken = Acquire(holder_.get(), "604");
    ASSERT_TRUE(taken);
    before_ = ReadFile(path());
    inode_ = Inode(path());
    world_.now_ms = kT0 + SEQUANTLOCK_DEFAULT_MAX_LOCK_AGE_MS + 1;
    other_ = MakeManager(tmp_.path(), {}, &world_);
  }

  std::string path() const { return tmp_ / "604.lock"; }

  void ExpectUnchanged() {
    EXPECT_EQ(ReadFile(path()), before_);
    EXPECT_EQ(Inode(path()), inode_);
  }

  TempDir tmp_;
  World holder_world_;
  World world_;
  ManagerPtr holder_;
  ManagerPtr other_;
  std::string before_;
  ino_t inode_ = 0;
};

TEST_F(CallbackTest, FailingPidCallbackFailsAcquireAndLeavesFile) {
  world_.now_ms = kT0;
  world_.fail_pid_alive = true;
  sequantlock_acquire_result* result = nullptr;

  EXPECT_EQ(sequantlock_manager_acquire(other_.get(), "604", "c", 0, &result),
            SEQUANTLOCK_ERR_CALLBACK);

  EXPECT_EQ(result, nullptr);
  EXPECT_EQ(sequantlock_last_error_code(), SEQUANTLOCK_ERR_CALLBACK);
  EXPECT_TRUE(MessageNames("4242"));
  ExpectUnchanged();
}

TEST_F(CallbackTest, FailingClockCallbackFailsAcquireAndLeavesFile) {
  world_.fail_clock = true;
  sequantlock_acquire_result* result = nullptr;

  EXPECT_EQ(sequantlock_manager_acquire(other_.get(), "604", "c", 0, &result),
            SEQUANTLOCK_ERR_CALLBACK);
  EXPECT_EQ(sequantlock_manager_force_acquire(other_.get(), "604", "c", 0,
                                              &result),
            SEQUANTLOCK_ERR_CALLBACK);

  EXPECT_EQ(result, nullptr);
  ExpectUnchanged();
}

TEST_F(CallbackTest, FailingClockCallbackCreatesNoFile) {
  const std::string dir = tmp_ / "fresh";
  World world;
  world.fail_clock = true;
  ManagerPtr manager = MakeManager(dir, {}, &world);
  sequantlock_acquire_result* result = nullptr;

  EXPECT_EQ(sequantlock_manager_acquire(manager.get(), "1", "c", 0, &result),
            SEQUANTLOCK_ERR_CALLBACK);

  EXPECT_EQ(result, nullptr);
  EXPECT_FALSE(Exists(dir));
}

TEST_F(CallbackTest, FailingCallbackFailsClearAndLeavesFile) {
  sequantlock_clear_result* result = nullptr;

  world_.fail_pid_alive = true;
  EXPECT_EQ(sequantlock_manager_clear(other_.get(), "604", 0, &result),
            SEQUANTLOCK_ERR_CALLBACK);
  world_.fail_pid_alive = false;
  world_.fail_clock = true;
  EXPECT_EQ(sequantlock_manager_clear(other_.get(), "604", 1, &result),
            SEQUANTLOCK_ERR_CALLBACK);

  EXPECT_EQ(result, nullptr);
  ExpectUnchanged();
}

TEST_F(CallbackTest, FailingCallbackFailsCheckListAndClassify) {
  world_.now_ms = kT0;
  world_.fail_pid_alive = true;
  sequantlock_lock_info* info = nullptr;
  sequantlock_lock_list* list = nullptr;
  HolderPtr holder = Parse(SameHostRecord());
  int reason = -1;

  EXPECT_EQ(sequantlock_manager_check(other_.get(), "604", &info),
            SEQUANTLOCK_ERR_CALLBACK);
  EXPECT_EQ(sequantlock_manager_list(other_.get(), &list),
            SEQUANTLOCK_ERR_CALLBACK);
  EXPECT_EQ(sequantlock_manager_classify(other_.get(), holder.get(), &reason),
            SEQUANTLOCK_ERR_CALLBACK);
  EXPECT_EQ(sequantlock_manager_signal_other(other_.get(), holder.get(),
                                             SIGTERM, &reason),
            SEQUANTLOCK_ERR_CALLBACK);

  EXPECT_EQ(info, nullptr);
  EXPECT_EQ(list, nullptr);
  EXPECT_EQ(reason, -1);
  ExpectUnchanged();
}

TEST_F(CallbackTest, ReleaseNeedsNoClock) {
  // Releasing a lock this manager took decides nothing about staleness, so
  // it succeeds even while the clock callback fails.
  holder_world_.fail_clock = true;
  holder_world_.fail_pid_alive = true;
  int reason = -1;

  EXPECT_EQ(sequantlock_manager_release(holder_.get(), "604", &reason),
            SEQUANTLOCK_OK);

  EXPECT_EQ(reason, SEQUANTLOCK_RELEASE_RELEASED);
}

TEST_F(CallbackTest, CallbackDecidesAfterFailureClears) {
  world_.now_ms = kT0;
  world_.fail_pid_alive = true;
  sequantlock_acquire_result* failed = nullptr;
  ASSERT_EQ(sequantlock_manager_acquire(other_.get(), "604", "c", 0, &failed),
            SEQUANTLOCK_ERR_CALLBACK);
  world_.fail_pid_alive = false;

  AcquirePtr result = Acquire(other_.get(), "604");

  ASSERT_TRUE(result);
  EXPECT_EQ(sequantlock_acquire_result_acquired(result.get()), 1);
  EXPECT_EQ(sequantlock_acquire_result_stale_reason(result.get()),
            SEQUANTLOCK_STALE_PID_DEAD);
  EXPECT_EQ(sequantlock_last_error_code(), SEQUANTLOCK_OK);
}

/* Release ------------------------------------------------------------ */

TEST(ReleaseTest, ReleaseRemovesOwnLockOnce) {
  TempDir tmp;
  ManagerPtr manager = MakeManager(tmp.path());
  AcquirePtr taken = Acquire(manager.get(), "604");
  int reason = -1;

  ASSERT_EQ(sequantlock_manager_release(manager.get(), "604", &reason),
            SEQUANTLOCK_OK);
  EXPECT_EQ(reason, SEQUANTLOCK_RELEASE_RELEASED);
  EXPECT_FALSE(Exists(tmp / "604.lock"));
  ASSERT_EQ(sequantlock_manager_release(manager.get(), "604", &reason),
            SEQUANTLOCK_OK);
  EXPECT_EQ(reason, SEQUANTLOCK_RELEASE_NO_LOCK);
}

TEST(ReleaseTest, ReleaseAcceptsNullReason) {
  TempDir tmp;
  ManagerPtr manager = MakeManager(tmp.path());
  AcquirePtr taken = Acquire(manager.get(), "604");

  EXPECT_EQ(sequantlock_manager_release(manager.get(), "604", nullptr),
            SEQUANTLOCK_OK);

  EXPECT_FALSE(Exists(tmp / "604.lock"));
}

TEST(ReleaseTest, OtherManagerIsNotOwner) {
  TempDir tmp;
  ManagerPtr first = MakeManager(tmp.path());
  ManagerPtr second = MakeManager(tmp.path());
  AcquirePtr taken = Acquire(first.get(), "604");
  int reason = -1;

  ASSERT_EQ(sequantlock_manager_release(second.get(), "604", &reason),
            SEQUANTLOCK_OK);

  EXPECT_EQ(reason, SEQUANTLOCK_RELEASE_NOT_OWNER);
  EXPECT_TRUE(Exists(tmp / "604.lock"));
}

TEST(ReleaseTest, OtherHostLockIsCrossHost) {
  TempDir tmp;
  WriteFile(tmp / "604.lock", OtherHostRecord());
  ManagerPtr manager = MakeManager(tmp.path());
  int reason = -1;

  ASSERT_EQ(sequantlock_manager_release(manager.get(), "604", &reason),
            SEQUANTLOCK_OK);

  EXPECT_EQ(reason, SEQUANTLOCK_RELEASE_CROSS_HOST);
  EXPECT_TRUE(Exists(tmp / "604.lock"));
}

TEST(ReleaseTest, CorruptFileIsKept) {
  TempDir tmp;
  WriteFile(tmp / "604.lock", "garbage");
  ManagerPtr manager = MakeManager(tmp.path());
  int reason = -1;

  ASSERT_EQ(sequantlock_manager_release(manager.get(), "604", &reason),
            SEQUANTLOCK_OK);

  EXPECT_EQ(reason, SEQUANTLOCK_RELEASE_CORRUPT);
  EXPECT_EQ(ReadFile(tmp / "604.lock"), "garbage");
}

TEST(ReleaseTest, TokenlessRecordOfOwnPidIsReleased) {
  TempDir tmp;
  WriteFile(tmp / "604.lock",
            "{\"pid\": " + std::to_string(getpid()) +
                ", \"hostname\": \"host-a\", \"startedAt\": \"" + kT0Text +
                "\", \"command\": \"ts\"}");
  ManagerPtr manager = MakeManager(tmp.path());
  int reason = -1;

  ASSERT_EQ(sequantlock_manager_release(manager.get(), "604", &reason),
            SEQUANTLOCK_OK);

  EXPECT_EQ(reason, SEQUANTLOCK_RELEASE_RELEASED);
  EXPECT_FALSE(Exists(tmp / "604.lock"));
}

TEST(ReleaseTest, ReleaseTokenMatchesOnlyItsToken) {
  TempDir tmp;
  ManagerPtr first = MakeManager(tmp.path());
  ManagerPtr second = MakeManager(tmp.path());
  AcquirePtr taken = Acquire(first.get(), "604");
  const std::string token = sequantlock_acquire_result_token(taken.get());
  int reason = -1;

  ASSERT_EQ(sequantlock_manager_release_token(second.get(), "604", "wrong",
                                              &reason),
            SEQUANTLOCK_OK);
  EXPECT_EQ(reason, SEQUANTLOCK_RELEASE_TOKEN_MISMATCH);
  EXPECT_TRUE(Exists(tmp / "604.lock"));
  ASSERT_EQ(sequantlock_manager_release_token(second.get(), "604",
                                              token.c_str(), &reason),
            SEQUANTLOCK_OK);
  EXPECT_EQ(reason, SEQUANTLOCK_RELEASE_RELEASED);
  EXPECT_FALSE(Exists(tmp / "604.lock"));
  ASSERT_EQ(sequantlock_manager_release_token(second.get(), "604",
                                              token.c_str(), &reason),
            SEQUANTLOCK_OK);
  EXPECT_EQ(reason, SEQUANTLOCK_RELEASE_NO_LOCK);
}

TEST(ReleaseTest, ReleaseTokenRejectsEmptyAndNullToken) {
  TempDir tmp;
  ManagerPtr manager = MakeManager(tmp.path());
  AcquirePtr taken = Acquire(manager.get(), "604");
  int reason = -1;

  EXPECT_EQ(sequantlock_manager_release_token(manager.get(), "604", "",
                                              &reason),
            SEQUANTLOCK_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(sequantlock_manager_release_token(manager.get(), "604", nullptr,
                                              &reason),
            SEQUANTLOCK_ERR_INVALID_ARGUMENT);
  EXPECT_TRUE(MessageNames("token"));
  EXPECT_EQ(reason, -1);
  EXPECT_TRUE(Exists(tmp / "604.lock"));
}

TEST(ReleaseTest, ReleaseExternalRemovesSkipPidCheckLock) {
  TempDir tmp;
  Identity shell;
  shell.pid = 4242;
  ManagerPtr acquirer = MakeManager(tmp.path(), shell);
  AcquirePtr taken =
      Acquire(acquirer.get(), "604", SEQUANTLOCK_ACQUIRE_SKIP_PID_CHECK);
  Identity later;
  later.pid = 5555;
  ManagerPtr releaser = MakeManager(tmp.path(), later);
  int reason = -1;

  ASSERT_EQ(sequantlock_manager_release_external(releaser.get(), "604",
                                                 &reason),
            SEQUANTLOCK_OK);

  EXPECT_EQ(reason, SEQUANTLOCK_RELEASE_RELEASED);
  EXPECT_FALSE(Exists(tmp / "604.lock"));
}

TEST(ReleaseTest, ReleaseExternalMatchesPid) {
  TempDir tmp;
  Identity shell;
  shell.pid = 4242;
  ManagerPtr acquirer = MakeManager(tmp.path(), shell);
  AcquirePtr taken = Acquire(acquirer.get(), "604");
  Identity stranger;
  stranger.pid = 5555;
  ManagerPtr other_pid = MakeManager(tmp.path(), stranger);
  ManagerPtr same_pid = MakeManager(tmp.path(), shell);
  int reason = -1;

  ASSERT_EQ(sequantlock_manager_release_external(other_pid.get(), "604",
                                                 &reason),
            SEQUANTLOCK_OK);
  EXPECT_EQ(reason, SEQUANTLOCK_RELEASE_NOT_OWNER);
  EXPECT_TRUE(Exists(tmp / "604.lock"));
  ASSERT_EQ(sequantlock_manager_release_external(same_pid.get(), "604",
                                                 &reason),
            SEQUANTLOCK_OK);
  EXPECT_EQ(reason, SEQUANTLOCK_RELEASE_RELEASED);
  EXPECT_FALSE(Exists(tmp / "604.lock"));
}

TEST(ReleaseTest, ReleaseExternalRefusesOtherHost) {
  TempDir tmp;
  WriteFile(tmp / "604.lock", OtherHostRecord(/*skip_pid_check=*/true));
  ManagerPtr manager = MakeManager(tmp.path());
  int reason = -1;

  ASSERT_EQ(sequantlock_manager_release_external(manager.get(), "604",
                                                 &reason),
            SEQUANTLOCK_OK);

  EXPECT_EQ(reason, SEQUANTLOCK_RELEASE_CROSS_HOST);
  EXPECT_TRUE(Exists(tmp / "604.lock"));
}

TEST(ReleaseTest, ReleaseExternalOfMissingLockIsNoLock) {
  TempDir tmp;
  ManagerPtr manager = MakeManager(tmp / "absent");
  int reason = -1;

  ASSERT_EQ(sequantlock_manager_release_external(manager.get(), "604",
                                                 &reason),
            SEQUANTLOCK_OK);

  EXPECT_EQ(reason, SEQUANTLOCK_RELEASE_NO_LOCK);
  EXPECT_FALSE(Exists(tmp / "absent"));
}

TEST(ReleaseTest, ReleaseAllReleasesEveryHeldLock) {
  TempDir tmp;
  ManagerPtr manager = MakeManager(tmp.path());
  AcquirePtr a = Acquire(manager.get(), "1");
  AcquirePtr b = Acquire(manager.get(), "2");
  AcquirePtr c = Acquire(manager.get(), "checkout");
  size_t released = 99;

  ASSERT_EQ(sequantlock_manager_release_all(manager.get(), &released),
            SEQUANTLOCK_OK);
  EXPECT_EQ(released, 3u);
  EXPECT_FALSE(Exists(tmp / "1.lock"));
  EXPECT_FALSE(Exists(tmp / "2.lock"));
  EXPECT_FALSE(Exists(tmp / "checkout.lock"));
  ASSERT_EQ(sequantlock_manager_release_all(manager.get(), &released),
            SEQUANTLOCK_OK);
  EXPECT_EQ(released, 0u);
  EXPECT_EQ(sequantlock_manager_release_all(manager.get(), nullptr),
            SEQUANTLOCK_OK);
}

TEST(ReleaseTest, ReleaseAllLeavesLocksTakenOver) {
  TempDir tmp;
  ManagerPtr first = MakeManager(tmp.path());
  ManagerPtr second = MakeManager(tmp.path());
  AcquirePtr mine = Acquire(first.get(), "1");
  AcquirePtr kept = Acquire(first.get(), "2");
  sequantlock_acquire_result* raw = nullptr;
  ASSERT_EQ(sequantlock_manager_force_acquire(second.get(), "1", "c", 0, &raw),
            SEQUANTLOCK_OK);
  AcquirePtr forced(raw);
  size_t released = 99;

  ASSERT_EQ(sequantlock_manager_release_all(first.get(), &released),
            SEQUANTLOCK_OK);

  EXPECT_EQ(released, 1u);
  EXPECT_EQ(ReadFile(tmp / "1.lock"),
            ToJson(sequantlock_acquire_result_record(forced.get()), 0));
  EXPECT_FALSE(Exists(tmp / "2.lock"));
}

TEST(ReleaseTest, ForkedChildDoesNotReleaseParentLock) {
  TempDir tmp;
  ManagerPtr manager = MakeManager(tmp.path());
  AcquirePtr taken = Acquire(manager.get(), "604");
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    int reason = -1;
    const int rc = sequantlock_manager_release(manager.get(), "604", &reason);
    _exit(rc == SEQUANTLOCK_OK ? reason : 100);
  }
  int status = 0;

  ASSERT_EQ(waitpid(child, &status, 0), child);

  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), SEQUANTLOCK_RELEASE_NOT_OWNER);
  EXPECT_TRUE(Exists(tmp / "604.lock"));
}

TEST(ReleaseTest, NonUtf8HostnameMatchesItsOwnLocks) {
  // The record stores the host name with invalid UTF-8 replaced, so a
  // comparison with the raw name would treat this host's locks as foreign.
  TempDir tmp;
  World world;
  world.alive.insert(4242);
  Identity identity;
  identity.hostname = "host-\xff";
  identity.pid = 4242;
  ManagerPtr holder = MakeManager(tmp.path(), identity, &world);
  AcquirePtr skip =
      Acquire(holder.get(), "1", SEQUANTLOCK_ACQUIRE_SKIP_PID_CHECK);
  AcquirePtr held = Acquire(holder.get(), "2");
  world.alive.erase(4242);
  identity.pid = 5555;
  ManagerPtr next = MakeManager(tmp.path(), identity, &world);
  int reason = -1;

  ASSERT_EQ(sequantlock_manager_release_external(next.get(), "1", &reason),
            SEQUANTLOCK_OK);
  AcquirePtr retaken = Acquire(next.get(), "2");

  EXPECT_EQ(reason, SEQUANTLOCK_RELEASE_RELEASED);
  ASSERT_TRUE(retaken);
  EXPECT_EQ(sequantlock_acquire_result_acquired(retaken.get()), 1);
  EXPECT_EQ(sequantlock_acquire_result_stale_reason(retaken.get()),
            SEQUANTLOCK_STALE_PID_DEAD);
}

TEST(AcquireTest, ConcurrentAcquireHasOneWinner) {
  TempDir tmp;
  constexpr int kThreads = 8;
  ManagerPtr shared = MakeManager(tmp.path());
  std::vector<ManagerPtr> own;
  for (int i = 0; i < kThreads; ++i) own.push_back(MakeManager(tmp.path()));
  std::vector<int> acquired(2 * kThreads, -1);
  std::vector<int> codes(2 * kThreads, -1);
  std::vector<std::thread> threads;

  for (int i = 0; i < 2 * kThreads; ++i) {
    sequantlock_manager* manager =
        i < kThreads ? shared.get() : own[i - kThreads].get();
    threads.emplace_back([&, i, manager] {
      sequantlock_acquire_result* raw = nullptr;
      codes[i] = sequantlock_manager_acquire(manager, "604", "race", 0, &raw);
      AcquirePtr result(raw);
      acquired[i] = sequantlock_acquire_result_acquired(result.get());
    });
  }
  for (std::thread& thread : threads) thread.join();

  int winners = 0;
  for (int i = 0; i < 2 * kThreads; ++i) {
    EXPECT_EQ(codes[i], SEQUANTLOCK_OK) << i;
    winners += acquired[i];
  }
  EXPECT_EQ(winners, 1);
}

/* Check and list ----------------------------------------------------- */

TEST(CheckTest, MissingLockGivesNull) {
  TempDir tmp;
  ManagerPtr manager = MakeManager(tmp / "locks");
  auto* info = reinterpret_cast<sequantlock_lock_info*>(0x1);

  ASSERT_EQ(sequantlock_manager_check(manager.get(), "604", &info),
            SEQUANTLOCK_OK);

  EXPECT_EQ(info, nullptr);
  EXPECT_FALSE(Exists(tmp / "locks"));
}

TEST(CheckTest, HeldLockGivesInfo) {
  TempDir tmp;
  World world;
  world.alive.insert(4242);
  Identity first;
  first.pid = 4242;
  ManagerPtr holder = MakeManager(tmp.path(), first, &world);
  ManagerPtr reader = MakeManager(tmp.path(), {}, &world);
  AcquirePtr taken = Acquire(holder.get(), "604", 0, "work");
  world.now_ms = kT0 + 1234;
  const std::string before = ReadFile(tmp / "604.lock");
  sequantlock_lock_info* raw = nullptr;

  ASSERT_EQ(sequantlock_manager_check(reader.get(), "604", &raw),
            SEQUANTLOCK_OK);

  InfoPtr info(raw);
  ASSERT_TRUE(info);
  EXPECT_STREQ(sequantlock_lock_info_key(info.get()), "604");
  EXPECT_EQ(std::string(sequantlock_lock_info_lock_path(info.get())),
            tmp / "604.lock");
  EXPECT_EQ(sequantlock_lock_info_corrupt(info.get()), 0);
  EXPECT_EQ(sequantlock_lock_info_age_ms(info.get()), 1234);
  EXPECT_EQ(sequantlock_lock_info_stale(info.get()), 0);
  EXPECT_EQ(sequantlock_lock_info_stale_reason(info.get()),
            SEQUANTLOCK_STALE_NONE);
  const sequantlock_holder* found = sequantlock_lock_info_holder(info.get());
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(sequantlock_holder_pid(found), 4242);
  EXPECT_STREQ(sequantlock_holder_command(found), "work");
  EXPECT_EQ(ReadFile(tmp / "604.lock"), before);
}

TEST(CheckTest, StaleLeftoverIsReportedStaleAndKept) {
  TempDir tmp;
  World world;
  ManagerPtr manager = MakeManager(tmp.path(), {}, &world);
  WriteFile(tmp / "604.lock", SameHostRecord());
  sequantlock_lock_info* raw = nullptr;

  ASSERT_EQ(sequantlock_manager_check(manager.get(), "604", &raw),
            SEQUANTLOCK_OK);

  InfoPtr info(raw);
  ASSERT_TRUE(info);
  EXPECT_EQ(sequantlock_lock_info_stale(info.get()), 1);
  EXPECT_EQ(sequantlock_lock_info_stale_reason(info.get()),
            SEQUANTLOCK_STALE_PID_DEAD);
  EXPECT_TRUE(Exists(tmp / "604.lock"));
}

TEST(CheckTest, CorruptFileHasNoHolder) {
  TempDir tmp;
  World world;
  ManagerPtr manager = MakeManager(tmp.path(), {}, &world);
  WriteFile(tmp / "604.lock", "{\"pid\": -3}");
  sequantlock_lock_info* raw = nullptr;

  ASSERT_EQ(sequantlock_manager_check(manager.get(), "604", &raw),
            SEQUANTLOCK_OK);

  InfoPtr info(raw);
  ASSERT_TRUE(info);
  EXPECT_EQ(sequantlock_lock_info_corrupt(info.get()), 1);
  EXPECT_EQ(sequantlock_lock_info_holder(info.get()), nullptr);
  EXPECT_STREQ(sequantlock_lock_info_key(info.get()), "604");
}

TEST(ListTest, MissingDirectoryGivesEmptyList) {
  TempDir tmp;
  ManagerPtr manager = MakeManager(tmp / "absent");
  sequantlock_lock_list* raw = nullptr;

  ASSERT_EQ(sequantlock_manager_list(manager.get(), &raw), SEQUANTLOCK_OK);

  ListPtr list(raw);
  ASSERT_TRUE(list);
  EXPECT_EQ(sequantlock_lock_list_count(list.get()), 0u);
  EXPECT_EQ(sequantlock_lock_list_at(list.get(), 0), nullptr);
  EXPECT_FALSE(Exists(tmp / "absent"));
}

TEST(ListTest, LocksAreSortedIssuesFirstThenNames) {
  TempDir tmp;
  ManagerPtr manager = MakeManager(tmp.path());
  for (const char* key : {"checkout", "10", "9", "abc", "100", "Zeta"}) {
    AcquirePtr taken = Acquire(manager.get(), key);
    ASSERT_TRUE(taken);
  }
  sequantlock_lock_list* raw = nullptr;

  ASSERT_EQ(sequantlock_manager_list(manager.get(), &raw), SEQUANTLOCK_OK);

  ListPtr list(raw);
  std::vector<std::string> keys;
  for (size_t i = 0; i < sequantlock_lock_list_count(list.get()); ++i) {
    const sequantlock_lock_info* info = sequantlock_lock_list_at(list.get(), i);
    ASSERT_NE(info, nullptr);
    keys.push_back(sequantlock_lock_info_key(info));
    EXPECT_EQ(std::string(sequantlock_lock_info_lock_path(info)),
              tmp / (keys.back() + ".lock"));
    EXPECT_NE(sequantlock_lock_info_holder(info), nullptr);
  }
  EXPECT_EQ(keys, (std::vector<std::string>{"9", "10", "100", "Zeta", "abc",
                                            "checkout"}));
  EXPECT_EQ(sequantlock_lock_list_at(list.get(), keys.size()), nullptr);
}

TEST(ListTest, FilesThatAreNotLocksAreSkipped) {
  TempDir tmp;
  ManagerPtr manager = MakeManager(tmp.path());
  AcquirePtr taken = Acquire(manager.get(), "604");
  WriteFile(tmp / "session-abc.issue", "604");
  WriteFile(tmp / "notes.txt", "x");
  WriteFile(tmp / "0604.lock", SameHostRecord());
  WriteFile(tmp / "bad key.lock", SameHostRecord());
  sequantlock_lock_list* raw = nullptr;

  ASSERT_EQ(sequantlock_manager_list(manager.get(), &raw), SEQUANTLOCK_OK);

  ListPtr list(raw);
  ASSERT_EQ(sequantlock_lock_list_count(list.get()), 1u);
  const sequantlock_lock_info* info = sequantlock_lock_list_at(list.get(), 0);
  EXPECT_STREQ(sequantlock_lock_info_key(info), "604");
}

TEST(ListTest, CorruptLockIsListedWithoutHolder) {
  TempDir tmp;
  ManagerPtr manager = MakeManager(tmp.path());
  WriteFile(tmp / "8.lock", "[]");
  sequantlock_lock_list* raw = nullptr;

  ASSERT_EQ(sequantlock_manager_list(manager.get(), &raw), SEQUANTLOCK_OK);

  ListPtr list(raw);
  ASSERT_EQ(sequantlock_lock_list_count(list.get()), 1u);
  const sequantlock_lock_info* info = sequantlock_lock_list_at(list.get(), 0);
  EXPECT_EQ(sequantlock_lock_info_corrupt(info), 1);
  EXPECT_EQ(sequantlock_lock_info_holder(info), nullptr);
}

TEST(ListTest, FileInPlaceOfDirectoryIsIoError) {
  TempDir tmp;
  WriteFile(tmp / "locks", "x");
  ManagerPtr manager = MakeManager(tmp / "locks");
  auto* list = reinterpret_cast<sequantlock_lock_list*>(0x1);

  EXPECT_EQ(sequantlock_manager_list(manager.get(), &list),
            SEQUANTLOCK_ERR_IO);

  EXPECT_EQ(list, nullptr);
  EXPECT_NE(sequantlock_last_error_os_errno(), 0);
  EXPECT_TRUE(MessageNames(tmp / "locks"));
}

/* Clear -------------------------------------------------------------- */

TEST(ClearTest, MissingLockIsNoLock) {
  TempDir tmp;
  ManagerPtr manager = MakeManager(tmp / "absent");
  sequantlock_clear_result* raw = nullptr;

  ASSERT_EQ(sequantlock_manager_clear(manager.get(), "604", 0, &raw),
            SEQUANTLOCK_OK);

  ClearPtr result(raw);
  ASSERT_TRUE(result);
  EXPECT_EQ(sequantlock_clear_result_cleared(result.get()), 0);
  EXPECT_EQ(sequantlock_clear_result_reason(result.get()),
            SEQUANTLOCK_CLEAR_NO_LOCK);
  EXPECT_EQ(sequantlock_clear_result_info(result.get()), nullptr);
  EXPECT_FALSE(Exists(tmp / "absent"));
}

TEST(ClearTest, FreshLockIsRefusedUnlessForced) {
  TempDir tmp;
  World world;
  world.alive.insert(4242);
  Identity first;
  first.pid = 4242;
  ManagerPtr holder = MakeManager(tmp.path(), first, &world);
  ManagerPtr clearer = MakeManager(tmp.path(), {}, &world);
  AcquirePtr taken = Acquire(holder.get(), "604");
  sequantlock_clear_result* raw = nullptr;

  ASSERT_EQ(sequantlock_manager_clear(clearer.get(), "604", 0, &raw),
            SEQUANTLOCK_OK);
  ClearPtr refused(raw);
  ASSERT_EQ(sequantlock_manager_clear(clearer.get(), "604", 1, &raw),
            SEQUANTLOCK_OK);
  ClearPtr forced(raw);

  ASSERT_TRUE(refused);
  EXPECT_EQ(sequantlock_clear_result_cleared(refused.get()), 0);
  EXPECT_EQ(sequantlock_clear_result_reason(refused.get()),
            SEQUANTLOCK_CLEAR_FRESH);
  const sequantlock_lock_info* info =
      sequantlock_clear_result_info(refused.get());
  ASSERT_NE(info, nullptr);
  EXPECT_EQ(sequantlock_holder_pid(sequantlock_lock_info_holder(info)), 4242);
  EXPECT_EQ(sequantlock_lock_info_stale(info), 0);
  ASSERT_TRUE(forced);
  EXPECT_EQ(sequantlock_clear_result_cleared(forced.get()), 1);
  EXPECT_EQ(sequantlock_clear_result_reason(forced.get()),
            SEQUANTLOCK_CLEAR_CLEARED);
  EXPECT_FALSE(Exists(tmp / "604.lock"));
}

TEST(ClearTest, StaleLockIsCleared) {
  TempDir tmp;
  World world;
  ManagerPtr manager = MakeManager(tmp.path(), {}, &world);
  WriteFile(tmp / "604.lock", SameHostRecord());
  sequantlock_clear_result* raw = nullptr;

  ASSERT_EQ(sequantlock_manager_clear(manager.get(), "604", 0, &raw),
            SEQUANTLOCK_OK);

  ClearPtr result(raw);
  ASSERT_TRUE(result);
  EXPECT_EQ(sequantlock_clear_result_cleared(result.get()), 1);
  EXPECT_EQ(sequantlock_clear_result_reason(result.get()),
            SEQUANTLOCK_CLEAR_CLEARED);
  const sequantlock_lock_info* info =
      sequantlock_clear_result_info(result.get());
  ASSERT_NE(info, nullptr);
  EXPECT_EQ(sequantlock_lock_info_stale(info), 1);
  EXPECT_EQ(sequantlock_lock_info_stale_reason(info),
            SEQUANTLOCK_STALE_PID_DEAD);
  EXPECT_FALSE(Exists(tmp / "604.lock"));
}

/* Signal other ------------------------------------------------------- */

class SignalOtherTest : public ::testing::Test {
 protected:
  int Signal(const std::string& json, int signal = SIGTERM) {
    HolderPtr holder = Parse(json);
    int reason = -1;
    EXPECT_EQ(sequantlock_manager_signal_other(manager_.get(), holder.get(),
                                               signal, &reason),
              SEQUANTLOCK_OK)
        << sequantlock_last_error_message();
    return reason;
  }

  std::string Record(int64_t pid, const char* host, bool skip = false) {
    return "{\"pid\": " + std::to_string(pid) + ", \"hostname\": \"" + host +
           "\", \"startedAt\": \"" + kT0Text + "\", \"command\": \"c\"" +
           (skip ? ", \"skipPidCheck\": true" : "") + "}";
  }

  TempDir tmp_;
  World world_;
  ManagerPtr manager_ = MakeManager(tmp_.path(), {}, &world_);
};

TEST_F(SignalOtherTest, SelfIsNotSignalled) {
  EXPECT_EQ(Signal(Record(getpid(), "host-a")),
            SEQUANTLOCK_SIGNAL_SELF_OR_PARENT);
  EXPECT_EQ(Signal(Record(getppid(), "host-a")),
            SEQUANTLOCK_SIGNAL_SELF_OR_PARENT);
}

TEST_F(SignalOtherTest, OtherHostIsNotSignalled) {
  world_.alive.insert(4242);
  EXPECT_EQ(Signal(Record(4242, "host-b")), SEQUANTLOCK_SIGNAL_CROSS_HOST);
}

TEST_F(SignalOtherTest, SkipPidCheckHolderIsNotSignalled) {
  world_.alive.insert(4242);
  EXPECT_EQ(Signal(Record(4242, "host-a", /*skip=*/true)),
            SEQUANTLOCK_SIGNAL_SKIP_PID_CHECK);
}

TEST_F(SignalOtherTest, InitPidIsInvalid) {
  EXPECT_EQ(Signal(Record(1, "host-a")), SEQUANTLOCK_SIGNAL_INVALID_PID);
}

TEST_F(SignalOtherTest, DeadHolderIsNotSignalled) {
  EXPECT_EQ(Signal(Record(4242, "host-a")), SEQUANTLOCK_SIGNAL_PID_DEAD);
}

TEST_F(SignalOtherTest, HolderPastCeilingIsUntrusted) {
  world_.alive.insert(4242);
  world_.now_ms = kT0 + SEQUANTLOCK_DEFAULT_MAX_LOCK_AGE_MS + 1;
  EXPECT_EQ(Signal(Record(4242, "host-a")),
            SEQUANTLOCK_SIGNAL_STALE_PID_UNTRUSTED);
}

TEST_F(SignalOtherTest, InvalidSignalIsRejectedByValue) {
  HolderPtr holder = Parse(Record(4242, "host-a"));
  int reason = -1;
  for (int signal : {0, -9, 1000}) {
    EXPECT_EQ(sequantlock_manager_signal_other(manager_.get(), holder.get(),
                                               signal, &reason),
              SEQUANTLOCK_ERR_INVALID_ARGUMENT);
    EXPECT_TRUE(MessageNames(std::to_string(signal)));
  }
  EXPECT_EQ(reason, -1);
}

TEST(SignalLiveTest, LiveHolderOnThisHostIsSignalled) {
  TempDir tmp;
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(ready[0]);
    sequantlock_options* options = nullptr;
    sequantlock_manager* manager = nullptr;
    sequantlock_acquire_result* result = nullptr;
    if (sequantlock_options_new(&options) != 0 ||
        sequantlock_options_set_locks_dir(options, tmp.path().c_str()) != 0 ||
        sequantlock_manager_new(&manager, options) != 0 ||
        sequantlock_manager_acquire(manager, "604", "child", 0, &result) != 0 ||
        sequantlock_acquire_result_acquired(result) != 1) {
      _exit(3);
    }
    const char byte = 'r';
    if (write(ready[1], &byte, 1) != 1) _exit(4);
    for (;;) pause();
  }
  close(ready[1]);
  char byte = 0;
  const bool child_ready = read(ready[0], &byte, 1) == 1;
  close(ready[0]);
  if (!child_ready) {
    kill(child, SIGKILL);
    waitpid(child, nullptr, 0);
    FAIL() << "the child did not take the lock";
  }
  // A manager with the real host name, probe and clock, as the child has.
  sequantlock_options* raw_options = nullptr;
  ASSERT_EQ(sequantlock_options_new(&raw_options), SEQUANTLOCK_OK);
  OptionsPtr options(raw_options);
  ASSERT_EQ(
      sequantlock_options_set_locks_dir(options.get(), tmp.path().c_str()),
      SEQUANTLOCK_OK);
  sequantlock_manager* raw_manager = nullptr;
  ASSERT_EQ(sequantlock_manager_new(&raw_manager, options.get()),
            SEQUANTLOCK_OK);
  ManagerPtr real(raw_manager);
  sequantlock_lock_info* raw_info = nullptr;
  ASSERT_EQ(sequantlock_manager_check(real.get(), "604", &raw_info),
            SEQUANTLOCK_OK);
  InfoPtr info(raw_info);
  ASSERT_TRUE(info);
  const sequantlock_holder* holder = sequantlock_lock_info_holder(info.get());
  ASSERT_NE(holder, nullptr);
  ASSERT_EQ(sequantlock_holder_pid(holder), child);
  int reason = -1;

  const int rc =
      sequantlock_manager_signal_other(real.get(), holder, SIGTERM, &reason);

  int status = 0;
  if (rc != SEQUANTLOCK_OK || reason != SEQUANTLOCK_SIGNAL_SENT) {
    kill(child, SIGKILL);
  }
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_EQ(rc, SEQUANTLOCK_OK);
  EXPECT_EQ(reason, SEQUANTLOCK_SIGNAL_SENT);
  EXPECT_TRUE(WIFSIGNALED(status));
  if (WIFSIGNALED(status)) EXPECT_EQ(WTERMSIG(status), SIGTERM);
  EXPECT_TRUE(Exists(tmp / "604.lock"));
}

/* Holder ------------------------------------------------------------- */

constexpr const char* kFullRecord =
    "{\n"
    "  \"pid\": 12345,\n"
    "  \"hostname\": \"host-a\",\n"
    "  \"startedAt\": \"2026-05-10T14:32:00.000Z\",\n"
    "  \"command\": \"npx sequant fullsolve 604\",\n"
    "  \"skipPidCheck\": true,\n"
    "  \"token\": \"0123456789abcdef\",\n"
    "  \"processStartTime\": 987654,\n"
    "  \"bootId\": \"boot-1\",\n"
    "  \"machineId\": \"machine-1\",\n"
    "  \"pidNamespace\": 4026531836,\n"
    "  \"schemaVersion\": 1\n"
    "}";

TEST(HolderTest, ParseReadsEveryField) {
  HolderPtr holder = Parse(kFullRecord);

  ASSERT_TRUE(holder);
  EXPECT_EQ(sequantlock_holder_pid(holder.get()), 12345);
  EXPECT_STREQ(sequantlock_holder_hostname(holder.get()), "host-a");
  EXPECT_STREQ(sequantlock_holder_started_at(holder.get()), kT0Text);
  EXPECT_STREQ(sequantlock_holder_command(holder.get()),
               "npx sequant fullsolve 604");
  EXPECT_EQ(sequantlock_holder_skip_pid_check(holder.get()), 1);
  EXPECT_STREQ(sequantlock_holder_token(holder.get()), "0123456789abcdef");
  EXPECT_EQ(sequantlock_holder_process_start_time(holder.get()), 987654);
  EXPECT_STREQ(sequantlock_holder_boot_id(holder.get()), "boot-1");
  EXPECT_STREQ(sequantlock_holder_machine_id(holder.get()), "machine-1");
  EXPECT_EQ(sequantlock_holder_pid_namespace(holder.get()), 4026531836u);
  EXPECT_EQ(sequantlock_holder_schema_version(holder.get()), 1);
}

TEST(HolderTest, OriginalRecordHasNoIdentityFields) {
  HolderPtr holder = Parse(OtherHostRecord());

  ASSERT_TRUE(holder);
  EXPECT_EQ(sequantlock_holder_skip_pid_check(holder.get()), 0);
  EXPECT_STREQ(sequantlock_holder_token(holder.get()), "");
  EXPECT_EQ(sequantlock_holder_process_start_time(holder.get()), -1);
  EXPECT_STREQ(sequantlock_holder_boot_id(holder.get()), "");
  EXPECT_STREQ(sequantlock_holder_machine_id(holder.get()), "");
  EXPECT_EQ(sequantlock_holder_pid_namespace(holder.get()), 0u);
  EXPECT_EQ(sequantlock_holder_schema_version(holder.get()), 0);
}

TEST(HolderTest, ToJsonIsByteExact) {
  HolderPtr holder = Parse(kFullRecord);

  EXPECT_EQ(ToJson(holder.get(), 0), kFullRecord);
}

TEST(HolderTest, ToJsonOrdersFieldsCanonically) {
  HolderPtr holder = Parse(
      "{\"schemaVersion\":1,\"pidNamespace\":4026531836,"
      "\"machineId\":\"machine-1\",\"bootId\":\"boot-1\","
      "\"processStartTime\":987654,\"token\":\"0123456789abcdef\","
      "\"skipPidCheck\":true,\"command\":\"npx sequant fullsolve 604\","
      "\"startedAt\":\"2026-05-10T14:32:00.000Z\",\"hostname\":\"host-a\","
      "\"pid\":12345}");

  EXPECT_EQ(ToJson(holder.get(), 0), kFullRecord);
}

TEST(HolderTest, OriginalFieldsFlagEmitsOnlyFive) {
  HolderPtr holder = Parse(kFullRecord);

  EXPECT_EQ(ToJson(holder.get(), SEQUANTLOCK_JSON_ORIGINAL_FIELDS),
            "{\n"
            "  \"pid\": 12345,\n"
            "  \"hostname\": \"host-a\",\n"
            "  \"startedAt\": \"2026-05-10T14:32:00.000Z\",\n"
            "  \"command\": \"npx sequant fullsolve 604\",\n"
            "  \"skipPidCheck\": true\n"
            "}");
}

TEST(HolderTest, CompactFlagGivesOneLine) {
  HolderPtr holder = Parse(kFullRecord);

  EXPECT_EQ(ToJson(holder.get(), SEQUANTLOCK_JSON_COMPACT |
                                     SEQUANTLOCK_JSON_ORIGINAL_FIELDS),
            "{\"pid\":12345,\"hostname\":\"host-a\","
            "\"startedAt\":\"2026-05-10T14:32:00.000Z\","
            "\"command\":\"npx sequant fullsolve 604\",\"skipPidCheck\":true}");
}

TEST(HolderTest, FalseSkipPidCheckIsOmitted) {
  HolderPtr holder = Parse(
      "{\"pid\": 5, \"hostname\": \"h\", \"startedAt\": \"s\", "
      "\"command\": \"c\", \"skipPidCheck\": false}");

  EXPECT_EQ(ToJson(holder.get(), 0),
            "{\n"
            "  \"pid\": 5,\n"
            "  \"hostname\": \"h\",\n"
            "  \"startedAt\": \"s\",\n"
            "  \"command\": \"c\"\n"
            "}");
}

TEST(HolderTest, UnknownFieldsAreDropped) {
  HolderPtr holder = Parse(
      "{\"pid\": 5, \"extra\": [1, 2], \"hostname\": \"h\", "
      "\"startedAt\": \"s\", \"command\": \"c\", \"note\": \"x\"}");

  const std::string json = ToJson(holder.get(), 0);

  EXPECT_EQ(json.find("extra"), std::string::npos);
  EXPECT_EQ(json.find("note"), std::string::npos);
}

TEST(HolderTest, StringsAreEscapedAsJson) {
  HolderPtr holder = Parse(
      "{\"pid\": 5, \"hostname\": \"h\", \"startedAt\": \"s\", "
      "\"command\": \"say \\\"hi\\\"\\n\\ttab \\\\ caf\xC3\xA9\"}");

  EXPECT_STREQ(sequantlock_holder_command(holder.get()),
               "say \"hi\"\n\ttab \\ caf\xC3\xA9");
  EXPECT_EQ(ToJson(holder.get(), SEQUANTLOCK_JSON_COMPACT),
            "{\"pid\":5,\"hostname\":\"h\",\"startedAt\":\"s\","
            "\"command\":\"say \\\"hi\\\"\\n\\ttab \\\\ caf\xC3\xA9\"}");
}

TEST(HolderTest, IntegralFloatPidIsAccepted) {
  HolderPtr holder = Parse(
      "{\"pid\": 42.0, \"hostname\": \"h\", \"startedAt\": \"s\", "
      "\"command\": \"c\"}");

  ASSERT_TRUE(holder);
  EXPECT_EQ(sequantlock_holder_pid(holder.get()), 42);
}

TEST(HolderTest, ParseRejectsInvalidRecords) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", ""},
      {"not json", ""},
      {"[1, 2]", ""},
      {"{\"hostname\": \"h\", \"startedAt\": \"s\", \"command\": \"c\"}",
       "pid"},
      {"{\"pid\": 0, \"hostname\": \"h\", \"startedAt\": \"s\", "
       "\"command\": \"c\"}",
       "pid"},
      {"{\"pid\": -4, \"hostname\": \"h\", \"startedAt\": \"s\", "
       "\"command\": \"c\"}",
       "pid"},
      {"{\"pid\": 1.5, \"hostname\": \"h\", \"startedAt\": \"s\", "
       "\"command\": \"c\"}",
       "pid"},
      {"{\"pid\": \"12\", \"hostname\": \"h\", \"startedAt\": \"s\", "
       "\"command\": \"c\"}",
       "pid"},
      {"{\"pid\": 1, \"startedAt\": \"s\", \"command\": \"c\"}", "hostname"},
      {"{\"pid\": 1, \"hostname\": 7, \"startedAt\": \"s\", "
       "\"command\": \"c\"}",
       "hostname"},
      {"{\"pid\": 1, \"hostname\": \"h\", \"command\": \"c\"}", "startedAt"},
      {"{\"pid\": 1, \"hostname\": \"h\", \"startedAt\": \"s\"}", "command"},
      {"{\"pid\": 1, \"hostname\": \"h\", \"startedAt\": \"s\", "
       "\"command\": \"c\", \"skipPidCheck\": \"yes\"}",
       "skipPidCheck"},
  };
  for (const auto& entry : cases) {
    auto* out = reinterpret_cast<sequantlock_holder*>(0x1);
    EXPECT_EQ(sequantlock_holder_parse(&out, entry.first.data(),
                                       entry.first.size()),
              SEQUANTLOCK_ERR_INVALID_ARGUMENT)
        << entry.first;
    EXPECT_EQ(out, nullptr) << entry.first;
    if (!entry.second.empty()) {
      EXPECT_TRUE(MessageNames(entry.second))
          << entry.first << ": " << sequantlock_last_error_message();
    }
  }
}

TEST(HolderTest, ParseRejectsOversizedRecord) {
  std::string json =
      "{\"pid\": 5, \"hostname\": \"h\", \"startedAt\": \"s\", "
      "\"command\": \"";
  json += std::string(SEQUANTLOCK_MAX_RECORD_BYTES, 'x');
  json += "\"}";
  sequantlock_holder* out = nullptr;

  EXPECT_EQ(sequantlock_holder_parse(&out, json.data(), json.size()),
            SEQUANTLOCK_ERR_INVALID_ARGUMENT);

  EXPECT_EQ(out, nullptr);
}

TEST(HolderTest, ParseReadsOnlyLengthBytes) {
  const std::string json = OtherHostRecord() + "trailing garbage";
  sequantlock_holder* raw = nullptr;

  ASSERT_EQ(sequantlock_holder_parse(&raw, json.data(),
                                     OtherHostRecord().size()),
            SEQUANTLOCK_OK);

  HolderPtr holder(raw);
  EXPECT_EQ(sequantlock_holder_pid(holder.get()), 777);
}

TEST(HolderTest, ParseRejectsNullArguments) {
  sequantlock_holder* out = nullptr;
  EXPECT_EQ(sequantlock_holder_parse(nullptr, "{}", 2),
            SEQUANTLOCK_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(sequantlock_holder_parse(&out, nullptr, 0),
            SEQUANTLOCK_ERR_INVALID_ARGUMENT);
  EXPECT_TRUE(MessageNames("json"));
  EXPECT_EQ(out, nullptr);
}

TEST(HolderTest, ToJsonRejectsNullArguments) {
  HolderPtr holder = Parse(OtherHostRecord());
  char* out = reinterpret_cast<char*>(0x1);
  EXPECT_EQ(sequantlock_holder_to_json(nullptr, 0, &out),
            SEQUANTLOCK_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(out, nullptr);
  EXPECT_TRUE(MessageNames("holder"));
  EXPECT_EQ(sequantlock_holder_to_json(holder.get(), 0, nullptr),
            SEQUANTLOCK_ERR_INVALID_ARGUMENT);
}

TEST(HolderTest, CopyOutlivesItsResult) {
  TempDir tmp;
  World world;
  world.alive.insert(4242);
  Identity first;
  first.pid = 4242;
  ManagerPtr holder_manager = MakeManager(tmp.path(), first, &world);
  ManagerPtr other = MakeManager(tmp.path(), {}, &world);
  AcquirePtr taken = Acquire(holder_manager.get(), "604", 0, "first");
  AcquirePtr refused = Acquire(other.get(), "604");
  const std::string expected =
      ToJson(sequantlock_acquire_result_holder(refused.get()), 0);
  sequantlock_holder* raw = nullptr;

  ASSERT_EQ(sequantlock_holder_copy(
                &raw, sequantlock_acquire_result_holder(refused.get())),
            SEQUANTLOCK_OK);
  HolderPtr copy(raw);
  refused.reset();

  EXPECT_EQ(sequantlock_holder_pid(copy.get()), 4242);
  EXPECT_STREQ(sequantlock_holder_command(copy.get()), "first");
  EXPECT_EQ(ToJson(copy.get(), 0), expected);
}

TEST(HolderTest, CopyRejectsNullArguments) {
  HolderPtr holder = Parse(OtherHostRecord());
  auto* out = reinterpret_cast<sequantlock_holder*>(0x1);
  EXPECT_EQ(sequantlock_holder_copy(&out, nullptr),
            SEQUANTLOCK_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(out, nullptr);
  EXPECT_EQ(sequantlock_holder_copy(nullptr, holder.get()),
            SEQUANTLOCK_ERR_INVALID_ARGUMENT);
}

TEST(HolderTest, AccessorsAreNullSafe) {
  EXPECT_EQ(sequantlock_holder_pid(nullptr), 0);
  EXPECT_STREQ(sequantlock_holder_hostname(nullptr), "");
  EXPECT_STREQ(sequantlock_holder_started_at(nullptr), "");
  EXPECT_STREQ(sequantlock_holder_command(nullptr), "");
  EXPECT_EQ(sequantlock_holder_skip_pid_check(nullptr), 0);
  EXPECT_STREQ(sequantlock_holder_token(nullptr), "");
  EXPECT_EQ(sequantlock_holder_process_start_time(nullptr), -1);
  EXPECT_STREQ(sequantlock_holder_boot_id(nullptr), "");
  EXPECT_STREQ(sequantlock_holder_machine_id(nullptr), "");
  EXPECT_EQ(sequantlock_holder_pid_namespace(nullptr), 0u);
  EXPECT_EQ(sequantlock_holder_schema_version(nullptr), 0);
  sequantlock_holder_free(nullptr);
}

/* Refusal message ---------------------------------------------------- */

std::string LockedMessage(const char* key, const sequantlock_holder* holder) {
  char* raw = nullptr;
  EXPECT_EQ(sequantlock_format_locked_message(key, holder, &raw),
            SEQUANTLOCK_OK);
  StringPtr text(raw);
  return text ? std::string(text.get()) : std::string();
}

TEST(LockedMessageTest, IssueKeyGivesCanonicalRefusal) {
  HolderPtr holder = Parse(kFullRecord);

  EXPECT_EQ(LockedMessage("604", holder.get()),
            "Issue #604 is being worked on by PID 12345 since "
            "2026-05-10T14:32:00.000Z (npx sequant fullsolve 604). Use "
            "--force to take over, or wait for the other session.");
}

TEST(LockedMessageTest, NamedKeyGivesCanonicalRefusal) {
  HolderPtr holder = Parse(kFullRecord);

  EXPECT_EQ(LockedMessage("checkout", holder.get()),
            "Lock 'checkout' is being worked on by PID 12345 since "
            "2026-05-10T14:32:00.000Z (npx sequant fullsolve 604). Use "
            "--force to take over, or wait for the other session.");
}

TEST(LockedMessageTest, ControlCharactersStayOnOneLine) {
  HolderPtr holder = Parse(
      "{\"pid\": 5, \"hostname\": \"h\", \"startedAt\": \"s\", "
      "\"command\": \"a\\nb\\rc\\u001bd\"}");

  const std::string message = LockedMessage("5", holder.get());

  EXPECT_EQ(message.find('\n'), std::string::npos);
  EXPECT_EQ(message.find('\r'), std::string::npos);
  EXPECT_EQ(message.find('\x1b'), std::string::npos);
}

TEST(LockedMessageTest, NullHolderDescribesUnreadableLock) {
  const std::string message = LockedMessage("604", nullptr);

  EXPECT_EQ(message.rfind("Issue #604 ", 0), 0u) << message;
}

TEST(LockedMessageTest, NullArgumentsAreRejected) {
  HolderPtr holder = Parse(kFullRecord);
  char* out = reinterpret_cast<char*>(0x1);
  EXPECT_EQ(sequantlock_format_locked_message(nullptr, holder.get(), &out),
            SEQUANTLOCK_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(out, nullptr);
  EXPECT_EQ(sequantlock_format_locked_message("604", holder.get(), nullptr),
            SEQUANTLOCK_ERR_INVALID_ARGUMENT);
}

/* Result accessors --------------------------------------------------- */

TEST(ResultAccessorTest, AcquireResultAccessorsAreNullSafe) {
  EXPECT_EQ(sequantlock_acquire_result_acquired(nullptr), 0);
  EXPECT_STREQ(sequantlock_acquire_result_lock_path(nullptr), "");
  EXPECT_EQ(sequantlock_acquire_result_holder(nullptr), nullptr);
  EXPECT_EQ(sequantlock_acquire_result_corrupt(nullptr), 0);
  EXPECT_EQ(sequantlock_acquire_result_record(nullptr), nullptr);
  EXPECT_STREQ(sequantlock_acquire_result_token(nullptr), "");
  EXPECT_EQ(sequantlock_acquire_result_replaced(nullptr), 0);
  EXPECT_EQ(sequantlock_acquire_result_previous(nullptr), nullptr);
  EXPECT_EQ(sequantlock_acquire_result_stale_reason(nullptr),
            SEQUANTLOCK_STALE_NONE);
  EXPECT_EQ(sequantlock_acquire_result_forced(nullptr), 0);
  sequantlock_acquire_result_free(nullptr);
}

TEST(ResultAccessorTest, LockInfoAccessorsAreNullSafe) {
  EXPECT_STREQ(sequantlock_lock_info_key(nullptr), "");
  EXPECT_STREQ(sequantlock_lock_info_lock_path(nullptr), "");
  EXPECT_EQ(sequantlock_lock_info_holder(nullptr), nullptr);
  EXPECT_EQ(sequantlock_lock_info_corrupt(nullptr), 0);
  EXPECT_EQ(sequantlock_lock_info_age_ms(nullptr), 0);
  EXPECT_EQ(sequantlock_lock_info_stale(nullptr), 0);
  EXPECT_EQ(sequantlock_lock_info_stale_reason(nullptr),
            SEQUANTLOCK_STALE_NONE);
  sequantlock_lock_info_free(nullptr);
}

TEST(ResultAccessorTest, LockListAccessorsAreNullSafe) {
  EXPECT_EQ(sequantlock_lock_list_count(nullptr), 0u);
  EXPECT_EQ(sequantlock_lock_list_at(nullptr, 0), nullptr);
  sequantlock_lock_list_free(nullptr);
}

TEST(ResultAccessorTest, ClearResultAccessorsAreNullSafe) {
  EXPECT_EQ(sequantlock_clear_result_cleared(nullptr), 0);
  EXPECT_EQ(sequantlock_clear_result_info(nullptr), nullptr);
  sequantlock_clear_result_free(nullptr);
  sequantlock_options_free(nullptr);
}

/* Orchestrator mode -------------------------------------------------- */

// Runs every operation on `manager` and checks that each is a no-op that
// leaves `dir` uncreated.
void ExpectEveryOperationIsNoop(sequantlock_manager* manager,
                                const std::string& dir) {
  EXPECT_EQ(sequantlock_manager_is_noop(manager), 1);

  sequantlock_acquire_result* raw_acquired = nullptr;
  ASSERT_EQ(sequantlock_manager_acquire(manager, "604", "c", 0, &raw_acquired),
            SEQUANTLOCK_OK);
  AcquirePtr acquired(raw_acquired);
  EXPECT_EQ(sequantlock_acquire_result_acquired(acquired.get()), 1);
  EXPECT_STREQ(sequantlock_acquire_result_lock_path(acquired.get()), "");
  EXPECT_EQ(sequantlock_acquire_result_holder(acquired.get()), nullptr);

  ASSERT_EQ(sequantlock_manager_force_acquire(manager, "604", "c", 0,
                                              &raw_acquired),
            SEQUANTLOCK_OK);
  AcquirePtr forced(raw_acquired);
  EXPECT_EQ(sequantlock_acquire_result_acquired(forced.get()), 1);
  EXPECT_STREQ(sequantlock_acquire_result_lock_path(forced.get()), "");

  sequantlock_lock_info* info = nullptr;
  ASSERT_EQ(sequantlock_manager_check(manager, "604", &info), SEQUANTLOCK_OK);
  EXPECT_EQ(info, nullptr);

  sequantlock_lock_list* raw_list = nullptr;
  ASSERT_EQ(sequantlock_manager_list(manager, &raw_list), SEQUANTLOCK_OK);
  ListPtr list(raw_list);
  EXPECT_EQ(sequantlock_lock_list_count(list.get()), 0u);

  sequantlock_clear_result* raw_cleared = nullptr;
  ASSERT_EQ(sequantlock_manager_clear(manager, "604", 1, &raw_cleared),
            SEQUANTLOCK_OK);
  ClearPtr cleared(raw_cleared);
  EXPECT_EQ(sequantlock_clear_result_cleared(cleared.get()), 0);
  EXPECT_EQ(sequantlock_clear_result_reason(cleared.get()),
            SEQUANTLOCK_CLEAR_ORCHESTRATOR);

  int reason = -1;
  ASSERT_EQ(sequantlock_manager_release(manager, "604", &reason),
            SEQUANTLOCK_OK);
  EXPECT_EQ(reason, SEQUANTLOCK_RELEASE_ORCHESTRATOR);
  reason = -1;
  ASSERT_EQ(sequantlock_manager_release_token(manager, "604", "t", &reason),
            SEQUANTLOCK_OK);
  EXPECT_EQ(reason, SEQUANTLOCK_RELEASE_ORCHESTRATOR);
  reason = -1;
  ASSERT_EQ(sequantlock_manager_release_external(manager, "604", &reason),
            SEQUANTLOCK_OK);
  EXPECT_EQ(reason, SEQUANTLOCK_RELEASE_ORCHESTRATOR);
  size_t released = 99;
  ASSERT_EQ(sequantlock_manager_release_all(manager, &released),
            SEQUANTLOCK_OK);
  EXPECT_EQ(released, 0u);

  HolderPtr holder = Parse(SameHostRecord());
  reason = -1;
  ASSERT_EQ(sequantlock_manager_signal_other(manager, holder.get(), SIGTERM,
                                             &reason),
            SEQUANTLOCK_OK);
  EXPECT_EQ(reason, SEQUANTLOCK_SIGNAL_ORCHESTRATOR);

  EXPECT_FALSE(Exists(dir));
}

TEST(OrchestratorTest, OptionMakesEveryOperationNoop) {
  TempDir tmp;
  ScopedEnv orchestrator("SEQUANT_ORCHESTRATOR", nullptr);
  const std::string dir = tmp / "locks";
  OptionsPtr options = MakeOptions(dir, {}, nullptr);
  ASSERT_EQ(sequantlock_options_set_orchestrator_mode(
                options.get(), SEQUANTLOCK_ORCHESTRATOR_ON),
            SEQUANTLOCK_OK);
  sequantlock_manager* raw = nullptr;
  ASSERT_EQ(sequantlock_manager_new(&raw, options.get()), SEQUANTLOCK_OK);
  ManagerPtr manager(raw);

  ExpectEveryOperationIsNoop(manager.get(), dir);
}

TEST(OrchestratorTest, EnvironmentMakesEveryOperationNoop) {
  TempDir tmp;
  ScopedEnv orchestrator("SEQUANT_ORCHESTRATOR", "1");
  const std::string dir = tmp / "locks";
  OptionsPtr options = MakeOptions(dir, {}, nullptr);
  ASSERT_EQ(sequantlock_options_set_orchestrator_mode(
                options.get(), SEQUANTLOCK_ORCHESTRATOR_FROM_ENV),
            SEQUANTLOCK_OK);
  sequantlock_manager* raw = nullptr;
  ASSERT_EQ(sequantlock_manager_new(&raw, options.get()), SEQUANTLOCK_OK);
  ManagerPtr manager(raw);

  EXPECT_EQ(sequantlock_orchestrator_mode_from_env(), 1);
  ExpectEveryOperationIsNoop(manager.get(), dir);
}

TEST(OrchestratorTest, DefaultOptionsFollowEnvironment) {
  TempDir tmp;
  ScopedEnv orchestrator("SEQUANT_ORCHESTRATOR", "yes");
  ScopedEnv locks_dir("SEQUANT_LOCKS_DIR", (tmp / "locks").c_str());
  sequantlock_manager* raw = nullptr;
  ASSERT_EQ(sequantlock_manager_new(&raw, nullptr), SEQUANTLOCK_OK);
  ManagerPtr manager(raw);

  ExpectEveryOperationIsNoop(manager.get(), tmp / "locks");
}

TEST(OrchestratorTest, OffOptionOverridesEnvironment) {
  TempDir tmp;
  ScopedEnv orchestrator("SEQUANT_ORCHESTRATOR", "1");
  ManagerPtr manager = MakeManager(tmp.path());

  AcquirePtr result = Acquire(manager.get(), "604");

  EXPECT_EQ(sequantlock_manager_is_noop(manager.get()), 0);
  EXPECT_EQ(sequantlock_acquire_result_acquired(result.get()), 1);
  EXPECT_TRUE(Exists(tmp / "604.lock"));
}

TEST(OrchestratorTest, EmptyOrUnsetEnvironmentIsOff) {
  {
    ScopedEnv orchestrator("SEQUANT_ORCHESTRATOR", "");
    EXPECT_EQ(sequantlock_orchestrator_mode_from_env(), 0);
  }
  {
    ScopedEnv orchestrator("SEQUANT_ORCHESTRATOR", nullptr);
    EXPECT_EQ(sequantlock_orchestrator_mode_from_env(), 0);
  }
  {
    ScopedEnv orchestrator("SEQUANT_ORCHESTRATOR", "0");
    EXPECT_EQ(sequantlock_orchestrator_mode_from_env(), 1);
  }
}

TEST(OrchestratorTest, EmptyEnvironmentValueLeavesManagerActive) {
  TempDir tmp;
  ScopedEnv orchestrator("SEQUANT_ORCHESTRATOR", "");
  OptionsPtr options = MakeOptions(tmp.path(), {}, nullptr);
  ASSERT_EQ(sequantlock_options_set_orchestrator_mode(
                options.get(), SEQUANTLOCK_ORCHESTRATOR_FROM_ENV),
            SEQUANTLOCK_OK);
  sequantlock_manager* raw = nullptr;
  ASSERT_EQ(sequantlock_manager_new(&raw, options.get()), SEQUANTLOCK_OK);
  ManagerPtr manager(raw);

  EXPECT_EQ(sequantlock_manager_is_noop(manager.get()), 0);
}

/* Locks directory resolution ----------------------------------------- */

std::string Resolve(const char* explicit_dir) {
  char* raw = nullptr;
  EXPECT_EQ(sequantlock_resolve_locks_dir(explicit_dir, &raw), SEQUANTLOCK_OK)
      << sequantlock_last_error_message();
  StringPtr dir(raw);
  return dir ? std::string(dir.get()) : std::string();
}

// Creates the HEAD, objects and refs that make `git_dir` a git directory.
void MakeGitDir(const std::string& git_dir) {
  fs::create_directories(git_dir + "/objects");
  fs::create_directories(git_dir + "/refs");
  WriteFile(git_dir + "/HEAD", "ref: refs/heads/main\n");
}

TEST(LocksDirTest, ExplicitDirectoryWins) {
  TempDir tmp;
  ScopedEnv env("SEQUANT_LOCKS_DIR", "/from/env");
  ScopedCwd cwd(tmp.path());

  EXPECT_EQ(Resolve((tmp / "explicit").c_str()), tmp / "explicit");
  EXPECT_EQ(Resolve("relative/dir"), tmp / "relative/dir");
}

TEST(LocksDirTest, EnvironmentDirectoryIsUsed) {
  TempDir tmp;
  ScopedEnv env("SEQUANT_LOCKS_DIR", (tmp / "env-locks").c_str());

  EXPECT_EQ(Resolve(nullptr), tmp / "env-locks");
  EXPECT_EQ(Resolve(""), tmp / "env-locks");
  ManagerPtr manager = MakeManager("");
  EXPECT_EQ(std::string(sequantlock_manager_locks_dir(manager.get())),
            tmp / "env-locks");
}

TEST(LocksDirTest, RelativeEnvironmentDirectoryIsMadeAbsolute) {
  TempDir tmp;
  ScopedEnv env("SEQUANT_LOCKS_DIR", "./a/../b");
  ScopedCwd cwd(tmp.path());

  EXPECT_EQ(Resolve(nullptr), tmp / "b");
}

TEST(LocksDirTest, EmptyEnvironmentDirectoryCountsAsUnset) {
  TempDir tmp;
  ScopedEnv env("SEQUANT_LOCKS_DIR", "");
  ScopedCwd cwd(tmp.path());

  EXPECT_EQ(Resolve(nullptr), tmp / SEQUANTLOCK_DEFAULT_LOCKS_DIR);
}

TEST(LocksDirTest, CurrentDirectoryIsFallback) {
  TempDir tmp;
  ScopedEnv env("SEQUANT_LOCKS_DIR", nullptr);
  ScopedCwd cwd(tmp.path());

  EXPECT_EQ(Resolve(nullptr), tmp / ".sequant/locks");
  EXPECT_FALSE(Exists(tmp / ".sequant"));
}

TEST(LocksDirTest, RepositoryRootIsUsedFromSubdirectory) {
  TempDir tmp;
  ScopedEnv env("SEQUANT_LOCKS_DIR", nullptr);
  MakeGitDir(tmp / "repo/.git");
  fs::create_directories(tmp / "repo/src/deep");
  ScopedCwd cwd(tmp / "repo/src/deep");

  EXPECT_EQ(Resolve(nullptr), tmp / "repo/.sequant/locks");
}

TEST(LocksDirTest, LinkedWorktreeSharesMainRoot) {
  TempDir tmp;
  ScopedEnv env("SEQUANT_LOCKS_DIR", nullptr);
  MakeGitDir(tmp / "main/.git");
  fs::create_directories(tmp / "main/.git/worktrees/feature");
  WriteFile(tmp / "main/.git/worktrees/feature/commondir", "../..\n");
  fs::create_directories(tmp / "feature/sub");
  WriteFile(tmp / "feature/.git",
            "gitdir: " + (tmp / "main/.git/worktrees/feature") + "\n");
  ScopedCwd cwd(tmp / "feature/sub");

  EXPECT_EQ(Resolve(nullptr), tmp / "main/.sequant/locks");
}

TEST(LocksDirTest, RelativeGitdirIsFollowed) {
  TempDir tmp;
  ScopedEnv env("SEQUANT_LOCKS_DIR", nullptr);
  MakeGitDir(tmp / "main/.git");
  fs::create_directories(tmp / "main/.git/worktrees/wt");
  WriteFile(tmp / "main/.git/worktrees/wt/commondir", "../..");
  fs::create_directories(tmp / "wt");
  WriteFile(tmp / "wt/.git", "gitdir: ../main/.git/worktrees/wt");
  ScopedCwd cwd(tmp / "wt");

  EXPECT_EQ(Resolve(nullptr), tmp / "main/.sequant/locks");
}

TEST(LocksDirTest, ResolveRejectsNullOut) {
  EXPECT_EQ(sequantlock_resolve_locks_dir(nullptr, nullptr),
            SEQUANTLOCK_ERR_INVALID_ARGUMENT);
  EXPECT_TRUE(MessageNames("out"));
}

/* Logging ------------------------------------------------------------ */

struct LogSink {
  std::vector<std::pair<int, std::string>> messages;
};

void CollectLog(void* user_data, int level, const char* message) {
  static_cast<LogSink*>(user_data)->messages.emplace_back(level, message);
}

class LogTest : public ::testing::Test {
 protected:
  void TearDown() override { sequantlock_set_log_callback(nullptr, nullptr); }
};

TEST_F(LogTest, StaleClearIsLogged) {
  TempDir tmp;
  World world;
  ManagerPtr manager = MakeManager(tmp.path(), {}, &world);
  WriteFile(tmp / "604.lock", SameHostRecord());
  LogSink sink;
  sequantlock_set_log_callback(CollectLog, &sink);

  AcquirePtr result = Acquire(manager.get(), "604");

  ASSERT_TRUE(result);
  ASSERT_EQ(sequantlock_acquire_result_stale_reason(result.get()),
            SEQUANTLOCK_STALE_PID_DEAD);
  bool found = false;
  for (const auto& entry : sink.messages) {
    if (entry.second.rfind("cleared stale lock 604", 0) == 0 &&
        entry.second.find("pid-dead") != std::string::npos) {
      found = true;
      EXPECT_EQ(entry.first, SEQUANTLOCK_LOG_INFO);
    }
  }
  EXPECT_TRUE(found) << "no 'cleared stale lock 604' decision was logged";
}

TEST_F(LogTest, RemovedCallbackReceivesNothing) {
  TempDir tmp;
  World world;
  ManagerPtr manager = MakeManager(tmp.path(), {}, &world);
  WriteFile(tmp / "604.lock", SameHostRecord());
  LogSink sink;
  sequantlock_set_log_callback(CollectLog, &sink);
  sequantlock_set_log_callback(nullptr, nullptr);

  AcquirePtr result = Acquire(manager.get(), "604");

  ASSERT_TRUE(result);
  EXPECT_EQ(sequantlock_acquire_result_replaced(result.get()), 1);
  EXPECT_TRUE(sink.messages.empty());
}

TEST_F(LogTest, FreshAcquireLogsNoDecision) {
  TempDir tmp;
  ManagerPtr manager = MakeManager(tmp.path());
  LogSink sink;
  sequantlock_set_log_callback(CollectLog, &sink);

  AcquirePtr result = Acquire(manager.get(), "604");

  ASSERT_TRUE(result);
  for (const auto& entry : sink.messages) {
    EXPECT_NE(entry.second.rfind("cleared", 0), 0u) << entry.second;
  }
}

}  // namespace
