// Lock keys: issue numbers and named keys, and their file names.
//
// Thread safety: pure functions.
#ifndef SEQUANTLOCK_KEY_H_
#define SEQUANTLOCK_KEY_H_

#include <optional>
#include <string>
#include <string_view>

#include "error.h"

namespace sequantlock {

inline constexpr std::string_view kLockSuffix = ".lock";
inline constexpr size_t kMaxNamedKeyLength = 128;

// True for a positive decimal integer without sign, spaces or leading zeros.
bool IsIssueKey(std::string_view key);

// Checks a key: an issue number, or a name matching
// [A-Za-z0-9][A-Za-z0-9._-]{0,127} that does not end in ".lock" and is not
// made of digits and dots alone ("1.5" is a mistyped number, not a name).
// The error names the key and what is wrong with it.
Status ValidateKey(std::string_view key);

// The key a lock file name stands for, or nothing for names that are not
// locks (temporary files, session bindings, "042.lock").
std::optional<std::string> KeyFromFileName(std::string_view file_name);

// Orders keys as list() reports them: issue numbers numerically, then named
// keys in byte order.
bool KeyLess(std::string_view a, std::string_view b);

}  // namespace sequantlock

#endif  // SEQUANTLOCK_KEY_H_
