#include "file_store.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "test_util.h"

namespace sequantlock {
namespace {

using sequantlock_test::AgeFile;
using sequantlock_test::Exists;
using sequantlock_test::ListDir;
using sequantlock_test::ReadFile;
using sequantlock_test::TempDir;
using sequantlock_test::WriteFile;

const char kRecordA[] =
    R"({"pid": 1, "hostname": "h", "startedAt": "s", "command": "a"})";
const char kRecordB[] =
    R"({"pid": 2, "hostname": "h", "startedAt": "s", "command": "b"})";

// Runs every test on both publish paths: O_TMPFILE and the named-file
// fallback that filesystems without O_TMPFILE get.
class FileStoreTest : public ::testing::TestWithParam<bool> {
 protected:
  FileStoreTest()
      : dir_(temp_.Sub("locks")), store_(dir_, FileStoreOptions{GetParam()}) {}

  bool Publish(const std::string& key, const std::string& content) {
    StatusOr<PublishOutcome> outcome = store_.Publish(key, content, false);
    EXPECT_TRUE(outcome.ok()) << outcome.status().message();
    return outcome.ok() && outcome->created;
  }

  TempDir temp_;
  std::string dir_;
  FileStore store_;
};

INSTANTIATE_TEST_SUITE_P(PublishPaths, FileStoreTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "Tmpfile" : "NamedFile";
                         });

TEST_P(FileStoreTest, PublishCreatesDirectoryAndWholeFile) {
  EXPECT_TRUE(Publish("604", kRecordA));
  EXPECT_EQ(ReadFile(dir_ + "/604.lock"), kRecordA);
  EXPECT_EQ(ListDir(dir_), std::vector<std::string>{"604.lock"});
}

TEST_P(FileStoreTest, PublishNeverReplacesExistingLock) {
  EXPECT_TRUE(Publish("604", kRecordA));
  EXPECT_FALSE(Publish("604", kRecordB));
  EXPECT_EQ(ReadFile(dir_ + "/604.lock"), kRecordA);
  EXPECT_EQ(ListDir(dir_), std::vector<std::string>{"604.lock"});
}

TEST_P(FileStoreTest, PublishIntoFileReportsNotADirectory) {
  WriteFile(dir_, "not a directory");
  StatusOr<PublishOutcome> outcome = store_.Publish("604", kRecordA, false);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.status().code(), ErrorCode::kIo);
  EXPECT_EQ(outcome.status().os_errno(), ENOTDIR);
}

TEST_P(FileStoreTest, ReadOfMissingDirectoryCreatesNothing) {
  StatusOr<StoredLock> lock = store_.Read("604");
  ASSERT_TRUE(lock.ok());
  EXPECT_EQ(lock->kind, StoredLock::Kind::kMissing);
  StatusOr<std::vector<StoredLock>> all = store_.ReadAll();
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(all->empty());
  EXPECT_FALSE(Exists(dir_));
}

TEST_P(FileStoreTest, ReadReportsRecordAndMtime) {
  Publish("604", kRecordA);
  StatusOr<StoredLock> lock = store_.Read("604");
  ASSERT_TRUE(lock.ok());
  EXPECT_EQ(lock->kind, StoredLock::Kind::kRecord);
  EXPECT_EQ(lock->record.command, "a");
  EXPECT_EQ(lock->path, dir_ + "/604.lock");
  EXPECT_TRUE(lock->mtime_ms.has_value());
}

TEST_P(FileStoreTest, BrokenFilesReadAsCorrupt) {
  std::filesystem::create_directories(dir_);
  const std::string big(kMaxRecordBytes + 1, ' ');
  const std::pair<const char*, std::string> kFiles[] = {
      {"1", ""},         {"2", "{\"pid\": 1"}, {"3", big},
      {"4", "\x01\x02"}, {"5", "[1, 2]"},
  };
  for (const auto& [key, content] : kFiles) {
    WriteFile(dir_ + "/" + key + ".lock", content);
    StatusOr<StoredLock> lock = store_.Read(key);
    ASSERT_TRUE(lock.ok()) << key;
    EXPECT_EQ(lock->kind, StoredLock::Kind::kCorrupt) << key;
  }
}

