#include "staleness.h"

#include <gtest/gtest.h>

#include "time_format.h"

namespace sequantlock {
namespace {

constexpr int64_t kNow = 1778423520000;  // 2026-05-10T14:32:00.000Z
constexpr int64_t kHour = 3600 * 1000;

class StalenessTest : public ::testing::Test {
 protected:
  StalenessTest() {
    observer_.hostname = "here";
    observer_.boot_id = "boot-1";
    observer_.machine_id = "machine-1";
    observer_.pid_namespace = 100;
  }

  Record Holder(int64_t age_ms, const std::string& hostname = "here") {
    Record record;
    record.pid = 4242;
    record.hostname = hostname;
    record.started_at = FormatIsoTime(kNow - age_ms);
    record.command = "test";
    return record;
  }

  StalenessDecision Decide(const Record& record,
                           std::optional<int64_t> mtime = std::nullopt) {
    LockObservation lock;
    lock.record = &record;
    lock.mtime_ms = mtime;
    StatusOr<StalenessDecision> decision =
        DecideStaleness(lock, kNow, policy_, observer_, Probe());
    EXPECT_TRUE(decision.ok());
    return *decision;
  }

  StalenessDecision DecideCorrupt(int64_t mtime_age_ms) {
    LockObservation lock;
    lock.mtime_ms = kNow - mtime_age_ms;
    StatusOr<StalenessDecision> decision =
        DecideStaleness(lock, kNow, policy_, observer_, Probe());
    EXPECT_TRUE(decision.ok());
    return *decision;
  }

  ProcessProbe Probe() {
    return [this](int64_t pid, ProcessState* state) {
      ++probes_;
      probed_pid_ = pid;
      *state = process_;
      return Status();
    };
  }

