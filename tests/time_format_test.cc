#include "time_format.h"

#include <gtest/gtest.h>

namespace sequantlock {
namespace {

TEST(TimeFormatTest, FormatsLikeToIsoString) {
  EXPECT_EQ(FormatIsoTime(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatIsoTime(1778423520000), "2026-05-10T14:32:00.000Z");
  EXPECT_EQ(FormatIsoTime(951782400123), "2000-02-29T00:00:00.123Z");
  EXPECT_EQ(FormatIsoTime(-1), "1969-12-31T23:59:59.999Z");
}

TEST(TimeFormatTest, ParsesWhatItFormats) {
  for (int64_t ms : {int64_t{0}, int64_t{1778423520000}, int64_t{951782400123},
                     int64_t{4102444799999}}) {
    EXPECT_EQ(ParseIsoTime(FormatIsoTime(ms)), ms);
  }
}

TEST(TimeFormatTest, ReadsOffsetsAndMissingZone) {
  const int64_t utc = 1778423520000;
  EXPECT_EQ(ParseIsoTime("2026-05-10T14:32:00Z"), utc);
  EXPECT_EQ(ParseIsoTime("2026-05-10T14:32:00"), utc);
  EXPECT_EQ(ParseIsoTime("2026-05-10T14:32"), utc);
  EXPECT_EQ(ParseIsoTime("2026-05-10T16:32:00+02:00"), utc);
  EXPECT_EQ(ParseIsoTime("2026-05-10T09:02:00-0530"), utc);
  EXPECT_EQ(ParseIsoTime("2026-05-10T15:32:00.000+01"), utc);
  EXPECT_EQ(ParseIsoTime("2026-05-10"), utc - (14 * 60 + 32) * 60000);
  EXPECT_EQ(ParseIsoTime("2026-05-10T14:32:00.5Z"), utc + 500);
  EXPECT_EQ(ParseIsoTime("2026-05-10T14:32:00.123456Z"), utc + 123);
}

TEST(TimeFormatTest, RejectsWhatIsNotADate) {
  for (const char* text :
       {"", "not-a-date", "1", "2026-13-01T00:00:00Z", "2026-02-30",
        "2026-02-29T00:00:00Z", "2026-05-10T24:00:00Z", "2026-05-10T14:60Z",
        "2026-05-10T14:32:00.Z", "2026-05-10 14:32:00", "May 11 2026",
        "2026-05-10T14:32:00+25:00", "2026-05-10T14:32:00ZZ",
        " 2026-05-10T14:32:00Z"}) {
    EXPECT_FALSE(ParseIsoTime(text).has_value()) << text;
  }
}

TEST(TimeFormatTest, AcceptsLeapDayOfLeapYear) {
  EXPECT_TRUE(ParseIsoTime("2024-02-29T00:00:00Z").has_value());
  EXPECT_TRUE(ParseIsoTime("2000-02-29").has_value());
  EXPECT_FALSE(ParseIsoTime("1900-02-29").has_value());
}

}  // namespace
}  // namespace sequantlock
