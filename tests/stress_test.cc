// Mutual exclusion under load and SIGKILL: many stress_worker processes take
// and release locks on one or several keys while this harness stops and
// kills random workers (often the current holder of a key) and starts
// replacements. A checker then reads the shared log and proves that no two
// holders of a key overlapped, that every lock of a killed worker was
// recovered exactly once as stale, and that the directory ends empty.
//
// The harness writes "kill <pid>" after the victim is stopped (SIGSTOP,
// confirmed by waitpid) and before SIGKILL, then "reap <pid>" once waitpid
// has collected it. A stopped process runs no more code and still counts as
// alive for the staleness probe, so no steal of its lock can precede its
// kill line. A kill line written only after the reap would come too late:
// a dead but unreaped worker is already a stale holder, and a stealer's
// "enter" could reach the log first.
//
// Counts come from the environment, so the soak script runs the same tests
// longer: SEQUANTLOCK_STRESS_RUNS (runs a test, default 1),
// SEQUANTLOCK_STRESS_PROCESSES (workers at once, default 8),
// SEQUANTLOCK_STRESS_ACQUISITIONS (locks a worker takes, default 30),
// SEQUANTLOCK_STRESS_KILLS (kills a run, default 8) and
// SEQUANTLOCK_STRESS_SEED (default 1). Loops are bounded by these counts.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "file_store.h"
#include "manager.h"
#include "record.h"
#include "test_util.h"

namespace sequantlock {
namespace {

using sequantlock_test::AgeFile;
using sequantlock_test::ListDir;
using sequantlock_test::ReadFile;
using sequantlock_test::TempDir;

int EnvCount(const char* name, int fallback) {
  const char* raw = std::getenv(name);
  if (raw == nullptr || raw[0] == '\0') return fallback;
  const int value = std::atoi(raw);
  return value > 0 ? value : fallback;
}

// Totals the checker and the harness produce, summed over runs.
struct Counts {
  long runs = 0;
  long processes = 0;
  long acquisitions = 0;
  long kills = 0;
  long steals = 0;
  long steals_pid_dead = 0;
  long steals_pid_reused = 0;
  long steals_lost_race = 0;
  long silent_recoveries = 0;
  long recovered_at_end = 0;
  long orphan_temporaries = 0;
  long held_retries = 0;
  long overlaps = 0;

  void Add(const Counts& other) {
    runs += other.runs;
    processes += other.processes;
    acquisitions += other.acquisitions;
    kills += other.kills;
    steals += other.steals;
    steals_pid_dead += other.steals_pid_dead;
    steals_pid_reused += other.steals_pid_reused;
    steals_lost_race += other.steals_lost_race;
    silent_recoveries += other.silent_recoveries;
    recovered_at_end += other.recovered_at_end;
    orphan_temporaries += other.orphan_temporaries;
    held_retries += other.held_retries;
    overlaps += other.overlaps;
  }

  std::string Line() const {
    std::ostringstream out;
    out << "runs=" << runs << " processes=" << processes
        << " acquisitions=" << acquisitions << " kills=" << kills
        << " steals=" << steals << " steals_pid_dead=" << steals_pid_dead
        << " steals_pid_reused=" << steals_pid_reused
        << " steals_lost_race=" << steals_lost_race
        << " silent_recoveries=" << silent_recoveries
        << " recovered_at_end=" << recovered_at_end
        << " orphan_temporaries=" << orphan_temporaries
        << " held_retries=" << held_retries << " overlaps=" << overlaps;
    return out.str();
  }
};

// Reads the log line by line and tracks which process is inside which
// key's critical section. Every violation becomes a problem string, and
// overlaps are also counted.
class LogChecker {
 public:
  void Feed(const std::string& line) {
    std::istringstream in(line);
    std::string verb;
    in >> verb;
    if (verb == "start") {
      long pid = 0;
      in >> pid;
      // A recycled PID starts a new process: the old one's kill record
      // stays, the new one is alive.
      processes_[pid] = Process();
      ++counts_.processes;
    } else if (verb == "try") {
      std::string key;
      long pid = 0;
      in >> key >> pid;
      Process& process = processes_[pid];
      if (process.killed) Problem("line from a killed process: " + line);
      if (process.open_key) Problem("try while holding: " + line);
      process.acquiring_key = key;
      process.releasing_key.reset();
    } else if (verb == "enter") {
      std::string key;
      long pid = 0;
      long seq = 0;
      long previous = 0;
      std::string why;
      in >> key >> pid >> seq >> previous >> why;
      Enter(line, key, pid, seq, previous, why);
    } else if (verb == "leave") {
      std::string key;
      long pid = 0;
      long seq = 0;
      in >> key >> pid >> seq;
      Leave(line, key, pid, seq);
    } else if (verb == "recover") {
      std::string key;
      long pid = 0;
      long previous = 0;
      std::string why;
      in >> key >> pid >> previous >> why;
      ++counts_.steals_lost_race;
      CountSteal(line, key, previous, why);
    } else if (verb == "kill") {
      long pid = 0;
      in >> pid;
      Kill(line, pid);
    } else if (verb == "reap") {
    } else if (verb == "error") {
      Problem("worker reported: " + line);
    } else if (verb == "held") {
      long pid = 0;
      long held = 0;
      in >> pid >> held;
      counts_.held_retries += held;
      processes_[pid].releasing_key.reset();
    } else {
      Problem("unexpected log line: " + line);
    }
  }

