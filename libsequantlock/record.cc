#include "record.h"

#include <cmath>
#include <nlohmann/json.hpp>

namespace sequantlock {
namespace {

using Json = nlohmann::ordered_json;

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";

// Length of the valid UTF-8 sequence at text[i], or 0 when it is invalid.
size_t Utf8SequenceLength(std::string_view text, size_t i) {
  const auto byte = [&](size_t k) {
    return static_cast<unsigned char>(text[k]);
  };
  const unsigned char lead = byte(i);
  if (lead < 0x80) return 1;
  size_t length = 0;
  unsigned char min_second = 0x80;
  unsigned char max_second = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) min_second = 0xA0;
    if (lead == 0xED) max_second = 0x9F;  // No UTF-16 surrogates.
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) min_second = 0x90;
    if (lead == 0xF4) max_second = 0x8F;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  if (byte(i + 1) < min_second || byte(i + 1) > max_second) return 0;
  for (size_t k = 2; k < length; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  }
  return length;
}

Status FieldError(const char* field, const char* expected) {
  return Status::Error(ErrorCode::kInvalidArgument,
                       std::string("invalid lock record: field '") + field +
                           "' " + expected);
}

// Reads a JSON number as an integer when it has no fractional part, as
// JavaScript's Number.isInteger() accepts 42 and 42.0 alike.
bool ReadInteger(const Json& value, int64_t* out) {
  if (value.is_number_unsigned()) {
    const uint64_t v = value.get<uint64_t>();
    if (v > static_cast<uint64_t>(INT64_MAX)) return false;
    *out = static_cast<int64_t>(v);
    return true;
  }
  if (value.is_number_integer()) {
    *out = value.get<int64_t>();
    return true;
  }
  if (value.is_number_float()) {
    const double v = value.get<double>();
    if (!std::isfinite(v) || std::floor(v) != v || std::fabs(v) > 9.2e18) {
      return false;
    }
    *out = static_cast<int64_t>(v);
    return true;
  }
  return false;
}

const std::string* OptionalString(const Json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end() || !it->is_string()) return nullptr;
  return it->get_ptr<const std::string*>();
}

}  // namespace

std::string SanitizeUtf8(std::string_view text) {
  std::string result;
  result.reserve(text.size());
  // Valid bytes are copied in runs, so text without invalid sequences is
  // copied by one append.
  size_t run_start = 0;
  size_t i = 0;
  while (i < text.size()) {
    if (static_cast<unsigned char>(text[i]) < 0x80) {
      ++i;
      continue;
    }
    const size_t length = Utf8SequenceLength(text, i);
    if (length != 0) {
      i += length;
      continue;
    }
    result.append(text.substr(run_start, i - run_start));
    result += kReplacement;
    ++i;
    run_start = i;
  }
  result.append(text.substr(run_start));
  return result;
}

std::string SerializeRecord(const Record& record, RecordFields fields,
                            RecordLayout layout) {
  Json json = Json::object();
  json["pid"] = record.pid;
  json["hostname"] = record.hostname;
  json["startedAt"] = record.started_at;
  json["command"] = record.command;
  if (record.skip_pid_check) json["skipPidCheck"] = true;
  if (fields == RecordFields::kAll) {
    if (!record.token.empty()) json["token"] = record.token;
    if (record.process_start_time >= 0) {
      json["processStartTime"] = record.process_start_time;
    }
    if (!record.boot_id.empty()) json["bootId"] = record.boot_id;
    if (!record.machine_id.empty()) json["machineId"] = record.machine_id;
    if (record.pid_namespace != 0) json["pidNamespace"] = record.pid_namespace;
    if (record.schema_version != 0) {
      json["schemaVersion"] = record.schema_version;
    }
  }
  const int indent = layout == RecordLayout::kIndented ? 2 : -1;
  return json.dump(indent, ' ', false, Json::error_handler_t::replace);
}

StatusOr<Record> ParseRecord(std::string_view text) {
  if (text.empty()) {
    return Status::Error(ErrorCode::kInvalidArgument,
                         "invalid lock record: the file is empty");
  }
  if (text.size() > kMaxRecordBytes) {
    return Status::Error(ErrorCode::kInvalidArgument,
                         "invalid lock record: larger than 64 KiB");
  }
  // JSON allows no raw NUL byte anywhere, and JSON.parse in the original
  // rejects one, but nlohmann::json stops reading at a NUL and would accept
  // the object before it.
  if (text.find('\0') != std::string_view::npos) {
    return Status::Error(ErrorCode::kInvalidArgument,
                         "invalid lock record: contains a NUL byte");
  }
  const std::string clean = SanitizeUtf8(text);
  Json json = Json::parse(clean, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) {
    return Status::Error(ErrorCode::kInvalidArgument,
                         "invalid lock record: not valid JSON");
  }
  if (!json.is_object()) {
    return Status::Error(ErrorCode::kInvalidArgument,
                         "invalid lock record: not a JSON object");
  }

  Record record;
  auto pid = json.find("pid");
  if (pid == json.end() || !ReadInteger(*pid, &record.pid) ||
      record.pid <= 0) {
    return FieldError("pid", "must be a positive integer");
  }
  const char* kStrings[] = {"hostname", "startedAt", "command"};
  std::string* targets[] = {&record.hostname, &record.started_at,
                            &record.command};
  for (size_t i = 0; i < 3; ++i) {
    auto it = json.find(kStrings[i]);
    if (it == json.end() || !it->is_string()) {
      return FieldError(kStrings[i], "must be a string");
    }
    *targets[i] = it->get<std::string>();
  }
  auto skip = json.find("skipPidCheck");
  if (skip != json.end()) {
    if (!skip->is_boolean()) return FieldError("skipPidCheck", "must be true");
    record.skip_pid_check = skip->get<bool>();
  }

  if (const std::string* token = OptionalString(json, "token")) {
    record.token = *token;
  }
  if (const std::string* boot_id = OptionalString(json, "bootId")) {
    record.boot_id = *boot_id;
  }
  if (const std::string* machine_id = OptionalString(json, "machineId")) {
    record.machine_id = *machine_id;
  }
  int64_t number = 0;
  auto start = json.find("processStartTime");
  if (start != json.end() && ReadInteger(*start, &number) && number >= 0) {
    record.process_start_time = number;
  }
  auto pidns = json.find("pidNamespace");
  if (pidns != json.end() && ReadInteger(*pidns, &number) && number > 0) {
    record.pid_namespace = static_cast<uint64_t>(number);
  }
  auto schema = json.find("schemaVersion");
  if (schema != json.end() && ReadInteger(*schema, &number) && number > 0 &&
      number < 1000000) {
    record.schema_version = static_cast<int>(number);
  }
  return record;
}

}  // namespace sequantlock