TEST_P(FileStoreTest, DirectoryFifoAndSymlinkReadAsCorrupt) {
  std::filesystem::create_directories(dir_ + "/1.lock");
  ASSERT_EQ(mkfifo((dir_ + "/2.lock").c_str(), 0644), 0);
  WriteFile(temp_.Sub("target"), kRecordA);
  std::filesystem::create_symlink(temp_.Sub("target"), dir_ + "/3.lock");
  for (const char* key : {"1", "2", "3"}) {
    StatusOr<StoredLock> lock = store_.Read(key);
    ASSERT_TRUE(lock.ok()) << key;
    EXPECT_EQ(lock->kind, StoredLock::Kind::kCorrupt) << key;
  }
}

TEST_P(FileStoreTest, RemovingSymlinkLeavesTargetUntouched) {
  std::filesystem::create_directories(dir_);
  WriteFile(temp_.Sub("target"), kRecordA);
  std::filesystem::create_symlink(temp_.Sub("target"), dir_ + "/3.lock");
  StatusOr<RemovalOutcome> outcome =
      store_.RemoveIf("3", [](const StoredLock& lock) -> StatusOr<bool> {
        return lock.kind == StoredLock::Kind::kCorrupt;
      });
  ASSERT_TRUE(outcome.ok()) << outcome.status().message();
  EXPECT_EQ(outcome->kind, RemovalOutcome::Kind::kRemoved);
  EXPECT_FALSE(Exists(dir_ + "/3.lock"));
  EXPECT_EQ(ReadFile(temp_.Sub("target")), kRecordA);
}

TEST_P(FileStoreTest, RemovesFifoAndEmptyDirectory) {
  std::filesystem::create_directories(dir_ + "/1.lock");
  ASSERT_EQ(mkfifo((dir_ + "/2.lock").c_str(), 0644), 0);
  for (const char* key : {"1", "2"}) {
    StatusOr<RemovalOutcome> outcome = store_.RemoveIf(
        key, [](const StoredLock&) -> StatusOr<bool> { return true; });
    ASSERT_TRUE(outcome.ok()) << key << ": " << outcome.status().message();
    EXPECT_EQ(outcome->kind, RemovalOutcome::Kind::kRemoved) << key;
  }
  EXPECT_TRUE(ListDir(dir_).empty());
}

TEST_P(FileStoreTest, RemoveIfKeepsWhatTheDecisionKeeps) {
  Publish("604", kRecordA);
  StatusOr<RemovalOutcome> outcome = store_.RemoveIf(
      "604", [](const StoredLock&) -> StatusOr<bool> { return false; });
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->kind, RemovalOutcome::Kind::kKept);
  EXPECT_EQ(outcome->lock.record.command, "a");
  EXPECT_TRUE(Exists(dir_ + "/604.lock"));
}

TEST_P(FileStoreTest, RemoveIfOfMissingLockReportsMissing) {
  bool asked = false;
  StatusOr<RemovalOutcome> outcome =
      store_.RemoveIf("604", [&](const StoredLock&) -> StatusOr<bool> {
        asked = true;
        return true;
      });
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->kind, RemovalOutcome::Kind::kMissing);
  EXPECT_FALSE(asked);
}

TEST_P(FileStoreTest, RemoveIfDecidesOnWhatIsThereNow) {
  Publish("604", kRecordA);
  StatusOr<StoredLock> seen = store_.Read("604");
  ASSERT_EQ(seen->record.command, "a");
  // Another process replaces the lock between the read and the removal.
  ASSERT_EQ(unlink((dir_ + "/604.lock").c_str()), 0);
  Publish("604", kRecordB);
  std::string decided_on;
  StatusOr<RemovalOutcome> outcome =
      store_.RemoveIf("604", [&](const StoredLock& lock) -> StatusOr<bool> {
        decided_on = lock.record.command;
        return lock.record.command == "a";
      });
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(decided_on, "b");
  EXPECT_EQ(outcome->kind, RemovalOutcome::Kind::kKept);
  EXPECT_EQ(ReadFile(dir_ + "/604.lock"), kRecordB);
}

TEST_P(FileStoreTest, DecisionErrorAbortsRemoval) {
  Publish("604", kRecordA);
  StatusOr<RemovalOutcome> outcome =
      store_.RemoveIf("604", [](const StoredLock&) -> StatusOr<bool> {
        return Status::Error(ErrorCode::kCallback, "callback failed");
      });
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.status().code(), ErrorCode::kCallback);
  EXPECT_TRUE(Exists(dir_ + "/604.lock"));
}

