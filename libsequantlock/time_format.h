// ISO-8601 time stamps as written and read in lock records.
//
// Thread safety: pure functions.
#ifndef SEQUANTLOCK_TIME_FORMAT_H_
#define SEQUANTLOCK_TIME_FORMAT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sequantlock {

// Formats milliseconds since the Unix epoch as JavaScript's toISOString()
// does: "2026-05-10T14:32:00.000Z".
std::string FormatIsoTime(int64_t epoch_ms);

// Parses "YYYY-MM-DD", optionally followed by "THH:MM", ":SS", a fraction
// of any length and a zone ("Z" or +HH:MM, +HHMM, +HH). A time without a
// zone is read as UTC. Returns milliseconds since the epoch, or nothing
// when the text is not such a time stamp or names a day that does not
// exist.
std::optional<int64_t> ParseIsoTime(std::string_view text);

}  // namespace sequantlock

#endif  // SEQUANTLOCK_TIME_FORMAT_H_
