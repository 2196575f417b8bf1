#include "manager.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <thread>

#include "process_identity.h"
#include "test_util.h"
#include "time_format.h"

namespace sequantlock {
namespace {

using sequantlock_test::AgeFile;
using sequantlock_test::Exists;
using sequantlock_test::ListDir;
using sequantlock_test::ReadFile;
using sequantlock_test::TempDir;
using sequantlock_test::WriteFile;

constexpr int64_t kHour = 3600 * 1000;

// A test double for the process table and the clock, shared by managers.
struct World {
  int64_t now_ms = 1778423520000;  // 2026-05-10T14:32:00.000Z
  std::set<int64_t> alive = {1000, 2000};
};

class ManagerTest : public ::testing::TestWithParam<bool> {
 protected:
  ManagerTest() : dir_(temp_.Sub("locks")) {}

  ManagerOptions Options(int64_t pid = 1000,
                         const std::string& hostname = "here") {
    ManagerOptions options;
    options.locks_dir = dir_;
    options.hostname = hostname;
    options.pid = pid;
    options.orchestrator_mode = false;
    options.boot_id = "boot";
    options.machine_id = "machine";
    options.is_pid_alive = [this](int64_t pid, bool* alive) {
      *alive = world_.alive.count(pid) > 0;
      return Status();
    };
    options.now = [this](int64_t* now) {
      *now = world_.now_ms;
      return Status();
    };
    options.store.use_tmpfile = GetParam();
    return options;
  }

  std::unique_ptr<Manager> Make(ManagerOptions options) {
    StatusOr<std::unique_ptr<Manager>> manager =
        Manager::Create(std::move(options));
    EXPECT_TRUE(manager.ok()) << manager.status().message();
    return std::move(*manager);
  }

  std::unique_ptr<Manager> Make(int64_t pid = 1000,
                                const std::string& hostname = "here") {
    return Make(Options(pid, hostname));
  }

  AcquireOutcome Acquire(Manager& manager, const std::string& key,
                         bool skip = false) {
    StatusOr<AcquireOutcome> outcome = manager.Acquire(key, "cmd " + key, skip);
    EXPECT_TRUE(outcome.ok()) << outcome.status().message();
    return *outcome;
  }

  // Writes a lock as the TypeScript original would.
  void WriteOriginalLock(const std::string& key, int64_t pid,
                         const std::string& hostname, int64_t age_ms,
                         bool skip = false) {
    std::filesystem::create_directories(dir_);
    Record record;
    record.pid = pid;
    record.hostname = hostname;
    record.started_at = FormatIsoTime(world_.now_ms - age_ms);
    record.command = "npx sequant run " + key;
    record.skip_pid_check = skip;
    WriteFile(dir_ + "/" + key + ".lock",
              SerializeRecord(record, RecordFields::kOriginalOnly));
  }

  std::string LockFile(const std::string& key) {
    return dir_ + "/" + key + ".lock";
  }

