// One worker of the mutual-exclusion stress test, started by stress_test
// (and by the soak script through it).
//
// Usage: stress_worker DIR KEYS LOG TMPFILE(0|1) COUNT SEED
// KEYS is a comma-separated list. The worker takes COUNT locks, one at a
// time, each on a key picked at random, and appends to LOG (opened with
// O_APPEND, one write() a line):
//   start <pid>                           first, before any lock is taken
//   try <key> <pid> <seq>                 before the first Acquire() of a lock
//   enter <key> <pid> <seq> <prev> <why>  after Acquire() returned acquired;
//                                         <prev> is the PID of the lock it
//                                         replaced (0 for none, -1 for an
//                                         unreadable record), <why> the
//                                         stale reason or "-"
//   recover <key> <pid> <prev> <why>      after an Acquire() that removed
//                                         the stale lock of <prev> and then
//                                         found the key taken by another
//                                         worker
//   leave <key> <pid> <seq>               before Release()
//   held <pid> <count>                    once, before exiting: how many
//                                         attempts found the key held
//   error <pid> <text>                    on anything unexpected; exit 3
// A held key is retried after a short random pause. Every loop is bounded
// by counts, never by time.
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "manager.h"

namespace {

// Attempts on one key before the worker gives up. With a few workers
// holding each lock for microseconds this is never reached unless a lock
// is lost or wedged.
constexpr int kMaxAttemptsPerLock = 200000;

int log_fd = -1;

void AppendLine(const std::string& line) {
  const std::string text = line + "\n";
  // One write() of a short line on an O_APPEND file lands whole and in
  // order with every other process's lines.
  if (write(log_fd, text.data(), text.size()) !=
      static_cast<ssize_t>(text.size())) {
    _exit(4);
  }
}

[[noreturn]] void Fail(const std::string& text) {
  std::string flat = text;
  for (char& c : flat) {
    if (c == '\n') c = ' ';
  }
  AppendLine("error " + std::to_string(getpid()) + " " + flat);
  std::exit(3);
}

// The PID of the lock an acquire replaced: 0 for none, -1 for a record
// that could not be read.
std::string PreviousPid(const sequantlock::AcquireOutcome& outcome) {
  if (!outcome.replaced) return "0";
  return outcome.previous ? std::to_string(outcome.previous->pid) : "-1";
}

std::string StaleReasonText(const sequantlock::AcquireOutcome& outcome) {
  if (!outcome.replaced || outcome.stale_reason == sequantlock::StaleReason::kNone) {
    return "-";
  }
  return sequantlock::StaleReasonName(outcome.stale_reason);
}

std::vector<std::string> SplitKeys(const std::string& list) {
  std::vector<std::string> keys;
  std::stringstream stream(list);
  std::string key;
  while (std::getline(stream, key, ',')) {
    if (!key.empty()) keys.push_back(key);
  }
  return keys;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 7) {
    std::fprintf(stderr,
                 "usage: stress_worker DIR KEYS LOG TMPFILE COUNT SEED\n");
    return 2;
  }
  const std::vector<std::string> keys = SplitKeys(argv[2]);
  log_fd = open(argv[3], O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (log_fd < 0 || keys.empty()) {
    std::perror(argv[3]);
    return 2;
  }
  const bool tmpfile = std::atoi(argv[4]) != 0;
  const int count = std::atoi(argv[5]);
  std::mt19937 random(static_cast<unsigned>(std::strtoul(argv[6], nullptr, 10)));
  const std::string pid = std::to_string(getpid());
  AppendLine("start " + pid);

  sequantlock::ManagerOptions options;
  options.locks_dir = argv[1];
  options.orchestrator_mode = false;
  options.store.use_tmpfile = tmpfile;
  auto manager = sequantlock::Manager::Create(options);
  if (!manager.ok()) Fail(manager.status().message());

  long held_count = 0;
  std::uniform_int_distribution<size_t> pick_key(0, keys.size() - 1);
  std::uniform_int_distribution<int> pause_us(0, 300);
  for (int seq = 0; seq < count; ++seq) {
    const std::string& key = keys[pick_key(random)];
    const std::string where = key + " " + pid + " " + std::to_string(seq);
    AppendLine("try " + where);
    sequantlock::AcquireOutcome outcome;
    int attempt = 0;
    for (;; ++attempt) {
      if (attempt == kMaxAttemptsPerLock) {
        Fail("gave up on key " + key + " after " + std::to_string(attempt) +
             " attempts");
      }
      auto acquired = (*manager)->Acquire(key, "stress " + pid, false);
      if (!acquired.ok()) {
        // Losing the race repeatedly is a result under contention, not a
        // failure; everything else is unexpected here.
        if (acquired.status().code() == sequantlock::ErrorCode::kRaceLost) {
          continue;
        }
        Fail("acquire " + key + ": " + acquired.status().message());
      }
      if (acquired->acquired) {
        outcome = std::move(*acquired);
        break;
      }
      if (acquired->corrupt) {
        Fail("key " + key + " is held by an unreadable lock record");
      }
      if (acquired->replaced) {
        // This call removed a stale lock, then another worker published
        // first: the recovery happened without an entry.
        AppendLine("recover " + key + " " + pid + " " + PreviousPid(*acquired) +
                   " " + StaleReasonText(*acquired));
      }
      ++held_count;
      if (attempt % 4 == 3) {
        usleep(static_cast<useconds_t>(pause_us(random)));
      } else {
        sched_yield();
      }
    }

    AppendLine("enter " + where + " " + PreviousPid(outcome) + " " +
               StaleReasonText(outcome));
    // A short stay widens the window in which a second holder would show.
    usleep(static_cast<useconds_t>(pause_us(random)));
    AppendLine("leave " + where);

    auto released = (*manager)->Release(key);
    if (!released.ok()) Fail("release " + key + ": " + released.status().message());
    if (*released != sequantlock::ReleaseReason::kReleased) {
      Fail("release " + key + " returned reason " +
           std::to_string(static_cast<int>(*released)));
    }
  }
  AppendLine("held " + pid + " " + std::to_string(held_count));
  return 0;
}
