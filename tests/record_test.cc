#include "record.h"

#include <gtest/gtest.h>

namespace sequantlock {
namespace {

Record OriginalRecord() {
  Record record;
  record.pid = 12345;
  record.hostname = "build-01";
  record.started_at = "2026-05-10T14:32:00.000Z";
  record.command = "npx sequant run 604";
  return record;
}

TEST(RecordTest, SerializesAsJavaScriptStringifyDoes) {
  // JSON.stringify(payload, null, 2) of the original's payload.
  const std::string expected =
      "{\n"
      "  \"pid\": 12345,\n"
      "  \"hostname\": \"build-01\",\n"
      "  \"startedAt\": \"2026-05-10T14:32:00.000Z\",\n"
      "  \"command\": \"npx sequant run 604\"\n"
      "}";
  EXPECT_EQ(SerializeRecord(OriginalRecord()), expected);
}

TEST(RecordTest, SkipPidCheckIsWrittenOnlyWhenTrue) {
  Record record = OriginalRecord();
  EXPECT_EQ(SerializeRecord(record).find("skipPidCheck"), std::string::npos);
  record.skip_pid_check = true;
  const std::string text = SerializeRecord(record);
  EXPECT_NE(text.find("\"command\": \"npx sequant run 604\",\n"
                      "  \"skipPidCheck\": true\n}"),
            std::string::npos);
}

TEST(RecordTest, IdentityFieldsFollowTheOriginalFields) {
  Record record = OriginalRecord();
  record.token = "abc";
  record.process_start_time = 777;
  record.boot_id = "boot";
  record.machine_id = "machine";
  record.pid_namespace = 4026531836u;
  record.schema_version = 1;
  const std::string text = SerializeRecord(record);
  EXPECT_LT(text.find("\"command\""), text.find("\"token\""));
  EXPECT_NE(text.find("\"processStartTime\": 777"), std::string::npos);
  EXPECT_NE(text.find("\"pidNamespace\": 4026531836"), std::string::npos);
  EXPECT_NE(text.find("\"schemaVersion\": 1"), std::string::npos);

  const std::string original =
      SerializeRecord(record, RecordFields::kOriginalOnly);
  EXPECT_EQ(original, SerializeRecord(OriginalRecord()));
}

TEST(RecordTest, RoundTripKeepsEveryField) {
  Record record = OriginalRecord();
  record.skip_pid_check = true;
  record.token = "0123456789abcdef0123456789abcdef";
  record.process_start_time = 0;
  record.boot_id = "b";
  record.machine_id = "m";
  record.pid_namespace = 9;
  record.schema_version = 1;
  StatusOr<Record> parsed = ParseRecord(SerializeRecord(record));
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_EQ(parsed->pid, record.pid);
  EXPECT_EQ(parsed->hostname, record.hostname);
  EXPECT_EQ(parsed->started_at, record.started_at);
  EXPECT_EQ(parsed->command, record.command);
  EXPECT_TRUE(parsed->skip_pid_check);
  EXPECT_EQ(parsed->token, record.token);
  EXPECT_EQ(parsed->process_start_time, 0);
  EXPECT_EQ(parsed->boot_id, "b");
  EXPECT_EQ(parsed->machine_id, "m");
  EXPECT_EQ(parsed->pid_namespace, 9u);
  EXPECT_EQ(parsed->schema_version, 1);
}

TEST(RecordTest, ReadsTheOriginalsFile) {
  StatusOr<Record> parsed = ParseRecord(
      "{\n  \"pid\": 42,\n  \"hostname\": \"\",\n  \"startedAt\": \"x\",\n"
      "  \"command\": \"c\",\n  \"extra\": [1, 2]\n}");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->pid, 42);
  EXPECT_EQ(parsed->hostname, "");
  EXPECT_EQ(parsed->token, "");
  EXPECT_EQ(parsed->process_start_time, -1);
  EXPECT_EQ(parsed->schema_version, 0);
}

TEST(RecordTest, AcceptsIntegralFloatPid) {
  StatusOr<Record> parsed = ParseRecord(
      R"({"pid": 42.0, "hostname": "h", "startedAt": "s", "command": "c"})");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->pid, 42);
}