  TempDir temp_;
  std::string dir_;
  World world_;
};

INSTANTIATE_TEST_SUITE_P(PublishPaths, ManagerTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "Tmpfile" : "NamedFile";
                         });

TEST_P(ManagerTest, AcquireOfFreeKeyWritesFullRecord) {
  auto manager = Make();
  AcquireOutcome outcome = Acquire(*manager, "604");
  EXPECT_TRUE(outcome.acquired);
  EXPECT_EQ(outcome.lock_path, LockFile("604"));
  ASSERT_TRUE(outcome.record.has_value());
  EXPECT_EQ(outcome.record->token.size(), 32u);

  StatusOr<Record> on_disk = ParseRecord(ReadFile(LockFile("604")));
  ASSERT_TRUE(on_disk.ok());
  EXPECT_EQ(on_disk->pid, 1000);
  EXPECT_EQ(on_disk->hostname, "here");
  EXPECT_EQ(on_disk->started_at, "2026-05-10T14:32:00.000Z");
  EXPECT_EQ(on_disk->command, "cmd 604");
  EXPECT_EQ(on_disk->token, outcome.record->token);
  EXPECT_EQ(on_disk->boot_id, "boot");
  EXPECT_EQ(on_disk->schema_version, kSchemaVersion);
}

TEST_P(ManagerTest, FreshHolderRefusesEveryoneIncludingItself) {
  auto first = Make(1000);
  auto second = Make(2000);
  ASSERT_TRUE(Acquire(*first, "604").acquired);
  for (Manager* manager : {second.get(), first.get()}) {
    AcquireOutcome refused = Acquire(*manager, "604");
    EXPECT_FALSE(refused.acquired);
    ASSERT_TRUE(refused.holder.has_value());
    EXPECT_EQ(refused.holder->pid, 1000);
    EXPECT_FALSE(refused.replaced);
  }
}

TEST_P(ManagerTest, DeadSameHostHolderIsReplaced) {
  WriteOriginalLock("604", 3000, "here", 1000);
  auto manager = Make();
  AcquireOutcome outcome = Acquire(*manager, "604");
  EXPECT_TRUE(outcome.acquired);
  EXPECT_TRUE(outcome.replaced);
  ASSERT_TRUE(outcome.previous.has_value());
  EXPECT_EQ(outcome.previous->pid, 3000);
  EXPECT_EQ(outcome.stale_reason, StaleReason::kPidDead);
  EXPECT_EQ(ListDir(dir_), std::vector<std::string>{"604.lock"});
}

TEST_P(ManagerTest, CrossHostHolderAgesOut) {
  WriteOriginalLock("604", 3000, "elsewhere", 2 * kHour);
  auto manager = Make();
  EXPECT_FALSE(Acquire(*manager, "604").acquired);
  world_.now_ms += 1;
  AcquireOutcome outcome = Acquire(*manager, "604");
  EXPECT_TRUE(outcome.acquired);
  EXPECT_EQ(outcome.stale_reason, StaleReason::kAgeExceeded);
}

TEST_P(ManagerTest, EmptyFileOccupiesKeyUntilGraceEnds) {
  std::filesystem::create_directories(dir_);
  WriteFile(LockFile("604"), "");
  auto manager = Make();
  StatusOr<std::optional<LockInfo>> check = manager->Check("604");
  ASSERT_TRUE(check.ok());
  ASSERT_TRUE(check->has_value());
  EXPECT_FALSE((*check)->holder.has_value());
  EXPECT_FALSE((*check)->decision.stale);

  AcquireOutcome refused = Acquire(*manager, "604");
  EXPECT_FALSE(refused.acquired);
  EXPECT_TRUE(refused.corrupt);
}

TEST_P(ManagerTest, CorruptFileIsRecoveredAfterGrace) {
  std::filesystem::create_directories(dir_);
  WriteFile(LockFile("604"), "{\"pid\":");
  auto manager = Make(1000);
  // The corrupt rule ages by the file's mtime on the real clock.
  ManagerOptions options = Options();
  options.now = nullptr;
  auto real_clock = Make(std::move(options));
  AgeFile(LockFile("604"), 3);
  AcquireOutcome outcome = Acquire(*real_clock, "604");
  EXPECT_TRUE(outcome.acquired);
  EXPECT_TRUE(outcome.replaced);
  EXPECT_FALSE(outcome.previous.has_value());
  EXPECT_EQ(outcome.stale_reason, StaleReason::kCorrupt);
}

TEST_P(ManagerTest, ForceTakesFreshLockAndReportsPrevious) {
  auto first = Make(1000);
  auto second = Make(2000);
  ASSERT_TRUE(Acquire(*first, "604").acquired);
  StatusOr<AcquireOutcome> forced = second->ForceAcquire("604", "take", false);
  ASSERT_TRUE(forced.ok());
  EXPECT_TRUE(forced->acquired);
  EXPECT_TRUE(forced->forced);
  ASSERT_TRUE(forced->previous.has_value());
  EXPECT_EQ(forced->previous->pid, 1000);

  StatusOr<ReleaseReason> released = first->Release("604");
  ASSERT_TRUE(released.ok());
  EXPECT_EQ(*released, ReleaseReason::kNotOwner);
  EXPECT_TRUE(Exists(LockFile("604")));
}

TEST_P(ManagerTest, ForceRemovesCorruptFile) {
  std::filesystem::create_directories(dir_);
  WriteFile(LockFile("604"), "garbage");
  auto manager = Make();
  StatusOr<AcquireOutcome> forced = manager->ForceAcquire("604", "take", false);
  ASSERT_TRUE(forced.ok());
  EXPECT_TRUE(forced->acquired);
  EXPECT_TRUE(forced->replaced);
  EXPECT_FALSE(forced->previous.has_value());
}

TEST_P(ManagerTest, ReleaseAfterStealLeavesStealersLock) {
  auto holder = Make(1000, "here");
  ASSERT_TRUE(Acquire(*holder, "604").acquired);
  // The holder looks dead to a second manager, which steals the lock.
  world_.alive.erase(1000);
  auto stealer = Make(2000);
  AcquireOutcome stolen = Acquire(*stealer, "604");
  ASSERT_TRUE(stolen.acquired);
  ASSERT_TRUE(stolen.replaced);

  StatusOr<ReleaseReason> late = holder->Release("604");
  ASSERT_TRUE(late.ok());
  EXPECT_EQ(*late, ReleaseReason::kNotOwner);
  StatusOr<Record> on_disk = ParseRecord(ReadFile(LockFile("604")));
  ASSERT_TRUE(on_disk.ok());
  EXPECT_EQ(on_disk->pid, 2000);
}

TEST_P(ManagerTest, ReleaseIsIdempotent) {
  auto manager = Make();
  ASSERT_TRUE(Acquire(*manager, "604").acquired);
  EXPECT_EQ(*manager->Release("604"), ReleaseReason::kReleased);
  EXPECT_EQ(*manager->Release("604"), ReleaseReason::kNoLock);
  EXPECT_FALSE(Exists(LockFile("604")));
}

TEST_P(ManagerTest, ReleaseDoesNotTakeAnotherManagersLock) {
  auto first = Make(1000);
  auto second = Make(1000);
  ASSERT_TRUE(Acquire(*first, "604").acquired);
  EXPECT_EQ(*second->Release("604"), ReleaseReason::kNotOwner);
  EXPECT_TRUE(Exists(LockFile("604")));
}

TEST_P(ManagerTest, ReleaseRemovesOriginalsLockOfSamePid) {
  WriteOriginalLock("604", 1000, "here", 1000);
  auto manager = Make(1000);
  EXPECT_EQ(*manager->Release("604"), ReleaseReason::kReleased);
  WriteOriginalLock("605", 2000, "here", 1000);
  EXPECT_EQ(*manager->Release("605"), ReleaseReason::kNotOwner);
  WriteOriginalLock("606", 1000, "elsewhere", 1000);
  EXPECT_EQ(*manager->Release("606"), ReleaseReason::kCrossHost);
}

TEST_P(ManagerTest, ReleaseTokenMatchesExactly) {
  auto manager = Make();
  AcquireOutcome outcome = Acquire(*manager, "604");
  auto other = Make(2000);
  EXPECT_EQ(*other->ReleaseToken("604", "wrong"),
            ReleaseReason::kTokenMismatch);
  EXPECT_TRUE(Exists(LockFile("604")));
  EXPECT_EQ(*other->ReleaseToken("604", outcome.record->token),
            ReleaseReason::kReleased);
  EXPECT_FALSE(Exists(LockFile("604")));
  EXPECT_FALSE(other->ReleaseToken("604", "").ok());
}

TEST_P(ManagerTest, ReleaseExternalFollowsTheOriginalsRule) {
  auto shell = Make(1000);
  ASSERT_TRUE(Acquire(*shell, "1", /*skip=*/true).acquired);
  ASSERT_TRUE(Acquire(*shell, "2").acquired);
  auto later = Make(2000);
  EXPECT_EQ(*later->ReleaseExternal("1"), ReleaseReason::kReleased);
  EXPECT_EQ(*later->ReleaseExternal("2"), ReleaseReason::kNotOwner);
  auto same_pid = Make(1000);
  EXPECT_EQ(*same_pid->ReleaseExternal("2"), ReleaseReason::kReleased);
  WriteOriginalLock("3", 2000, "elsewhere", 0, /*skip=*/true);
  EXPECT_EQ(*later->ReleaseExternal("3"), ReleaseReason::kCrossHost);
  WriteFile(LockFile("4"), "corrupt");
  EXPECT_EQ(*later->ReleaseExternal("4"), ReleaseReason::kCorrupt);
  EXPECT_EQ(*later->ReleaseExternal("5"), ReleaseReason::kNoLock);
}

TEST_P(ManagerTest, ReleaseAllDropsEveryHeldLock) {
  auto manager = Make();
  for (const char* key : {"1", "2", "checkout"}) {
    ASSERT_TRUE(Acquire(*manager, key).acquired);
  }
  StatusOr<size_t> released = manager->ReleaseAll();
  ASSERT_TRUE(released.ok());
  EXPECT_EQ(*released, 3u);
  EXPECT_TRUE(ListDir(dir_).empty());
  EXPECT_EQ(*manager->ReleaseAll(), 0u);
}

TEST_P(ManagerTest, ManyHeldLocksReleaseWithoutHandles) {
  auto manager = Make();
  const int kCount = static_cast<int>(kMaxHeldHandles) + 10;
  for (int i = 1; i <= kCount; ++i) {
    ASSERT_TRUE(Acquire(*manager, std::to_string(i)).acquired);
  }
  StatusOr<size_t> released = manager->ReleaseAll();
  ASSERT_TRUE(released.ok());
  EXPECT_EQ(*released, static_cast<size_t>(kCount));
  EXPECT_TRUE(ListDir(dir_).empty());
}

TEST_P(ManagerTest, CheckReportsStalenessWithoutChangingAnything) {
  auto manager = Make();
  StatusOr<std::optional<LockInfo>> none = manager->Check("604");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  EXPECT_FALSE(Exists(dir_));

  WriteOriginalLock("604", 3000, "here", 1000);
  StatusOr<std::optional<LockInfo>> stale = manager->Check("604");
  ASSERT_TRUE(stale.ok() && stale->has_value());
  EXPECT_TRUE((*stale)->decision.stale);
  EXPECT_EQ((*stale)->decision.reason, StaleReason::kPidDead);
  EXPECT_EQ((*stale)->holder->pid, 3000);
  EXPECT_TRUE(Exists(LockFile("604")));
}

TEST_P(ManagerTest, ListSortsIssuesBeforeNamedKeys) {
  auto manager = Make();
  for (const char* key : {"checkout", "100", "9", "alpha"}) {
    ASSERT_TRUE(Acquire(*manager, key).acquired);
  }
  WriteOriginalLock("10", 3000, "here", 5000);
  WriteFile(dir_ + "/session-x.issue", "9");
  StatusOr<std::vector<LockInfo>> list = manager->List();
  ASSERT_TRUE(list.ok());
  std::vector<std::string> keys;
  for (const LockInfo& info : *list) keys.push_back(info.key);
  const std::vector<std::string> expected = {"9", "10", "100", "alpha",
                                             "checkout"};
  EXPECT_EQ(keys, expected);
  EXPECT_TRUE((*list)[1].decision.stale);
  EXPECT_EQ((*list)[1].decision.age_ms, 5000);
  EXPECT_FALSE((*list)[0].decision.stale);
}

TEST_P(ManagerTest, ClearRefusesFreshUnlessForced) {
  auto holder = Make(1000);
  ASSERT_TRUE(Acquire(*holder, "604").acquired);
  auto other = Make(2000);
  StatusOr<ClearOutcome> refused = other->Clear("604", false);
  ASSERT_TRUE(refused.ok());
  EXPECT_FALSE(refused->cleared);
  EXPECT_EQ(refused->reason, ClearReason::kFresh);
  ASSERT_TRUE(refused->info.has_value());
  EXPECT_EQ(refused->info->holder->pid, 1000);

  StatusOr<ClearOutcome> forced = other->Clear("604", true);
  ASSERT_TRUE(forced.ok());
  EXPECT_TRUE(forced->cleared);
  EXPECT_EQ(forced->reason, ClearReason::kCleared);

  StatusOr<ClearOutcome> nothing = other->Clear("604", false);
  ASSERT_TRUE(nothing.ok());
  EXPECT_EQ(nothing->reason, ClearReason::kNoLock);
}

TEST_P(ManagerTest, ClearRemovesStaleAndCorruptLocks) {
  WriteOriginalLock("604", 3000, "here", 1000);
  std::filesystem::create_directories(dir_);
  WriteFile(LockFile("605"), "");
  AgeFile(LockFile("605"), 3);
  ManagerOptions options = Options();
  options.now = nullptr;
  auto manager = Make(std::move(options));
  for (const char* key : {"604", "605"}) {
    StatusOr<ClearOutcome> cleared = manager->Clear(key, false);
    ASSERT_TRUE(cleared.ok()) << key;
    EXPECT_TRUE(cleared->cleared) << key;
  }
  EXPECT_TRUE(ListDir(dir_).empty());
}

TEST_P(ManagerTest, OrchestratorModeTouchesNothing) {
  ManagerOptions options = Options();
  options.orchestrator_mode = true;
  auto manager = Make(std::move(options));
  EXPECT_TRUE(manager->is_noop());
  AcquireOutcome outcome = Acquire(*manager, "604");
  EXPECT_TRUE(outcome.acquired);
  EXPECT_EQ(outcome.lock_path, "");
  EXPECT_TRUE(manager->ForceAcquire("604", "x", false)->acquired);
  EXPECT_EQ(*manager->Release("604"), ReleaseReason::kOrchestrator);
  EXPECT_EQ(*manager->ReleaseExternal("604"), ReleaseReason::kOrchestrator);
  EXPECT_FALSE(manager->Check("604")->has_value());
  EXPECT_TRUE(manager->List()->empty());
  EXPECT_EQ(manager->Clear("604", true)->reason, ClearReason::kOrchestrator);
  Record holder;
  holder.pid = 5;
  EXPECT_EQ(*manager->SignalOther(holder, SIGTERM),
            SignalReason::kOrchestrator);
  EXPECT_FALSE(Exists(dir_));
}

TEST_P(ManagerTest, InvalidKeyTouchesNothing) {
  auto manager = Make();
  for (const char* key : {"", "0", "../x", "x.lock", "a/b"}) {
    StatusOr<AcquireOutcome> outcome = manager->Acquire(key, "x", false);
    ASSERT_FALSE(outcome.ok()) << key;
    EXPECT_EQ(outcome.status().code(), ErrorCode::kInvalidKey) << key;
    EXPECT_FALSE(manager->Clear(key, true).ok()) << key;
    EXPECT_FALSE(manager->Release(key).ok()) << key;
    EXPECT_FALSE(manager->Check(key).ok()) << key;
  }
  EXPECT_FALSE(Exists(dir_));
}

TEST_P(ManagerTest, CallbackFailureChangesNothing) {
  WriteOriginalLock("604", 3000, "here", 1000);
  const std::string before = ReadFile(LockFile("604"));
  ManagerOptions options = Options();
  options.is_pid_alive = [](int64_t, bool*) {
    return Status::Error(ErrorCode::kCallback, "probe failed");
  };
  auto manager = Make(std::move(options));
  StatusOr<AcquireOutcome> outcome = manager->Acquire("604", "x", false);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.status().code(), ErrorCode::kCallback);
  EXPECT_FALSE(manager->Clear("604", false).ok());
  EXPECT_EQ(ReadFile(LockFile("604")), before);
}