TEST_P(FileStoreTest, RemoveHeldRemovesOnlyTheFileItPublished) {
  StatusOr<PublishOutcome> mine = store_.Publish("604", kRecordA, true);
  ASSERT_TRUE(mine.ok());
  ASSERT_TRUE(mine->handle != nullptr);
  StatusOr<bool> removed = store_.RemoveHeld("604", std::move(mine->handle));
  ASSERT_TRUE(removed.ok());
  EXPECT_TRUE(*removed);
  EXPECT_FALSE(Exists(dir_ + "/604.lock"));

  StatusOr<PublishOutcome> stolen = store_.Publish("605", kRecordA, true);
  ASSERT_TRUE(stolen.ok());
  ASSERT_EQ(unlink((dir_ + "/605.lock").c_str()), 0);
  Publish("605", kRecordB);
  removed = store_.RemoveHeld("605", std::move(stolen->handle));
  ASSERT_TRUE(removed.ok());
  EXPECT_FALSE(*removed);
  EXPECT_EQ(ReadFile(dir_ + "/605.lock"), kRecordB);
}

TEST_P(FileStoreTest, RemovalWaitsForAnotherProcessesGuard) {
  Publish("604", kRecordA);
  const std::string path = dir_ + "/604.lock";
  const std::string marker = temp_.Sub("guard-released");
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  const pid_t child = fork();
  if (child == 0) {
    const int fd = open(path.c_str(), O_RDONLY);
    flock(fd, LOCK_EX);
    (void)!write(ready[1], "x", 1);
    usleep(200 * 1000);
    WriteFile(marker, "1");
    _exit(0);  // The kernel drops the guard here.
  }
  char byte;
  ASSERT_EQ(read(ready[0], &byte, 1), 1);
  bool marker_seen = false;
  StatusOr<RemovalOutcome> outcome =
      store_.RemoveIf("604", [&](const StoredLock&) -> StatusOr<bool> {
        marker_seen = Exists(marker);
        return true;
      });
  int status = 0;
  waitpid(child, &status, 0);
  close(ready[0]);
  close(ready[1]);
  ASSERT_TRUE(outcome.ok());
  EXPECT_TRUE(marker_seen);
  EXPECT_EQ(outcome->kind, RemovalOutcome::Kind::kRemoved);
}

TEST_P(FileStoreTest, ReadAllSkipsFilesThatAreNotLocks) {
  Publish("604", kRecordA);
  Publish("checkout", kRecordB);
  WriteFile(dir_ + "/session-abc.issue", "604");
  WriteFile(dir_ + "/042.lock", kRecordA);
  WriteFile(dir_ + "/notes.txt", "x");
  StatusOr<std::vector<StoredLock>> all = store_.ReadAll();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
}

TEST_P(FileStoreTest, ReadAllSweepsOnlyOldTemporaries) {
  std::filesystem::create_directories(dir_);
  const std::string old_tmp = dir_ + "/.sequantlock-1-2-abc.tmp";
  const std::string new_tmp = dir_ + "/.sequantlock-3-4-def.tmp";
  const std::string old_steal = dir_ + "/42.lock.steal.12345.1754550000000";
  WriteFile(old_tmp, kRecordA);
  WriteFile(new_tmp, kRecordA);
  WriteFile(old_steal, kRecordA);
  AgeFile(old_tmp, 11 * 60);
  AgeFile(old_steal, 11 * 60);
  ASSERT_TRUE(store_.ReadAll().ok());
  EXPECT_FALSE(Exists(old_tmp));
  EXPECT_FALSE(Exists(old_steal));
  EXPECT_TRUE(Exists(new_tmp));
}

TEST_P(FileStoreTest, ReadAllOfFileReportsError) {
  WriteFile(dir_, "x");
  StatusOr<std::vector<StoredLock>> all = store_.ReadAll();
  ASSERT_FALSE(all.ok());
  EXPECT_EQ(all.status().code(), ErrorCode::kIo);
  EXPECT_EQ(all.status().path(), dir_);
}

TEST(FileStoreNameTest, TemporaryNamesAreRecognised) {
  EXPECT_TRUE(FileStore::IsTemporaryName(".sequantlock-1-2-abc.tmp"));
  EXPECT_FALSE(FileStore::IsTemporaryName("604.lock"));
  EXPECT_FALSE(FileStore::IsTemporaryName(".sequantlock-.tmp"));
}

}  // namespace
}  // namespace sequantlock
