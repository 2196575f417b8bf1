// libFuzzer target for the parsers and the staleness decision.
//
// The whole input is read as a lock record, a time stamp and a key. Then
// FuzzedDataProvider, which takes numbers from the end of the input, picks
// the observer, the clock, the file's mtime, the policy and the probe's
// result for a staleness decision on the parsed record (or on a corrupt
// file when the input is not a record). Any violated property aborts.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "key.h"
#include "record.h"
#include "staleness.h"
#include "time_format.h"

namespace sequantlock {
namespace {

// Milliseconds since the epoch of 0000-01-01 and of 9999-12-31T23:59:59.999,
// the range of four-digit years. Clocks and mtimes are drawn from a little
// wider than that.
// NOTE: a file's mtime can lie far outside this range (tmpfs stores any
// 64-bit second count), and the age arithmetic in ComputeAge() then
// overflows. Such mtimes are left out so that the run checks the rest.
constexpr int64_t kYearZeroMs = -62167219200000;
constexpr int64_t kYear9999EndMs = 253402300799999;
constexpr int64_t kDayMs = 24 * 3600 * 1000;

void Require(bool condition, const char* property) {
  if (condition) return;
  std::fprintf(stderr, "property violated: %s\n", property);
  std::abort();
}

bool SameFields(const Record& a, const Record& b) {
  return a.pid == b.pid && a.hostname == b.hostname &&
         a.started_at == b.started_at && a.command == b.command &&
         a.skip_pid_check == b.skip_pid_check && a.token == b.token &&
         a.process_start_time == b.process_start_time &&
         a.boot_id == b.boot_id && a.machine_id == b.machine_id &&
         a.pid_namespace == b.pid_namespace &&
         a.schema_version == b.schema_version;
}

bool SameOriginalFields(const Record& a, const Record& b) {
  return a.pid == b.pid && a.hostname == b.hostname &&
         a.started_at == b.started_at && a.command == b.command &&
         a.skip_pid_check == b.skip_pid_check;
}

void CheckRoundTrip(const Record& record) {
  for (RecordLayout layout : {RecordLayout::kIndented, RecordLayout::kCompact}) {
    StatusOr<Record> again =
        ParseRecord(SerializeRecord(record, RecordFields::kAll, layout));
    Require(again.ok(), "a serialised record parses");
    Require(SameFields(record, *again), "a record survives a round trip");
  }
  StatusOr<Record> original = ParseRecord(
      SerializeRecord(record, RecordFields::kOriginalOnly));
  Require(original.ok(), "a record in the original's fields parses");
  Require(SameOriginalFields(record, *original),
          "the original's fields survive a round trip");
  Require(original->token.empty() && original->schema_version == 0,
          "the original's fields carry no identity field");
}

void CheckTime(std::string_view text) {
  const std::optional<int64_t> parsed = ParseIsoTime(text);
  if (!parsed) return;
  Require(*parsed >= kYearZeroMs - kDayMs && *parsed <= kYear9999EndMs + kDayMs,
          "a parsed time has a four-digit year, give or take its zone");
  if (*parsed >= 0 && *parsed <= kYear9999EndMs) {
    Require(ParseIsoTime(FormatIsoTime(*parsed)) == parsed,
            "a formatted time parses back to itself");
  }
}

void CheckKey(std::string_view text) {
  if (!ValidateKey(text).ok()) return;
  Require(!text.empty() && text.find('/') == std::string_view::npos &&
              text.find('\0') == std::string_view::npos,
          "a valid key is a single non-empty path component");
  const std::string name = std::string(text) + std::string(kLockSuffix);
  const std::optional<std::string> key = KeyFromFileName(name);
  Require(key.has_value() && *key == text,
          "a valid key's file name maps back to it");
}

// Picks one of a few values, so that observer and record agree often
// enough to reach every relation.
std::string PickString(FuzzedDataProvider& provider, const std::string& same) {
  switch (provider.ConsumeIntegralInRange<int>(0, 3)) {
    case 0:
      return same;
    case 1:
      return std::string();
    case 2:
      return "other";
    default:
      return provider.ConsumeRandomLengthString(16);
  }
}

void CheckStaleness(const Record* parsed, FuzzedDataProvider& provider) {
  Record built;
  const Record* record = parsed;
  if (record == nullptr && provider.ConsumeBool()) {
    built.pid = provider.ConsumeIntegralInRange<int64_t>(1, INT32_MAX);
    built.hostname = PickString(provider, "here");
    built.started_at = provider.ConsumeRandomLengthString(32);
    built.skip_pid_check = provider.ConsumeBool();
    built.process_start_time = provider.ConsumeIntegral<int32_t>();
    built.boot_id = PickString(provider, "boot");
    built.machine_id = PickString(provider, "machine");
    built.pid_namespace = provider.ConsumeIntegralInRange<uint64_t>(0, 3);
    record = &built;
  }

  Observer observer;
  const Record sample = record != nullptr ? *record : Record();
  observer.hostname = PickString(provider, sample.hostname);
  observer.boot_id = PickString(provider, sample.boot_id);
  observer.machine_id = PickString(provider, sample.machine_id);
  observer.pid_namespace = provider.ConsumeBool()
                               ? sample.pid_namespace
                               : provider.ConsumeIntegral<uint64_t>();

  const int64_t now_ms = provider.ConsumeIntegralInRange<int64_t>(
      kYearZeroMs - kDayMs, kYear9999EndMs + kDayMs);
  LockObservation lock;
  lock.record = record;
  if (provider.ConsumeBool()) {
    lock.mtime_ms = provider.ConsumeIntegralInRange<int64_t>(
        kYearZeroMs - kDayMs, kYear9999EndMs + kDayMs);
  }
  StalenessPolicy policy;
  policy.stale_age_ms = provider.ConsumeIntegralInRange<int64_t>(1, INT32_MAX);
  policy.skill_lock_ttl_ms =
      provider.ConsumeIntegralInRange<int64_t>(1, INT32_MAX);
  policy.max_lock_age_ms =
      provider.ConsumeIntegralInRange<int64_t>(1, INT64_MAX / 4);

  ProcessState answer;
  answer.alive = provider.ConsumeBool();
  answer.identity_known = provider.ConsumeBool();
  answer.start_time = provider.ConsumeIntegralInRange<int64_t>(-1, INT32_MAX);
  if (provider.ConsumeBool()) {
    answer.start_wall_ms = provider.ConsumeIntegralInRange<int64_t>(
        kYearZeroMs, kYear9999EndMs);
  }
  const bool probe_fails = provider.ConsumeIntegralInRange<int>(0, 15) == 0;
  int probe_calls = 0;
  const ProcessProbe probe = [&](int64_t pid, ProcessState* state) {
    ++probe_calls;
    Require(record != nullptr && pid == record->pid,
            "the probe is asked only about the record's pid");
    if (probe_fails) return Status::Error(ErrorCode::kCallback, "probe");
    *state = answer;
    return Status();
  };

  StatusOr<StalenessDecision> decided =
      DecideStaleness(lock, now_ms, policy, observer, probe);
  Require(probe_calls <= 1, "the probe is called at most once");
  if (!decided.ok()) {
    Require(probe_fails && probe_calls == 1 &&
                decided.status().code() == ErrorCode::kCallback,
            "only a probe error fails a decision, and it is returned as is");
    return;
  }
  const StalenessDecision& decision = *decided;
  Require(decision.stale == (decision.reason != StaleReason::kNone),
          "a decision is stale exactly when it has a reason");
  Require(decision.age_ms >= 0, "age is never negative");
  Require(decision.age_known || decision.age_ms == 0,
          "an unknown age is zero");
  if (record == nullptr) {
    Require(!decision.stale || decision.reason == StaleReason::kCorrupt,
            "a corrupt file is stale only as corrupt");
    Require(probe_calls == 0, "a corrupt file is never probed");
    return;
  }
  Require(decision.relation == RelationTo(*record, observer),
          "the decision's relation is RelationTo's");
  if (probe_calls == 1) {
    Require(decision.relation == Relation::kSameKernel &&
                !record->skip_pid_check,
            "only a same-kernel holder without skipPidCheck is probed");
  }
  if (decision.proven_alive) {
    Require(!decision.stale, "a holder proved alive is fresh");
  }
}

}  // namespace
}  // namespace sequantlock

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sequantlock;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  CheckTime(text);
  CheckKey(text);
  StatusOr<Record> parsed = ParseRecord(text);
  if (parsed.ok()) CheckRoundTrip(*parsed);
  FuzzedDataProvider provider(data, size);
  CheckStaleness(parsed.ok() ? &*parsed : nullptr, provider);
  return 0;
}