TEST_P(ManagerTest, EnvironmentOverridesTtlsWhenValid) {
  setenv("SEQUANT_SKILL_LOCK_TTL_MS", "1000", 1);
  setenv("SEQUANT_MAX_LOCK_AGE_MS", "5000", 1);
  auto manager = Make();
  EXPECT_EQ(manager->policy().skill_lock_ttl_ms, 1000);
  EXPECT_EQ(manager->policy().max_lock_age_ms, 5000);
  for (const char* bad : {"1000ms", "1e3", " 5", "+12", "0", "-1", "abc",
                          "99999999999999999999", ""}) {
    setenv("SEQUANT_SKILL_LOCK_TTL_MS", bad, 1);
    setenv("SEQUANT_MAX_LOCK_AGE_MS", bad, 1);
    auto defaults = Make();
    EXPECT_EQ(defaults->policy().skill_lock_ttl_ms, kDefaultSkillLockTtlMs)
        << bad;
    EXPECT_EQ(defaults->policy().max_lock_age_ms, kDefaultMaxLockAgeMs) << bad;
  }
  ManagerOptions options = Options();
  options.skill_lock_ttl_ms = 7;
  setenv("SEQUANT_SKILL_LOCK_TTL_MS", "1000", 1);
  EXPECT_EQ(Make(std::move(options))->policy().skill_lock_ttl_ms, 7);
  unsetenv("SEQUANT_SKILL_LOCK_TTL_MS");
  unsetenv("SEQUANT_MAX_LOCK_AGE_MS");
}

