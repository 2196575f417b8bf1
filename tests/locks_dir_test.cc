#include "locks_dir.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "test_util.h"

namespace sequantlock {
namespace {

using sequantlock_test::TempDir;

// Runs a shell command with git's identity and configuration isolated.
int Shell(const std::string& command) {
  const std::string full =
      "env HOME=/nonexistent GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null "
      "GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.invalid "
      "GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.invalid sh -c '" +
      command + "' >/dev/null 2>&1";
  return std::system(full.c_str());
}

class LocksDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char buffer[4096];
    ASSERT_NE(getcwd(buffer, sizeof buffer), nullptr);
    saved_cwd_ = buffer;
    const char* env = std::getenv("SEQUANT_LOCKS_DIR");
    if (env != nullptr) saved_env_ = env;
    unsetenv("SEQUANT_LOCKS_DIR");
    root_ = std::filesystem::canonical(temp_.path()).string();
  }
  void TearDown() override {
    ASSERT_EQ(chdir(saved_cwd_.c_str()), 0);
    if (saved_env_) {
      setenv("SEQUANT_LOCKS_DIR", saved_env_->c_str(), 1);
    } else {
      unsetenv("SEQUANT_LOCKS_DIR");
    }
  }

  std::string Resolve(const std::string& from, const std::string& explicit_dir = "") {
    EXPECT_EQ(chdir(from.c_str()), 0) << from;
    StatusOr<std::string> dir = ResolveLocksDir(explicit_dir);
    EXPECT_TRUE(dir.ok());
    return *dir;
  }

  void MakeRepository() {
    ASSERT_EQ(Shell("cd " + root_ + " && git init -q repo && cd repo && "
                    "mkdir -p src/lib && echo x > src/lib/f && git add . && "
                    "git commit -qm init && "
                    "git worktree add -q ../wt -b feature"),
              0);
  }

  TempDir temp_;
  std::string root_;
  std::string saved_cwd_;
  std::optional<std::string> saved_env_;
};

TEST_F(LocksDirTest, OutsideRepositoryUsesCurrentDirectory) {
  EXPECT_EQ(Resolve(root_), root_ + "/.sequant/locks");
}

TEST_F(LocksDirTest, RepositorySubdirectoryUsesRepositoryRoot) {
  MakeRepository();
  const std::string expected = root_ + "/repo/.sequant/locks";
  EXPECT_EQ(Resolve(root_ + "/repo"), expected);
  EXPECT_EQ(Resolve(root_ + "/repo/src/lib"), expected);
  EXPECT_EQ(Resolve(root_ + "/repo/.git"), expected);
  EXPECT_EQ(Resolve(root_ + "/repo/.git/refs"), expected);
}

TEST_F(LocksDirTest, LinkedWorktreeSharesMainLocks) {
  MakeRepository();
  EXPECT_EQ(Resolve(root_ + "/wt"), root_ + "/repo/.sequant/locks");
}

TEST_F(LocksDirTest, EnvironmentOverridesRepository) {
  MakeRepository();
  setenv("SEQUANT_LOCKS_DIR", "/var/tmp/elsewhere/", 1);
  EXPECT_EQ(Resolve(root_ + "/repo"), "/var/tmp/elsewhere");
  setenv("SEQUANT_LOCKS_DIR", "rel/locks", 1);
  EXPECT_EQ(Resolve(root_ + "/repo/src"), root_ + "/repo/src/rel/locks");
}

TEST_F(LocksDirTest, EmptyEnvironmentCountsAsUnset) {
  setenv("SEQUANT_LOCKS_DIR", "", 1);
  EXPECT_EQ(Resolve(root_), root_ + "/.sequant/locks");
}

TEST_F(LocksDirTest, ExplicitOverridesEverything) {
  MakeRepository();
  setenv("SEQUANT_LOCKS_DIR", "/var/tmp/elsewhere", 1);
  EXPECT_EQ(Resolve(root_ + "/repo", "mine/../here"),
            root_ + "/repo/here");
}

TEST_F(LocksDirTest, BareRepositoryResolvesToItsParent) {
  ASSERT_EQ(Shell("cd " + root_ + " && git init -q --bare bare.git"), 0);
  EXPECT_EQ(Resolve(root_ + "/bare.git"), root_ + "/.sequant/locks");
}

TEST_F(LocksDirTest, GitFileWithRelativeGitdirIsFollowed) {
  std::filesystem::create_directories(root_ + "/store/objects");
  std::filesystem::create_directories(root_ + "/store/refs");
  sequantlock_test::WriteFile(root_ + "/store/HEAD", "ref: refs/heads/main\n");
  std::filesystem::create_directories(root_ + "/checkout/sub");
  sequantlock_test::WriteFile(root_ + "/checkout/.git", "gitdir: ../store\n");
  EXPECT_EQ(Resolve(root_ + "/checkout/sub"), root_ + "/.sequant/locks");
}

TEST_F(LocksDirTest, AbsolutePathNormalises) {
  EXPECT_EQ(*AbsolutePath("/a/b/../c/./d/"), "/a/c/d");
  EXPECT_EQ(*AbsolutePath("/"), "/");
}

}  // namespace
}  // namespace sequantlock
