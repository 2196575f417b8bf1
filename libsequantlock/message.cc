#include "message.h"

#include "key.h"

namespace sequantlock {

std::string OneLine(const std::string& text) {
  std::string result;
  result.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    // U+0080..U+009F are encoded as C2 80..C2 9F.
    if (c == 0xC2 && i + 1 < text.size()) {
      const unsigned char next = static_cast<unsigned char>(text[i + 1]);
      if (next >= 0x80 && next <= 0x9F) {
        result += ' ';
        ++i;
        continue;
      }
    }
    result += (c < 0x20 || c == 0x7F) ? ' ' : static_cast<char>(c);
  }
  return result;
}

std::string FormatLockedMessage(const std::string& key, const Record* holder) {
  std::string subject =
      IsIssueKey(key) ? "Issue #" + key : "Lock '" + OneLine(key) + "'";
  const std::string advice =
      " Use --force to take over, or wait for the other session.";
  if (holder == nullptr) {
    return subject +
           " is held by a lock file that cannot be read (it is being written "
           "or is corrupt)." +
           advice;
  }
  return subject + " is being worked on by PID " +
         std::to_string(holder->pid) + " since " +
         OneLine(holder->started_at) + " (" + OneLine(holder->command) + ")." +
         advice;
}

}  // namespace sequantlock