TEST_P(ManagerTest, OptionsRejectNonPositiveValues) {
  ManagerOptions options = Options();
  options.stale_age_ms = 0;
  StatusOr<std::unique_ptr<Manager>> manager = Manager::Create(options);
  ASSERT_FALSE(manager.ok());
  EXPECT_EQ(manager.status().code(), ErrorCode::kInvalidArgument);
}

TEST_P(ManagerTest, SignalOtherRefusesWithReasons) {
  auto manager = Make(1000, "here");
  Record holder;
  holder.pid = 2000;
  holder.hostname = "here";
  holder.started_at = FormatIsoTime(world_.now_ms);
  holder.command = "x";

  Record cross = holder;
  cross.hostname = "elsewhere";
  EXPECT_EQ(*manager->SignalOther(cross, SIGTERM), SignalReason::kCrossHost);

  Record self = holder;
  self.pid = 1000;
  EXPECT_EQ(*manager->SignalOther(self, SIGTERM), SignalReason::kSelfOrParent);
  self.pid = ParentPid();
  EXPECT_EQ(*manager->SignalOther(self, SIGTERM), SignalReason::kSelfOrParent);

  Record init = holder;
  init.pid = 1;
  EXPECT_EQ(*manager->SignalOther(init, SIGTERM), SignalReason::kInvalidPid);

  Record skill = holder;
  skill.skip_pid_check = true;
  EXPECT_EQ(*manager->SignalOther(skill, SIGTERM), SignalReason::kSkipPidCheck);

  Record old = holder;
  old.started_at = FormatIsoTime(world_.now_ms - kDefaultMaxLockAgeMs - 1);
  EXPECT_EQ(*manager->SignalOther(old, SIGTERM),
            SignalReason::kStalePidUntrusted);

  Record dead = holder;
  dead.pid = 3000;
  EXPECT_EQ(*manager->SignalOther(dead, SIGTERM), SignalReason::kPidDead);

  Record other_namespace = holder;
  other_namespace.pid_namespace = 1;
  // The observer's own namespace is real, so 1 is never it.
  EXPECT_EQ(*manager->SignalOther(other_namespace, SIGTERM),
            SignalReason::kOtherNamespace);
}

