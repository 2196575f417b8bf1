// Fails or crashes every system call of FileStore in turn, during acquire,
// steal, force, release and clear, and checks that each operation returns a
// clear error or the right result and that the key is never left wedged.
// Needs a core built with SEQUANTLOCK_FAULT_INJECTION.
#include "fault_injection.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "file_store.h"
#include "key.h"
#include "manager.h"
#include "record.h"
#include "test_util.h"
#include "time_format.h"

namespace sequantlock {
namespace {

using fault::Action;
using fault::Point;
using sequantlock_test::AgeFile;
using sequantlock_test::ListDir;
using sequantlock_test::TempDir;
using sequantlock_test::WriteFile;

constexpr char kKey[] = "604";
constexpr int64_t kHourMs = 3600 * 1000;
// Past the 2 s in which a corrupt file still occupies its key.
constexpr int64_t kPastCorruptGraceMs = kCorruptGraceMs + 1000;
// Older than the 10 minutes after which ReadAll() removes a temporary.
constexpr int kOldTemporarySeconds = 11 * 60;

// Errors that each point is made to fail with. On the link points EPERM
// means that the filesystem has no hard links, and on the O_TMPFILE open
// EINVAL means that it has no O_TMPFILE, so both lead to a fallback.
constexpr int kFaultErrors[] = {ENOSPC, EIO,    EACCES, ESTALE, EINTR,
                                EMFILE, EPERM,  EROFS,  EINVAL};

int64_t WallClockMs() {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

std::vector<Point> AllPoints() {
  std::vector<Point> points;
  for (int i = 0; i < fault::kPointCount; ++i) {
    points.push_back(static_cast<Point>(i));
  }
  return points;
}

// Points whose EINTR POSIX allows and the store retries.
bool RetriesEintr(Point point) {
  return point == Point::kWrite || point == Point::kFlock ||
         point == Point::kPread;
}

enum class PublishPath { kTmpfile, kNamedFile, kRenameFallback };

// What an operation returned, reduced to what the checks compare.
struct Summary {
  bool ok = false;
  ErrorCode code = ErrorCode::kOk;
  std::string message;
  int os_errno = 0;
  std::string result;
};

template <typename T>
Summary Summarize(const StatusOr<T>& outcome,
                  const std::function<std::string(const T&)>& describe) {
  Summary summary;
  summary.ok = outcome.ok();
  summary.code = outcome.status().code();
  summary.message = outcome.status().message();
  summary.os_errno = outcome.status().os_errno();
  if (outcome.ok()) summary.result = describe(outcome.value());
  return summary;
}

std::string DescribeAcquire(const AcquireOutcome& outcome) {
  std::string text = outcome.acquired ? "acquired" : "held";
  if (outcome.replaced) text += " replaced";
  if (outcome.corrupt) text += " corrupt";
  return text;
}

std::string DescribeRelease(const ReleaseReason& reason) {
  return "release " + std::to_string(static_cast<int>(reason));
}

std::string DescribeClear(const ClearOutcome& outcome) {
  return "clear " + std::to_string(static_cast<int>(outcome.reason));
}

// One directory, and the manager that runs the operation under test.
class Environment {
 public:
  explicit Environment(PublishPath path)
      : dir_(temp_.Sub("locks")), path_(path) {
    std::filesystem::create_directories(dir_);
  }

  const std::string& dir() const { return dir_; }
  std::string lock_path() const { return dir_ + "/" + kKey + ".lock"; }

  // A manager of this process with the real clock and process probe.
  Manager& manager() {
    if (!manager_) manager_ = Make(Options());
    return *manager_;
  }

  ManagerOptions Options() const {
    ManagerOptions options;
    options.locks_dir = dir_;
    options.hostname = "here";
    options.orchestrator_mode = false;
    options.boot_id = "boot";
    options.machine_id = "machine";
    options.store.use_tmpfile = path_ == PublishPath::kTmpfile;
    return options;
  }

  static std::unique_ptr<Manager> Make(ManagerOptions options) {
    StatusOr<std::unique_ptr<Manager>> manager =
        Manager::Create(std::move(options));
    EXPECT_TRUE(manager.ok()) << manager.status().message();
    return manager.ok() ? std::move(*manager) : nullptr;
  }

  // Faults that stay on for the whole operation, whatever is under test.
  void ArmBackground() const {
    if (path_ == PublishPath::kRenameFallback) {
      fault::Arm(Point::kNamedLink, Action{EPERM, false}, 1, -1);
    }
  }

  bool IsBackground(Point point) const {
    return path_ == PublishPath::kRenameFallback && point == Point::kNamedLink;
  }

  void WriteLock(const Record& record) const {
    WriteFile(lock_path(), SerializeRecord(record));
  }

  void RemoveDirectory() const { std::filesystem::remove_all(dir_); }

  // Owner token of the lock that the scenario's setup took.
  std::string token;

 private:
  TempDir temp_;
  std::string dir_;
  PublishPath path_;
  std::unique_ptr<Manager> manager_;
};

// A lock of another host, taken three hours ago: stale by age.
Record StaleRecord() {
  Record record;
  record.pid = 4242;
  record.hostname = "elsewhere";
  record.started_at = FormatIsoTime(WallClockMs() - 3 * kHourMs);
  record.command = "stale holder";
  return record;
}

// A lock of this test process on this host, without a start time: fresh
// for every real probe while the test runs.
Record LiveRecord() {
  Record record;
  record.pid = getpid();
  record.hostname = "here";
  record.started_at = FormatIsoTime(WallClockMs());
  record.command = "live holder";
  return record;
}

struct Scenario {
  const char* name;
  std::function<void(Environment&)> setup;
  std::function<Summary(Environment&)> run;
};

Summary RunAcquire(Environment& env) {
  return Summarize<AcquireOutcome>(
      env.manager().Acquire(kKey, "fault test", false), DescribeAcquire);
}

Summary RunForce(Environment& env) {
  return Summarize<AcquireOutcome>(
      env.manager().ForceAcquire(kKey, "fault test", false), DescribeAcquire);
}

Summary RunRelease(Environment& env) {
  return Summarize<ReleaseReason>(env.manager().Release(kKey),
                                  DescribeRelease);
}

Summary RunClear(Environment& env, bool force) {
  return Summarize<ClearOutcome>(env.manager().Clear(kKey, force),
                                 DescribeClear);
}

void AcquireForSetup(Environment& env) {
  StatusOr<AcquireOutcome> outcome =
      env.manager().Acquire(kKey, "set up", false);
  ASSERT_TRUE(outcome.ok()) << outcome.status().message();
  ASSERT_TRUE(outcome->acquired);
  ASSERT_TRUE(outcome->record.has_value());
  env.token = outcome->record->token;
}

std::vector<Scenario> Scenarios() {
  return {
      {"AcquireFreeKey", [](Environment&) {}, RunAcquire},
      {"AcquireIntoMissingDirectory",
       [](Environment& env) { env.RemoveDirectory(); }, RunAcquire},
      {"StealStaleRecord",
       [](Environment& env) { env.WriteLock(StaleRecord()); }, RunAcquire},
      {"StealCorruptFile",
       [](Environment& env) {
         WriteFile(env.lock_path(), "{\"pid\": ");
         AgeFile(env.lock_path(), 10);
       },
       RunAcquire},
      {"StealSymlink",
       [](Environment& env) {
         std::filesystem::create_symlink(env.dir() + "/target",
                                         env.lock_path());
         AgeFile(env.lock_path(), 10);
       },
       RunAcquire},
      {"RefuseLiveHolder",
       [](Environment& env) { env.WriteLock(LiveRecord()); }, RunAcquire},
      {"ForceLiveHolder",
       [](Environment& env) { env.WriteLock(LiveRecord()); }, RunForce},
      {"ReleaseByHandle", AcquireForSetup, RunRelease},
      {"ReleaseByToken", AcquireForSetup,
       [](Environment& env) {
         return Summarize<ReleaseReason>(
             env.manager().ReleaseToken(kKey, env.token), DescribeRelease);
       }},
      {"ClearStaleRecord",
       [](Environment& env) { env.WriteLock(StaleRecord()); },
       [](Environment& env) { return RunClear(env, false); }},
      {"ClearLiveHolderByForce",
       [](Environment& env) { env.WriteLock(LiveRecord()); },
       [](Environment& env) { return RunClear(env, true); }},
  };
}

struct MatrixParam {
  size_t scenario;
  PublishPath path;
};

std::string ParamName(const ::testing::TestParamInfo<MatrixParam>& info) {
  static const char* const kPathNames[] = {"Tmpfile", "NamedFile",
                                           "RenameFallback"};
  return std::string(Scenarios()[info.param.scenario].name) +
         kPathNames[static_cast<int>(info.param.path)];
}

std::vector<MatrixParam> MatrixParams() {
  std::vector<MatrixParam> params;
  for (size_t i = 0; i < Scenarios().size(); ++i) {
    for (PublishPath path : {PublishPath::kTmpfile, PublishPath::kNamedFile,
                             PublishPath::kRenameFallback}) {
      params.push_back({i, path});
    }
  }
  return params;
}

class FaultMatrixTest : public ::testing::TestWithParam<MatrixParam> {
 protected:
  void TearDown() override { fault::Reset(); }

  const Scenario& scenario() const { return scenarios_[GetParam().scenario]; }

  // Sets up the scenario in `env`, arms the background faults and `arm`,
  // and runs the operation. The hit counts cover the operation alone.
  Summary RunOnce(Environment& env, const std::function<void()>& arm) {
    fault::Reset();
    scenario().setup(env);
    fault::Reset();
    env.ArmBackground();
    arm();
    return scenario().run(env);
  }

  // Runs the scenario in a child that `arm` makes crash; returns the
  // child's wait status.
  int RunCrashed(Environment& env, const std::function<void()>& arm) {
    const pid_t child = fork();
    if (child == 0) {
      RunOnce(env, arm);
      _exit(0);
    }
    int status = 0;
    EXPECT_EQ(waitpid(child, &status, 0), child);
    return status;
  }

  void ExpectCleanError(const Summary& summary, const Environment& env,
                        int error) {
    EXPECT_TRUE(summary.code == ErrorCode::kIo ||
                summary.code == ErrorCode::kUnsupported)
        << static_cast<int>(summary.code) << ": " << summary.message;
    EXPECT_NE(summary.message.find(env.dir()), std::string::npos)
        << summary.message;
    if (summary.code == ErrorCode::kIo) EXPECT_EQ(summary.os_errno, error);
  }

  // Checks that every name in the directory but the lock is a temporary
  // that ReadAll() removes once old. Then a healthy process that finds every
  // holder dead must take the key once the corrupt grace is over.
  void ExpectRecoverable(Environment& env) {
    for (const std::string& name : ListDir(env.dir())) {
      if (name == std::string(kKey) + ".lock" || name == "target") continue;
      EXPECT_TRUE(FileStore::IsTemporaryName(name)) << name;
      EXPECT_FALSE(KeyFromFileName(name).has_value()) << name;
      AgeFile(env.dir() + "/" + name, kOldTemporarySeconds);
    }
    FileStore store(env.dir());
    ASSERT_TRUE(store.ReadAll().ok());
    for (const std::string& name : ListDir(env.dir())) {
      EXPECT_FALSE(FileStore::IsTemporaryName(name)) << name;
    }

    ManagerOptions options = env.Options();
    const int64_t later_ms = WallClockMs() + kPastCorruptGraceMs;
    options.now = [later_ms](int64_t* now_ms) {
      *now_ms = later_ms;
      return Status();
    };
    options.is_pid_alive = [](int64_t, bool* alive) {
      *alive = false;
      return Status();
    };
    std::unique_ptr<Manager> healthy = Environment::Make(options);
    ASSERT_NE(healthy, nullptr);
    StatusOr<AcquireOutcome> outcome =
        healthy->Acquire(kKey, "recovery", false);
    ASSERT_TRUE(outcome.ok()) << outcome.status().message();
    EXPECT_TRUE(outcome->acquired);
    StatusOr<ReleaseReason> released = healthy->Release(kKey);
    ASSERT_TRUE(released.ok()) << released.status().message();
    EXPECT_EQ(*released, ReleaseReason::kReleased);
  }

  // After a crash, a process with the real probe takes the key unless the
  // scenario's own live holder still has it.
  void ExpectTakenAfterCrash(Environment& env) {
    ManagerOptions options = env.Options();
    const int64_t later_ms = WallClockMs() + kPastCorruptGraceMs;
    options.now = [later_ms](int64_t* now_ms) {
      *now_ms = later_ms;
      return Status();
    };
    std::unique_ptr<Manager> healthy = Environment::Make(options);
    ASSERT_NE(healthy, nullptr);
    StatusOr<AcquireOutcome> outcome =
        healthy->Acquire(kKey, "after crash", false);
    ASSERT_TRUE(outcome.ok()) << outcome.status().message();
    if (!outcome->acquired) {
      ASSERT_TRUE(outcome->holder.has_value());
      EXPECT_EQ(outcome->holder->pid, getpid());
      return;
    }
    ASSERT_TRUE(healthy->Release(kKey).ok());
  }

  std::vector<Scenario> scenarios_ = Scenarios();
};

TEST_P(FaultMatrixTest, EveryFaultLeavesKeyUsable) {
  const PublishPath path = GetParam().path;
  int hits[fault::kPointCount] = {};
  Summary expected;
  {
    Environment env(path);
    expected = RunOnce(env, [] {});
    ASSERT_TRUE(expected.ok) << expected.message;
    for (Point point : AllPoints()) {
      hits[static_cast<int>(point)] = fault::Hits(point);
    }
  }

  // Per point: hits in the fault-free run, then the cases that returned an
  // error, the cases that succeeded anyway, and the crashes.
  std::string coverage;
  int cases = 0;
  for (Point point : AllPoints()) {
    int failed = 0;
    int succeeded = 0;
    int crashed = 0;
    Environment probe(path);
    if (probe.IsBackground(point)) continue;
    const int count = hits[static_cast<int>(point)];
    for (int hit = 1; hit <= count; ++hit) {
      for (int error : kFaultErrors) {
        for (int times : {1, -1}) {
          if (times < 0 && (hit > 1 || error == EINTR)) continue;
          SCOPED_TRACE(std::string(fault::PointName(point)) + " hit " +
                       std::to_string(hit) + (times < 0 ? " onwards" : "") +
                       ": " + std::strerror(error));
          Environment env(path);
          const Summary summary = RunOnce(env, [&] {
            fault::Arm(point, Action{error, false}, hit, times);
          });
          fault::Reset();
          ++cases;
          ++(summary.ok ? succeeded : failed);
          if (error == EINTR && RetriesEintr(point)) {
            EXPECT_TRUE(summary.ok) << summary.message;
            EXPECT_EQ(summary.result, expected.result);
          } else if (summary.ok) {
            EXPECT_EQ(summary.result, expected.result);
          } else {
            ExpectCleanError(summary, env, error);
          }
          ExpectRecoverable(env);
        }
      }

      SCOPED_TRACE(std::string(fault::PointName(point)) + " hit " +
                   std::to_string(hit) + ": crash");
      Environment env(path);
      const int status = RunCrashed(env, [&] {
        fault::Arm(point, Action{0, true}, hit, 1);
      });
      ++cases;
      ++crashed;
      ASSERT_TRUE(WIFEXITED(status)) << status;
      EXPECT_EQ(WEXITSTATUS(status), fault::kCrashExitStatus);
      ExpectTakenAfterCrash(env);
      ExpectRecoverable(env);
    }
    if (count > 0) {
      coverage += std::string(" ") + fault::PointName(point) + "=" +
                  std::to_string(count) + "/" + std::to_string(failed) + "/" +
                  std::to_string(succeeded) + "/" + std::to_string(crashed);
    }
  }
  EXPECT_GT(cases, 0);
  // point=hits/errors/successes/crashes, for reading which steps ran.
  std::cout << "fault points:" << coverage << "\n";
}

INSTANTIATE_TEST_SUITE_P(Operations, FaultMatrixTest,
                         ::testing::ValuesIn(MatrixParams()), ParamName);

class FaultInjectionTest : public ::testing::Test {
 protected:
  void TearDown() override { fault::Reset(); }
};

TEST_F(FaultInjectionTest, InterruptedWriteIsRetried) {
  Environment env(PublishPath::kTmpfile);
  fault::Arm(Point::kWrite, Action{EINTR, false}, 1, 3);
  StatusOr<AcquireOutcome> outcome =
      env.manager().Acquire(kKey, "fault test", false);
  ASSERT_TRUE(outcome.ok()) << outcome.status().message();
  EXPECT_TRUE(outcome->acquired);
  EXPECT_EQ(fault::Hits(Point::kWrite), 4);
}

TEST_F(FaultInjectionTest, InterruptedFlockIsRetried) {
  Environment env(PublishPath::kTmpfile);
  AcquireForSetup(env);
  fault::Reset();
  fault::Arm(Point::kFlock, Action{EINTR, false}, 1, 3);
  StatusOr<ReleaseReason> released = env.manager().Release(kKey);
  ASSERT_TRUE(released.ok()) << released.status().message();
  EXPECT_EQ(*released, ReleaseReason::kReleased);
  EXPECT_EQ(fault::Hits(Point::kFlock), 4);
}

// An NFS client rejects an exclusive flock on a descriptor opened read-only
// with EBADF, so a removal takes its guard on the file reopened for writing.
TEST_F(FaultInjectionTest, FlockEbadfRetriesOnWritableDescriptor) {
  Environment env(PublishPath::kTmpfile);
  env.WriteLock(StaleRecord());
  fault::Reset();
  fault::Arm(Point::kFlock, Action{EBADF, false});
  StatusOr<ClearOutcome> cleared = env.manager().Clear(kKey, false);
  ASSERT_TRUE(cleared.ok()) << cleared.status().message();
  EXPECT_EQ(cleared->reason, ClearReason::kCleared);
  EXPECT_EQ(fault::Hits(Point::kFlock), 2);
  EXPECT_TRUE(ListDir(env.dir()).empty());
}

TEST_F(FaultInjectionTest, FailedWriteNamesTemporaryAndLeavesNoFile) {
  Environment env(PublishPath::kNamedFile);
  fault::Arm(Point::kWrite, Action{ENOSPC, false});
  StatusOr<AcquireOutcome> outcome =
      env.manager().Acquire(kKey, "fault test", false);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.status().code(), ErrorCode::kIo);
  EXPECT_EQ(outcome.status().os_errno(), ENOSPC);
  EXPECT_NE(outcome.status().message().find(env.dir()), std::string::npos);
  EXPECT_TRUE(ListDir(env.dir()).empty());
}

TEST_F(FaultInjectionTest, CrashBeforeLinkLeavesOnlyTemporary) {
  Environment env(PublishPath::kNamedFile);
  const pid_t child = fork();
  if (child == 0) {
    fault::Arm(Point::kNamedLink, Action{0, true});
    env.manager().Acquire(kKey, "fault test", false);
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), fault::kCrashExitStatus);