  StalenessPolicy policy_;
  Observer observer_;
  ProcessState process_;
  int probes_ = 0;
  int64_t probed_pid_ = 0;
};

TEST_F(StalenessTest, DeadPidOnSameHostIsStale) {
  process_.alive = false;
  StalenessDecision decision = Decide(Holder(1000));
  EXPECT_TRUE(decision.stale);
  EXPECT_EQ(decision.reason, StaleReason::kPidDead);
  EXPECT_EQ(probed_pid_, 4242);
}

TEST_F(StalenessTest, LivePidOnSameHostIsFreshWhateverItsAge) {
  process_.alive = true;
  EXPECT_FALSE(Decide(Holder(23 * kHour)).stale);
  EXPECT_FALSE(Decide(Holder(kDefaultMaxLockAgeMs)).stale);
}

TEST_F(StalenessTest, CeilingIsStrictlyGreater) {
  process_.alive = true;
  EXPECT_FALSE(Decide(Holder(kDefaultMaxLockAgeMs)).stale);
  StalenessDecision over = Decide(Holder(kDefaultMaxLockAgeMs + 1));
  EXPECT_TRUE(over.stale);
  EXPECT_EQ(over.reason, StaleReason::kMaxAgeExceeded);
}

TEST_F(StalenessTest, CeilingAppliesToEveryKindOfHolder) {
  Record cross = Holder(kDefaultMaxLockAgeMs + 1, "elsewhere");
  EXPECT_EQ(Decide(cross).reason, StaleReason::kMaxAgeExceeded);
  Record skill = Holder(kDefaultMaxLockAgeMs + 1);
  skill.skip_pid_check = true;
  policy_.skill_lock_ttl_ms = 48 * kHour;
  EXPECT_EQ(Decide(skill).reason, StaleReason::kMaxAgeExceeded);
}

TEST_F(StalenessTest, CrossHostAgesOutAfterStaleAge) {
  EXPECT_FALSE(Decide(Holder(kDefaultStaleAgeMs, "elsewhere")).stale);
  StalenessDecision over = Decide(Holder(kDefaultStaleAgeMs + 1, "elsewhere"));
  EXPECT_TRUE(over.stale);
  EXPECT_EQ(over.reason, StaleReason::kAgeExceeded);
  EXPECT_EQ(probes_, 0);
}

TEST_F(StalenessTest, SkipPidCheckUsesSkillTtlOnAnyHost) {
  for (const char* host : {"here", "elsewhere"}) {
    Record fresh = Holder(kDefaultSkillLockTtlMs, host);
    fresh.skip_pid_check = true;
    EXPECT_FALSE(Decide(fresh).stale) << host;
    Record old = Holder(kDefaultSkillLockTtlMs + 1, host);
    old.skip_pid_check = true;
    StalenessDecision decision = Decide(old);
    EXPECT_TRUE(decision.stale) << host;
    EXPECT_EQ(decision.reason, StaleReason::kAgeExceeded) << host;
  }
  EXPECT_EQ(probes_, 0);
}

TEST_F(StalenessTest, SkipPidCheckLockIsNotProbed) {
  process_.alive = false;
  Record skill = Holder(1000);
  skill.skip_pid_check = true;
  EXPECT_FALSE(Decide(skill).stale);
  EXPECT_EQ(probes_, 0);
}

TEST_F(StalenessTest, UnparseableStartedAtAgesByMtime) {
  Record record = Holder(0, "elsewhere");
  record.started_at = "not-a-date";
  StalenessDecision no_mtime = Decide(record);
  EXPECT_FALSE(no_mtime.stale);
  EXPECT_FALSE(no_mtime.age_known);

  StalenessDecision old = Decide(record, kNow - kDefaultStaleAgeMs - 1);
  EXPECT_TRUE(old.stale);
  EXPECT_EQ(old.reason, StaleReason::kAgeExceeded);
  EXPECT_TRUE(old.age_from_mtime);
  EXPECT_EQ(old.age_ms, kDefaultStaleAgeMs + 1);
}

TEST_F(StalenessTest, FarFutureStartedAtAgesByMtime) {
  Record record = Holder(-kMaxFutureSkewMs - 1, "elsewhere");
  StalenessDecision decision = Decide(record, kNow - kDefaultStaleAgeMs - 5);
  EXPECT_TRUE(decision.age_from_mtime);
  EXPECT_TRUE(decision.stale);
}

TEST_F(StalenessTest, SmallFutureSkewCountsAsAgeZero) {
  Record record = Holder(-kMaxFutureSkewMs, "elsewhere");
  StalenessDecision decision = Decide(record, kNow - 10 * kHour);
  EXPECT_FALSE(decision.age_from_mtime);
  EXPECT_EQ(decision.age_ms, 0);
  EXPECT_FALSE(decision.stale);
}

TEST_F(StalenessTest, CorruptRecordIsStaleAfterGrace) {
  StalenessDecision young = DecideCorrupt(kCorruptGraceMs);
  EXPECT_FALSE(young.stale);
  StalenessDecision old = DecideCorrupt(kCorruptGraceMs + 1);
  EXPECT_TRUE(old.stale);
  EXPECT_EQ(old.reason, StaleReason::kCorrupt);
  EXPECT_EQ(probes_, 0);
}

TEST_F(StalenessTest, RebootOfSameMachineIsStale) {
  process_.alive = true;
  Record record = Holder(1000);
  record.boot_id = "boot-0";
  record.machine_id = "machine-1";
  StalenessDecision decision = Decide(record);
  EXPECT_TRUE(decision.stale);
  EXPECT_EQ(decision.reason, StaleReason::kHostRebooted);
  EXPECT_EQ(probes_, 0);
}

TEST_F(StalenessTest, OtherBootWithoutMachineProofIsCrossHost) {
  process_.alive = false;
  Record record = Holder(1000);
  record.boot_id = "boot-0";
  StalenessDecision decision = Decide(record);
  EXPECT_FALSE(decision.stale);
  EXPECT_EQ(decision.relation, Relation::kOtherHost);
  EXPECT_EQ(probes_, 0);
}

TEST_F(StalenessTest, OtherMachineWithSameHostNameIsCrossHost) {
  process_.alive = false;
  Record record = Holder(1000);
  record.machine_id = "machine-2";
  EXPECT_FALSE(Decide(record).stale);
  EXPECT_EQ(probes_, 0);
}

TEST_F(StalenessTest, OtherPidNamespaceIsNeverProbed) {
  process_.alive = false;
  Record record = Holder(kDefaultStaleAgeMs);
  record.boot_id = "boot-1";
  record.pid_namespace = 200;
  StalenessDecision fresh = Decide(record);
  EXPECT_FALSE(fresh.stale);
  EXPECT_EQ(fresh.relation, Relation::kOtherNamespace);
  EXPECT_EQ(probes_, 0);

  Record old = Holder(kDefaultStaleAgeMs + 1);
  old.pid_namespace = 200;
  StalenessDecision stale = Decide(old);
  EXPECT_TRUE(stale.stale);
  EXPECT_EQ(stale.reason, StaleReason::kAgeExceeded);
}

TEST_F(StalenessTest, ChangedStartTimeMeansPidReused) {
  process_.alive = true;
  process_.identity_known = true;
  process_.start_time = 900;
  Record record = Holder(1000);
  record.process_start_time = 800;
  StalenessDecision decision = Decide(record);
  EXPECT_TRUE(decision.stale);
  EXPECT_EQ(decision.reason, StaleReason::kPidReused);
}

TEST_F(StalenessTest, LegacyRecordWithYoungerProcessMeansPidReused) {
  process_.alive = true;
  process_.identity_known = true;
  process_.start_time = 5;
  process_.start_wall_ms = kNow - 1000;  // Started a second ago.
  Record record = Holder(kHour);         // Lock taken an hour ago.
  StalenessDecision decision = Decide(record);
  EXPECT_TRUE(decision.stale);
  EXPECT_EQ(decision.reason, StaleReason::kPidReused);

  process_.start_wall_ms = kNow - kHour + kLegacyStartSlackMs;
  EXPECT_FALSE(Decide(record).stale);
}

TEST_F(StalenessTest, UnknownIdentityTrustsTheProbe) {
  process_.alive = true;
  process_.identity_known = false;
  Record record = Holder(1000);
  record.process_start_time = 800;
  EXPECT_FALSE(Decide(record).stale);
}

TEST_F(StalenessTest, ProvenHolderSurvivesTheCeiling) {
  process_.alive = true;
  process_.identity_known = true;
  process_.start_time = 800;
  Record record = Holder(30 * 24 * kHour);
  record.process_start_time = 800;
  record.boot_id = "boot-1";
  record.machine_id = "machine-1";
  record.pid_namespace = 100;
  StalenessDecision decision = Decide(record);
  EXPECT_FALSE(decision.stale);
  EXPECT_TRUE(decision.proven_alive);
}

TEST_F(StalenessTest, CeilingAppliesWithoutRecordedBootId) {
  process_.alive = true;
  process_.identity_known = true;
  process_.start_time = 800;
  Record record = Holder(kDefaultMaxLockAgeMs + 1);
  record.process_start_time = 800;
  EXPECT_EQ(Decide(record).reason, StaleReason::kMaxAgeExceeded);
}

TEST_F(StalenessTest, ProbeErrorIsReturned) {
  Record record = Holder(1000);
  LockObservation lock;
  lock.record = &record;
  StatusOr<StalenessDecision> decision = DecideStaleness(
      lock, kNow, policy_, observer_, [](int64_t, ProcessState*) {
        return Status::Error(ErrorCode::kCallback, "boom");
      });
  EXPECT_FALSE(decision.ok());
  EXPECT_EQ(decision.status().code(), ErrorCode::kCallback);
}

TEST_F(StalenessTest, CustomThresholdsApply) {
  policy_.stale_age_ms = 10;
  policy_.skill_lock_ttl_ms = 20;
  policy_.max_lock_age_ms = 30;
  EXPECT_FALSE(Decide(Holder(10, "elsewhere")).stale);
  EXPECT_TRUE(Decide(Holder(11, "elsewhere")).stale);
  Record skill = Holder(21);
  skill.skip_pid_check = true;
  EXPECT_TRUE(Decide(skill).stale);
  process_.alive = true;
  EXPECT_EQ(Decide(Holder(31)).reason, StaleReason::kMaxAgeExceeded);
}

TEST(StaleReasonTest, NamesMatchTheOriginal) {
  EXPECT_STREQ(StaleReasonName(StaleReason::kNone), "");
  EXPECT_STREQ(StaleReasonName(StaleReason::kPidDead), "pid-dead");
  EXPECT_STREQ(StaleReasonName(StaleReason::kAgeExceeded), "age-exceeded");
  EXPECT_STREQ(StaleReasonName(StaleReason::kMaxAgeExceeded),
               "max-age-exceeded");
  EXPECT_STREQ(StaleReasonName(StaleReason::kCorrupt), "corrupt");
  EXPECT_STREQ(StaleReasonName(StaleReason::kPidReused), "pid-reused");
  EXPECT_STREQ(StaleReasonName(StaleReason::kHostRebooted), "host-rebooted");
}

}  // namespace
}  // namespace sequantlock
