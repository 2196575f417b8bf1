// Where locks live: the explicit directory, SEQUANT_LOCKS_DIR, the root
// shared by every worktree of the enclosing git repository, or the current
// directory.
//
// The repository is found by reading `.git`, a `gitdir:` file and its
// `commondir`, never by spawning git. Thread safety: reads the environment
// and the current directory, nothing else.
#ifndef SEQUANTLOCK_LOCKS_DIR_H_
#define SEQUANTLOCK_LOCKS_DIR_H_

#include <optional>
#include <string>

#include "error.h"

namespace sequantlock {

inline constexpr const char* kDefaultLocksDir = ".sequant/locks";

// The directory whose parent is the root of the repository enclosing
// `start` (an absolute directory): git's common dir. Nothing when `start`
// is not inside a repository.
std::optional<std::string> FindGitCommonDir(const std::string& start);

// Resolves the locks directory. `explicit_dir` wins when not empty, then a
// non-empty SEQUANT_LOCKS_DIR, then `<repository root>/.sequant/locks`,
// then `<cwd>/.sequant/locks`. Relative paths resolve against the current
// directory. The result is absolute and lexically normal.
StatusOr<std::string> ResolveLocksDir(const std::string& explicit_dir);

// Makes `path` absolute against the current directory and normalises it
// lexically, as Node's path.resolve() does.
StatusOr<std::string> AbsolutePath(const std::string& path);

}  // namespace sequantlock

#endif  // SEQUANTLOCK_LOCKS_DIR_H_
