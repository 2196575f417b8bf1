#include "key.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

namespace sequantlock {
namespace {

TEST(KeyTest, AcceptsIssueNumbersAndNames) {
  for (const char* key : {"1", "604", "999999999", "checkout", "a", "A-b_c.d",
                          "0abc", "release-1.2"}) {
    EXPECT_TRUE(ValidateKey(key).ok()) << key;
  }
  EXPECT_TRUE(ValidateKey(std::string(128, 'k')).ok());
}

TEST(KeyTest, RejectsInvalidKeys) {
  for (const char* key :
       {"", "0", "042", "-3", "+3", " 42", "42 ", "1.5lock.lock", "x.lock",
        "../x", "a/b", ".hidden", "_x", "-x", "a b", "1e3\n", "ümlaut",
        "99999999999999999999", "1.5", "1.2.3", "42."}) {
    Status status = ValidateKey(key);
    EXPECT_FALSE(status.ok()) << key;
    EXPECT_EQ(status.code(), ErrorCode::kInvalidKey) << key;
  }
  EXPECT_FALSE(ValidateKey(std::string(129, 'k')).ok());
}

TEST(KeyTest, MessageNamesTheKey) {
  Status status = ValidateKey("../etc");
  EXPECT_NE(status.message().find("'../etc'"), std::string::npos);
  Status control = ValidateKey("a\nb");
  EXPECT_NE(control.message().find("'a\\x0ab'"), std::string::npos);
}

TEST(KeyTest, IssueKeyIsDecimalWithoutLeadingZero) {
  EXPECT_TRUE(IsIssueKey("604"));
  EXPECT_FALSE(IsIssueKey("0604"));
  EXPECT_FALSE(IsIssueKey("checkout"));
  EXPECT_FALSE(IsIssueKey(""));
}

TEST(KeyTest, FileNamesMapToKeys) {
  EXPECT_EQ(KeyFromFileName("604.lock"), "604");
  EXPECT_EQ(KeyFromFileName("checkout.lock"), "checkout");
  // Not an issue number, but a valid named key.
  EXPECT_EQ(KeyFromFileName("0x1A.lock"), "0x1A");
  for (const char* name :
       {"042.lock", ".lock", "-5.lock", " 42.lock",
        "session-abc.issue", "42.lock.steal.1.2", ".sequantlock-1-2-x.tmp",
        "42", "x.lock.lock"}) {
    EXPECT_FALSE(KeyFromFileName(name).has_value()) << name;
  }
}

TEST(KeyTest, SortsIssuesNumericallyBeforeNames) {
  std::vector<std::string> keys = {"checkout", "100", "9", "alpha", "10", "1"};
  std::sort(keys.begin(), keys.end(), KeyLess);
  const std::vector<std::string> expected = {"1",  "9",     "10",
                                             "100", "alpha", "checkout"};
  EXPECT_EQ(keys, expected);
}

}  // namespace
}  // namespace sequantlock
