// The lock record: the JSON object in a lock file.
//
// The first five fields are the TypeScript original's, written in its order
// and format (JSON.stringify with 2-space indentation, no final newline), so
// either implementation reads the other's files. The rest are optional
// identity fields that the original ignores. Thread safety: values.
#ifndef SEQUANTLOCK_RECORD_H_
#define SEQUANTLOCK_RECORD_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "error.h"

namespace sequantlock {

inline constexpr size_t kMaxRecordBytes = 65536;
inline constexpr int kSchemaVersion = 1;

struct Record {
  int64_t pid = 0;
  std::string hostname;
  std::string started_at;
  std::string command;
  bool skip_pid_check = false;

  // Identity fields; empty, 0 or -1 when absent.
  std::string token;
  int64_t process_start_time = -1;
  std::string boot_id;
  std::string machine_id;
  uint64_t pid_namespace = 0;
  int schema_version = 0;
};

enum class RecordFields { kAll, kOriginalOnly };
enum class RecordLayout { kIndented, kCompact };

// Serialises a record. Invalid UTF-8 in a string is replaced by U+FFFD.
std::string SerializeRecord(const Record& record,
                            RecordFields fields = RecordFields::kAll,
                            RecordLayout layout = RecordLayout::kIndented);

// Parses a record with the original's validation: `pid` a positive integer,
// `hostname`, `startedAt` and `command` strings, `skipPidCheck` absent or a
// boolean. Unknown fields are ignored, and identity fields of the wrong
// type are read as absent. Invalid UTF-8 is read as U+FFFD, as Node reads
// such files. The error (kInvalidArgument) names the field.
StatusOr<Record> ParseRecord(std::string_view text);

// Replaces every invalid UTF-8 sequence with U+FFFD.
std::string SanitizeUtf8(std::string_view text);

}  // namespace sequantlock

#endif  // SEQUANTLOCK_RECORD_H_
