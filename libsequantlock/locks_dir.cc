#include "locks_dir.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>

namespace sequantlock {
namespace {

namespace fs = std::filesystem;

bool IsDirectory(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool IsRegularFile(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string ReadFirstLine(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::string();
  char buffer[4096];
  ssize_t n;
  do {
    n = read(fd, buffer, sizeof buffer);
  } while (n < 0 && errno == EINTR);
  close(fd);
  if (n <= 0) return std::string();
  std::string line(buffer, static_cast<size_t>(n));
  const size_t end = line.find_first_of("\r\n");
  if (end != std::string::npos) line.resize(end);
  return line;
}

std::string Normal(const fs::path& path) {
  std::string text = path.lexically_normal().string();
  while (text.size() > 1 && text.back() == '/') text.pop_back();
  return text;
}

// Whether `dir` is itself a git directory: HEAD, objects and refs, as git
// checks before it accepts a directory as a repository.
bool LooksLikeGitDir(const std::string& dir) {
  return IsRegularFile(dir + "/HEAD") && IsDirectory(dir + "/objects") &&
         IsDirectory(dir + "/refs");
}

// The common dir of git directory `git_dir`: the target of its `commondir`
// file when it has one (a linked worktree), else itself.
std::string CommonDirOf(const std::string& git_dir) {
  const std::string common = ReadFirstLine(git_dir + "/commondir");
  if (common.empty()) return git_dir;
  fs::path path(common);
  if (path.is_relative()) path = fs::path(git_dir) / path;
  return Normal(path);
}

}  // namespace

StatusOr<std::string> AbsolutePath(const std::string& path) {
  fs::path result(path);
  if (result.is_relative()) {
    char buffer[4096];
    if (getcwd(buffer, sizeof buffer) == nullptr) {
      return Status::Io("cannot read the current directory", ".", errno);
    }
    result = fs::path(buffer) / result;
  }
  return Normal(result);
}

std::optional<std::string> FindGitCommonDir(const std::string& start) {
  fs::path dir(start);
  for (;;) {
    const std::string current = dir.string();
    const std::string dot_git = Normal(dir / ".git");
    if (IsDirectory(dot_git) && LooksLikeGitDir(dot_git)) {
      return CommonDirOf(dot_git);
    }
    if (IsRegularFile(dot_git)) {
      const std::string line = ReadFirstLine(dot_git);
      const std::string prefix = "gitdir:";
      if (line.compare(0, prefix.size(), prefix) == 0) {
        std::string target = line.substr(prefix.size());
        const size_t begin = target.find_first_not_of(" \t");
        target = begin == std::string::npos ? "" : target.substr(begin);
        fs::path git_dir(target);
        if (git_dir.is_relative()) git_dir = dir / git_dir;
        const std::string git_dir_text = Normal(git_dir);
        if (IsDirectory(git_dir_text)) return CommonDirOf(git_dir_text);
      }
    }
    // Inside a git directory itself (or a bare repository), git reports
    // that directory.
    if (LooksLikeGitDir(current)) return CommonDirOf(Normal(dir));
    if (!dir.has_parent_path() || dir.parent_path() == dir) break;
    dir = dir.parent_path();
  }
  return std::nullopt;
}

StatusOr<std::string> ResolveLocksDir(const std::string& explicit_dir) {
  if (!explicit_dir.empty()) return AbsolutePath(explicit_dir);
  const char* env = std::getenv("SEQUANT_LOCKS_DIR");
  if (env != nullptr && env[0] != '\0') return AbsolutePath(env);

  StatusOr<std::string> cwd = AbsolutePath(".");
  if (!cwd.ok()) return cwd.status();
  if (std::optional<std::string> common = FindGitCommonDir(*cwd)) {
    fs::path root = fs::path(*common).parent_path();
    return Normal(root / kDefaultLocksDir);
  }
  return Normal(fs::path(*cwd) / kDefaultLocksDir);
}

}  // namespace sequantlock