  // Accounts for a lock file of `pid` found on `key` after every worker
  // has gone. Returns whether it belongs to a killed, unrecovered holder.
  bool RecoverAtEnd(const std::string& key, long pid) {
    if (!Recover(key, pid)) {
      Problem("lock " + key + " of pid " + std::to_string(pid) +
              " was left behind by a worker that was not killed, or was "
              "already recovered");
      return false;
    }
    ++counts_.recovered_at_end;
    return true;
  }

  bool WasKilled(long pid) const {
    for (const KillRecord& record : kills_) {
      if (record.pid == pid) return true;
    }
    return false;
  }

  // Closes the books once the log and the directory have been read.
  void Finish() {
    for (const auto& [pid, process] : processes_) {
      if (process.open_key) {
        Problem("pid " + std::to_string(pid) + " entered " +
                *process.open_key + " and neither left nor was killed");
      }
    }
    for (const KillRecord& record : kills_) {
      if (!record.open_key || record.recovered) continue;
      if (FindSilentRemover(record)) {
        ++counts_.silent_recoveries;
        continue;
      }
      Problem("lock " + *record.open_key + " of killed pid " +
              std::to_string(record.pid) +
              " vanished: nobody stole it and it is not on disk");
    }
  }

  const Counts& counts() const { return counts_; }
  const std::vector<std::string>& problems() const { return problems_; }

 private:
  struct Process {
    bool killed = false;
    std::optional<std::string> open_key;  // Entered and not left.
    long open_seq = -1;
    std::optional<std::string> acquiring_key;  // Between try and enter.
    std::optional<std::string> releasing_key;  // Between leave and try.
  };

  struct KillRecord {
    long pid = 0;
    size_t index = 0;  // Position among the kills.
    std::optional<std::string> open_key;
    std::optional<std::string> acquiring_key;
    std::optional<std::string> releasing_key;
    bool recovered = false;
    bool used_as_remover = false;
  };

  // A killed holder's lock can also vanish without a log line: a worker
  // killed inside Acquire() on that key, after the holder's death, may have
  // removed it as stale and died before reporting. Each such worker
  // explains at most one vanished lock.
  bool FindSilentRemover(const KillRecord& victim) {
    for (KillRecord& record : kills_) {
      if (record.index <= victim.index || record.used_as_remover) continue;
      if (record.acquiring_key != victim.open_key) continue;
      record.used_as_remover = true;
      return true;
    }
    return false;
  }

  void Problem(const std::string& text) { problems_.push_back(text); }

  void Enter(const std::string& line, const std::string& key, long pid,
             long seq, long previous, const std::string& why) {
    ++counts_.acquisitions;
    Process& process = processes_[pid];
    if (process.killed) Problem("line from a killed process: " + line);
    if (process.open_key) Problem("entered twice without leaving: " + line);
    std::set<long>& holders = holders_[key];
    if (!holders.empty()) {
      ++counts_.overlaps;
      Problem("overlap: " + line + " while pid " +
              std::to_string(*holders.begin()) + " holds " + key);
    }
    holders.insert(pid);
    if (process.acquiring_key != key) Problem("enter without try: " + line);
    process.acquiring_key.reset();
    process.open_key = key;
    process.open_seq = seq;
    if (previous != 0) CountSteal(line, key, previous, why);
  }