// Starts `sleep 30` and returns its pid.
pid_t StartSleeper() {
  const pid_t child = fork();
  if (child == 0) {
    execlp("sleep", "sleep", "30", static_cast<char*>(nullptr));
    _exit(127);
  }
  // Wait until the child runs sleep, so its start time is final.
  for (int i = 0; i < 200; ++i) {
    const std::string comm =
        ReadFile("/proc/" + std::to_string(child) + "/comm");
    if (comm.rfind("sleep", 0) == 0) break;
    usleep(10 * 1000);
  }
  return child;
}

TEST_P(ManagerTest, SignalOtherReachesVerifiedHolderOnly) {
  const pid_t child = StartSleeper();
  ManagerOptions options;
  options.locks_dir = dir_;
  options.orchestrator_mode = false;
  options.store.use_tmpfile = GetParam();
  auto manager = Make(std::move(options));

  Record holder;
  holder.pid = child;
  holder.hostname = ReadHostName();
  holder.started_at = FormatIsoTime(
      std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count());
  holder.command = "sleep 30";
  holder.process_start_time = ReadProcessStartTime(child) + 1;
  EXPECT_EQ(*manager->SignalOther(holder, SIGTERM), SignalReason::kPidReused);
  EXPECT_EQ(kill(child, 0), 0);

  holder.process_start_time = ReadProcessStartTime(child);
  const SignalReason reason = *manager->SignalOther(holder, SIGTERM);
  EXPECT_EQ(reason, SignalReason::kSent);
  if (reason != SignalReason::kSent) kill(child, SIGKILL);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(WTERMSIG(status), SIGTERM);
}

