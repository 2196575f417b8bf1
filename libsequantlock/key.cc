#include "key.h"

namespace sequantlock {
namespace {

bool IsKeyStart(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         (c >= '0' && c <= '9');
}

bool IsKeyChar(char c) {
  return IsKeyStart(c) || c == '.' || c == '_' || c == '-';
}

bool EndsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() &&
         text.substr(text.size() - suffix.size()) == suffix;
}

// Quotes a key for a message, escaping what would not print.
std::string QuoteKey(std::string_view key) {
  std::string quoted = "'";
  for (unsigned char c : key) {
    if (c < 0x20 || c == 0x7f) {
      static const char kHex[] = "0123456789abcdef";
      quoted += "\\x";
      quoted += kHex[c >> 4];
      quoted += kHex[c & 15];
    } else {
      quoted += static_cast<char>(c);
    }
  }
  return quoted + "'";
}

}  // namespace

bool IsIssueKey(std::string_view key) {
  if (key.empty() || key.size() > 19 || key[0] == '0') return false;
  for (char c : key) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

Status ValidateKey(std::string_view key) {
  if (IsIssueKey(key)) return Status();
  auto invalid = [&](const char* why) {
    return Status::Error(ErrorCode::kInvalidKey,
                         "invalid lock key " + QuoteKey(key) + ": " + why +
                             "; use an issue number such as 604 or a name "
                             "such as checkout");
  };
  if (key.empty()) return invalid("it is empty");
  bool all_digits = true;
  for (char c : key) all_digits = all_digits && c >= '0' && c <= '9';
  if (all_digits && key[0] == '0') {
    return invalid("an issue number is positive and has no leading zeros");
  }
  if (all_digits) return invalid("the issue number is too large");
  if (key.find_first_not_of("0123456789.") == std::string_view::npos) {
    return invalid("it looks like a number but is not an issue number");
  }
  if (key.size() > kMaxNamedKeyLength) {
    return invalid("a named key is at most 128 characters long");
  }
  if (!IsKeyStart(key[0])) {
    return invalid("a key starts with a letter or a digit");
  }
  for (char c : key) {
    if (!IsKeyChar(c)) {
      return invalid("a key contains only letters, digits, '.', '_' and '-'");
    }
  }
  if (EndsWith(key, kLockSuffix)) return invalid("a key does not end in .lock");
  return Status();
}

std::optional<std::string> KeyFromFileName(std::string_view file_name) {
  if (!EndsWith(file_name, kLockSuffix)) return std::nullopt;
  std::string_view key =
      file_name.substr(0, file_name.size() - kLockSuffix.size());
  if (!ValidateKey(key).ok()) return std::nullopt;
  return std::string(key);
}

bool KeyLess(std::string_view a, std::string_view b) {
  const bool a_issue = IsIssueKey(a);
  const bool b_issue = IsIssueKey(b);
  if (a_issue != b_issue) return a_issue;
  if (a_issue && a.size() != b.size()) return a.size() < b.size();
  return a < b;
}

}  // namespace sequantlock