  // Accounts for the removal of killed `previous`'s lock on `key`.
  void CountSteal(const std::string& line, const std::string& key,
                  long previous, const std::string& why) {
    ++counts_.steals;
    if (why == "pid-dead") {
      ++counts_.steals_pid_dead;
    } else if (why == "pid-reused") {
      ++counts_.steals_pid_reused;
    } else {
      Problem("steal for a reason other than a dead holder: " + line);
    }
    if (previous < 0) {
      Problem("replaced an unreadable lock record: " + line);
    } else if (!Recover(key, previous)) {
      Problem("stole the lock of a pid that was not killed, or twice: " +
              line);
    }
  }

  void Leave(const std::string& line, const std::string& key, long pid,
             long seq) {
    Process& process = processes_[pid];
    if (process.killed) Problem("line from a killed process: " + line);
    if (!process.open_key || *process.open_key != key ||
        process.open_seq != seq) {
      Problem("leave without a matching enter: " + line);
    }
    holders_[key].erase(pid);
    process.open_key.reset();
    process.releasing_key = key;
  }

  void Kill(const std::string& line, long pid) {
    ++counts_.kills;
    Process& process = processes_[pid];
    if (process.killed) Problem("killed twice: " + line);
    process.killed = true;
    KillRecord record;
    record.pid = pid;
    record.index = kills_.size();
    record.acquiring_key = process.acquiring_key;
    record.releasing_key = process.releasing_key;
    if (process.open_key) {
      holders_[*process.open_key].erase(pid);
      record.open_key = process.open_key;
      process.open_key.reset();
    }
    kills_.push_back(record);
  }

  // Marks the lock of killed `pid` on `key` as recovered. A worker held a
  // lock at its death only inside its critical section, or while acquiring
  // (taken, not yet reported) or releasing (reported, not yet removed)
  // that key.
  bool Recover(const std::string& key, long pid) {
    for (KillRecord& record : kills_) {
      if (record.pid != pid || record.recovered) continue;
      const bool may_hold = record.open_key ? *record.open_key == key
                                            : record.acquiring_key == key ||
                                                  record.releasing_key == key;
      if (!may_hold) continue;
      record.recovered = true;
      return true;
    }
    return false;
  }

  std::map<long, Process> processes_;
  std::map<std::string, std::set<long>> holders_;
  std::vector<KillRecord> kills_;
  Counts counts_;
  std::vector<std::string> problems_;
};

LogChecker CheckLines(const std::vector<std::string>& lines) {
  LogChecker checker;
  for (const std::string& line : lines) checker.Feed(line);
  return checker;
}

struct RunConfig {
  std::vector<std::string> keys;
  int processes = 8;
  int acquisitions = 30;
  int kills = 8;
  bool tmpfile = true;
  unsigned seed = 1;
};

class Harness {
 public:
  Harness(const RunConfig& config, const std::string& dir,
          const std::string& log)
      : config_(config), dir_(dir), log_(log), random_(config.seed) {
    for (const std::string& key : config_.keys) {
      key_list_ += (key_list_.empty() ? "" : ",") + key;
    }
  }

  // Runs every worker to its end, killing config.kills of them on the way.
  // Returns problems seen in exit statuses; the log check finds the rest.
  std::vector<std::string> Run() {
    log_fd_ = open(log_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
                   0644);
    if (log_fd_ < 0) return {"cannot open log " + log_};
    for (int i = 0; i < config_.processes; ++i) Spawn();
    // Kills are spread by the workers' progress, measured in log bytes
    // (about 80 a lock), so they land early, midway and near the end.
    const long expected_bytes =
        80L * config_.processes * config_.acquisitions;
    const long spacing = expected_bytes / (config_.kills + 1);
    std::uniform_int_distribution<long> gap(spacing / 4, spacing * 7 / 4);
    long next_kill_at = gap(random_);
    while (!live_.empty() && kills_done_ < config_.kills) {
      ReapFinished();
      if (live_.empty()) break;
      if (LogBytes() < next_kill_at) {
        usleep(100);
        continue;
      }
      KillOne();
      next_kill_at = LogBytes() + gap(random_);
    }
    while (!live_.empty()) {
      const pid_t pid = *live_.begin();
      int status = 0;
      waitpid(pid, &status, 0);
      Finished(pid, status);
    }
    close(log_fd_);
    return problems_;
  }