TEST_P(ManagerTest, ForkedChildDoesNotReleaseParentsLocks) {
  auto manager = Make();
  ASSERT_TRUE(Acquire(*manager, "604").acquired);
  const pid_t child = fork();
  if (child == 0) {
    StatusOr<size_t> released = manager->ReleaseAll();
    _exit(released.ok() && *released == 0 ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_TRUE(Exists(LockFile("604")));
  EXPECT_EQ(*manager->Release("604"), ReleaseReason::kReleased);
}

TEST_P(ManagerTest, ChangedBootIdClearsSameHostLocks) {
  ManagerOptions before = Options(1000);
  before.is_pid_alive = nullptr;
  before.pid.reset();
  auto old_boot = Make(std::move(before));
  ASSERT_TRUE(Acquire(*old_boot, "604").acquired);

  // This process is alive, so PID liveness alone would call it fresh.
  ManagerOptions after = Options(2000);
  after.is_pid_alive = nullptr;
  after.boot_id = "boot-after-reboot";
  auto new_boot = Make(std::move(after));
  AcquireOutcome outcome = Acquire(*new_boot, "604");
  EXPECT_TRUE(outcome.acquired);
  EXPECT_EQ(outcome.stale_reason, StaleReason::kHostRebooted);
}

TEST_P(ManagerTest, LockPathNamesTheFile) {
  auto manager = Make();
  EXPECT_EQ(*manager->LockPath("checkout"), LockFile("checkout"));
  EXPECT_FALSE(manager->LockPath("bad/key").ok());
}

}  // namespace
}  // namespace sequantlock

