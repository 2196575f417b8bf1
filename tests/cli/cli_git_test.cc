// Where the tool puts locks inside real git repositories and worktrees, and
// how SEQUANT_LOCKS_DIR and --locks-dir override that.
#include <string>
#include <vector>

#include "cli_harness.h"

namespace sequantlock_test {
namespace {

class CliGitTest : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    SetEnv("SEQUANT_LOCKS_DIR", std::nullopt);
    repo_ = root_ / "repo";
    fs::create_directories(repo_ / "src" / "lib");
    Git(root_, {"init", "-q", "-b", "main", repo_.string()});
    WriteText(repo_ / "README", "test\n");
    Git(repo_, {"add", "README"});
    Git(repo_, {"commit", "-q", "-m", "Initial commit"});
    worktree_ = root_ / "worktree";
    Git(repo_, {"worktree", "add", "-q", "-b", "feature", worktree_.string()});
    repo_locks_ = repo_ / ".sequant" / "locks";
  }

  void Git(const fs::path& cwd, const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"git"};
    argv.insert(argv.end(), args.begin(), args.end());
    const CliResult result = Program(cwd, argv);
    ASSERT_EQ(result.exit_code, 0) << "git " << args.at(0) << ": "
                                   << result.err;
  }

  fs::path repo_;
  fs::path worktree_;
  fs::path repo_locks_;
};

TEST_F(CliGitTest, RepositoryRootHoldsLocks) {
  const CliResult result = CliIn(repo_, {"acquire", "604", "--json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(nlohmann::json::parse(result.out).at("lockPath"),
            (repo_locks_ / "604.lock").string());
}

TEST_F(CliGitTest, SubdirectoryUsesRepositoryRootLocks) {
  const CliResult result = CliIn(repo_ / "src" / "lib", {"acquire", "604"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(fs::exists(repo_locks_ / "604.lock"));
  EXPECT_FALSE(fs::exists(repo_ / "src" / "lib" / ".sequant"));
}

TEST_F(CliGitTest, LinkedWorktreeSharesMainLocks) {
  ASSERT_EQ(CliIn(repo_ / "src", {"acquire", "604", "--pid",
                                  std::to_string(getpid())})
                .exit_code,
            0);
  const CliResult held = CliIn(worktree_, {"acquire", "604"});
  EXPECT_EQ(held.exit_code, 1);
  EXPECT_EQ(held.err,
            CanonicalRefusal("604", nlohmann::json::parse(ReadText(
                                        repo_locks_ / "604.lock"))) +
                "\n");

  const CliResult other =
      CliIn(worktree_, {"acquire", "605", "--pid", std::to_string(getpid())});
  EXPECT_EQ(other.exit_code, 0) << other.err;
  EXPECT_TRUE(fs::exists(repo_locks_ / "605.lock"));
  EXPECT_FALSE(fs::exists(worktree_ / ".sequant"));

  const CliResult listed = CliIn(worktree_, {"check-batch", "604", "605"});
  EXPECT_EQ(Lines(listed.out).size(), 2u) << listed.out;
}

TEST_F(CliGitTest, EnvironmentOverridesRepositoryLocks) {
  const fs::path elsewhere = root_ / "elsewhere";
  SetEnv("SEQUANT_LOCKS_DIR", elsewhere.string());
  ASSERT_EQ(CliIn(repo_, {"acquire", "604"}).exit_code, 0);
  EXPECT_TRUE(fs::exists(elsewhere / "604.lock"));
  EXPECT_FALSE(fs::exists(repo_locks_));
}

TEST_F(CliGitTest, EmptyEnvironmentValueCountsAsUnset) {
  SetEnv("SEQUANT_LOCKS_DIR", "");
  ASSERT_EQ(CliIn(repo_ / "src", {"acquire", "604"}).exit_code, 0);
  EXPECT_TRUE(fs::exists(repo_locks_ / "604.lock"));
}

TEST_F(CliGitTest, LocksDirFlagOverridesEnvironment) {
  const fs::path from_env = root_ / "from-env";
  const fs::path from_flag = root_ / "from-flag";
  SetEnv("SEQUANT_LOCKS_DIR", from_env.string());
  ASSERT_EQ(
      CliIn(repo_, {"--locks-dir", from_flag.string(), "acquire", "604"})
          .exit_code,
      0);
  EXPECT_TRUE(fs::exists(from_flag / "604.lock"));
  EXPECT_FALSE(fs::exists(from_env));

  ASSERT_EQ(
      CliIn(repo_, {"acquire", "605", "--locks-dir", from_flag.string()})
          .exit_code,
      0);
  EXPECT_TRUE(fs::exists(from_flag / "605.lock"));
}

TEST_F(CliGitTest, DirectoryOutsideRepositoryUsesCurrentDirectory) {
  const fs::path plain = root_ / "plain";
  fs::create_directories(plain);
  ASSERT_EQ(CliIn(plain, {"acquire", "604"}).exit_code, 0);
  EXPECT_TRUE(fs::exists(plain / ".sequant" / "locks" / "604.lock"));
}

TEST_F(CliGitTest, ReadOnlyCommandsCreateNoDirectory) {
  ASSERT_EQ(CliIn(repo_, {"check", "604"}).exit_code, 0);
  ASSERT_EQ(CliIn(repo_, {"list"}).exit_code, 0);
  ASSERT_EQ(CliIn(repo_, {"check-batch", "1", "2"}).exit_code, 0);
  ASSERT_EQ(CliIn(repo_, {"release", "604"}).exit_code, 0);
  ASSERT_EQ(CliIn(repo_, {"clear", "604"}).exit_code, 0);
  EXPECT_FALSE(fs::exists(repo_ / ".sequant"));
}

}  // namespace
}  // namespace sequantlock_test
