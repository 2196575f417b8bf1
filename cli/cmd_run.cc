// `sequantlock run`: hold each key's lock while a command works on it.
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "child_process.h"
#include "command.h"
#include "library.h"
#include "output.h"

namespace sequantlock_cli {
namespace {

// The outcome of one key of the batch.
struct KeyOutcome {
  enum class State { kRan, kSkipped, kNotStarted };

  std::string key;
  State state = State::kNotStarted;
  // For a skipped key: the holder that kept it.
  Json holder;
  std::string holder_text;
  ChildOutcome child;
  int64_t elapsed_ms = 0;
};

std::string JoinWords(const std::vector<std::string>& words) {
  std::string text;
  for (const std::string& word : words) {
    if (!text.empty()) text += ' ';
    text += word;
  }
  return text;
}

class RunCommand : public Command {
 public:
  explicit RunCommand(CLI::App& parent)
      : Command(parent, "run",
                "For each key in turn: take its lock, run the command with "
                "SEQUANT_ISSUE set to the key, release the lock. A held key "
                "is skipped and the batch goes on",
                "The command follows '--': sequantlock run <key>... "
                "[OPTIONS] -- CMD [ARG...]\n\n"
                "0 when at least one key was free and every command exited "
                "0; 1 when every key was held; otherwise the first failing "
                "command's status; 128+N after signal N (SIGINT, SIGTERM), "
                "with every lock released. A command is forwarded SIGINT and "
                "SIGTERM and is killed if run dies.") {
    app_->add_option("keys", keys_,
                     "Issue numbers (604) or named keys (checkout), then "
                     "'--' and the command")
        ->required();
    CLI::Option* force = app_->add_flag(
        "--force", force_, "Take each lock whatever holds it");
    app_->add_flag("--signal-other", signal_other_,
                   "With --force: send SIGTERM to each previous holder when "
                   "it is alive on this host and provably the process that "
                   "took the lock")
        ->needs(force);
    app_->add_option("--command", command_,
                     "What to record as the holder's command (default: this "
                     "command line)");
  }

  ExitCode Run(const GlobalOptions& global) override {
    if (!ValidateKeys(keys_)) return ExitCode::kInvalidArguments;
    for (size_t i = 0; i < keys_.size(); ++i) {
      for (size_t j = 0; j < i; ++j) {
        if (keys_[i] != keys_[j]) continue;
        PrintError("key '" + keys_[i] +
                   "' is given twice: each key runs the command once, so "
                   "list it once");
        return ExitCode::kInvalidArguments;
      }
    }
    if (global.child_argv.empty()) {
      PrintError("missing command: put it after '--', as in 'sequantlock "
                 "run 604 -- make test'");
      return ExitCode::kInvalidArguments;
    }
    child_argv_ = global.child_argv;
    orchestrator_ = sequantlock_orchestrator_mode_from_env() != 0;
    if (!orchestrator_) manager_ = MakeManager(global);
    if (command_.empty()) {
      command_ = "sequantlock run " + JoinWords(keys_) + " -- " +
                 JoinWords(child_argv_);
    }

    SignalForwarding forwarding;
    std::vector<KeyOutcome> outcomes;
    try {
      for (const std::string& key : keys_) outcomes.push_back(RunKey(key));
    } catch (const LibraryFailure& failure) {
      ReleaseAll();
      PrintSummary(outcomes);
      return ReportFailure(failure);
    } catch (const std::system_error& error) {
      ReleaseAll();
      PrintSummary(outcomes);
      PrintError(error.what());
      return ExitCode::kIoFailure;
    }
    ReleaseAll();
    PrintSummary(outcomes);

    const int received = SignalForwarding::ReceivedSignal();
    if (received != 0) return static_cast<ExitCode>(128 + received);
    return BatchStatus(outcomes);
  }

 private:
  KeyOutcome RunKey(const std::string& key) {
    KeyOutcome outcome;
    outcome.key = key;
    if (SignalForwarding::ReceivedSignal() != 0) return outcome;
    if (!orchestrator_ && !TakeLock(key, outcome)) {
      outcome.state = KeyOutcome::State::kSkipped;
      return outcome;
    }

    const auto start = std::chrono::steady_clock::now();
    std::optional<ChildOutcome> child = RunChild(child_argv_, key);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    if (!orchestrator_) {
      Check(sequantlock_manager_release(manager_.get(), key.c_str(), nullptr));
    }
    if (!child) return outcome;

    outcome.state = KeyOutcome::State::kRan;
    outcome.child = *child;
    outcome.elapsed_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count();
    return outcome;
  }