TEST(RecordTest, RejectsInvalidRecords) {
  const char* kInvalid[] = {
      "",
      "   ",
      "{",
      "[]",
      "42",
      "null",
      R"({"hostname": "h", "startedAt": "s", "command": "c"})",
      R"({"pid": 0, "hostname": "h", "startedAt": "s", "command": "c"})",
      R"({"pid": -5, "hostname": "h", "startedAt": "s", "command": "c"})",
      R"({"pid": 1.5, "hostname": "h", "startedAt": "s", "command": "c"})",
      R"({"pid": "42", "hostname": "h", "startedAt": "s", "command": "c"})",
      R"({"pid": 1e300, "hostname": "h", "startedAt": "s", "command": "c"})",
      R"({"pid": 42, "hostname": 7, "startedAt": "s", "command": "c"})",
      R"({"pid": 42, "hostname": "h", "startedAt": null, "command": "c"})",
      R"({"pid": 42, "hostname": "h", "startedAt": "s"})",
      R"({"pid": 42, "hostname": "h", "startedAt": "s", "command": "c",
          "skipPidCheck": "true"})",
      R"({"pid": 42, "hostname": "h", "startedAt": "s", "command": "c",
          "skipPidCheck": null})",
  };
  for (const char* text : kInvalid) {
    StatusOr<Record> parsed = ParseRecord(text);
    EXPECT_FALSE(parsed.ok()) << "accepted: " << text;
    EXPECT_EQ(parsed.status().code(), ErrorCode::kInvalidArgument) << text;
  }
}

TEST(RecordTest, RejectsRecordOverSixtyFourKiB) {
  std::string text = R"({"pid": 42, "hostname": "h", "startedAt": "s", )"
                     R"("command": ")";
  text += std::string(kMaxRecordBytes, 'x');
  text += "\"}";
  EXPECT_FALSE(ParseRecord(text).ok());
}

TEST(RecordTest, IdentityFieldsOfWrongTypeReadAsAbsent) {
  StatusOr<Record> parsed = ParseRecord(
      R"({"pid": 42, "hostname": "h", "startedAt": "s", "command": "c",
          "token": 5, "processStartTime": "x", "bootId": [],
          "pidNamespace": -1, "schemaVersion": "1"})");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->token, "");
  EXPECT_EQ(parsed->process_start_time, -1);
  EXPECT_EQ(parsed->boot_id, "");
  EXPECT_EQ(parsed->pid_namespace, 0u);
  EXPECT_EQ(parsed->schema_version, 0);
}

TEST(RecordTest, InvalidUtf8ReadsAsReplacementCharacter) {
  StatusOr<Record> parsed = ParseRecord(
      "{\"pid\": 1, \"hostname\": \"h\", \"startedAt\": \"s\", "
      "\"command\": \"a\xff"
      "b\"}");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->command, "a\xEF\xBF\xBD"
                             "b");
}

TEST(RecordTest, CommandWithNewlinesAndQuotesRoundTrips) {
  Record record = OriginalRecord();
  record.command = "line1\nline2 \"quoted\" \\ \x1b[31m";
  const std::string text = SerializeRecord(record);
  EXPECT_NE(text.find("\\n"), std::string::npos);
  EXPECT_NE(text.find("\\u001b"), std::string::npos);
  StatusOr<Record> parsed = ParseRecord(text);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->command, record.command);
}

TEST(RecordTest, SerializeReplacesInvalidUtf8) {
  Record record = OriginalRecord();
  record.command = "bad\xc3";
  StatusOr<Record> parsed = ParseRecord(SerializeRecord(record));
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->command, "bad\xEF\xBF\xBD");
}

TEST(RecordTest, SanitizeKeepsValidMultibyteText) {
  const std::string text = "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x94\x92";
  EXPECT_EQ(SanitizeUtf8(text), text);
  EXPECT_EQ(SanitizeUtf8("\xED\xA0\x80"),
            "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
}

}  // namespace
}  // namespace sequantlock