namespace sequantlock {
namespace {

class RealProcessTest : public ::testing::Test {
 protected:
  // A manager with the real clock, process probe and identity.
  std::unique_ptr<Manager> Make() {
    ManagerOptions options;
    options.locks_dir = temp_.Sub("locks");
    options.orchestrator_mode = false;
    StatusOr<std::unique_ptr<Manager>> manager = Manager::Create(options);
    EXPECT_TRUE(manager.ok());
    return std::move(*manager);
  }

  sequantlock_test::TempDir temp_;
};

TEST_F(RealProcessTest, ProvenLiveHolderOutlivesTheCeiling) {
  auto holder = Make();
  ASSERT_TRUE(holder->Acquire("604", "long job", false)->acquired);

  // A reader thirty days later still finds this very process, with the
  // same boot and start time, so the ceiling does not apply.
  ManagerOptions later;
  later.locks_dir = temp_.Sub("locks");
  later.orchestrator_mode = false;
  later.now = [](int64_t* now) {
    *now = std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
               .count() +
           30LL * 24 * 3600 * 1000;
    return Status();
  };
  auto reader = Manager::Create(later);
  ASSERT_TRUE(reader.ok());
  StatusOr<std::optional<LockInfo>> info = (*reader)->Check("604");
  ASSERT_TRUE(info.ok() && info->has_value());
  EXPECT_FALSE((*info)->decision.stale);
  EXPECT_TRUE((*info)->decision.proven_alive);
  EXPECT_FALSE((*reader)->Acquire("604", "thief", false)->acquired);
}

TEST_F(RealProcessTest, WaitTimeoutIsARefusalWithHolder) {
  auto holder = Make();
  auto waiter = Make();
  ASSERT_TRUE(holder->Acquire("604", "holder", false)->acquired);
  StatusOr<AcquireOutcome> outcome =
      waiter->AcquireWait("604", "waiter", false, 50);
  ASSERT_TRUE(outcome.ok());
  EXPECT_FALSE(outcome->acquired);
  ASSERT_TRUE(outcome->holder.has_value());
  EXPECT_EQ(outcome->holder->command, "holder");
}

TEST_F(RealProcessTest, WaitTakesFreeKeyAtOnce) {
  auto manager = Make();
  StatusOr<AcquireOutcome> outcome =
      manager->AcquireWait("604", "waiter", false, -1);
  ASSERT_TRUE(outcome.ok());
  EXPECT_TRUE(outcome->acquired);
}

TEST_F(RealProcessTest, ReleaseWakesWaiter) {
  auto holder = Make();
  auto waiter = Make();
  ASSERT_TRUE(holder->Acquire("604", "holder", false)->acquired);
  std::thread releaser([&] {
    usleep(100 * 1000);
    holder->Release("604");
  });
  StatusOr<AcquireOutcome> outcome =
      waiter->AcquireWait("604", "waiter", false, -1);
  releaser.join();
  ASSERT_TRUE(outcome.ok());
  EXPECT_TRUE(outcome->acquired);
  EXPECT_FALSE(outcome->replaced);
}

TEST_F(RealProcessTest, HolderExitWakesWaiter) {
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  const pid_t child = fork();
  if (child == 0) {
    auto holder = Make();
    const bool acquired = holder->Acquire("604", "holder", false)->acquired;
    (void)!write(ready[1], acquired ? "1" : "0", 1);
    usleep(100 * 1000);
    _exit(0);  // Leaves its lock behind, as a crash would.
  }
  char byte = 0;
  ASSERT_EQ(read(ready[0], &byte, 1), 1);
  ASSERT_EQ(byte, '1');
  std::thread reaper([child] { waitpid(child, nullptr, 0); });
  auto waiter = Make();
  StatusOr<AcquireOutcome> outcome =
      waiter->AcquireWait("604", "waiter", false, -1);
  reaper.join();
  close(ready[0]);
  close(ready[1]);
  ASSERT_TRUE(outcome.ok());
  EXPECT_TRUE(outcome->acquired);
  EXPECT_TRUE(outcome->replaced);
  EXPECT_EQ(outcome->stale_reason, StaleReason::kPidDead);
}

}  // namespace
}  // namespace sequantlock