  // Takes the lock for `key`, or records its holder in `outcome` and prints
  // the refusal when someone else holds it.
  bool TakeLock(const std::string& key, KeyOutcome& outcome) {
    sequantlock_acquire_result* raw_result = nullptr;
    if (force_) {
      Check(sequantlock_manager_force_acquire(
          manager_.get(), key.c_str(), command_.c_str(), 0, &raw_result));
    } else {
      Check(sequantlock_manager_acquire(manager_.get(), key.c_str(),
                                        command_.c_str(), 0, &raw_result));
    }
    AcquireResultPtr result(raw_result);

    if (!sequantlock_acquire_result_acquired(result.get())) {
      const sequantlock_holder* holder =
          sequantlock_acquire_result_holder(result.get());
      PrintErr(LockedMessage(key, holder), Colour::kYellow);
      outcome.holder = HolderJson(holder);
      outcome.holder_text =
          holder == nullptr
              ? "an unreadable lock record"
              : "PID " + std::to_string(sequantlock_holder_pid(holder));
      return false;
    }

    WarnIfStaleReplaced(key, result.get());
    const sequantlock_holder* previous =
        sequantlock_acquire_result_previous(result.get());
    if (force_ && signal_other_ && previous != nullptr) {
      int reason = 0;
      Check(sequantlock_manager_signal_other(manager_.get(), previous,
                                             SIGTERM, &reason));
      PrintOut(SignalOutcomeLine(reason, sequantlock_holder_pid(previous),
                                 key),
               Colour::kGray);
    }
    return true;
  }

  // Drops every lock still held, on every way out.
  void ReleaseAll() {
    if (!manager_) return;
    if (sequantlock_manager_release_all(manager_.get(), nullptr) !=
        SEQUANTLOCK_OK) {
      PrintWarning(std::string("cannot release every lock: ") +
                   sequantlock_last_error_message());
    }
  }

  static ExitCode BatchStatus(const std::vector<KeyOutcome>& outcomes) {
    bool any_ran = false;
    for (const KeyOutcome& outcome : outcomes) {
      if (outcome.state != KeyOutcome::State::kRan) continue;
      if (outcome.child.status != 0) {
        return static_cast<ExitCode>(outcome.child.status);
      }
      any_ran = true;
    }
    return any_ran ? ExitCode::kOk : ExitCode::kHeld;
  }

  void PrintSummary(const std::vector<KeyOutcome>& outcomes) const {
    if (json_) {
      PrintJson(SummaryJson(outcomes));
      return;
    }
    for (const KeyOutcome& outcome : outcomes) {
      PrintOut(SummaryLine(outcome));
    }
  }

  std::string SummaryLine(const KeyOutcome& outcome) const {
    const std::string label = KeyLabel(outcome.key) + ": ";
    switch (outcome.state) {
      case KeyOutcome::State::kSkipped:
        return label + "skipped, held by " + outcome.holder_text;
      case KeyOutcome::State::kNotStarted:
        return label + "not started, interrupted";
      case KeyOutcome::State::kRan:
        break;
    }
    const std::string taken =
        orchestrator_ ? "ran without a lock, " : "acquired, ";
    const std::string ended =
        outcome.child.signal != 0
            ? "killed by " + SignalName(outcome.child.signal)
            : "exited " + std::to_string(outcome.child.status);
    return label + taken + ended + " after " +
           FormatSeconds(outcome.elapsed_ms);
  }

  Json SummaryJson(const std::vector<KeyOutcome>& outcomes) const {
    Json results = Json::array();
    for (const KeyOutcome& outcome : outcomes) {
      Json entry = KeyObject(outcome.key);
      switch (outcome.state) {
        case KeyOutcome::State::kSkipped:
          entry["status"] = "skipped";
          entry["acquired"] = false;
          entry["holder"] = outcome.holder;
          break;
        case KeyOutcome::State::kNotStarted:
          entry["status"] = "not-started";
          entry["acquired"] = false;
          break;
        case KeyOutcome::State::kRan:
          entry["status"] = "ran";
          entry["acquired"] = !orchestrator_;
          entry["exitCode"] = outcome.child.status;
          entry["signal"] = outcome.child.signal != 0
                                ? Json(SignalName(outcome.child.signal))
                                : Json(nullptr);
          entry["elapsedMs"] = outcome.elapsed_ms;
          break;
      }
      results.push_back(entry);
    }
    Json summary = {{"results", results}};
    const int received = SignalForwarding::ReceivedSignal();
    summary["interruptedBy"] =
        received != 0 ? Json(SignalName(received)) : Json(nullptr);
    if (orchestrator_) summary["orchestratorMode"] = true;
    return summary;
  }

  std::vector<std::string> keys_;
  bool force_ = false;
  bool signal_other_ = false;
  std::string command_;

  std::vector<std::string> child_argv_;
  bool orchestrator_ = false;
  ManagerPtr manager_;
};

}  // namespace

std::unique_ptr<Command> MakeRunCommand(CLI::App& parent) {
  return std::make_unique<RunCommand>(parent);
}

}  // namespace sequantlock_cli