 private:
  void Append(const std::string& line) {
    const std::string text = line + "\n";
    if (write(log_fd_, text.data(), text.size()) !=
        static_cast<ssize_t>(text.size())) {
      problems_.push_back("cannot write log line: " + line);
    }
  }

  long LogBytes() const {
    struct stat st;
    return fstat(log_fd_, &st) == 0 ? static_cast<long>(st.st_size) : 0;
  }

  void Spawn() {
    const std::string tmpfile = config_.tmpfile ? "1" : "0";
    const std::string count = std::to_string(config_.acquisitions);
    const std::string seed = std::to_string(random_());
    const pid_t pid = fork();
    if (pid == 0) {
      execl(STRESS_WORKER, STRESS_WORKER, dir_.c_str(), key_list_.c_str(),
            log_.c_str(), tmpfile.c_str(), count.c_str(), seed.c_str(),
            static_cast<char*>(nullptr));
      _exit(127);
    }
    live_.insert(pid);
  }

  void Finished(pid_t pid, int status) {
    live_.erase(pid);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      problems_.push_back("worker " + std::to_string(pid) +
                          " ended with wait status " + std::to_string(status));
    }
  }

  void ReapFinished() {
    for (auto it = live_.begin(); it != live_.end();) {
      int status = 0;
      const pid_t pid = *it;
      ++it;
      if (waitpid(pid, &status, WNOHANG) == pid) Finished(pid, status);
    }
  }

  // Half the time the holder of a random key, otherwise any live worker.
  pid_t PickVictim() {
    std::uniform_int_distribution<size_t> pick_key(0, config_.keys.size() - 1);
    if (random_() % 2 == 0) {
      const std::string path = dir_ + "/" + config_.keys[pick_key(random_)] +
                               ".lock";
      StatusOr<Record> record = ParseRecord(ReadFile(path));
      if (record.ok() && live_.count(static_cast<pid_t>(record->pid)) != 0) {
        return static_cast<pid_t>(record->pid);
      }
    }
    std::uniform_int_distribution<size_t> pick(0, live_.size() - 1);
    auto it = live_.begin();
    std::advance(it, static_cast<long>(pick(random_)));
    return *it;
  }

  void KillOne() {
    const pid_t victim = PickVictim();
    int status = 0;
    kill(victim, SIGSTOP);
    if (waitpid(victim, &status, WUNTRACED) != victim) {
      problems_.push_back("cannot wait for worker " + std::to_string(victim));
      live_.erase(victim);
      return;
    }
    if (!WIFSTOPPED(status)) {
      Finished(victim, status);  // It ended on its own first.
      return;
    }
    Append("kill " + std::to_string(victim));
    kill(victim, SIGKILL);
    waitpid(victim, &status, 0);
    Append("reap " + std::to_string(victim));
    live_.erase(victim);
    ++kills_done_;
    Spawn();
  }