  const std::vector<std::string> names = ListDir(env.dir());
  ASSERT_EQ(names.size(), 1u);
  EXPECT_TRUE(FileStore::IsTemporaryName(names[0])) << names[0];
  StatusOr<AcquireOutcome> outcome =
      env.manager().Acquire(kKey, "after crash", false);
  ASSERT_TRUE(outcome.ok()) << outcome.status().message();
  EXPECT_TRUE(outcome->acquired);
}

TEST_F(FaultInjectionTest, CrashUnderGuardFreesGuardForNextRemoval) {
  Environment env(PublishPath::kTmpfile);
  env.WriteLock(StaleRecord());
  const pid_t child = fork();
  if (child == 0) {
    fault::Arm(Point::kUnlinkat, Action{0, true});
    env.manager().Clear(kKey, false);
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), fault::kCrashExitStatus);

  StatusOr<ClearOutcome> cleared = env.manager().Clear(kKey, false);
  ASSERT_TRUE(cleared.ok()) << cleared.status().message();
  EXPECT_EQ(cleared->reason, ClearReason::kCleared);
}

TEST_F(FaultInjectionTest, UnarmedPointsOnlyCountHits) {
  Environment env(PublishPath::kTmpfile);
  fault::Reset();
  StatusOr<AcquireOutcome> outcome =
      env.manager().Acquire(kKey, "fault test", false);
  ASSERT_TRUE(outcome.ok()) << outcome.status().message();
  EXPECT_TRUE(outcome->acquired);
  EXPECT_EQ(fault::Hits(Point::kTmpfileOpen), 1);
  EXPECT_EQ(fault::Hits(Point::kLinkat), 1);
  EXPECT_GE(fault::Hits(Point::kWrite), 1);
}

}  // namespace
}  // namespace sequantlock