  RunConfig config_;
  std::string dir_;
  std::string log_;
  std::string key_list_;
  std::mt19937 random_;
  int log_fd_ = -1;
  int kills_done_ = 0;
  std::set<pid_t> live_;
  std::vector<std::string> problems_;
};

// Parses the PID out of a temporary file name ".sequantlock-<pid>-...".
long TemporaryPid(const std::string& name) {
  const size_t dash = name.find('-');
  return dash == std::string::npos ? 0 : std::atol(name.c_str() + dash + 1);
}

// Checks what the run left in `dir` against the log, clears it the way a
// later run would, and checks that nothing remains.
void CheckDirectory(const RunConfig& config, const std::string& dir,
                    LogChecker* checker, std::vector<std::string>* problems,
                    long* orphan_temporaries) {
  ManagerOptions options;
  options.locks_dir = dir;
  options.orchestrator_mode = false;
  options.store.use_tmpfile = config.tmpfile;
  auto manager = Manager::Create(options);
  ASSERT_TRUE(manager.ok()) << manager.status().message();

  bool aged_temporaries = false;
  for (const std::string& name : ListDir(dir)) {
    const std::string path = dir + "/" + name;
    if (FileStore::IsTemporaryName(name)) {
      // Only the named-file path writes temporaries, and only a writer
      // killed between creating and unlinking one leaves it behind.
      if (config.tmpfile || !checker->WasKilled(TemporaryPid(name))) {
        problems->push_back("stray temporary file " + name);
      }
      ++*orphan_temporaries;
      AgeFile(path, 11 * 60);
      aged_temporaries = true;
      continue;
    }
    const size_t suffix = name.rfind(".lock");
    if (suffix == std::string::npos || suffix + 5 != name.size()) {
      problems->push_back("stray file " + name);
      continue;
    }
    const std::string key = name.substr(0, suffix);
    StatusOr<Record> record = ParseRecord(ReadFile(path));
    if (!record.ok()) {
      problems->push_back("unreadable lock file " + name);
      continue;
    }
    checker->RecoverAtEnd(key, static_cast<long>(record->pid));
    auto cleared = (*manager)->Clear(key, /*force=*/false);
    if (!cleared.ok() || !cleared->cleared) {
      problems->push_back("leftover lock " + name + " is not stale");
      continue;
    }
    const StaleReason reason = cleared->info->decision.reason;
    if (reason != StaleReason::kPidDead && reason != StaleReason::kPidReused) {
      problems->push_back("leftover lock " + name + " cleared as " +
                          StaleReasonName(reason));
    }
  }
  // Listing removes temporaries older than ten minutes.
  if (aged_temporaries) ASSERT_TRUE((*manager)->List().ok());
  const std::vector<std::string> left = ListDir(dir);
  for (const std::string& name : left) {
    problems->push_back("left in the locks directory at the end: " + name);
  }
}

std::vector<std::string> ReadLines(const std::string& path) {
  std::vector<std::string> lines;
  std::istringstream in(ReadFile(path));
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

// One whole run: workers, kills, log check and directory check.
Counts RunAndCheck(const RunConfig& config) {
  TempDir temp;
  const std::string dir = temp.Sub("locks");
  const std::string log = temp.Sub("stress.log");
  Harness harness(config, dir, log);
  std::vector<std::string> problems = harness.Run();

  LogChecker checker = CheckLines(ReadLines(log));
  long orphan_temporaries = 0;
  CheckDirectory(config, dir, &checker, &problems, &orphan_temporaries);
  checker.Finish();
  problems.insert(problems.end(), checker.problems().begin(),
                  checker.problems().end());

  Counts counts = checker.counts();
  counts.runs = 1;
  counts.orphan_temporaries = orphan_temporaries;
  EXPECT_EQ(counts.overlaps, 0);
  EXPECT_EQ(problems.size(), 0u);
  for (size_t i = 0; i < problems.size() && i < 20; ++i) {
    ADD_FAILURE() << problems[i];
  }
  if (!problems.empty()) {
    // The log outlives the temporary directory, for the failure report.
    const std::string kept = "/tmp/sequantlock-stress-" +
                             std::to_string(config.seed) + ".log";
    sequantlock_test::WriteFile(kept, ReadFile(log));
    ADD_FAILURE() << "log kept in " << kept;
  }
  return counts;
}

struct StressCase {
  const char* name;
  int keys;
  bool tmpfile;
};

class StressTest : public ::testing::TestWithParam<StressCase> {};

INSTANTIATE_TEST_SUITE_P(
    KeysAndPublishPaths, StressTest,
    ::testing::Values(StressCase{"OneKeyTmpfile", 1, true},
                      StressCase{"OneKeyNamedFile", 1, false},
                      StressCase{"ThreeKeysTmpfile", 3, true},
                      StressCase{"ThreeKeysNamedFile", 3, false}),
    [](const ::testing::TestParamInfo<StressCase>& info) {
      return info.param.name;
    });

TEST_P(StressTest, NoTwoHoldersOverlapUnderKills) {
  RunConfig config;
  for (int i = 0; i < GetParam().keys; ++i) {
    config.keys.push_back(i == 0 ? "604" : "stress-" + std::to_string(i));
  }
  config.tmpfile = GetParam().tmpfile;
  config.processes = EnvCount("SEQUANTLOCK_STRESS_PROCESSES", 8);
  config.acquisitions = EnvCount("SEQUANTLOCK_STRESS_ACQUISITIONS", 30);
  config.kills = EnvCount("SEQUANTLOCK_STRESS_KILLS", 8);
  const int runs = EnvCount("SEQUANTLOCK_STRESS_RUNS", 1);
  const unsigned seed =
      static_cast<unsigned>(EnvCount("SEQUANTLOCK_STRESS_SEED", 1));

  Counts total;
  for (int run = 0; run < runs; ++run) {
    config.seed = seed * 1000003u + static_cast<unsigned>(run);
    const Counts counts = RunAndCheck(config);
    total.Add(counts);
    if (::testing::Test::HasFailure()) {
      ADD_FAILURE() << "run " << run << " with seed " << config.seed
                    << " failed: " << counts.Line();
      break;
    }
  }
  std::printf("stress %s: %s\n", GetParam().name, total.Line().c_str());
  std::fflush(stdout);
  // Some acquisitions happened and every start line was counted.
  EXPECT_GE(total.acquisitions,
            static_cast<long>(runs) * config.processes * config.acquisitions);
}

// The checker itself, on logs written by hand.
class StressCheckerTest : public ::testing::Test {};

TEST_F(StressCheckerTest, CleanHandOverHasNoProblem) {
  LogChecker checker = CheckLines(
      {"start 10", "start 11", "try 604 10 0", "try 604 11 0",
       "enter 604 10 0 0 -", "leave 604 10 0", "enter 604 11 0 0 -",
       "leave 604 11 0", "held 10 0", "held 11 1"});
  checker.Finish();
  EXPECT_EQ(checker.counts().overlaps, 0);
  EXPECT_EQ(checker.problems().size(), 0u);
  EXPECT_EQ(checker.counts().acquisitions, 2);
  EXPECT_EQ(checker.counts().held_retries, 1);
}

TEST_F(StressCheckerTest, SecondHolderInsideFirstIsOverlap) {
  LogChecker checker = CheckLines(
      {"start 10", "start 11", "try 604 10 0", "try 604 11 0",
       "enter 604 10 0 0 -", "enter 604 11 0 0 -", "leave 604 11 0",
       "leave 604 10 0"});
  checker.Finish();
  EXPECT_EQ(checker.counts().overlaps, 1);
  EXPECT_EQ(checker.problems().size(), 1u);
}

TEST_F(StressCheckerTest, HoldersOfDifferentKeysDoNotOverlap) {
  LogChecker checker = CheckLines(
      {"start 10", "start 11", "try 604 10 0", "try 605 11 0",
       "enter 604 10 0 0 -", "enter 605 11 0 0 -", "leave 604 10 0",
       "leave 605 11 0"});
  checker.Finish();
  EXPECT_EQ(checker.counts().overlaps, 0);
  EXPECT_EQ(checker.problems().size(), 0u);
}

TEST_F(StressCheckerTest, StealAfterKillIsRecovery) {
  LogChecker checker = CheckLines(
      {"start 10", "start 11", "try 604 10 0", "enter 604 10 0 0 -",
       "try 604 11 0", "kill 10", "reap 10", "enter 604 11 0 10 pid-dead",
       "leave 604 11 0"});
  checker.Finish();
  EXPECT_EQ(checker.counts().overlaps, 0);
  EXPECT_EQ(checker.problems().size(), 0u);
  EXPECT_EQ(checker.counts().steals, 1);
  EXPECT_EQ(checker.counts().steals_pid_dead, 1);
}

TEST_F(StressCheckerTest, RecoveryWithoutEntryCountsAsSteal) {
  LogChecker checker = CheckLines(
      {"start 10", "start 11", "start 12", "try 604 10 0",
       "enter 604 10 0 0 -", "try 604 11 0", "try 604 12 0", "kill 10",
       "enter 604 12 0 0 -", "recover 604 11 10 pid-dead", "leave 604 12 0"});
  checker.Finish();
  EXPECT_EQ(checker.problems().size(), 0u);
  EXPECT_EQ(checker.counts().steals, 1);
  EXPECT_EQ(checker.counts().steals_lost_race, 1);
}

TEST_F(StressCheckerTest, KilledAcquirerExplainsVanishedLock) {
  LogChecker checker = CheckLines(
      {"start 10", "start 11", "start 12", "try 604 10 0",
       "enter 604 10 0 0 -", "try 604 11 0", "try 604 12 0", "kill 10",
       "enter 604 12 0 0 -", "kill 11", "leave 604 12 0"});
  checker.Finish();
  EXPECT_EQ(checker.problems().size(), 0u);
  EXPECT_EQ(checker.counts().silent_recoveries, 1);
}

TEST_F(StressCheckerTest, VanishedLockWithoutKilledAcquirerIsProblem) {
  LogChecker checker = CheckLines(
      {"start 10", "start 12", "try 604 10 0", "enter 604 10 0 0 -",
       "try 604 12 0", "kill 10", "enter 604 12 0 0 -", "leave 604 12 0"});
  checker.Finish();
  EXPECT_EQ(checker.problems().size(), 1u);
}

TEST_F(StressCheckerTest, StealBeforeKillLineIsOverlap) {
  LogChecker checker = CheckLines(
      {"start 10", "start 11", "try 604 10 0", "enter 604 10 0 0 -",
       "try 604 11 0", "enter 604 11 0 10 pid-dead", "kill 10",
       "leave 604 11 0"});
  checker.Finish();
  EXPECT_EQ(checker.counts().overlaps, 1);
}

TEST_F(StressCheckerTest, StealFromLiveHolderIsProblem) {
  LogChecker checker =
      CheckLines({"start 10", "start 11", "try 604 11 0",
                  "enter 604 11 0 10 pid-dead", "leave 604 11 0"});
  checker.Finish();
  EXPECT_EQ(checker.problems().size(), 1u);
}

TEST_F(StressCheckerTest, StealOfKeyTheDeadDidNotHoldIsProblem) {
  LogChecker checker = CheckLines(
      {"start 10", "start 11", "try 604 10 0", "enter 604 10 0 0 -",
       "kill 10", "try 605 11 0", "enter 605 11 0 10 pid-dead",
       "leave 605 11 0"});
  checker.RecoverAtEnd("604", 10);
  checker.Finish();
  EXPECT_EQ(checker.problems().size(), 1u);
}

TEST_F(StressCheckerTest, SecondStealOfOneDeadHolderIsProblem) {
  LogChecker checker = CheckLines(
      {"start 10", "start 11", "start 12", "try 604 10 0",
       "enter 604 10 0 0 -", "kill 10", "try 604 11 0",
       "enter 604 11 0 10 pid-dead", "leave 604 11 0", "try 604 12 0",
       "enter 604 12 0 10 pid-dead", "leave 604 12 0"});
  checker.Finish();
  EXPECT_EQ(checker.problems().size(), 1u);
}

TEST_F(StressCheckerTest, LockOfKilledHolderMustBeRecovered) {
  LogChecker checker = CheckLines(
      {"start 10", "try 604 10 0", "enter 604 10 0 0 -", "kill 10", "reap 10"});
  checker.Finish();
  EXPECT_EQ(checker.problems().size(), 1u);
}

TEST_F(StressCheckerTest, LeftoverOfKilledHolderIsRecoveredAtEnd) {
  LogChecker checker = CheckLines(
      {"start 10", "try 604 10 0", "enter 604 10 0 0 -", "kill 10", "reap 10"});
  EXPECT_TRUE(checker.RecoverAtEnd("604", 10));
  checker.Finish();
  EXPECT_EQ(checker.problems().size(), 0u);
  EXPECT_EQ(checker.counts().recovered_at_end, 1);
}

TEST_F(StressCheckerTest, LeftoverOfKilledReleaserIsRecoveredAtEnd) {
  LogChecker checker =
      CheckLines({"start 10", "try 604 10 0", "enter 604 10 0 0 -",
                  "leave 604 10 0", "kill 10", "reap 10"});
  EXPECT_TRUE(checker.RecoverAtEnd("604", 10));
  checker.Finish();
  EXPECT_EQ(checker.problems().size(), 0u);
}

TEST_F(StressCheckerTest, LeftoverOfLiveWorkerIsProblem) {
  LogChecker checker = CheckLines({"start 10", "held 10 0"});
  EXPECT_FALSE(checker.RecoverAtEnd("604", 10));
  EXPECT_EQ(checker.problems().size(), 1u);
}

TEST_F(StressCheckerTest, LineAfterKillIsProblem) {
  LogChecker checker = CheckLines({"start 10", "kill 10", "try 604 10 0"});
  checker.Finish();
  EXPECT_EQ(checker.problems().size(), 1u);
}

TEST_F(StressCheckerTest, EnterWithoutLeaveIsProblem) {
  LogChecker checker =
      CheckLines({"start 10", "try 604 10 0", "enter 604 10 0 0 -"});
  checker.Finish();
  EXPECT_EQ(checker.problems().size(), 1u);
}

TEST_F(StressCheckerTest, WorkerErrorLineIsProblem) {
  LogChecker checker = CheckLines({"start 10", "error 10 acquire failed"});
  checker.Finish();
  EXPECT_EQ(checker.problems().size(), 1u);
}

}  // namespace
}  // namespace sequantlock
